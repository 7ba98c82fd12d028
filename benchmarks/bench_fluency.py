"""Fluency scorer: speed, and how well it ranks translations without source or reference.

    .venv/bin/python benchmarks/bench_fluency.py [--segments 150] [--speed 320] [--rounds 3]

Speed: the sample news page's segments, repeated to --speed and made
distinct, scored by the shipped int8 model and, as the baseline in the same
process, by the same model in fp32 (both length-sorted batches of 16). The
rounds alternate between the two; medians are reported, with the ratio and
the correlation of their scores. Ranking: the first --segments source
segments of the TED zh-en MQM data, all systems but refB; item-grouped
Kendall tau against -MQM (per source segment across systems, then averaged;
WMT23 convention) of the MT alone, for `fluency_lp` and the length-adjusted
`fluency_adj` in int8 and for fp32 `fluency_lp`, beside sentence chrF++ with
the reference.
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def grouped_tau(frame, column: str) -> float:
    from scipy.stats import kendalltau

    taus = []
    for _, group in frame.groupby(["doc_id", "seg_id"]):
        if group[column].nunique() > 1 and group["mqm"].nunique() > 1:
            tau = kendalltau(group[column], -group["mqm"]).statistic
            if tau == tau:
                taus.append(tau)
    return sum(taus) / len(taus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--segments", type=int, default=150)
    parser.add_argument("--speed", type=int, default=320)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    import statistics

    import numpy as np
    import pandas as pd
    from sacrebleu.metrics import CHRF

    import mtcheck.scorers.fluency as fluency
    from mtcheck.io.document import read_document

    models = {}
    for precision in ("fp32", "int8"):
        t0 = time.perf_counter()
        models[precision] = fluency.FluencyModel(precision).load()
        print(f"model load, {precision}: {time.perf_counter() - t0:.1f} s (cache: {fluency.cache_dir()})")

    news = [s.text for s in read_document(ROOT / "corpora" / "sample-news" / "news-page.txt").segments]
    texts = (news * (args.speed // len(news) + 1))[: args.speed]
    texts = [f"{t} ({k})" for k, t in enumerate(texts)]  # distinct texts: no cache effects
    times = {name: [] for name in models}
    scores = {}
    for _ in range(args.rounds):
        for name, model in models.items():
            t0 = time.perf_counter()
            scores[name] = model.score(texts)
            times[name].append(time.perf_counter() - t0)
    tokens = statistics.mean(s.tokens for s in scores["int8"])
    print(f"speed on {len(texts)} news segments ({tokens:.0f} tokens on average), median of {args.rounds} rounds:")
    base = statistics.median(times["fp32"])
    for name in models:
        rate = len(texts) / statistics.median(times[name])
        print(f"  {name}: {rate:.1f} seg/s, {base / statistics.median(times[name]):.2f}x fp32; "
              f"10,000 segments in about {10_000 / rate / 60:.1f} min")
    agree = np.corrcoef([s.lp for s in scores["fp32"]], [s.lp for s in scores["int8"]])[0, 1]
    print(f"  int8 vs fp32 mean log-probability: r = {agree:.4f}")

    path = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[frame.system != "refB"]
    keys = frame[["doc_id", "seg_id"]].drop_duplicates().head(args.segments)
    frame = frame.merge(keys, on=["doc_id", "seg_id"]).copy()
    frame["mqm"] = frame["mqm"].astype(float)
    unique = list(dict.fromkeys(frame.mt))
    for name, model in models.items():
        scored = dict(zip(unique, model.score(unique)))
        frame[f"lp_{name}"] = frame.mt.map(lambda t: scored[t].lp)
        if name == "int8":
            frame["adj_int8"] = frame.mt.map(lambda t: fluency.adjusted(scored[t]))
    chrf = CHRF(word_order=2)
    frame["chrf"] = [chrf.sentence_score(m, [r]).score for m, r in zip(frame.mt, frame.ref)]
    print(f"item-grouped Kendall tau vs -MQM on {len(frame)} rows ({args.segments} source segments):")
    print(f"  fluency_lp, int8 (MT only):   {grouped_tau(frame, 'lp_int8'):+.3f}")
    print(f"  fluency_adj, int8 (MT only):  {grouped_tau(frame, 'adj_int8'):+.3f}")
    print(f"  fluency_lp, fp32 (MT only):   {grouped_tau(frame, 'lp_fp32'):+.3f}")
    print(f"  sentence chrF++ with the ref: {grouped_tau(frame, 'chrf'):+.3f}")


if __name__ == "__main__":
    main()
