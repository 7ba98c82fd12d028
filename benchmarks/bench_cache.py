"""The persistent score cache: a first run, a re-run on unchanged input, and a run after editing 1% of the MT.

    .venv/bin/python benchmarks/bench_cache.py [--n 2000] [--repeats 3]

Two measurements, each repeated with an empty cache every time (medians):

1. In one process, models loaded beforehand: `pipeline.run` on --n TED zh-en
   rows with source, MT and reference (default signals), and on the sample
   news page (no reference: the fluency model runs). The process's own vector
   memory is cleared before every run, so what a re-run saves is the
   persistent cache's doing. The 1% edit changes the MT of every hundredth
   row; the script prints how many texts each run sent to a model or metric
   (cache misses).
2. The command line, as a user runs it: `python -m mtcheck check
   corpora/sample-news` in a fresh process, with an empty cache and then again
   (models converted already in both).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def ted_rows(n: int):
    import pandas as pd

    path = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    return frame[["system", "doc_id", "seg_id", "src", "mt", "ref"]].head(n).reset_index(drop=True)


def timed_runs(make_input, repeats: int) -> dict:
    """first / rerun / edit-1% seconds (median) and cache misses, each repeat on an empty cache."""
    from mtcheck.models import cache, embedders
    from mtcheck.pipeline import CheckOptions, run

    out = {"first": [], "rerun": [], "edit": [], "misses": {}}
    for _ in range(repeats):
        with tempfile.TemporaryDirectory() as folder:
            cache.configure(True, Path(folder) / "scores.sqlite3")
            for step in ("first", "rerun", "edit"):
                embedders._VECTORS.clear()
                frame = make_input(edit=step == "edit")
                t0 = time.perf_counter()
                result = run(frame=frame, options=CheckOptions())
                out[step].append(time.perf_counter() - t0)
                out["misses"][step] = result.summary["cache"]["misses"]
            cache.active().close()
    return out


def report(name: str, rows: int, out: dict) -> None:
    first, rerun, edit = (statistics.median(out[s]) for s in ("first", "rerun", "edit"))
    print(f"{name} ({rows} rows):")
    print(f"  first run  {first:7.2f} s   ({out['misses']['first']} texts scored)")
    print(f"  re-run     {rerun:7.2f} s   {first / rerun:5.1f}x faster ({out['misses']['rerun']} texts scored)")
    print(f"  1% edited  {edit:7.2f} s   {first / edit:5.1f}x faster ({out['misses']['edit']} texts scored)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    import pandas as pd

    from mtcheck.models.embedders import get_embedder
    from mtcheck.io.document import read_document
    from mtcheck.models.language_model import get_model

    get_embedder(None).load()
    get_embedder("use").load()
    get_model().load()

    ted = ted_rows(args.n)

    def ted_input(edit: bool):
        frame = ted.copy()
        if edit:
            frame.loc[::100, "mt"] = frame.loc[::100, "mt"] + " (revised)"
        return frame

    page = pd.DataFrame({"mt": [s.text for s in read_document(ROOT / "corpora" / "sample-news" /
                                                              "news-page.txt").segments]})

    def page_input(edit: bool):
        frame = page.copy()
        if edit:
            frame.loc[::100, "mt"] = frame.loc[::100, "mt"] + " (revised)"
        return frame

    report("TED zh-en, source + MT + reference, default signals", len(ted), timed_runs(ted_input, args.repeats))
    report("sample news page, MT only (fluency runs)", len(page), timed_runs(page_input, args.repeats))

    cli = {"empty cache": [], "re-run": []}
    for _ in range(args.repeats):
        with tempfile.TemporaryDirectory() as folder:
            env = {**os.environ, "MTCHECK_CACHE_DIR": folder}
            for step in cli:
                t0 = time.perf_counter()
                subprocess.run([sys.executable, "-m", "mtcheck", "check", "corpora/sample-news", "-o",
                                str(Path(folder) / "report"), "--force", "-q"], cwd=ROOT, env=env, check=True)
                cli[step].append(time.perf_counter() - t0)
    first, again = statistics.median(cli["empty cache"]), statistics.median(cli["re-run"])
    print("command line, fresh process, sample corpus (models converted):")
    print(f"  empty cache {first:6.2f} s; re-run {again:6.2f} s ({first / again:.1f}x faster)")


if __name__ == "__main__":
    main()
