"""Readers: plain lines, running text, tables and corpus folders, on real text."""

import pytest

from conftest import SAMPLE, SAMPLE_DOC, TED_LINES, TED_TSV
from mtcheck.errors import InputError, UsageError
from mtcheck.io import InputSpec, load, read_corpus_folder
from mtcheck.io.document import read_document, segment_document
from mtcheck.io.plaintext import read_lines
from mtcheck.io.sentences import split_sentences
from mtcheck.io.table import read_table


def write_bytes(tmp_path, name, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_lines_keep_empty_lines_bom_crlf_and_u2028(tmp_path):
    path = write_bytes(tmp_path, "mt.txt", "\ufeffFirst line\r\n\r\nA line\u2028with a separator\nLast".encode())
    side = read_lines(path, "mt")
    assert side.texts() == ["First line", "", "A line\u2028with a separator", "Last"]
    assert [s.line for s in side.segments] == [1, 2, 3, 4]


def test_lines_count_matches_real_file():
    side = read_lines(TED_LINES / "mt.txt", "mt")
    assert len(side.segments) == 40
    assert side.segments[1].text.startswith("We stand on the earth")


def test_invalid_utf8_names_the_line(tmp_path):
    path = write_bytes(tmp_path, "mt.txt", "ok line\nsecond\n".encode() + "第三行".encode("gb18030") + b"\n")
    with pytest.raises(InputError) as err:
        read_lines(path, "mt")
    assert err.value.line == 3
    assert "UTF-8" in err.value.one_line() and "mt.txt:3" in err.value.one_line()


def test_binary_file_is_refused(tmp_path):
    path = write_bytes(tmp_path, "mt.txt", b"text\n\x00\x01\x02")
    with pytest.raises(InputError, match="binary"):
        read_lines(path, "mt")


def test_sample_document_segments():
    side = read_document(SAMPLE_DOC)
    segs = side.segments
    assert len(segs) == 78
    kinds = {s.text: s.kind for s in segs}
    # the page header and tag-laden headlines stay whole, as titles
    assert segs[0].kind == "title" and segs[0].text.endswith("| Network Letter")
    assert kinds["——Raise the flag and gather the hearts of the people"] == "heading"
    assert kinds["Visual |"] == "title"
    # provenance: line numbers and paragraph ids point back into the file
    raw = SAMPLE_DOC.read_text(encoding="utf-8").split("\n")
    for s in segs:
        assert s.text in raw[s.line - 1]
    assert [s.seg_id for s in segs] == list(range(1, 79))
    # the ellipsis before a capital ends a sentence
    texts = side.texts()
    assert "Rock climbing, baseball, running, ice sports..." in texts


def test_sentence_splitter_quotes_abbreviations_and_chinese():
    assert split_sentences('"The Internet has become the main battlefield." In August 2013, he spoke.') == [
        '"The Internet has become the main battlefield."', "In August 2013, he spoke."]
    assert split_sentences("Mr. Smith met Dr. Lee in the U.S. capital. They talked.") == [
        "Mr. Smith met Dr. Lee in the U.S. capital.", "They talked."]
    assert split_sentences("我们站在地球上。用肉眼就能看到繁星！真的吗？") == [
        "我们站在地球上。", "用肉眼就能看到繁星！", "真的吗？"]
    assert split_sentences("It rose by 0.2% year-on-year. Prices rose 3.4 percent.") == [
        "It rose by 0.2% year-on-year.", "Prices rose 3.4 percent."]


def test_duplicated_lines_in_one_paragraph_stay_separate_segments():
    text = "Study every day | Culture | Country\nStudy every day | Culture | Country\n\nBody text here."
    segs = segment_document(text, "doc")
    assert [s.kind for s in segs] == ["title", "title", "sentence"]
    assert [s.line for s in segs] == [1, 2, 4]
    assert segs[0].para_id == segs[1].para_id != segs[2].para_id


def test_tsv_keeps_na_null_and_stray_quotes(tmp_path):
    path = tmp_path / "t.tsv"
    path.write_text('mt\tref\tnote\nNA\tnull\t"half quoted\nHe said "hi\t\tN/A\n', encoding="utf-8")
    frame = read_table(path, "tsv")
    assert frame["mt"].tolist() == ["NA", 'He said "hi']
    assert frame["ref"].tolist() == ["null", ""]
    assert frame["note"].tolist() == ['"half quoted', "N/A"]
    assert frame["line"].tolist() == [2, 3]


def test_real_tsv_and_column_mapping(tmp_path):
    frame = read_table(TED_TSV, "tsv")
    assert len(frame) == 120 and {"src", "mt", "ref", "system", "mqm"} <= set(frame.columns)
    renamed = tmp_path / "renamed.tsv"
    renamed.write_text(TED_TSV.read_text(encoding="utf-8").replace("\tmt\tref\t", "\thypothesis\treference\t", 1),
                       encoding="utf-8")
    mapped = read_table(renamed, "tsv", columns="mt=hypothesis,ref=reference")
    assert mapped["mt"].tolist() == frame["mt"].tolist()


def test_table_without_mt_column_is_an_input_error(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("source,target\na,b\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'mt' column"):
        read_table(path, "csv")
    with pytest.raises(UsageError, match="not in the header"):
        read_table(path, "csv", columns="mt=hypothesis")


def test_jsonl_bad_line_is_named(tmp_path):
    path = tmp_path / "t.jsonl"
    path.write_text('{"mt": "Hello."}\n{"mt": "broken\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        read_table(path, "jsonl")
    assert err.value.line == 2


def test_corpus_folder_roles():
    spec = read_corpus_folder(TED_LINES)
    assert spec.mt[0].endswith("mt.txt") and spec.src.endswith("src.txt") and spec.refs[0].endswith("ref.txt")
    doc_spec = read_corpus_folder(SAMPLE)
    assert doc_spec.fmt == "doc" and doc_spec.mt[0].endswith("news-page.txt")


def test_corpus_folder_mixing_kinds_is_refused(tmp_path):
    (tmp_path / "mt.txt").write_text("a\n", encoding="utf-8")
    (tmp_path / "table.tsv").write_text("mt\na\n", encoding="utf-8")
    with pytest.raises(UsageError, match="not a mix"):
        read_corpus_folder(tmp_path)


def test_load_records_inputs_with_sha256():
    loaded = load(InputSpec(data=str(TED_LINES)))
    roles = {i["role"]: i for i in loaded.inputs}
    assert set(roles) == {"src", "mt", "ref"}
    assert len(roles["mt"]["sha256"]) == 64 and roles["mt"]["segments"] == 40
    assert loaded.name == "ted-lines"
