"""Fluency engines: speed, agreement with torch fp32, batch-mate independence, and ranking.

    .venv/bin/python benchmarks/bench_fluency.py [--speed 320] [--int8 24] [--rounds 3] [--segments 150]
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/bench_fluency.py

First the kernels: torch's capability and a 64x576 by 576x1536 product in
fp32 and in int8 (`torch._int_mm`), the products SmolLM2's layers make. Run
it with the environment variables above to see the AVX2 kernels on a CPU with
AVX-512: the int8 figure must change, or the mode did not take.

Then the engines (runtime/smollm.py) on the sample news page's segments,
repeated to --speed and made distinct: ONNX Runtime fp32 and torch fp32 in
alternating rounds (median of --rounds), and torch int8 on the first --int8 of
them (on CPUs without VNNI it runs at a fraction of a segment per second).
Each engine's scores are compared with torch fp32's (correlation and mean
absolute difference, nats), and each text's score alone with its score in a
batch (batch-mate independence). `--ort-int8` also quantises the ONNX graph
with ONNX Runtime's `quantize_dynamic` (about 30 s) and measures it the same
way.

Finally, ranking: item-grouped Kendall tau against -MQM (per source segment
across systems, then averaged) of the MT alone on the first --segments source
segments of the TED zh-en MQM data, beside sentence chrF++ with the reference.
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


def grouped_tau(frame, column: str) -> float:
    from scipy.stats import kendalltau

    taus = []
    for _, group in frame.groupby(["doc_id", "seg_id"]):
        if group[column].nunique() > 1 and group["mqm"].nunique() > 1:
            tau = kendalltau(group[column], -group["mqm"]).statistic
            if tau == tau:
                taus.append(tau)
    return sum(taus) / len(taus)


def kernels() -> None:
    import torch

    def median_ms(func, n=30):
        func()
        times = []
        for _ in range(n):
            t0 = time.perf_counter()
            func()
            times.append(time.perf_counter() - t0)
        return statistics.median(times) * 1000

    a, w = torch.randn(64, 576), torch.randn(576, 1536)
    qa = torch.randint(-127, 127, (64, 576), dtype=torch.int8)
    qw = torch.randint(-127, 127, (576, 1536), dtype=torch.int8)
    fp32, int8 = median_ms(lambda: a @ w), median_ms(lambda: torch._int_mm(qa, qw))
    caps = {k: os.environ[k] for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA") if k in os.environ}
    print(f"torch {torch.__version__}, capability {torch.backends.cpu.get_cpu_capability()}, caps {caps or 'none'}")
    print(f"  64x576 @ 576x1536: fp32 {fp32:.2f} ms, int8 _int_mm {int8:.2f} ms ({fp32 / int8:.2f}x fp32)")


class OrtInt8:
    """ONNX Runtime's own dynamic int8 quantisation of the exported graph (measured, not shipped)."""

    def __init__(self) -> None:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        from mtcheck.models import onnx
        from mtcheck.models.smollm import ONNX_FILE, cache_dir

        target = cache_dir() / "bench-ort-int8.onnx"
        if not target.exists():
            quantize_dynamic(cache_dir() / ONNX_FILE, target, weight_type=QuantType.QInt8, per_channel=True,
                             op_types_to_quantize=["MatMul"])
        self.session = onnx.session(target)

    def __call__(self, ids, mask):
        return self.session.run(None, {"input_ids": ids, "attention_mask": mask})[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--speed", type=int, default=320)
    parser.add_argument("--int8", type=int, default=24)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--segments", type=int, default=150)
    parser.add_argument("--ort-int8", action="store_true")
    args = parser.parse_args()

    import numpy as np
    import pandas as pd
    from sacrebleu.metrics import CHRF

    from mtcheck.io.document import read_document
    from mtcheck.models import cpu
    from mtcheck.models.language_model import LanguageModel
    from mtcheck.scorers.fluency import adjusted, score_texts

    kernels()
    print(f"cpu: {cpu.description()}; int8 dot products: {cpu.has_int8_dot_products()}")
    models = {}
    for engine in ("onnx", "fp32", "int8"):
        t0 = time.perf_counter()
        models[engine] = LanguageModel(engine).load()
        print(f"load {engine}: {time.perf_counter() - t0:.1f} s")
    if args.ort_int8:
        models["ort-int8"] = LanguageModel("onnx").load()
        models["ort-int8"]._runner = OrtInt8()

    news = [s.text for s in read_document(ROOT / "corpora" / "sample-news" / "news-page.txt").segments]
    texts = [f"{t} ({k})" for k, t in enumerate((news * (args.speed // len(news) + 1))[: args.speed])]
    subsets = {name: texts if name in ("onnx", "fp32") else texts[: args.int8] for name in models}
    times = {name: [] for name in models}
    scores = {}
    for _ in range(args.rounds):
        for name, model in models.items():
            rounds = args.rounds if name in ("onnx", "fp32") else 1
            if len(times[name]) >= rounds:
                continue
            t0 = time.perf_counter()
            scores[name] = np.array([s.lp for s in score_texts(model, subsets[name])])
            times[name].append(time.perf_counter() - t0)
    tokens = statistics.mean(s.tokens for s in score_texts(models["onnx"], texts[:80]))
    print(f"speed on news segments ({tokens:.0f} tokens on average); medians; ratios to torch fp32 in this process:")
    base = len(texts) / statistics.median(times["fp32"])
    for name in models:
        rate = len(subsets[name]) / statistics.median(times[name])
        n = len(subsets[name])
        diff = np.abs(scores[name] - scores["fp32"][:n])
        r = np.corrcoef(scores[name], scores["fp32"][:n])[0, 1]
        alone = np.array([score_texts(models[name], [t])[0].lp for t in subsets[name][:12]])
        batch_dep = np.abs(alone - scores[name][:12]).max()
        print(f"  {name:9s} {rate:6.2f} seg/s ({rate / base:.2f}x fp32, {n} segments); vs fp32: r = {r:.5f}, "
              f"mean |diff| {diff.mean():.5f} nats, max {diff.max():.5f}; alone vs batch: max {batch_dep:.6f} nats")

    path = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[frame.system != "refB"]
    keys = frame[["doc_id", "seg_id"]].drop_duplicates().head(args.segments)
    frame = frame.merge(keys, on=["doc_id", "seg_id"]).copy()
    frame["mqm"] = frame["mqm"].astype(float)
    unique = list(dict.fromkeys(frame.mt))
    scored = dict(zip(unique, score_texts(models["onnx"], unique)))
    frame["lp"] = frame.mt.map(lambda t: scored[t].lp)
    frame["adj"] = frame.mt.map(lambda t: adjusted(scored[t]))
    chrf = CHRF(word_order=2)
    frame["chrf"] = [chrf.sentence_score(m, [r]).score for m, r in zip(frame.mt, frame.ref)]
    print(f"item-grouped Kendall tau vs -MQM on {len(frame)} rows ({args.segments} source segments):")
    print(f"  fluency_lp (MT only):         {grouped_tau(frame, 'lp'):+.3f}")
    print(f"  fluency_adj (MT only):        {grouped_tau(frame, 'adj'):+.3f}")
    print(f"  sentence chrF++ with the ref: {grouped_tau(frame, 'chrf'):+.3f}")


if __name__ == "__main__":
    main()
