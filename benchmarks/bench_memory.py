"""Peak memory of `mtcheck check --no-embedding --no-fluency` as the corpus grows (issue 14).

    .venv/bin/python benchmarks/bench_memory.py [--sizes 100000,1000000]

For each size, a synthetic table of that many rows (source, MT, reference) is
written from the TED zh-en MQM rows (../shared/data/mqm/, or the test fixture),
each text made unique with a row number so that the corpus-level checks see a
realistic corpus, 200 rows per document. Then `mtcheck check` runs in a fresh
process without the score cache, and its peak resident memory (getrusage of the
child) and wall time are printed, with the ratio of each size to the first.
Issue 14's target is a ratio of at most 1.5 between 1,000,000 and 100,000 rows.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def write_corpus(path: Path, n: int) -> None:
    from bench_check import load_rows

    _, base = load_rows(min(n, 10_000))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\", lineterminator="\n")
        writer.writerow(["doc_id", "seg_id", "src", "mt", "ref"])
        rows = base[["src", "mt", "ref"]].values.tolist()
        for k in range(n):
            src, mt, ref = rows[k % len(rows)]
            writer.writerow([f"doc{k // 200}", k + 1, src, f"{mt} ({k})", f"{ref} ({k})"])


def run_check(corpus: Path, out: Path) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one `mtcheck check` in a child process."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    t0 = time.perf_counter()
    # Each size runs in its own grandchild so that RUSAGE_CHILDREN's maximum is this run's alone.
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "mtcheck", "check", str(corpus),
                           "-o", str(out), "--no-embedding", "--no-fluency", "--no-cache", "-q", "--force"],
                          env=env, check=True, capture_output=True, text=True)
    return int(done.stdout.strip().splitlines()[-1]) / 1024, time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sizes:
            corpus = Path(tmp) / f"corpus-{n}.tsv"
            write_corpus(corpus, n)
            peak, seconds = run_check(corpus, Path(tmp) / f"out-{n}")
            results.append((n, peak, seconds))
            print(f"{n:>9,} rows: peak RSS {peak:8.0f} MB, {seconds:7.1f} s, "
                  f"{n / seconds:8.0f} rows/s", flush=True)
            corpus.unlink()
    first = results[0]
    for n, peak, seconds in results[1:]:
        print(f"{n:,} against {first[0]:,} rows: memory {peak / first[1]:.2f}x, time {seconds / first[2]:.2f}x "
              f"(rows {n / first[0]:.0f}x)")


if __name__ == "__main__":
    main()
