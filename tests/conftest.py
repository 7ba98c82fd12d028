import os

# Tests never reach a model hub: the default models ship inside PyPI packages.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The persistent score cache of the test run is its own, so a developer's cache never decides a result. The
# converted models stay in the user's cache folder ($XDG_CACHE_HOME/mtcheck): converting them takes a minute.
os.environ["MTCHECK_CACHE_DIR"] = __import__("tempfile").mkdtemp(prefix="mtcheck-test-cache-")

from pathlib import Path  # noqa: E402

import pytest  # noqa: E402

import mtcheck.scorers  # noqa: E402

# The fluency language model costs seconds per run; only the tests that are about it
# (tests/test_fluency.py) and the one real subprocess run of the CLI use it.
mtcheck.scorers.DEFAULT_SCORERS = tuple(s for s in mtcheck.scorers.DEFAULT_SCORERS if s not in ("fluency", "xenc"))

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = ROOT / "corpora" / "sample-news"
SAMPLE_DOC = SAMPLE / "news-page.txt"
TED_TSV = DATA / "ted-zh-en-40.tsv"
TED_LINES = DATA / "ted-lines"


@pytest.fixture
def no_score_cache(monkeypatch):
    """Neither the persistent cache nor this process's vector memory: every text goes to the model."""
    from mtcheck.models import cache, embedders

    monkeypatch.setattr(cache, "_ACTIVE", cache.NoCache())
    monkeypatch.setattr(embedders, "_VECTORS", {})
    yield


@pytest.fixture(scope="session")
def sample_result():
    """The whole pipeline on the sample corpus, run once."""
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import run

    return run(InputSpec(data=str(SAMPLE)))


@pytest.fixture(scope="session")
def ted_result():
    """The whole pipeline, embeddings included, on 120 real zh-en rows with references."""
    from mtcheck.io import InputSpec
    from mtcheck.pipeline import run

    return run(InputSpec(data=str(TED_TSV)))


def segment(result, startswith: str):
    """The single row of a result whose MT starts with `startswith`."""
    seg = result.segments
    hits = seg[seg["mt"].str.startswith(startswith)]
    assert len(hits) >= 1, f"no segment starts with {startswith!r}"
    return hits
