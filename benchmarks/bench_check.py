"""Time `mtcheck check` stage by stage on N segments of real text and print segments per second.

    .venv/bin/python benchmarks/bench_check.py [--n 500] [--repeats 3] [--data TSV] [--no-embedding]
        [--xsim-ref-cost] [--margin-cost] [--signals]

Rows are the first N (system, segment) rows of the TED zh-en MQM data in
../shared/data/mqm/ (source, MT and reference), or the test fixture repeated
when that folder is absent, or of --data (tests/data/news-2000.tsv.gz: one MT
per source, so every row brings a new source, as in most editors' corpora). Each stage's time is the median over the repeats.
Machines here are noisy, so every figure is also given as a ratio to a
baseline measured in the same process: a plain loop of sacrebleu sentence
chrF++ over the same rows.

--xsim-ref-cost also runs, in every repeat, the check without the cross-lingual
MT<->reference cosine (CheckOptions(xsim_ref=False)), which the default run has
computed since the judgments-trained heads use it (fusion since mqm-ranknet-5), and the
check as it ran before that change: without xsim_ref and with USE on one thread
(embedders._threaded_one_by_one). It prints the default run's time as a ratio to
each: the issue-12 speed target is "within 1.2x of the previous default".

--margin-cost also runs, in every repeat, the check without `xsim_margin` (--no-xsim-margin; no
head reads it) and prints that run's time as a ratio to the default run's.

--signals prices every signal: the run has the language model on every row (`--fluency on`) and
`--lm-ref`, so each scorer's stage is timed on all N rows, and the table gives each one's rows per
second and its share of the run; the quality each one adds is in training/evaluate_quality.py's
table. Run it once natively and once with ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 (ONNX
Runtime ignores both; the script prints what torch and OpenBLAS report).
"""

from __future__ import annotations

import argparse
import csv
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load_rows(n: int, data: str | None = None):
    import pandas as pd

    mqm = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    path = Path(data) if data else mqm if mqm.exists() else ROOT / "tests" / "data" / "ted-zh-en-40.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    while len(frame) < n:
        frame = pd.concat([frame, frame], ignore_index=True)
    return path, frame.head(n)[["system", "doc_id", "seg_id", "src", "mt", "ref"]].reset_index(drop=True)


def baseline_chrf(frame) -> float:
    from sacrebleu.metrics import CHRF

    chrf = CHRF(word_order=2)
    t0 = time.perf_counter()
    for mt, ref in zip(frame["mt"], frame["ref"]):
        chrf.sentence_score(mt, [ref])
    return time.perf_counter() - t0


def cpu_line() -> str:
    """What this CPU and its libraries run with: the figures depend on it (AVX2-capped mode or not)."""
    import platform

    import torch
    from threadpoolctl import threadpool_info

    blas = next((f"{i.get('internal_api')} {i.get('architecture')}" for i in threadpool_info()
                 if i.get("user_api") == "blas"), "no BLAS")
    model = next((ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")),
                 platform.processor())
    return (f"cpu: {model}; torch capability {torch.backends.cpu.get_cpu_capability()}; {blas}; "
            f"ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '-')}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=500, help="segments per run")
    parser.add_argument("--data", help="a TSV (or .tsv.gz) with system, doc_id, seg_id, src, mt, ref columns, "
                        "e.g. tests/data/news-2000.tsv.gz [default: TED zh-en MQM]")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--no-embedding", action="store_true")
    parser.add_argument("--margin-cost", action="store_true",
                        help="also time the run without the source-similarity margin (--no-xsim-margin)")
    parser.add_argument("--xsim-ref-cost", action="store_true",
                        help="also time the run without xsim_ref, interleaved, and print the ratio")
    parser.add_argument("--signals", action="store_true",
                        help="every signal on every row (--fluency on --lm-ref): each one's rows per second")
    args = parser.parse_args()

    from mtcheck.pipeline import CheckOptions, run

    path, frame = load_rows(args.n, args.data)
    # Every repeat computes for real: no persistent cache (benchmarks/bench_cache.py measures that).
    options = CheckOptions(scorers=("sacrebleu",) if args.no_embedding else None, cache=False)
    if args.signals:
        options = CheckOptions(fluency="on", lm_ref=True, xsim_margin=True, cache=False)
        print(cpu_line())
    print(f"data: {path.name}, {len(frame)} segments, {args.repeats} repeats, {os.cpu_count()} cores")
    run(options=options, frame=frame.head(20))  # warm-up: imports and model load are not per-segment costs

    stage_times: dict[str, list[float]] = {}
    totals, baselines, without, previous, no_margin = [], [], [], [], []
    from dataclasses import replace
    from mtcheck.models.embedders import _VECTORS

    for _ in range(args.repeats):
        _VECTORS.clear()  # each repeat encodes for real; the memory only helps within one run
        baselines.append(baseline_chrf(frame))
        t0 = time.perf_counter()
        result = run(options=options, frame=frame)
        totals.append(time.perf_counter() - t0)
        for stage, seconds in result.summary["timings_s"].items():
            stage_times.setdefault(stage, []).append(seconds)
        if args.margin_cost:
            _VECTORS.clear()
            t0 = time.perf_counter()
            run(options=replace(options, xsim_margin=False), frame=frame)
            no_margin.append(time.perf_counter() - t0)
        if args.xsim_ref_cost:
            _VECTORS.clear()
            t0 = time.perf_counter()
            run(options=replace(options, xsim_ref=False), frame=frame)
            without.append(time.perf_counter() - t0)
            from mtcheck.models import embedders

            threads, embedders._use_threads = embedders._use_threads, lambda: 1
            _VECTORS.clear()
            t0 = time.perf_counter()
            run(options=replace(options, xsim_ref=False), frame=frame)
            previous.append(time.perf_counter() - t0)
            embedders._use_threads = threads

    base = statistics.median(baselines)
    print(f"{'stage':24s} {'median s':>10s} {'seg/s':>10s} {'x baseline':>11s}")
    print(f"{'baseline: chrF++ loop':24s} {base:10.3f} {len(frame) / base:10.1f} {1.0:11.2f}")
    for stage, times in stage_times.items():
        med = statistics.median(times)
        rate = len(frame) / med if med > 0 else float("inf")
        print(f"{stage:24s} {med:10.3f} {rate:10.1f} {med / base:11.2f}")
    total = statistics.median(totals)
    print(f"{'total check':24s} {total:10.3f} {len(frame) / total:10.1f} {total / base:11.2f}")
    if no_margin:
        other = statistics.median(no_margin)
        print(f"{'total without margin':24s} {other:10.3f} {len(frame) / other:10.1f} {other / base:11.2f}")
        print(f"run without xsim_margin / default run: {other / total:.2f}x (median of per-repeat ratios "
              f"{statistics.median(o / t for t, o in zip(totals, no_margin)):.2f}x)")
    if without:
        other = statistics.median(without)
        print(f"{'total without xsim_ref':24s} {other:10.3f} {len(frame) / other:10.1f} {other / base:11.2f}")
        old = statistics.median(previous)
        print(f"{'previous default':24s} {old:10.3f} {len(frame) / old:10.1f} {old / base:11.2f}")
        for label, times in (("run without xsim_ref", without), ("previous default", previous)):
            print(f"default run / {label}: {total / statistics.median(times):.2f}x (median of per-repeat "
                  f"ratios {statistics.median(t / o for t, o in zip(totals, times)):.2f}x)")


if __name__ == "__main__":
    main()
