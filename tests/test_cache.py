"""The persistent score cache (mtcheck/models/cache.py): round trips, damage, bounds, sharing, and runs that reuse it."""

import logging
import multiprocessing
import sqlite3

import numpy as np
import pytest
from typer.testing import CliRunner

from conftest import TED_TSV
from mtcheck.models import cache
from mtcheck.cli import app


@pytest.fixture
def store(tmp_path, monkeypatch):
    """A fresh cache in its own folder, made the process's active one."""
    monkeypatch.setenv("MTCHECK_CACHE_DIR", str(tmp_path / "c"))
    monkeypatch.setattr(cache, "_ACTIVE", None)
    return cache.active()


def test_values_round_trip_per_namespace(store):
    store.put("vec/a", {"Hello world.": b"\x01\x02", "Bye.": b"\x03"})
    assert store.get("vec/a", ["Hello world.", "Bye.", "Unknown."]) == {"Hello world.": b"\x01\x02", "Bye.": b"\x03"}
    assert store.get("vec/b", ["Hello world."]) == {}  # another model's namespace never answers
    cache.put_arrays("vec/a", {"x": np.arange(4, dtype="float32")}, "float32")
    assert cache.get_arrays("vec/a", ["x"], "float32", 4)["x"].tolist() == [0, 1, 2, 3]
    assert cache.get_arrays("vec/a", ["x"], "float32", 8) == {}  # a vector of the wrong size is a miss


def test_a_damaged_value_is_a_miss_not_a_wrong_score(store):
    store.put("lm", {"text": np.float64(-2.5).tobytes()})
    conn = sqlite3.connect(store.path)
    conn.execute("UPDATE entries SET value = ?", (np.float64(-9.0).tobytes(),))  # bit rot: crc no longer matches
    conn.commit()
    conn.close()
    assert store.get("lm", ["text"]) == {}


def test_a_corrupt_file_warns_once_and_the_run_goes_on(store, caplog):
    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(b"this is not a database" * 100)
    with caplog.at_level(logging.WARNING, logger="mtcheck.models.cache"):
        assert store.get("vec/a", ["x"]) == {}
        store.put("vec/a", {"x": b"1"})
        assert store.get("vec/a", ["x"]) == {}
    warnings = [r for r in caplog.records if "cannot be used" in r.getMessage()]
    assert len(warnings) == 1 and "mtcheck cache clear" in warnings[0].getMessage()
    assert not store.enabled


def test_corrupt_cache_gives_the_same_scores_as_no_cache(store, caplog):
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import CheckOptions, run

    store.path.parent.mkdir(parents=True, exist_ok=True)
    store.path.write_bytes(b"\x00garbage" * 500)
    opts = dict(scorers=("sacrebleu", "embedding", "crosslingual"))
    with caplog.at_level(logging.WARNING, logger="mtcheck.models.cache"):
        damaged = run(InputSpec(data=str(TED_TSV)), CheckOptions(**opts)).segments
    clean = run(InputSpec(data=str(TED_TSV)), CheckOptions(cache=False, **opts)).segments
    assert any("cannot be used" in r.getMessage() for r in caplog.records)
    for col in ("chrf", "bleu", "emb_sim_ref", "xsim", "quality"):
        assert np.allclose(damaged[col], clean[col], atol=1e-6)


def test_an_unwritable_cache_folder_warns_and_runs_without(tmp_path, monkeypatch, caplog):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("MTCHECK_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(cache, "_ACTIVE", None)
    with caplog.at_level(logging.WARNING, logger="mtcheck.models.cache"):
        cache.put_arrays("vec/a", {"x": np.ones(3)}, "float64")
        assert cache.get_arrays("vec/a", ["x"], "float64") == {}
    assert any("goes on without it" in r.getMessage() for r in caplog.records)


def test_least_recently_used_entries_go_first_and_the_bound_holds(tmp_path):
    small = cache.ScoreCache(tmp_path / "s.sqlite3", limit=256 * 1024)
    value = bytes(2000)
    small.put("ns", {"read": value, "unread": value})
    conn = sqlite3.connect(small.path)
    conn.execute("UPDATE entries SET used = used - 86400000000")  # both used a day ago
    conn.commit()
    small.get("ns", ["read"])  # a read stamps its entry as used now
    stamps = [used for (used,) in conn.execute("SELECT used FROM entries")]
    assert max(stamps) - min(stamps) > 80000 * 10**6
    conn.close()
    small.put("ns", {f"filler {k}": value for k in range(50)})
    assert small.get("ns", ["unread"]) and small.info()["data_bytes"] <= small.limit  # not full yet
    for start in range(50, 400, 50):
        small.put("ns", {f"filler {k}": value for k in range(start, start + 50)})
    info = small.info()
    assert info["data_bytes"] <= small.limit and 0 < info["entries"] < 402
    # The least recently used went first: the unread entry, then the oldest fillers; the newest stay.
    assert not small.get("ns", ["unread"]) and not small.get("ns", ["filler 0"])
    assert small.get("ns", ["filler 399"])


def _writer(path, worker):
    shared = cache.ScoreCache(path)
    for batch in range(5):
        shared.put("ns", {f"w{worker}-{batch}-{k}": bytes([worker]) * 8 for k in range(100)})
    return shared.enabled


def test_two_processes_can_write_at_once(tmp_path):
    path = tmp_path / "shared.sqlite3"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        assert pool.starmap(_writer, [(path, 1), (path, 2)]) == [True, True]
    assert cache.ScoreCache(path).info()["entries"] == 1000


def test_a_second_run_loads_no_model_and_gives_the_same_scores(store, monkeypatch):
    """Issue 13: a run whose texts are all cached loads no model at all."""
    from mtcheck.models import embedders
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import CheckOptions, run

    opts = CheckOptions(scorers=("sacrebleu", "embedding", "crosslingual"))
    monkeypatch.setattr(embedders, "_VECTORS", {})  # vectors other tests left in memory would never reach the store
    first = run(InputSpec(data=str(TED_TSV)), opts)
    monkeypatch.setattr(embedders, "_LOADED", {})   # a new process: no model, no vectors in memory
    monkeypatch.setattr(embedders, "_VECTORS", {})
    second = run(InputSpec(data=str(TED_TSV)), opts)
    assert not any(e.loaded for e in embedders._LOADED.values())
    assert second.summary["cache"]["misses"] == 0 and second.summary["cache"]["hits"] > 0
    assert first.summary["cache"]["misses"] > 0
    for col in ("chrf", "bleu", "emb_sim_ref", "xsim", "xsim_margin", "quality"):
        assert np.array_equal(first.segments[col].to_numpy(), second.segments[col].to_numpy())
    assert {m["engine"] for m in second.summary["models"]} == {"none: vectors from cache"}
    # The report says so in words, not "not loaded" (issue 27).
    from mtcheck.report.html import render_html

    page = render_html(second)
    assert "vectors from cache" in page and "not loaded" not in page


def test_an_edit_rescores_only_the_edited_segment(store, monkeypatch):
    import pandas as pd

    from mtcheck.models import embedders
    from mtcheck.pipeline import CheckOptions, run

    ted = pd.read_csv(TED_TSV, sep="\t", quoting=3, dtype=str, keep_default_na=False)
    frame = ted[["doc_id", "seg_id", "system", "src", "mt", "ref"]]
    opts = CheckOptions(scorers=("embedding",))
    monkeypatch.setattr(embedders, "_VECTORS", {})
    run(frame=frame, options=opts)
    monkeypatch.setattr(embedders, "_VECTORS", {})
    minilm = embedders.get_embedder(None)
    seen = []
    real = minilm.encode
    monkeypatch.setattr(minilm, "encode", lambda texts, advance=None: seen.extend(texts) or real(texts, advance))
    edited = frame.copy()
    edited.loc[7, "mt"] = "An edited translation that nobody has scored before."
    run(frame=edited, options=opts)
    assert seen == ["An edited translation that nobody has scored before."]


def test_no_cache_reads_and_writes_nothing(store):
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import CheckOptions, run

    result = run(InputSpec(data=str(TED_TSV)), CheckOptions(scorers=("sacrebleu",), cache=False))
    assert result.summary["cache"] == {"enabled": False, "path": None, "hits": 0, "misses": 0}
    assert not store.path.exists()


def test_cache_info_and_clear_commands(store):
    store.put("vec/all-MiniLM-L6-v2", {"a": b"1", "b": b"2"})
    runner = CliRunner()
    info = runner.invoke(app, ["cache", "info"])
    assert info.exit_code == 0 and str(store.path) in info.output
    assert "2  vec/all-MiniLM-L6-v2" in info.output
    cleared = runner.invoke(app, ["cache", "clear"])
    assert cleared.exit_code == 0 and "cleared" in cleared.output
    assert not store.path.exists()
    assert "empty" in runner.invoke(app, ["cache", "info"]).output
