"""Rows per second of a quality adapter (issue 36), cold, beside a baseline in the same process.

    .venv/bin/python benchmarks/bench_adapter.py [--adapter mt-ref|mt-only] [--n 1000] [--repeats 3]
    ATEN_CPU_CAPABILITY=avx2 ONEDNN_MAX_CPU_ISA=AVX2 .venv/bin/python benchmarks/bench_adapter.py

The first N rows of tests/data/news-2000.tsv.gz (MT, reference) are scored by the adapter's ONNX model
(mtcheck/models/adapters.py, adapter_smol.py; no score cache): `mt-ref` beside sacrebleu's sentence
chrF++, `mt-only` (the MT alone) beside the fluency language model it shares its base with (SmolLM2's
token log-probabilities on the same texts, scorers/fluency.py's engine); medians of `--repeats`, and
their ratio. The one-time export (peft merge, ONNX) is done
before timing. ONNX Runtime ignores ATEN_CPU_CAPABILITY and ONEDNN_MAX_CPU_ISA: the capped run shows
that it does.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    import pandas as pd
    from sacrebleu.metrics import CHRF

    from mtcheck.models.adapter_pool import get_adapter
    from mtcheck.models.cpu import description

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--adapter", choices=("mt-ref", "mt-only"), default="mt-ref")
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    rows = pd.read_csv(ROOT / "tests" / "data" / "news-2000.tsv.gz", sep="\t", dtype=str, keep_default_na=False,
                       quoting=3).head(args.n)
    mts, refs = rows["mt"].tolist(), rows["ref"].tolist()
    model = get_adapter(args.adapter).load()
    if args.adapter == "mt-ref":
        chrf = CHRF(word_order=2)
        baseline_name = "sentence chrF++"

        def adapter():
            model.score(mts, refs)

        def baseline():
            for m, r in zip(mts, refs):
                chrf.sentence_score(m, [r])
    else:
        from mtcheck.models.language_model import get_model
        from mtcheck.scorers.fluency import score_texts

        lm = get_model(None)
        baseline_name = "fluency language model"

        def adapter():
            model.score(mts)

        def baseline():
            score_texts(lm, mts)
    adapter_s, base_s = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        adapter()
        adapter_s.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        baseline()
        base_s.append(time.perf_counter() - t0)
    a, c = statistics.median(adapter_s), statistics.median(base_s)
    print(f"cpu: {description()}")
    print(f"caps: ATEN_CPU_CAPABILITY={os.environ.get('ATEN_CPU_CAPABILITY', '-')} "
          f"ONEDNN_MAX_CPU_ISA={os.environ.get('ONEDNN_MAX_CPU_ISA', '-')}")
    print(f"| scorer | rows | median s | rows/s | time / {baseline_name}'s |")
    print("|---|---|---|---|---|")
    print(f"| {args.adapter} adapter (ONNX) | {len(mts)} | {a:.2f} | {len(mts) / a:.0f} | {a / c:.1f}x |")
    print(f"| {baseline_name} | {len(mts)} | {c:.2f} | {len(mts) / c:.0f} | 1.0x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
