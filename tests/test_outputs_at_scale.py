"""Outputs at scale (issue 14): segments.parquet, and a report that embeds only the worst rows."""

import json
import re

import pandas as pd
from typer.testing import CliRunner

from conftest import TED_TSV
from mtcheck.cli import app
from mtcheck.report import html as report_html
from mtcheck.io.worklist import read_report_csv

runner = CliRunner()


def _check(out, *extra):
    result = runner.invoke(app, ["check", str(TED_TSV), "-o", str(out), "-q", "--no-embedding", "--no-fluency",
                                 *extra])
    assert result.exit_code == 0, result.output
    return result


def _embedded_rows(out):
    page = (out / "report.html").read_text(encoding="utf-8")
    match = re.search(r'<script type="application/json" id="rows">(.*?)</script>', page, re.S)
    return page, json.loads(match.group(1))


def test_parquet_holds_the_segments_csv_rows_with_their_types(tmp_path):
    out = tmp_path / "r"
    _check(out, "--parquet")
    typed = pd.read_parquet(out / "segments.parquet")
    text = read_report_csv(out / "segments.csv")
    assert typed.columns.tolist() == text.columns.tolist() and len(typed) == len(text) == 120
    assert typed["flagged"].dtype == bool and (typed["flagged"] == (text["flagged"] == "true")).all()
    assert pd.api.types.is_float_dtype(typed["quality"])
    assert (typed["quality"].round(2) == text["quality"].astype(float).round(2)).all()
    assert (typed["mt"] == text["mt"]).all() and (typed["checks"] == text["checks"]).all()


def test_above_the_row_limit_the_page_embeds_the_worst_and_says_where_the_rest_is(tmp_path, monkeypatch):
    full = tmp_path / "full"
    _check(full)
    _, every = _embedded_rows(full)
    assert len(every) == 120
    monkeypatch.setattr(report_html, "EMBED_ALL_UP_TO", 100)
    monkeypatch.setattr(report_html, "EMBED_WORST", 25)
    limited = tmp_path / "limited"
    _check(limited, "--parquet")
    page, rows = _embedded_rows(limited)
    # The 25 worst, in the same order and at the same segments.csv positions as in the full page.
    assert [(r["o"], r["v"], r["q"]) for r in rows] == [(r["o"], r["v"], r["q"]) for r in every[:25]]
    assert "This page holds the 25 worst of 120 segments." in page
    assert "<code>segments.csv</code> and <code>segments.parquet</code>" in page
    assert len(read_report_csv(limited / "segments.csv")) == 120  # nothing is lost from the files
    summary = json.loads((limited / "summary.json").read_text(encoding="utf-8"))
    assert summary["segments"] == 120


def test_parquet_without_pyarrow_fails_before_the_run(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_pyarrow(name, *args, **kwargs):
        if name == "pyarrow" or name.startswith("pyarrow."):
            raise ImportError("no pyarrow")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_pyarrow)
    out = tmp_path / "r"
    result = runner.invoke(app, ["check", str(TED_TSV), "-o", str(out), "--parquet"])
    assert result.exit_code == 2 and "--parquet needs pyarrow" in result.output and "mtcheck[parquet]" in result.output
    assert not out.exists()


def test_a_rerun_without_parquet_leaves_no_stale_table_beside_the_new_csv(tmp_path):
    out = tmp_path / "r"
    _check(out, "--parquet")
    assert (out / "segments.parquet").exists()
    _check(out)
    assert not (out / "segments.parquet").exists() and (out / "segments.csv").exists()
    other = tmp_path / "not-a-report"
    other.mkdir()
    (other / "segments.parquet").write_bytes(b"the user's own file")
    _check(other, "--force")
    assert (other / "segments.parquet").read_bytes() == b"the user's own file"


def test_rows_spooled_to_disk_give_the_page_that_rows_kept_in_memory_give(tmp_path, monkeypatch):
    """A run keeps report.html's rows on disk until the page is written (report/row_spool.py, issue 34): the
    page holds the same rows, in the same order, as a writer that kept them in memory, in partitions or
    not, and with only the worst embedded. The spool goes with the scratch folder."""
    from mtcheck import pipeline
    from mtcheck.io import InputSpec
    from mtcheck.report import ReportWriter

    options = pipeline.CheckOptions(cache=False, scorers=("sacrebleu",), fluency="off")
    pages = {}
    for name, spill, limit in (("memory", False, None), ("disk", True, None), ("disk-worst", True, 25)):
        if limit:
            monkeypatch.setattr(report_html, "EMBED_ALL_UP_TO", 100)
            monkeypatch.setattr(report_html, "EMBED_WORST", limit)
        writer = ReportWriter(tmp_path / name, spill=spill)
        pipeline.run(InputSpec(data=str(TED_TSV)), options, sink=writer, partition_rows=40)
        pages[name] = _embedded_rows(tmp_path / name)[1]
        assert not list((tmp_path / name).glob(".mtcheck-parts-*"))
    assert len(pages["memory"]) == 120 and pages["disk"] == pages["memory"]
    order = [r["o"] for r in pages["memory"]]
    assert order != sorted(order)  # ranked worst first, not in the file's order
    assert pages["disk-worst"] == pages["memory"][:25]


def test_partitions_whose_rows_all_have_a_reference_keep_their_encoders(tmp_path, monkeypatch):
    """With --fluency auto the language model never runs on rows with a reference, so nothing is released
    between a partition's scorers (the encoders were reloaded for every partition, issue 34); with
    --fluency on it runs, and the encoders are released before it."""
    import mtcheck.models
    from mtcheck import pipeline
    from mtcheck.io import InputSpec
    from mtcheck.run.result import MemorySink

    released = []
    monkeypatch.setattr(mtcheck.models, "release_models", lambda needed: released.append(set(needed)))
    options = pipeline.CheckOptions(cache=False, scorers=("sacrebleu", "fluency"), fluency="auto")
    pipeline.run(InputSpec(data=str(TED_TSV)), options, sink=MemorySink(), partition_rows=40)
    assert released == []
    on = pipeline.CheckOptions(cache=False, scorers=("sacrebleu", "fluency"), fluency="on")
    monkeypatch.setattr("mtcheck.scorers.fluency.score", lambda frame, ctx: __import__(
        "mtcheck.scorers", fromlist=["ScoreResult"]).ScoreResult(columns=frame[[]]))
    pipeline.run(InputSpec(data=str(TED_TSV)), on, sink=MemorySink(), partition_rows=40)
    # After each partition's two scorers: the language model is still to come after sacrebleu, then nothing.
    assert released and released == [{"lm"}, set()] * (len(released) // 2)
