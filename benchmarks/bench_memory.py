"""Peak memory of `mtcheck check --no-embedding --no-fluency` as the corpus grows (issue 14).

    .venv/bin/python benchmarks/bench_memory.py [--sizes 100000,1000000]

For each size, a synthetic table of that many rows (source, MT, reference) is
written from the TED zh-en MQM rows (../shared/data/mqm/, or the test fixture),
each text made unique with a row number so that the corpus-level checks see a
realistic corpus, 200 rows per document. Then `mtcheck check` runs in a fresh
process without the score cache, and its peak resident memory (getrusage of the
child) and wall time are printed, with the ratio of each size to the first.
Issue 14's target is a ratio of at most 1.5 between 1,000,000 and 100,000 rows.

    .venv/bin/python benchmarks/bench_memory.py --bootstrap 20000

times instead the corpus chrF++ and BLEU with their 1,000-resample bootstrap on that many
rows, mtcheck's bounded-memory version against sacrebleu's own `corpus_score` in the same
process (medians of 3), and checks that the results are equal.
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


def bootstrap_speed(n: int) -> None:
    import statistics

    from sacrebleu.metrics import BLEU, CHRF

    from bench_check import load_rows
    from mtcheck.scorers.sacrebleu_metrics import corpus_score_with_bootstrap

    _, frame = load_rows(n)
    hyps, refs = [f"{m} ({k})" for k, m in enumerate(frame["mt"])], [frame["ref"].tolist()]
    for name, make in (("chrF++", lambda: CHRF(word_order=2)), ("BLEU", lambda: BLEU(effective_order=True))):
        ours, theirs = [], []
        for _ in range(3):
            t0 = time.perf_counter()
            a = make().corpus_score(hyps, refs, n_bootstrap=1000)
            theirs.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = corpus_score_with_bootstrap(make(), hyps, refs, 1000)
            ours.append(time.perf_counter() - t0)
        same = (a.score, a._ci, a._mean) == (b.score, b._ci, b._mean)
        print(f"{name:7s} {n:,} rows: sacrebleu {statistics.median(theirs):6.2f} s, mtcheck "
              f"{statistics.median(ours):6.2f} s, ratio {statistics.median(ours) / statistics.median(theirs):.2f}, "
              f"identical: {same}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--bootstrap", type=int, help="time the corpus bootstrap on this many rows instead")
    args = parser.parse_args()
    if args.bootstrap:
        bootstrap_speed(args.bootstrap)
        return
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
