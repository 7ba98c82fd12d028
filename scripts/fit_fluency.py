"""Calibrate the fluency scorer against fluent human English.

    .venv/bin/python scripts/fit_fluency.py

Scores the human references of ../shared/data/mqm/ted-zh-en.tsv (English,
one per source segment) with the fluency model and stores their sorted mean
token log-probabilities in mtcheck/data/fluency_calibration.json. A segment's
`fluency` is then its percentile among these sentences.
"""

from __future__ import annotations

import csv
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import pandas as pd

    from mtcheck.scorers.fluency import MODEL_NAME, get_model

    path = ROOT.parent / "shared" / "data" / "mqm" / "ted-zh-en.tsv"
    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    refs = [r for r in frame.drop_duplicates(["doc_id", "seg_id"])["ref"] if r.strip()]
    scores = sorted(round(lp, 4) for lp, _, _ in get_model().score(refs))
    data = {"en": {"model": MODEL_NAME, "source": f"{path.name}: {len(refs)} human references",
                   "sorted_mean_logprobs": scores}}
    out = ROOT / "mtcheck" / "data" / "fluency_calibration.json"
    out.write_text(json.dumps(data) + "\n", encoding="utf-8")
    n = len(scores)
    print(f"{n} references; median {scores[n // 2]:.3f}, 5th percentile {scores[n // 20]:.3f} -> {out}")


if __name__ == "__main__":
    main()
