"""Meta-evaluation against human judgments: the MQM data, its fixed split, and correlations.

Used by benchmarks/bench_quality.py
(reporting). The conventions:

* **Split by source segment.** A segment key is doc_id|seg_id; its SHA-1
  decides the side (40% held back), so no source segment's translations sit
  on both sides, and the split never changes between runs or machines.
* **Item-grouped Kendall tau** (WMT23): for each source segment, tau-b
  between the metric and -MQM across the systems that translated it; then the
  mean over segments. Segments where all translations have the same MQM are
  skipped; a metric that ties all translations of a segment counts as 0.
* **ROC AUC**: segments with at least one Major error against error-free
  segments (MQM 0), scored by how *low* the metric is.
* **System-level Pearson**: mean metric against mean -MQM per system.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

HELD_OUT_SHARE = 2  # of 5: a segment goes to the held-out side when sha1(key) % 5 < 2
HUMAN_SYSTEMS = ("refB",)  # human translations scored as a "system"; not MT, left out


def segment_key(doc_id: str, seg_id: str) -> str:
    return f"{doc_id}|{seg_id}"


def held_out(key: str) -> bool:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest(), 16) % 5 < HELD_OUT_SHARE


def load_mqm(path: str | Path):
    """The MQM table with `key`, `held_out`, `has_major` columns; annotation markup removed.

    The source column of these files marks some rater-highlighted spans with
    <v>...</v>; those tags are the raters' annotation, not source text, and
    would leak the label into any feature, so they are removed.
    """
    import csv

    import pandas as pd

    frame = pd.read_csv(path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str, keep_default_na=False)
    frame = frame[~frame["system"].isin(HUMAN_SYSTEMS)].reset_index(drop=True)
    for col in ("src", "mt", "ref"):
        frame[col] = frame[col].str.replace("<v>", "", regex=False).str.replace("</v>", "", regex=False)
    frame["mqm"] = frame["mqm"].astype(float)
    frame["key"] = [segment_key(d, s) for d, s in zip(frame["doc_id"], frame["seg_id"])]
    frame["held_out"] = [held_out(k) for k in frame["key"]]
    frame["has_major"] = frame["errors"].str.contains(r"(?:^|; )Major\|", regex=True)
    frame["has_major_fluency"] = frame["errors"].str.contains(r"(?:^|; )Major\|Fluency", regex=True)
    return frame


def grouped_tau(metric, mqm, keys) -> float:
    """Item-grouped Kendall tau-b of `metric` against -`mqm`, averaged over `keys` groups."""
    import numpy as np
    from scipy.stats import kendalltau

    metric, mqm, keys = np.asarray(metric, float), np.asarray(mqm, float), np.asarray(keys)
    order = np.argsort(keys, kind="stable")
    taus = []
    bounds = np.flatnonzero(np.r_[True, keys[order][1:] != keys[order][:-1], True])
    for a, b in zip(bounds[:-1], bounds[1:]):
        idx = order[a:b]
        m, q = metric[idx], mqm[idx]
        if len(set(q.tolist())) > 1:
            # A metric that ties every translation of the segment ranks nothing: tau 0.
            tau = kendalltau(m, -q).statistic if len(set(m.tolist())) > 1 else 0.0
            if tau == tau:
                taus.append(tau)
    return float(np.mean(taus)) if taus else float("nan")


def global_tau(metric, mqm) -> float:
    from scipy.stats import kendalltau

    return float(kendalltau(metric, [-q for q in mqm]).statistic)


def roc_auc(metric, positive, negative) -> float:
    """AUC of *low* metric values for `positive` rows against `negative` rows (boolean masks)."""
    import numpy as np
    from scipy.stats import rankdata

    metric = np.asarray(metric, float)
    pos, neg = metric[np.asarray(positive)], metric[np.asarray(negative)]
    if len(pos) == 0 or len(neg) == 0:
        return float("nan")
    ranks = rankdata(-np.r_[pos, neg])  # Mann-Whitney U with ties at half
    return float((ranks[:len(pos)].sum() - len(pos) * (len(pos) + 1) / 2) / (len(pos) * len(neg)))


def system_pearson(metric, mqm, systems) -> float:
    import numpy as np
    import pandas as pd

    table = pd.DataFrame({"m": metric, "q": mqm, "s": systems}).groupby("s").mean()
    if len(table) < 3:
        return float("nan")
    return float(np.corrcoef(table["m"], -table["q"])[0, 1])


def meta_scores(frame, column: str) -> dict:
    """All four figures for one metric column of an MQM frame."""
    error_free = frame["mqm"] == 0
    return {
        "grouped_tau": grouped_tau(frame[column], frame["mqm"], frame["key"]),
        "global_tau": global_tau(frame[column], frame["mqm"]),
        "auc_major": roc_auc(frame[column], frame["has_major"], error_free),
        "system_pearson": system_pearson(frame[column], frame["mqm"], frame["system"]),
    }


def per_word_tau(metric, mqm, words, systems) -> float:
    """Kendall tau of `metric` against −MQM per 10 reference words, within each system's rows, averaged over
    systems: which segments of one system's output need work (the editor's worklist), free of the
    "shorter is better" of raw MQM, which adds up errors. Rows without reference words are left out."""
    import numpy as np
    from scipy.stats import kendalltau

    metric, mqm = np.asarray(metric, float), np.asarray(mqm, float)
    words, systems = np.asarray(words, float), np.asarray(systems)
    target = -mqm / np.maximum(words, 1) * 10
    taus = []
    for system in dict.fromkeys(systems.tolist()):
        mask = (words > 0) & (systems == system)
        if mask.sum() > 10 and len(set(target[mask].tolist())) > 1 and len(set(metric[mask].tolist())) > 1:
            taus.append(kendalltau(metric[mask], target[mask]).statistic)
    return float(np.mean(taus)) if taus else float("nan")
