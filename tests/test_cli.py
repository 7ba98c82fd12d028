"""The command line, through typer's CliRunner and one real subprocess."""

import json
import re
import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from conftest import ROOT, SAMPLE, SAMPLE_DOC, TED_LINES, TED_TSV
from mtcheck.cli import app

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def test_every_command_has_help_text():
    import typer.main

    group = typer.main.get_command(app)
    assert group.commands, "no commands registered"
    for name, command in group.commands.items():
        assert (command.help or "").strip(), name
        result = invoke(name, "--help")
        assert result.exit_code == 0 and "Usage" in result.output, name
        for param in command.params:
            if param.param_type_name == "option":
                assert (param.help or "").strip(), f"{name} {param.opts}"


def test_check_sample_corpus_writes_the_four_files(tmp_path):
    out = tmp_path / "report"
    result = invoke("check", SAMPLE, "-o", out, "--quiet")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["findings.csv", "report.html", "segments.csv", "summary.json"]
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["name"] == "sample-news" and summary["segments"] == 78


def test_check_document_file_and_default_output_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("check", SAMPLE_DOC, "--quiet")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "news-page" / "report.html").exists()


def test_check_line_aligned_files_with_source_and_reference(tmp_path):
    out = tmp_path / "r"
    result = invoke("check", "-t", TED_LINES / "mt.txt", "-s", TED_LINES / "src.txt",
                    "-r", TED_LINES / "ref.txt", "-o", out, "--quiet", "--ter")
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert {e["column"] for e in summary["corpus_scores"]} == {"chrf", "bleu", "ter"}
    roles = [m["role"] for m in summary["models"]]
    assert roles[:2] == ["mt-ref similarity", "src-mt similarity"] and summary["options"]["fluency"] == "auto"
    # Every row has a reference, so fluency (auto) did not run and quality rests on ref and src.
    assert "fluency" not in pd.read_csv(out / "segments.csv").columns
    assert list(summary["signals_per_row"]) == ["chrf;bleu;emb_sim_ref;xsim;xsim_margin;xsim_ref;checks"]
    assert [i["role"] for i in summary["inputs"]] == ["mt", "src", "ref"]


def test_source_similarity_margin_can_be_skipped_and_leaves_quality_alone(tmp_path):
    """--no-xsim-margin (or `xsim_margin = false`) skips the margin; quality is the same with and without it
    (no head reads it, issue 26). The default keeps it: segments.csv never loses a column."""
    base = ["check", "-t", TED_LINES / "mt.txt", "-s", TED_LINES / "src.txt", "-r", TED_LINES / "ref.txt",
            "--quiet", "--no-fluency"]
    assert invoke(*base, "-o", tmp_path / "margin").exit_code == 0
    (tmp_path / "mtcheck.toml").write_text("xsim_margin = false\n", encoding="utf-8")
    result = invoke(*base, "-o", tmp_path / "plain", "--config", tmp_path / "mtcheck.toml")
    assert result.exit_code == 0, result.output
    plain, margin = (pd.read_csv(tmp_path / d / "segments.csv") for d in ("plain", "margin"))
    assert "xsim_margin" not in plain.columns and margin["xsim_margin"].notna().all()
    assert margin["xsim_margin"].median() > 0.2  # real translations sit well above the shuffled pairs
    assert margin["quality"].tolist() == plain["quality"].tolist()
    summary = json.loads((tmp_path / "plain" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["xsim_margin"] is False and "xsim_margin" not in summary["signals"]
    page = (tmp_path / "margin" / "report.html").read_text(encoding="utf-8")
    assert "source similarity margin" in page
    # The inputs panel names each signal in words; the column name is only its tooltip.
    signals = re.search(r"<p>Signals: (.*?)</p>", page).group(1)
    assert ">similarity to the source<" in signals and ">chrF++<" in signals
    assert re.sub(r"<[^>]*>", "", signals).split(", ")[0] == "chrF++"
    assert "xsim_margin" not in re.sub(r"<[^>]*>", "", signals)
    assert re.sub(r"<[^>]*>", "", signals).split(", ")[-1] == "rule checks"
    on = invoke(*base, "-o", tmp_path / "on", "--config", tmp_path / "mtcheck.toml", "--xsim-margin")
    assert on.exit_code == 0 and "xsim_margin" in pd.read_csv(tmp_path / "on" / "segments.csv").columns


def test_fluency_option_is_validated(tmp_path):
    result = invoke("check", "-t", TED_LINES / "mt.txt", "-o", tmp_path / "r", "--fluency", "sometimes")
    assert result.exit_code == 2 and "fluency must be auto, on or off" in result.output


def test_precision_option_is_validated_and_recorded(tmp_path):
    bad = invoke("check", "-t", TED_LINES / "mt.txt", "-o", tmp_path / "bad", "--precision", "fp16")
    assert bad.exit_code == 2 and "unknown precision 'fp16'" in bad.output and "auto, fp32, onnx, int8" in bad.output
    assert not (tmp_path / "bad" / "summary.json").exists()
    good = invoke("check", "-t", TED_LINES / "mt.txt", "-r", TED_LINES / "ref.txt", "-o", tmp_path / "r",
                  "--precision", "fp32", "--no-cache", "-q")
    assert good.exit_code == 0, good.output
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    assert summary["options"]["precision"] == "fp32" and summary["cache"]["enabled"] is False


def test_check_table_carries_extra_columns(tmp_path):
    out = tmp_path / "r"
    result = invoke("check", TED_TSV, "-o", out, "--quiet", "--no-embedding")
    assert result.exit_code == 0, result.output
    header = (out / "segments.csv").read_text(encoding="utf-8").split("\n", 1)[0].split(",")
    assert "mqm" in header and "errors" in header and "system" in header


@pytest.mark.parametrize("args,needle", [
    (["check", "no/such/file.txt"], "no/such/file.txt: file or folder not found"),
    (["check", "-t", "no/such/mt.txt"], "no/such/mt.txt: file not found"),
    (["check", "--format", "xml", str(SAMPLE_DOC)], "unknown format 'xml'"),
    (["check"], "nothing to check"),
])
def test_bad_input_is_one_line_and_exit_2(args, needle):
    result = invoke(*args)
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert len([ln for ln in result.output.strip().splitlines() if ln.strip()]) == 1


def test_unequal_line_counts_fail_cleanly(tmp_path):
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join((TED_LINES / "ref.txt").read_text(encoding="utf-8").splitlines()[:-3]) + "\n",
                   encoding="utf-8")
    result = invoke("check", "-t", TED_LINES / "mt.txt", "-r", ref, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "40 segments" in result.output and "37" in result.output
    assert not (tmp_path / "out" / "segments.csv").exists()


def test_editor_work_is_never_overwritten(tmp_path):
    out = tmp_path / "r"
    assert invoke("check", SAMPLE, "-o", out, "-q").exit_code == 0
    csv_path = out / "segments.csv"
    lines = csv_path.read_text(encoding="utf-8").split("\n")
    lines[1] = lines[1] + "fixed,checked with the desk"  # status and editor_note are the last two columns
    lines[1] = lines[1].replace(",,fixed", ",fixed", 1)
    csv_path.write_text("\n".join(lines), encoding="utf-8")
    before = csv_path.read_bytes()
    result = invoke("check", SAMPLE, "-o", out, "-q")
    assert result.exit_code == 2 and "editor" in result.output
    assert csv_path.read_bytes() == before
    assert invoke("check", SAMPLE, "-o", out, "-q", "--force").exit_code == 0


def test_foreign_files_in_output_folder_are_not_overwritten(tmp_path):
    out = tmp_path / "r"
    out.mkdir()
    (out / "segments.csv").write_text("my own spreadsheet\n", encoding="utf-8")
    result = invoke("check", SAMPLE, "-o", out, "-q")
    assert result.exit_code == 2 and "not written by mtcheck" in result.output
    assert (out / "segments.csv").read_text(encoding="utf-8") == "my own spreadsheet\n"


def test_list_checks_names_each_check():
    result = invoke("list-checks")
    assert result.exit_code == 0
    for check_id in ("doubled-word", "duplicate-segment", "no-terminal-punct"):
        assert check_id in result.output


def test_real_subprocess_python_dash_m(tmp_path):
    # The subprocess path, with the language model, on the first paragraphs of the sample page: a
    # small input, and no wall-clock limit, so the test does not depend on how fast the machine is.
    page = tmp_path / "page.txt"
    page.write_text("\n".join(SAMPLE_DOC.read_text(encoding="utf-8").splitlines()[:12]) + "\n", encoding="utf-8")
    out = tmp_path / "r"
    proc = subprocess.run([sys.executable, "-m", "mtcheck", "check", str(page), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "Report:" in proc.stderr and (out / "report.html").exists()
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert "fluency" in summary["signals"] and summary["segments"] >= 6
    bad = subprocess.run([sys.executable, "-m", "mtcheck", "check", str(tmp_path / "missing.tsv")],
                         capture_output=True, text=True, cwd=ROOT)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.startswith("mtcheck: error:")


def test_help_imports_nothing_heavy():
    code = ("import sys, mtcheck.cli; "
            "print(sorted(m for m in ('torch', 'pandas', 'sentence_transformers', 'sacrebleu', 'transformers') "
            "if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.stdout.strip() == "[]", proc.stdout + proc.stderr


def test_console_summary_shows_systems_and_signatures(tmp_path):
    mt_a, mt_b = tmp_path / "mt.a.txt", tmp_path / "mt.b.txt"
    lines = (TED_LINES / "mt.txt").read_text(encoding="utf-8").splitlines()[:8]
    mt_a.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mt_b.write_text("\n".join(reversed(lines)) + "\n", encoding="utf-8")
    ref = tmp_path / "ref.txt"
    ref.write_text("\n".join((TED_LINES / "ref.txt").read_text(encoding="utf-8").splitlines()[:8]) + "\n",
                   encoding="utf-8")
    result = runner.invoke(app, ["check", "-t", str(mt_a), "-t", str(mt_b), "-r", str(ref), "-o",
                                 str(tmp_path / "out"), "--no-embedding"])
    assert result.exit_code == 0, result.output
    assert "chrF2++ [a] =" in result.output and "chrF2++ [b] =" in result.output
    assert "nrefs:1|" in result.output.replace("\n", "")


def test_report_is_never_written_among_the_inputs(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "page.txt").write_text(SAMPLE_DOC.read_text(encoding="utf-8"), encoding="utf-8")
    for args in (["check", str(corpus), "-o", str(corpus)],
                 ["check", str(corpus / "page.txt"), "-o", str(corpus), "--force"]):
        result = invoke(*args, "-q")
        assert result.exit_code == 2 and "where the input files are" in result.output
    assert sorted(p.name for p in corpus.iterdir()) == ["page.txt"]


def test_repeated_header_name_is_an_input_error(tmp_path):
    table = tmp_path / "t.tsv"
    table.write_text("mt\tmt\nOne.\tTwo.\n", encoding="utf-8")
    result = invoke("check", table, "-o", tmp_path / "out", "-q")
    assert result.exit_code == 2 and "t.tsv:1: the header names 'mt' more than once" in result.output


def test_precision_in_the_configuration_is_checked_with_its_line(tmp_path):
    config = tmp_path / "mtcheck.toml"
    config.write_text('target_lang = "en"\nprecision = "fp16"\n', encoding="utf-8")
    result = invoke("check", "-t", TED_LINES / "mt.txt", "-o", tmp_path / "r", "--config", config)
    assert result.exit_code == 2
    assert f"{config}:2: configuration key 'precision' is 'fp16'" in result.output and "auto, fp32" in result.output


def test_reports_name_inputs_relative_to_the_working_directory(tmp_path, monkeypatch):
    """Issue 27: an absolute path typed for a file inside the working directory must not leak the user's
    folders into a report that is shared."""
    work = tmp_path / "project"
    (work / "corpus").mkdir(parents=True)
    mt = work / "corpus" / "mt.txt"
    mt.write_text("The cat sat on the mat.\nThe dog barked.\n", encoding="utf-8")
    monkeypatch.chdir(work)
    result = invoke("check", "-t", mt.resolve(), "-o", "out", "-q", "--no-embedding", "--no-fluency")
    assert result.exit_code == 0, result.output
    summary = json.loads((work / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["inputs"][0]["path"] == "corpus/mt.txt"
    assert set(pd.read_csv(work / "out" / "segments.csv")["file"]) == {"corpus/mt.txt"}
    assert str(work) not in (work / "out" / "report.html").read_text(encoding="utf-8")


def test_the_system_table_shows_corpus_chrf_and_bleu_beside_quality(tmp_path):
    """Issue 36: whoever compares systems reads the mean quality beside the corpus statistics of sacrebleu."""
    import re

    result = invoke("check", TED_TSV, "--no-embedding", "--no-fluency", "-o", tmp_path / "r", "-q")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "r" / "summary.json").read_text(encoding="utf-8"))
    page = (tmp_path / "r" / "report.html").read_text(encoding="utf-8")
    table = page[page.index("<h2>Systems</h2>"):]
    table = table[:table.index("</table>")]
    assert "corpus chrF++" in table and "corpus BLEU" in table
    for c in summary["corpus_scores"]:
        row = re.search(rf"<tr><td>{re.escape(c['system'])}</td>(.*?)</tr>", table).group(1)
        assert f">{c['score']:.1f}<" in row
