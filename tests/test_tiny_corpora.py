"""Every corpus size from one row up gives a report, with empty cells in any column (issue 27).

A 3-row table with one empty MT used to end in "internal error: don't know how to coerce float and
float32": some of the corpus bootstrap's resamples held only the empty row, and chrF returned a
Python 0.0 for those beside float32 scores for the others (sacrebleu_metrics._same_score_type).
The cases below are drawn from a seeded generator, so they are the same on every run.
"""

import random

import pandas as pd
import pytest
from typer.testing import CliRunner

from mtcheck.cli import app
from mtcheck.pipeline import check

# Real zh-en text from the TED MQM fixture's first rows.
ROWS = [
    ("我们应该好好的考虑一下。", "We should think about it carefully.", "We should consider it carefully."),
    ("这是一个很大的问题。", "This is a big problem.", "This is a huge problem."),
    ("他们在城市里工作了十年。", "They worked in the city for ten years.", "They have worked in the city for ten years."),
    ("谢谢大家。", "Thank you all.", "Thank you, everyone."),
]


def _cases():
    rng = random.Random(27)
    cases = []
    for size in (1, 2, 3, 4):
        for _ in range(4):
            rows = [list(r) for r in ROWS[:size]]
            for column in range(3):
                for row in rows:
                    if rng.random() < 0.35:
                        row[column] = ""
            cases.append(rows)
    # The edges a generator may miss: everything empty but one MT, and every MT empty.
    cases.append([["", "", ""], ["", "Only this one.", ""], ["", "", ""]])
    cases.append([[s, "", r] for s, _, r in ROWS[:3]])
    return cases


@pytest.mark.parametrize("rows", _cases(), ids=lambda rows: "|".join("".join("x" if c else "_" for c in r)
                                                                        for r in rows))
def test_tiny_corpora_with_empty_cells_give_a_result(rows):
    frame = pd.DataFrame(rows, columns=["src", "mt", "ref"])
    segments = check(frame, checks=None)
    assert len(segments) == len(rows)
    assert segments["quality"].between(0, 100).all()
    # An empty MT with something to translate is never published; a wholly empty row is a blank line.
    blank = segments[["mt", "src", "ref"]].fillna("").apply(lambda c: c.str.strip() == "")
    missing = blank["mt"] & ~(blank["src"] & blank["ref"])
    assert (segments.loc[missing, "severity"] == "major").all()
    assert not (segments.loc[missing, "route"] == "publish").any()


def test_three_line_files_with_one_empty_line(tmp_path):
    """The issue's second form: plain -t/-r files of three lines, one empty."""
    mt = tmp_path / "mt.txt"
    ref = tmp_path / "ref.txt"
    mt.write_text("The cat sat on the mat.\n\nHello there my friend.\n", encoding="utf-8")
    ref.write_text("The cat sat on the mat.\nA dog barked loudly.\nHello there, my friend.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", "-t", str(mt), "-r", str(ref), "-o", str(tmp_path / "out"), "-q"])
    assert result.exit_code == 0, result.output
    assert "internal error" not in result.output
    summary = (tmp_path / "out" / "summary.json").read_text(encoding="utf-8")
    assert '"segments": 3' in summary
