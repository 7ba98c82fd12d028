"""`lm_ref` with shared prefixes against one pass over prompt, reference and MT (issue 26).

    .venv/bin/python benchmarks/bench_lmref.py [--sources 20] [--repeats 3]

Rows: the first --sources source segments of the MQM TED zh-en table with every system's MT (14 per
source; the 40-source test fixture, 3 systems, when ../shared is absent), and the same sources with one
system only (every reference once). In one process, per repeat and interleaved:

* `one pass, ONNX` and `one pass, torch`: how lm_ref ran before, the prompt, reference and MT in one
  sequence on each engine (LanguageModel.token_logprobs);
* `shared prefixes, torch`: how it runs now (LanguageModel.conditional, smollm.SharedPrefixRunner).

It prints each one's median seconds and rows per second and the ratio of the baseline (`one pass` on
the engine this machine's fluency scorer chose) to it, and the largest difference in the scores.
Model loading is outside the timings. Run it natively and with ATEN_CPU_CAPABILITY=avx2
ONEDNN_MAX_CPU_ISA=AVX2 (ONNX Runtime ignores both).
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
sys.path.insert(0, str(ROOT / "benchmarks"))


def load_rows(sources: int):
    import pandas as pd

    mqm = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    path = mqm if mqm.exists() else ROOT / "tests" / "data" / "ted-zh-en-40.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    keys = frame[["doc_id", "seg_id"]].drop_duplicates().head(sources)
    return path, frame.merge(keys, on=["doc_id", "seg_id"])


def one_pass(model, prefixes, targets):
    """The earlier lm_ref: prompt, reference and MT in one sequence, only the MT's tokens scored."""
    pre = model.tokenizer.encode(prefixes)[0]
    tgt = model.tokenizer.encode(targets)[0]
    scored = model.token_logprobs([p + t for p, t in zip(pre, tgt)], [len(p) for p in pre])
    return [sum(lp) / len(lp) if lp else float("nan") for lp in scored]


def main() -> int:
    import numpy as np

    from bench_check import cpu_line
    from mtcheck.models.language_model import LanguageModel, get_model
    from mtcheck.models.smollm_engines import choose_engine
    from mtcheck.scorers.lmref import PROMPT

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sources", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    path, frame = load_rows(args.sources)
    print(cpu_line())
    chosen, _ = choose_engine()
    onnx, torch_fp32 = LanguageModel("onnx").load(), LanguageModel("fp32").load()
    shared = get_model(chosen).load()
    ways = {"one pass, ONNX": lambda p, t: one_pass(onnx, p, t),
            "one pass, torch": lambda p, t: one_pass(torch_fp32, p, t),
            "shared prefixes, torch": shared.conditional}
    baseline = "one pass, ONNX" if chosen == "onnx" else "one pass, torch"
    first_system = frame[frame["system"] == frame["system"].iloc[0]]
    for label, rows in ((f"{frame['system'].nunique()} systems per source", frame),
                        ("one system (every reference once)", first_system)):
        prefixes = [PROMPT.format(ref=r) for r in rows["ref"]]
        targets = [" " + m for m in rows["mt"]]
        for way in ways.values():  # warm-up: first calls allocate
            way(prefixes[:4], targets[:4])
        times: dict[str, list[float]] = {name: [] for name in ways}
        scores: dict[str, np.ndarray] = {}
        for _ in range(args.repeats):
            for name, way in ways.items():
                t0 = time.perf_counter()
                scores[name] = np.asarray(way(prefixes, targets), dtype=float)
                times[name].append(time.perf_counter() - t0)
        base = statistics.median(times[baseline])
        print(f"\n{path.name}, {len(rows)} rows, {label}; engine chosen here: {chosen}; {args.repeats} repeats")
        print(f"{'':26s} {'median s':>9s} {'rows/s':>8s} {'baseline / this':>16s} {'max |diff|':>11s}")
        for name in ways:
            med = statistics.median(times[name])
            diff = np.nanmax(np.abs(scores[name] - scores[baseline]))
            print(f"{name:26s} {med:9.2f} {len(rows) / med:8.1f} {base / med:16.2f} {diff:11.2e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
