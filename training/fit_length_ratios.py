"""Fit the per-language-pair length-ratio bounds used by the `length-ratio` check.

    .venv/bin/python training/fit_length_ratios.py

For each MQM file in ../shared/data/mqm/ (human references, one per source
segment), take log(len(reference) / len(source)) in characters and keep the
0.5 and 99.5 percentiles, plus the median. Writes mtcheck/data/length_ratios.json.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
MQM = ROOT.parent / "shared" / "data" / "mqm"
LOW, HIGH = 0.5, 99.5


def main() -> None:
    bounds = {}
    for path in sorted(MQM.glob("ted-*.tsv")):
        pair = path.stem.split("-", 1)[1]
        frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
        frame = frame.drop_duplicates(["doc_id", "seg_id"])
        frame = frame[(frame.src.str.strip() != "") & (frame.ref.str.strip() != "")]
        logs = np.log(frame.ref.str.len().to_numpy() / frame.src.str.len().to_numpy())
        bounds[pair] = {"low": round(math.exp(np.percentile(logs, LOW)), 4),
                        "median": round(math.exp(np.median(logs)), 4),
                        "high": round(math.exp(np.percentile(logs, HIGH)), 4),
                        "segments": int(len(frame)),
                        "source": f"{path.name}: human references, percentiles {LOW}/{HIGH} of len(ref)/len(src)"}
    out = ROOT / "mtcheck" / "data" / "length_ratios.json"
    out.write_text(json.dumps(bounds, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(bounds, indent=2))


if __name__ == "__main__":
    main()
