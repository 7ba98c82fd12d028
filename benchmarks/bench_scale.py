"""Throughput of `mtcheck check` on the local engine and on a 2-worker Dask LocalCluster (issue 14).

    .venv/bin/python benchmarks/bench_scale.py [--repeats 3] [--partition-rows 500]

On the 2,000-row news fixture (tests/data/news-2000.tsv.gz: source, MT and reference of four
systems), each run is a fresh `mtcheck check --no-cache` process, so model loading is counted as a
user meets it (on Dask, once per worker). It prints, for each engine, the median wall time of the
repeats, rows per second, and the ratio to the local run measured in the same session, and checks
that the two wrote the same segments.csv.

Then the cost of a partition: the same rows with only the cheap signals (--no-embedding
--no-fluency), in 1 partition and in 20, on the local engine and on a 1-worker LocalCluster;
(time in 20 - time in 1) / 19 is what one partition adds (scheduling, sending its rows, collecting
its result, writing its rows).
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(corpus: Path, out: Path, extra: list[str]) -> float:
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mtcheck", "check", str(corpus), "-o", str(out), "--no-cache", "-q",
                    "--force", *extra], env=env, check=True)
    return time.perf_counter() - t0


def median_of(repeats: int, corpus: Path, out: Path, extra: list[str]) -> float:
    return statistics.median(run(corpus, out, extra) for _ in range(repeats))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--partition-rows", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        corpus = tmp / "news-2000.tsv"
        corpus.write_bytes(gzip.decompress((ROOT / "tests" / "data" / "news-2000.tsv.gz").read_bytes()))
        rows = sum(1 for _ in corpus.open(encoding="utf-8")) - 1
        parts = ["--partition-rows", str(args.partition_rows)]
        dask = ["--engine", "dask", "--workers", "2"]
        print(f"{rows:,} rows, default signals, {args.partition_rows} rows per partition, "
              f"median of {args.repeats} fresh processes")
        local = median_of(args.repeats, corpus, tmp / "local", parts)
        print(f"  local engine:              {local:7.1f} s  {rows / local:6.1f} rows/s")
        on_dask = median_of(args.repeats, corpus, tmp / "dask", parts + dask)
        print(f"  Dask, 2-worker LocalCluster: {on_dask:5.1f} s  {rows / on_dask:6.1f} rows/s  "
              f"({on_dask / local:.2f}x the local run)")
        same = all((tmp / "local" / n).read_bytes() == (tmp / "dask" / n).read_bytes()
                   for n in ("segments.csv", "findings.csv"))
        print(f"  segments.csv and findings.csv identical: {same}")

        cheap = ["--no-embedding", "--no-fluency"]
        many = max(1, rows // 20)
        print("cost of a partition (cheap signals only):")
        # One Dask worker here: with two, 20 partitions share out and the difference measures parallelism.
        for name, engine in (("local", []), ("dask", ["--engine", "dask", "--workers", "1"])):
            one = median_of(args.repeats, corpus, tmp / f"one-{name}", cheap + engine + ["--partition-rows", str(rows)])
            twenty = median_of(args.repeats, corpus, tmp / f"twenty-{name}", cheap + engine + ["--partition-rows", str(many)])
            print(f"  {name:5}: 1 partition {one:6.1f} s, 20 partitions {twenty:6.1f} s: "
                  f"{(twenty - one) / 19 * 1000:7.0f} ms per partition")


if __name__ == "__main__":
    main()
