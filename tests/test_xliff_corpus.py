"""The real-XLIFF corpus (issue 35): 31 files from 13 producers in tests/data/xliff-wild, each annotated and
judged by the criteria of tests/xliff_corpus.py (XSD, canonical XML, translate-toolkit, read-back)."""

import pytest

from conftest import DATA
from xliff_corpus import LocalSchemas, examine, run_cli

WILD = DATA / "xliff-wild"
CORPUS = sorted(p for p in WILD.iterdir() if p.suffix in (".xlf", ".xliff", ".sdlxliff", ".mqxliff") and "unbound-prefix" not in p.name)
REFUSED = sorted(WILD.glob("*unbound-prefix*"))


@pytest.fixture(scope="module")
def schemas():
    return LocalSchemas()


def test_the_corpus_is_what_the_issue_asked_for():
    versions = {p.name: p.read_bytes()[:1500] for p in CORPUS}
    assert len(CORPUS) >= 25
    assert sum(b'version="2.0"' in head.split(b"?>")[-1] for head in versions.values()) >= 5  # 2.x files


@pytest.mark.parametrize("path", CORPUS, ids=[p.name for p in CORPUS])
def test_a_real_file_round_trips(path, tmp_path, schemas):
    result = examine(path, tmp_path, schemas)
    assert result["annotated"] is True, result
    assert result["validates"]["ok"], result["validates"]  # valid wherever the input is
    assert result["canonical"] is True
    assert result["states_recorded"] is True, result["states_recorded"]
    assert result["toolkit"] in (True, "input unreadable"), result["toolkit"]
    assert result["read_back"] is True, result["read_back"]


def test_at_least_the_valid_inputs_stay_valid(schemas):
    """Most of the corpus validates as it comes; the schema never passes a file just because it is lax."""
    valid = [p.name for p in CORPUS if not schemas.errors(p.read_bytes())]
    assert len(valid) >= 22
    # A Matecat converter file names a tool in <file tool-id> without declaring it in <header>: invalid
    assert "matecat-file-917760.xliff" not in valid


@pytest.mark.parametrize("path", REFUSED, ids=[p.name for p in REFUSED])
def test_xml_with_an_undeclared_prefix_is_a_one_line_error(path, tmp_path):
    code, output = run_cli(path, "-o", tmp_path / "r")
    assert code == 2 and "unbound prefix" in output and path.name in output and "Traceback" not in output


def test_segmented_targets_are_read_by_their_segments(tmp_path):
    """Okapi's pretty-printed <mrk mtype="seg"> targets (xml:space="preserve"): the indentation between the
    markers is layout; it flagged all 188 units for whitespace before."""
    import pandas as pd

    from mtcheck.io.xliff import read_xliff

    units = read_xliff(WILD / "matecat-calibre.docx.xliff").set_index("seg_id")
    assert units.loc["NFDBB2FA9-tu1", "mt"] == "Demonstration of DOCX support in calibre"
    assert units.loc["NFDBB2FA9-tu2", "src"].startswith("This document demonstrates") and "\t" not in units.loc[
        "NFDBB2FA9-tu2", "src"]
    code, _ = run_cli(WILD / "matecat-calibre.docx.xliff", "-o", tmp_path / "r")
    segments = pd.read_csv(tmp_path / "r" / "segments.csv", dtype=str, keep_default_na=False)
    assert code == 0 and not segments["checks"].str.contains("whitespace").any()
    # the file's targets are the English source copied into an Indonesian file: those are found
    assert segments["checks"].str.contains("copied-source").sum() >= 40


def test_an_empty_unit_and_a_region_typo_in_a_real_file(tmp_path):
    import json

    import pandas as pd

    code, _ = run_cli(WILD / "matecat-pcec.xlf", "-o", tmp_path / "a")
    segments = pd.read_csv(tmp_path / "a" / "segments.csv", dtype=str, keep_default_na=False)
    empty = segments[(segments["src"] == "") & (segments["mt"] == "")]
    assert code == 0 and len(empty) >= 2 and (empty["checks"] == "").all()  # nothing to translate, no finding
    # TranslationOS wrote target-language="ko-KO" (KO is no region): read as Korean, not refused
    code, output = run_cli(WILD / "matecat-v1-duplicate-ids.xliff", "-o", tmp_path / "b")
    assert code == 0, output
    assert json.loads((tmp_path / "b" / "summary.json").read_text(encoding="utf-8"))["options"]["target_lang"] == "ko"


def test_an_angular_file_without_a_target_language_is_read_in_its_names_language(tmp_path):
    import json

    code, output = run_cli(WILD / "angular-messages.fr.xlf", "-o", tmp_path / "r")
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert code == 0 and summary["options"]["target_lang"] == "fr"
    assert summary["flagged"] == 0  # correct French, read as French (as English, a sentence was "wrong language")


def test_paired_tags_out_of_order_in_real_okapi_units():
    """Paired codes may change places as words do; a closing tag moved before its opening one is an error."""
    from mtcheck.checks.placeholders import _misnested
    from mtcheck.io.xliff import read_xliff

    units = read_xliff(WILD / "matecat-calibre.docx.xliff")
    paired = [(s, m) for s, m in zip(units["src"], units["mt"]) if "{g:" in s and "{/g:" in m]
    assert paired and not any(_misnested(s, m) for s, m in paired)
    src, mt = paired[0]
    code = mt[mt.index("{/g:"):mt.index("}", mt.index("{/g:")) + 1]
    opening = code.replace("{/", "{")
    bad = mt.replace(code, "", 1).replace(opening, code + opening, 1)
    finding = _misnested(src, bad)
    assert finding is not None and "out of order" in finding.message
