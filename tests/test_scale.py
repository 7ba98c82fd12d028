"""Issue 14: a check in partitions, locally and on a Dask cluster, gives the report a whole run gives."""

from __future__ import annotations

import gzip
import json
import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mtcheck.cli import app

DATA = Path(__file__).parent / "data"
runner = CliRunner()
# What may differ between two runs of the same input: when, how long, and what the cache held.
RUNTIME_KEYS = ("created", "timings_s", "cache", "engine")


@pytest.fixture(scope="module")
def news(tmp_path_factory) -> Path:
    """2,000 rows: four systems' MT of newstest2021 zh-en documents, with source and reference."""
    path = tmp_path_factory.mktemp("news") / "news-2000.tsv"
    path.write_bytes(gzip.decompress((DATA / "news-2000.tsv.gz").read_bytes()))
    return path


def _check(args, out: Path):
    result = runner.invoke(app, ["check", *map(str, args), "-o", str(out), "-q", "--no-cache", "--force"])
    assert result.exit_code == 0, result.output
    return out


def _summary(out: Path) -> dict:
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    return {k: v for k, v in summary.items() if k not in RUNTIME_KEYS}


@pytest.fixture(scope="module")
def whole(news, tmp_path_factory) -> Path:
    return _check([news, "--partition-rows", "100000"], tmp_path_factory.mktemp("whole") / "r")


def test_partitions_give_the_whole_runs_report(news, whole, tmp_path):
    parts = _check([news, "--partition-rows", "300"], tmp_path / "r")
    summary = json.loads((parts / "summary.json").read_text(encoding="utf-8"))
    assert summary["engine"]["partitions"] > 5  # really split, at document ends
    for name in ("segments.csv", "findings.csv"):
        assert (parts / name).read_bytes() == (whole / name).read_bytes(), name
    assert _summary(parts) == _summary(whole)
    assert not list(parts.glob(".mtcheck-parts-*"))  # the partitions' scratch files are gone


def test_line_files_and_tables_stream_to_the_same_report(tmp_path):
    """Line-aligned files are read a block at a time and cut anywhere; a CSV's quoted cell may span lines."""
    folder = DATA / "ted-lines"
    whole = _check([folder, "--no-embedding"], tmp_path / "whole")
    parts = _check([folder, "--no-embedding", "--partition-rows", "7"], tmp_path / "parts")
    assert json.loads((parts / "summary.json").read_text(encoding="utf-8"))["engine"]["partitions"] == 6
    for name in ("segments.csv", "findings.csv"):
        assert (parts / name).read_bytes() == (whole / name).read_bytes(), name
    table = tmp_path / "t.csv"
    table.write_text('seg_id,mt\n1,"A first line\nthat goes on"\n2,The second row.\n', encoding="utf-8")
    out = _check([table, "--no-embedding", "--no-fluency"], tmp_path / "csv")
    import pandas as pd

    seg = pd.read_csv(out / "segments.csv", dtype=str, keep_default_na=False)
    assert seg["mt"].tolist() == ["A first line\nthat goes on", "The second row."]
    assert seg["line"].tolist() == ["2", "4"]  # the line each row starts on


def test_a_partition_never_splits_a_document(news):
    import pandas as pd

    from mtcheck.io import InputSpec
    from mtcheck.run.partitions import open_run, partitions

    run = open_run(InputSpec(data=str(news)))
    seen: set = set()
    for part in partitions(run, 300):
        docs = set(zip(part["system"], part["doc_id"]))
        assert not docs & seen
        seen |= docs
    table = pd.read_csv(news, sep="\t", dtype=str, quoting=3)
    assert seen == set(zip(table["system"], table["doc_id"]))


def test_duplicates_are_counted_over_the_whole_run(tmp_path):
    """A headline repeated in the first and the last partition is still found."""
    rows = ["doc_id\tseg_id\tmt"] + [f"d{k // 10}\t{k}\tSentence number {k} of the story goes here." for k in range(60)]
    rows[3] = "d0\t2\tBreaking news from the capital city today"
    rows[58] = "d5\t57\tBreaking news from the capital city today"
    table = tmp_path / "dups.tsv"
    table.write_text("\n".join(rows) + "\n", encoding="utf-8")
    out = _check([table, "--partition-rows", "10", "--no-embedding", "--no-fluency"], tmp_path / "r")
    findings = (out / "findings.csv").read_text(encoding="utf-8")
    assert "duplicate-segment" in findings and "Repeats segment 2 (line 4)" in findings


dask = pytest.importorskip("dask.distributed")
__import__("cloudpickle").register_pickle_by_value(__import__("sys").modules[__name__])  # workers cannot import tests/


def test_dask_gives_the_local_runs_report(news, whole, tmp_path):
    out = _check([news, "--engine", "dask", "--workers", "2", "--partition-rows", "300"], tmp_path / "r")
    for name in ("segments.csv", "findings.csv"):
        assert (out / name).read_bytes() == (whole / name).read_bytes(), name
    assert _summary(out) == _summary(whole)
    engine = json.loads((out / "summary.json").read_text(encoding="utf-8"))["engine"]
    assert engine["name"] == "dask" and engine["partitions"] > 5


class KillOnce(dask.WorkerPlugin):
    """Kills the worker process running the first partition it sees, once (a marker file remembers)."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def setup(self, worker) -> None:
        self.worker = worker

    def transition(self, key, start, finish, **kwargs) -> None:
        if finish == "executing" and "mtcheck-partition-1-" in str(key) and not os.path.exists(self.marker):
            Path(self.marker).write_text("killed", encoding="utf-8")
            os._exit(1)  # a crash, not a clean shutdown: the scheduler must give the partition to another worker


def test_a_lost_workers_partition_is_recomputed(news, tmp_path):
    from mtcheck import pipeline
    from mtcheck.run.engines import DaskEngine
    from mtcheck.io import InputSpec
    from mtcheck.report import ReportWriter

    small = tmp_path / "small.tsv"
    small.write_text("".join(news.read_text(encoding="utf-8").splitlines(keepends=True)[:401]), encoding="utf-8")
    options = pipeline.CheckOptions(cache=False, scorers=("sacrebleu",), fluency="off")
    local = ReportWriter(tmp_path / "local")
    pipeline.run(InputSpec(data=str(small)), options, sink=local, partition_rows=100)
    marker = tmp_path / "killed"
    with DaskEngine(workers=2) as engine:
        engine.client.register_plugin(KillOnce(str(marker)), name="kill-once")
        writer = ReportWriter(tmp_path / "dask")
        pipeline.run(InputSpec(data=str(small)), options, engine=engine, sink=writer, partition_rows=100)
    assert marker.exists()  # a worker did die
    for name in ("segments.csv", "findings.csv"):
        assert (tmp_path / "dask" / name).read_bytes() == (tmp_path / "local" / name).read_bytes()


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_malformed_document_fails_in_one_line_and_leaves_no_report(news, tmp_path, engine):
    lines = news.read_text(encoding="utf-8").splitlines()
    lines[1500] += "\tan extra cell"  # line 1501, in a late partition
    bad = tmp_path / "bad.tsv"
    bad.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "r"
    args = ["check", str(bad), "-o", str(out), "-q", "--no-cache", "--partition-rows", "300", "--no-embedding",
            "--no-fluency"] + (["--engine", "dask"] if engine == "dask" else [])
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    message = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(message) == 1 and f"{bad}:1501:" in message[0] and "Traceback" not in result.output
    assert not out.exists() or not any(p for p in out.iterdir() if not p.name.startswith("."))
    shutil.rmtree(out, ignore_errors=True)
