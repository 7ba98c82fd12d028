"""Rule checks: positive and negative cases from real MT (the sample corpus and the TED MQM data)."""

import csv

import pandas as pd
import pytest

from conftest import TED_TSV, segment
from mtcheck.checks import CheckContext, available, run_checks
from mtcheck.checks.repetition import doubled_word, duplicate_segment
from mtcheck.checks.truncation import no_terminal_punct

EN = CheckContext("en")
DE = CheckContext("de")


def fired(check, text, ctx=EN, **row):
    return list(check({"mt": text, **row}, ctx))


# --- doubled-word ---------------------------------------------------------

def test_doubled_word_finds_mt_doublings_with_span():
    text = ("so that the Chinese civilization can glow with new vitality and vitality, and inject strong "
            "civilization nourishment")  # from the sample corpus
    found = fired(doubled_word, text)
    assert len(found) == 1
    assert text[found[0].start:found[0].end] == "vitality and vitality"
    # TED zh-en MT, rated "Minor|Style/Awkward|status status" by MQM raters
    found = fired(doubled_word, "Of course, those feelings due to competition for status status motivate the advance.")
    assert [f.severity for f in found] == ["minor"]
    assert "status" in found[0].message


@pytest.mark.parametrize("text", [
    # human references from the TED MQM data, error-free
    "Because you have to chuck out masses and masses of it, hoping that your sex cells will reach another flower.",
    "it goes and bonks it on the head lots and lots of times to try and drive it away",
    "Plants also have harvests, and Tian Tian spreads the pollen elsewhere.",
    "Prices rose more and more, and the gap grew bigger and bigger.",
    "I had had enough of it.",
])
def test_doubled_word_leaves_intended_repetition_alone(text):
    assert fired(doubled_word, text) == []


def test_doubled_word_knows_german_relative_clauses():
    assert fired(doubled_word, "Hier haben wir Kinder, die die High School abbrechen.", DE) == []
    assert len(fired(doubled_word, "Dies ist ist unsere Vorstellung davon.", DE)) == 1


def test_doubled_word_is_rare_on_human_references():
    frame = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    refs = frame.drop_duplicates("seg_id")["ref"]
    assert sum(len(fired(doubled_word, r)) for r in refs) == 0


# --- no-terminal-punct ------------------------------------------------------

def test_cut_off_teaser_is_flagged_on_its_last_word():
    text = "The 14th Five Year Plan for Cultural Development points out that improving families and schools"
    found = fired(no_terminal_punct, text, kind="sentence")
    assert len(found) == 1 and text[found[0].start:found[0].end] == "schools"


def test_stop_on_a_function_word_is_major():
    found = fired(no_terminal_punct, "From proposing the concept, and then emphasizing that", kind="sentence")
    assert found[0].severity == "major" and "that" in found[0].message


@pytest.mark.parametrize("text,row", [
    ("The Internet is the most dynamic area of our times, and also the biggest variable we face.", {}),
    ('The situation requires us to "prevent risks and ensure security".', {}),
    ("——Raise the flag and gather the hearts of the people", {"kind": "heading"}),
    ("Micro Video | Strengthening the Construction | Population | Micro Video", {"kind": "title"}),
    ("(Laughter)", {}),
    ("The strong sunlight is so dazzling,", {"src": "强烈的阳光是如此耀眼，"}),  # the source is a fragment too
])
def test_no_terminal_punct_negatives(text, row):
    assert fired(no_terminal_punct, text, **row) == []


# --- duplicate-segment ------------------------------------------------------

def test_sample_repeated_header_and_duplicated_headlines(sample_result):
    seg = sample_result.segments
    header = seg[seg["mt"].str.startswith("First Observation General Secretary")]
    assert len(header) == 3 and header["checks"].str.contains("duplicate-segment").all()
    for start in ("Micro Video | Strengthening", "Study every day |", "Guiding the right direction",
                  "The overall stable operation of domestic prices", "The Construction of Modern Civilization"):
        rows = segment(sample_result, start)
        assert len(rows) == 2, start
        first, second = rows.iloc[0], rows.iloc[1]
        assert "duplicate-segment" not in first["checks"]
        assert "duplicate-segment" in second["checks"] and second["severity"] == "major"


def test_faithful_duplicates_pass_when_the_source_repeats_too():
    frame = pd.DataFrame({
        "doc_id": "d", "seg_id": [1, 2, 3],
        "src": ["谢谢大家的聆听和支持。", "谢谢大家的聆听和支持。", "另一句话完全不同。"],
        "mt": ["Thank you all for listening and supporting."] * 2 + ["Another sentence entirely different."],
    })
    assert list(duplicate_segment(frame, EN)) == []
    frame.loc[1, "src"] = "这是另一句不同的原文。"
    assert [i for i, _ in duplicate_segment(frame, EN)] == [1]


def test_duplicates_are_counted_per_system():
    frame = pd.read_csv(TED_TSV, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame["mt"] = frame["ref"]  # three systems with identical output: no duplicate within any system
    assert list(duplicate_segment(frame, EN)) == []


# --- the whole set on the sample --------------------------------------------

def test_sample_fluent_paragraphs_stay_ok(sample_result):
    for start in ("The Internet is the most dynamic area", "Since the 18th National Congress",
                  "Today, we are closer than ever", "China has promoted the establishment",
                  "Currently, the number of internet users"):
        row = segment(sample_result, start).iloc[0]
        assert row["severity"] == "ok", (start, row["explanation"])


def test_run_checks_rejects_unknown_check():
    from mtcheck.errors import UsageError

    with pytest.raises(UsageError, match="unknown check"):
        run_checks(pd.DataFrame({"mt": ["x"], "src": [""]}), ["no-such-check"])


def test_every_check_has_a_description():
    for info in available().values():
        assert info.description, info.id
