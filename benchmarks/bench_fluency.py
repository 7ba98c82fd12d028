"""Fluency scorer: speed, and how well it ranks translations without source or reference.

    .venv/bin/python benchmarks/bench_fluency.py [--segments 150] [--speed 500]

Speed: the sample news page's segments, repeated to --speed, scored in one
process; the baseline in the same process is the same model on the same texts
in unsorted batches (the naive loop), so the ratio shows what length-sorted
batching buys. Ranking: the first --segments source segments of the TED zh-en
MQM data, all systems but refB; item-grouped Kendall tau against -MQM (per
source segment across systems, then averaged; WMT23 convention), for the mean
token log-probability of the MT alone and, beside it, sentence chrF++ with
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
    parser.add_argument("--speed", type=int, default=500)
    args = parser.parse_args()

    import pandas as pd
    from sacrebleu.metrics import CHRF

    import mtcheck.scorers.fluency as fluency
    from mtcheck.io.document import read_document

    model = fluency.get_model()
    t0 = time.perf_counter()
    model.load()
    print(f"model load: {time.perf_counter() - t0:.1f} s (cache: {fluency.cache_dir()})")

    news = [s.text for s in read_document(ROOT / "corpora" / "sample-news" / "news-page.txt").segments]
    texts = (news * (args.speed // len(news) + 1))[: args.speed]
    texts = [f"{t} ({k})" for k, t in enumerate(texts)]  # distinct texts: no cache effects
    t0 = time.perf_counter()
    model.score(texts)
    sorted_s = time.perf_counter() - t0
    original = fluency.BATCH_SIZE
    shuffled = sorted(texts, key=lambda t: hash(t))
    t0 = time.perf_counter()
    for start in range(0, len(shuffled), original):
        model.score(shuffled[start:start + original])  # one batch per call: no sorting across batches
    naive_s = time.perf_counter() - t0
    print(f"speed on {len(texts)} news segments: {len(texts) / sorted_s:.1f} seg/s length-sorted, "
          f"{len(texts) / naive_s:.1f} seg/s unsorted batches (baseline) -> {naive_s / sorted_s:.2f}x")
    print(f"  10,000 news segments would take about {10_000 / (len(texts) / sorted_s) / 60:.1f} min")

    path = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[frame.system != "refB"]
    keys = frame[["doc_id", "seg_id"]].drop_duplicates().head(args.segments)
    frame = frame.merge(keys, on=["doc_id", "seg_id"]).copy()
    frame["mqm"] = frame["mqm"].astype(float)
    unique = list(dict.fromkeys(frame.mt))
    scores = dict(zip(unique, (lp for lp, _, _ in model.score(unique))))
    frame["fluency_lp"] = frame.mt.map(scores)
    chrf = CHRF(word_order=2)
    frame["chrf"] = [chrf.sentence_score(m, [r]).score for m, r in zip(frame.mt, frame.ref)]
    print(f"item-grouped Kendall tau vs -MQM on {len(frame)} rows ({args.segments} source segments):")
    print(f"  fluency (MT only, no source, no reference): {grouped_tau(frame, 'fluency_lp'):+.3f}")
    print(f"  sentence chrF++ with the reference:         {grouped_tau(frame, 'chrf'):+.3f}")


if __name__ == "__main__":
    main()
