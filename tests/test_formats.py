"""Every reader on its own fixture, and hostile files: one line, exit 2, nothing written.

The fixtures in tests/data/formats/ carry real TED zh-en text (see tests/data/README.md).
"""

import pytest
from typer.testing import CliRunner

from conftest import DATA
from mtcheck.cli import app
from mtcheck.errors import InputError
from mtcheck.io import InputSpec, load

FORMATS = DATA / "formats"
runner = CliRunner()


def table(name):
    return load(InputSpec(data=str(FORMATS / name))).table


def test_xliff_12_units_inline_codes_state_and_missing_target():
    frame = table("sample-1.2.xlf")
    assert frame["seg_id"].tolist() == ["84", "85", "86"]  # the unit inside <group> too
    assert (frame["doc_id"] == "talk2.html").all()
    assert frame.loc[1, "src"] == "我们站在地球上仰望{g:1}夜空{/g:1}用肉眼就能看到天上的繁星。{x:2}"
    assert frame.loc[1, "mt"].endswith("the {g:1}night sky{/g:1}. We can see the stars with our naked eyes.{x:2}")
    assert frame["state"].tolist() == ["translated", "needs-review-translation", ""]
    assert frame.loc[2, "mt"] == ""  # no <target>: an untranslated unit, reported as an omission


def test_xliff_20_segments_and_units():
    frame = table("sample-2.0.xlf")
    assert frame["seg_id"].tolist() == ["u84/s1", "u84/s2", "u86"]
    assert frame.loc[1, "mt"] == "Since Galileo pointed a {pc:1}rudimentary telescope{/pc:1} at the celestial bodies,{ph:2}"
    assert frame["state"].tolist() == ["final", "translated", ""]


def test_tmx_languages_and_placeholders():
    frame = table("sample.tmx")
    assert frame["src"].tolist()[0] == "我们看见月球反射的光芒。"
    assert frame["mt"].tolist()[1] == "We stand on the earth and look up at the {bpt:1}night sky{ept:1}."
    assert set(frame["mt_lang"]) == {"en"} and frame["seg_id"].tolist() == ["84", "85"]


def test_wmt_xml_systems_and_two_references():
    frame = table("sample-wmt.xml")
    assert len(frame) == 4 and set(frame["system"]) == {"Facebook-AI", "Online-W"}
    first = frame.iloc[0]
    assert first["ref"] == "We see light reflected off the Moon." and first["ref_2"] == "We see the moonlight."
    assert first["doc_id"] == "talk.2" and first["seg_id"] == "1"


def test_srt_cues_are_segments_with_lines():
    side = load(InputSpec(data=str(FORMATS / "sample.srt"))).sides["mt"][0]
    assert side.texts()[0] == "We stand on the earth and look up at the night sky."  # CRLF, two lines joined
    assert [s.seg_id for s in side.segments] == [1, 2, 3] and side.segments[1].line == 8


def test_untranslated_xliff_unit_is_an_omission(tmp_path):
    result = runner.invoke(app, ["check", str(FORMATS / "sample-1.2.xlf"), "-o", str(tmp_path / "r"), "-q",
                                 "--no-embedding"])
    assert result.exit_code == 0, result.output
    import pandas as pd
    seg = pd.read_csv(tmp_path / "r" / "segments.csv", dtype=str, keep_default_na=False)
    assert seg.loc[seg["seg_id"] == "86", "checks"].item() == "omission"
    assert "state" in seg.columns


@pytest.mark.parametrize("name,line,needle", [
    ("bomb.xlf", None, "refused unsafe XML"),
    ("malformed.xlf", 5, "malformed XML: mismatched tag"),
    ("wrong-encoding.tmx", 3, "malformed XML: not well-formed"),
    ("ragged.tsv", 4, "Expected 3 fields in line 4"),
    ("broken.srt", 6, "cue 2 has no timing line"),
])
def test_hostile_inputs_fail_in_one_line_and_write_nothing(tmp_path, name, line, needle):
    with pytest.raises(InputError) as err:
        load(InputSpec(data=str(FORMATS / name)))
    assert err.value.line == line
    out = tmp_path / "out"
    result = runner.invoke(app, ["check", str(FORMATS / name), "-o", str(out)])
    assert result.exit_code == 2
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and needle in lines[0] and name in lines[0] and "Traceback" not in result.output
    assert not out.exists()


def test_content_sniffing_without_an_extension(tmp_path):
    for name, rows in (("sample.tmx", 2), ("sample-1.2.xlf", 3), ("sample-wmt.xml", 4)):
        copy = tmp_path / (name + ".dat")
        copy.write_bytes((FORMATS / name).read_bytes())
        assert len(load(InputSpec(data=str(copy))).table) == rows, name
    subs = tmp_path / "subs.txt"
    subs.write_bytes((FORMATS / "sample.srt").read_bytes())
    assert load(InputSpec(data=str(subs))).sides["mt"][0].fmt == "srt"


def test_format_flag_overrides_detection(tmp_path):
    copy = tmp_path / "units.txt"
    copy.write_bytes((FORMATS / "sample.tmx").read_bytes())
    frame = load(InputSpec(data=str(copy), fmt="tmx")).table
    assert len(frame) == 2
