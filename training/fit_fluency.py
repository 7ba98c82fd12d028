"""Calibrate the fluency scorer against fluent human English.

    .venv/bin/python training/fit_fluency.py

Scores fluent human English with the fluency model: the references of
../shared/data/mqm/ted-zh-en.tsv and the (English) sources of ted-en-de.tsv,
one per source segment, with <v> annotation tags removed. It then fits the
mean token log-probability a fluent sentence of n tokens reaches,
a + b ln n + c / n, by least squares, and stores the coefficients with the
sorted residuals in mtcheck/data/fluency_calibration.json. A segment's
`fluency_adj` is its own residual and `fluency` the percentile of that
residual among these sentences. It also stores the mean token log-probability
at each of the first POSITIONS token positions (the last entry: every later
position), against which the scorer finds the least likely span; without it,
the span was the sentence's first three tokens in 55% of TED MT segments.

No MT and no MQM judgment is used, so the calibration cannot leak labels
into the held-out benchmark.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SOURCES = (("ted-zh-en.tsv", "ref"), ("ted-en-de.tsv", "src"))
POSITIONS = 8


def fluent_english(mqm_dir: Path) -> list[str]:
    import csv

    import pandas as pd

    texts = []
    for name, column in SOURCES:
        frame = pd.read_csv(mqm_dir / name, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
        clean = frame.drop_duplicates(["doc_id", "seg_id"])[column].str.replace(r"</?v>", "", regex=True)
        texts += [t for t in clean if t.strip()]
    return list(dict.fromkeys(texts))


def main() -> None:
    import numpy as np

    from mtcheck.scorers.fluency import MODEL_NAME, get_model

    model = get_model()
    texts = fluent_english(ROOT.parent / "shared" / "data" / "mqm")
    ids, _ = model.encode(texts)
    per_token = [t for t in model.token_logprobs(ids) if t]
    lp = np.array([np.mean(t) for t in per_token])
    n = np.array([len(t) for t in per_token], dtype=float)
    baseline = [np.mean([t[i] for t in per_token if len(t) > i]) for i in range(POSITIONS - 1)]
    baseline.append(np.mean([v for t in per_token for v in t[POSITIONS - 1:]]))
    design = np.c_[np.ones_like(n), np.log(n), 1.0 / n]
    coef, *_ = np.linalg.lstsq(design, lp, rcond=None)
    residuals = lp - design @ coef
    data = {"en": {"model": f"{MODEL_NAME}, {model.precision}",
                   "source": f"{len(texts)} fluent human sentences: " + ", ".join(f"{c} of {f}" for f, c in SOURCES),
                   "length_model": {"form": "a + b * ln(tokens) + c / tokens",
                                    "coef": [round(float(c), 5) for c in coef]},
                   "position_baseline": [round(float(b), 4) for b in baseline],
                   "sorted_adjusted": sorted(round(float(r), 4) for r in residuals)}}
    out = ROOT / "mtcheck" / "data" / "fluency_calibration.json"
    out.write_text(json.dumps(data) + "\n", encoding="utf-8")
    r2 = 1 - residuals.var() / lp.var()
    print(f"{len(texts)} sentences; log-prob = {coef[0]:.3f} + {coef[1]:.3f} ln n + {coef[2]:.3f} / n "
          f"(R^2 {r2:.2f}); residual sd {residuals.std():.3f}; by position: "
          + " ".join(f"{b:.2f}" for b in baseline) + f" -> {out}")


if __name__ == "__main__":
    main()
