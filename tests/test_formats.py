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
    ("ragged.tsv", 3, "this row has 2 cells, the header has 3"),
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


# --- issue 27: inputs a new user brought ---------------------------------------

def _one_line_error(tmp_path, *args):
    result = runner.invoke(app, ["check", *map(str, args), "-o", str(tmp_path / "out"), "-q"])
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and "Traceback" not in result.output, result.output
    assert not (tmp_path / "out").exists()
    return lines[0]


@pytest.mark.parametrize("encoding,bom", [("utf-16-le", "\ufeff"), ("utf-16-be", "\ufeff"), ("utf-32-le", "\ufeff")])
def test_utf16_and_utf32_with_a_bom_are_read(tmp_path, encoding, bom):
    """Excel's "Unicode Text" export is UTF-16-LE with a BOM; it used to be refused as binary."""
    text = "src\tmt\tref\n猫坐着。\tThe cat sat.\tThe cat sat down.\n狗叫了。\tThe dog barked.\tA dog barked.\n"
    table = tmp_path / "excel.txt.tsv"
    table.write_bytes((bom + text).encode(encoding))
    lines = tmp_path / "mt.txt"
    lines.write_bytes((bom + "The cat sat.\nThe dog barked.\n").encode(encoding))
    frame = load(InputSpec(data=str(table))).table
    assert frame["mt"].tolist() == ["The cat sat.", "The dog barked."]
    assert frame["src"].tolist()[0] == "猫坐着。"
    result = runner.invoke(app, ["check", str(table), "-o", str(tmp_path / "r"), "-q", "--no-embedding"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["check", "-t", str(lines), "-o", str(tmp_path / "r2"), "-q", "--no-embedding"])
    assert result.exit_code == 0, result.output
    import pandas as pd
    assert pd.read_csv(tmp_path / "r2" / "segments.csv")["mt"].tolist() == ["The cat sat.", "The dog barked."]


def test_gzip_compressed_tables_lines_and_folders_read_as_their_text(tmp_path):
    """news.tsv.gz reads as news.tsv would, streamed, in a folder and as -t; a damaged or compressed XML
    file is a one-line error and nothing is written."""
    import gzip

    import pandas as pd

    from conftest import TED_LINES, TED_TSV

    table = tmp_path / "ted.tsv.gz"
    table.write_bytes(gzip.compress(TED_TSV.read_bytes()))
    plain, packed = (load(InputSpec(data=str(p))).table for p in (TED_TSV, table))
    assert packed.drop(columns="file").equals(plain.drop(columns="file")) and len(packed) == 120
    folder = tmp_path / "corpus"
    folder.mkdir()
    (folder / "mt.txt.gz").write_bytes(gzip.compress((TED_LINES / "mt.txt").read_bytes()))
    (folder / "ref.txt.gz").write_bytes(gzip.compress((TED_LINES / "ref.txt").read_bytes()))
    result = runner.invoke(app, ["check", str(folder), "-o", str(tmp_path / "r"), "-q", "--no-embedding"])
    assert result.exit_code == 0, result.output
    seg = pd.read_csv(tmp_path / "r" / "segments.csv")
    assert len(seg) == 40 and seg["mt"].iloc[1].startswith("We stand on the earth") and seg["chrf"].notna().all()
    damaged = tmp_path / "damaged.tsv.gz"
    damaged.write_bytes(gzip.compress(TED_TSV.read_bytes())[:700])
    assert "damaged.tsv.gz" in _one_line_error(tmp_path, damaged)
    xml = tmp_path / "review.xlf.gz"
    xml.write_bytes(gzip.compress((DATA / "formats" / "review-1.2.xlf").read_bytes()))
    message = _one_line_error(tmp_path, xml)
    assert "compressed XML" in message and "gunzip" in message


def test_undeclared_binary_is_still_refused(tmp_path):
    data = tmp_path / "mt.txt"
    data.write_bytes("The cat sat.\n".encode("utf-16-le"))  # UTF-16 without its BOM: NUL bytes, no declaration
    assert "binary file (NUL byte)" in _one_line_error(tmp_path, "-t", data)


def test_short_and_long_rows_are_both_errors_naming_the_line(tmp_path):
    short = tmp_path / "short.tsv"
    short.write_text("src\tmt\tref\n一\tOne.\tOne.\n二\tTwo.\n", encoding="utf-8")
    message = _one_line_error(tmp_path, short)
    assert "short.tsv:3:" in message and "2 cells, the header has 3" in message
    long = tmp_path / "long.csv"
    long.write_text("mt,ref\nOne.,One.\nTwo.,Two.,extra\n", encoding="utf-8")
    message = _one_line_error(tmp_path, long)
    assert "long.csv:3:" in message and "3 cells, the header has 2" in message


def test_unclosed_csv_quote_names_the_line_it_opened_on(tmp_path):
    table = tmp_path / "quotes.csv"
    table.write_text('mt,ref\n"One.",One.\n"Two, and,Two.\nThree.,Three.\n', encoding="utf-8")
    message = _one_line_error(tmp_path, table)
    assert "quotes.csv:3:" in message and "never closed" in message and "TSV" not in message


def test_missing_mt_column_lists_the_columns_found(tmp_path):
    table = tmp_path / "cols.tsv"
    table.write_text("source\ttranslation\treference\nA\tB\tC\n", encoding="utf-8")
    message = _one_line_error(tmp_path, table)
    assert "no 'mt' column" in message and "'source', 'translation', 'reference'" in message


def test_unequal_files_that_agree_say_where_they_stop(tmp_path):
    mt, ref = tmp_path / "mt.txt", tmp_path / "ref.txt"
    mt.write_text("The cat sat.\nThe dog barked.\n", encoding="utf-8")
    ref.write_text("The cat sat.\nThe dog barked.\nA third line.\n", encoding="utf-8")
    message = _one_line_error(tmp_path, "-t", mt, "-r", ref)
    assert "no visible divergence" not in message
    assert "pair up on the first 2" in message and "ref has 1 more from line 3" in message
