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

    .venv/bin/python benchmarks/bench_memory.py --modes [--mode-sizes 1000,10000] [--only ref,src,lm] [--no-news]

measures a default run's peak memory in the three ways people run it (issue 34), each in a fresh
process without the score cache: `ref` (source and reference: the default signals), `src` (source
only: the language model scores fluency), and `lm` (`--fluency on --lm-ref`). First on
tests/data/news-2000.tsv.gz itself, then on tables of each of `--mode-sizes` rows built from its
rows (each text made unique with a row number; `--no-news` runs only these), and prints the ratio of
the largest size's peak to the smallest's. Issue 34's targets: under 1 GB for `ref` and `src` and
1.5 GB for `lm` on news-2000, and at most 1.2x from 1,000 to 10,000 rows in each mode.
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


NEWS = ROOT / "tests" / "data" / "news-2000.tsv.gz"
MODES = {"ref": [], "src": [], "lm": ["--fluency", "on", "--lm-ref"]}


def news_rows() -> list[dict]:
    import gzip

    with gzip.open(NEWS, "rt", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def write_mode_corpus(path: Path, mode: str, n: int | None) -> None:
    """news-2000 (n=None) or n rows built from it, with the columns the mode's run reads."""
    rows = news_rows()
    columns = ["system", "doc_id", "seg_id", "src", "mt"] + ([] if mode == "src" else ["ref"])
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("\t".join(columns) + "\n")
        for k in range(n if n is not None else len(rows)):
            row = dict(rows[k % len(rows)])
            if n is not None:  # unique texts: no score is shared, no segment is a duplicate
                row.update(doc_id=f"{row['doc_id']}-{k // len(rows)}", seg_id=str(k + 1),
                           **{c: f"{row[c]} ({k})" for c in ("src", "mt", "ref") if c in row})
            out.write("\t".join(row[c] for c in columns) + "\n")


def modes(sizes: list[int], only: list[str], news: bool = True) -> None:
    print("| mode | rows | peak RSS | seconds | rows/s |")
    print("|---|---|---|---|---|")
    peaks: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for mode in only:
            for n in [None, *sizes] if news else sizes:
                corpus = Path(tmp) / f"{mode}-{n or 'news'}.tsv"
                write_mode_corpus(corpus, mode, n)
                peak, seconds = run_check(corpus, Path(tmp) / "out", MODES[mode])
                rows = n or 2000
                peaks[(mode, n)] = peak
                print(f"| {mode} | {'news-2000' if n is None else f'{n:,}'} | {peak:,.0f} MB | {seconds:.0f} | "
                      f"{rows / seconds:.1f} |", flush=True)
    for mode in only:
        print(f"{mode}: {sizes[-1]:,} rows against {sizes[0]:,}: memory "
              f"{peaks[(mode, sizes[-1])] / peaks[(mode, sizes[0])]:.3f}x")


def run_check(corpus: Path, out: Path, extra=("--no-embedding", "--no-fluency")) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of one `mtcheck check` in a child process."""
    env = dict(os.environ, HF_HUB_OFFLINE="1")
    t0 = time.perf_counter()
    # Each size runs in its own grandchild so that RUSAGE_CHILDREN's maximum is this run's alone.
    probe = ("import resource, subprocess, sys; "
             "subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL); "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    done = subprocess.run([sys.executable, "-c", probe, sys.executable, "-m", "mtcheck", "check", str(corpus),
                           "-o", str(out), *extra, "--no-cache", "-q", "--force"],
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
    parser.add_argument("--modes", action="store_true", help="peak memory of default runs in three modes instead")
    parser.add_argument("--mode-sizes", default="1000,10000")
    parser.add_argument("--only", default="ref,src,lm", help="with --modes: which of ref, src, lm")
    parser.add_argument("--no-news", action="store_true", help="with --modes: only the --mode-sizes tables")
    args = parser.parse_args()
    if args.modes:
        modes([int(s) for s in args.mode_sizes.split(",")], args.only.split(","), news=not args.no_news)
        return
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
