"""The rows the adapters train on and are judged on: which judgments, which texts, which target.

Every adapter trains on the *training* test sets only (mtcheck/evaluation/judgments.py `HELD_OUT` is
never read for training), records the exact rows it saw (a manifest of row keys and a hash of the
texts), and is judged on the held-out test sets by training/evaluate_quality.py like every other input.

Targets. MQM points differ in scale between test sets and rater pools (WMT23's medians are higher
than WMT21's), and DA is another scale altogether. Within each test set, the score is turned into a
rank-based normal score of its quality ("Gaussianised rank": the rank of -MQM, or of DA, mapped to the
standard normal quantile, ties sharing their mean rank): every test set then weighs the same, and an
outlier of 40 MQM points does not dominate a squared error.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "judgments"

# MT-only training adds the to-English MLQE-PE direct assessments (no reference, one MT per source):
# Wikipedia and other text in seven source languages, scored by DA z-scores.
MLQE_TO_ENGLISH = ("et-en", "ne-en", "ro-en", "ru-en", "si-en", "km-en", "ps-en")


def gaussian_rank(values, higher_is_better: bool):
    """Rank-based normal scores of `values` (higher = better quality), ties sharing their mean rank."""
    import numpy as np
    from scipy.stats import norm, rankdata

    x = np.asarray(values, dtype=float)
    ranks = rankdata(x if higher_is_better else -x, method="average")
    return norm.ppf(ranks / (len(x) + 1))


def mqm_rows(data: Path, english_only: bool = True, need_ref: bool = True):
    """The training sets' MT rows of the multi-system MQM tables, with `target` (see above)."""
    from mtcheck.evaluation.judgments import load_mqm_tables

    rows = load_mqm_tables(data)
    rows = rows[~rows["held_out"]]
    if english_only:
        rows = rows[rows["lp"].str.endswith("-en")]
    if need_ref:
        rows = rows[rows["ref"].str.strip() != ""]
    rows = rows[rows["mt"].str.strip() != ""].copy()
    rows["target"] = 0.0
    for _, part in rows.groupby("dataset"):
        rows.loc[part.index, "target"] = gaussian_rank(part["mqm"], higher_is_better=False)
    return rows.reset_index(drop=True)


def mlqe_rows(data: Path, every_pair: bool = False):
    """MLQE-PE to-English DA rows (MT and source, no reference), with `target` per language pair; with
    `every_pair`, the from-English pairs too."""
    from mtcheck.evaluation.judgments import read_table

    frame = read_table(data / "da-qe-mlqepe.tsv.gz")
    frame = frame[(every_pair | frame["lp"].isin(MLQE_TO_ENGLISH)) & (frame["mt"].str.strip() != "")].copy()
    frame["dataset"] = "da-qe-mlqepe/" + frame["lp"]
    frame["key"] = frame["dataset"] + "|" + frame["doc_id"] + "|" + frame["seg_id"]
    frame["target"] = 0.0
    for _, part in frame.groupby("dataset"):
        frame.loc[part.index, "target"] = gaussian_rank(part["score"], higher_is_better=True)
    return frame.reset_index(drop=True)


def manifest(rows, columns=("dataset", "system", "doc_id", "seg_id")) -> dict:
    """What exactly an adapter was trained on: row counts per test set and a hash of every row's key and
    texts (the same data gives the same hash)."""
    digest = hashlib.sha256()
    for record in rows[[*columns, "src", "mt", "ref", "target"]].itertuples(index=False):
        digest.update(json.dumps([str(v) for v in record], ensure_ascii=False).encode("utf-8"))
    return {"rows": int(len(rows)), "per_dataset": {k: int(v) for k, v in rows["dataset"].value_counts().sort_index().items()},
            "sha256": digest.hexdigest()}
