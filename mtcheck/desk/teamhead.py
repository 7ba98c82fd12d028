"""Fitting mtcheck's quality head to a team's own MQM marks (`mtcheck calibrate --write FILE`).

What is fitted: the equal-weight head of the signal set the team's runs used (fusion.json's kind): which
of that set's inputs it sums, each input's direction, its standardisation, and the map from the head's
score to expected MQM points and to P(major), both isotonic. Findings, their points and the floors stay
the shipped ones (mtcheck/quality/calibration.py).

Honesty rules:
* Whole source texts are held out, never rows: a unit is held out when sha1 of its document and source
  text is 0 or 1 modulo 5 (40%), the rule fusion.json's split uses. Every translation of a held-out
  source is held out with it.
* Choices (inputs, directions, scales, the MQM map) are made on the training part only. The written
  head is exactly the one measured; it is not refitted on all marks afterwards.
* The held-out table puts the team head beside the shipped head on the same rows, the plain
  equal-weight sum of all candidate inputs, and each single input. The file is written only when the
  team head is at least as good as the shipped head in the worst measurable view on the held-out part.
* Below MIN_UNITS scored, marked segments nothing is fitted: with fewer, the held-out part (about 40%)
  is too small for its Kendall tau to separate two heads (a tau over 200 segments moves by about 0.05
  between resamples of the same team's work, more than the gains seen on public data).
"""

from __future__ import annotations

import hashlib
import itertools

from mtcheck.desk.calibrate import MIN_PER_SYSTEM

MIN_UNITS = 500
HELD_OUT_RULE = "sha1(document + source text) % 5 < 2 is held out"


def held_out(src_key: str) -> bool:
    return int(hashlib.sha1(src_key.encode("utf-8")).hexdigest(), 16) % 5 < 2


def feature_frame(frame):
    """The fusion's features (mtcheck/quality/fusion.py) of the team's units, and each unit's head key."""
    import pandas as pd

    from mtcheck import schema as S
    from mtcheck.quality.fusion import features, head_key

    table = pd.DataFrame({S.MT: frame["mt"], S.SRC: frame["src"], S.REF: frame["ref"]}, index=frame.index)
    for name in S.METRIC_COLUMNS:
        table[name] = [scores.get(name) if scores else None for scores in frame["scores"]]
    feats, groups = features(table)
    return feats, [head_key(g) for g in groups.to_dict("records")]


def _views(score, part) -> dict:
    from mtcheck.evaluation.metaeval import grouped_tau, per_word_tau

    out = {"view1": grouped_tau(score, part["mqm"], part["src_key"])}
    if (part.groupby("system").size() >= MIN_PER_SYSTEM).any():
        out["view2"] = per_word_tau(score, part["mqm"], part["words"], part["system"])
    return {k: v for k, v in out.items() if v == v}


def _worst(views: dict) -> float:
    return min(views.values()) if views else float("-inf")


def _equal_weight(feats, names, signs, mean, scale):
    import numpy as np

    x = feats[names].to_numpy(dtype=float)
    return np.nan_to_num((x - mean) / scale) @ (np.asarray(signs, float) / len(names))


def _monotone_map(score, target, bins: int = 30):
    """Knots (x, y) of a decreasing isotonic map from score to target, on quantile bins of the score."""
    import numpy as np
    from scipy.optimize import isotonic_regression

    order = np.argsort(score, kind="stable")
    chunks = [c for c in np.array_split(order, max(2, min(bins, len(score) // 10))) if len(c)]
    x = np.array([score[c].mean() for c in chunks])
    y = np.array([target[c].mean() for c in chunks])
    fitted = isotonic_regression(y, weights=np.array([len(c) for c in chunks], float), increasing=False).x
    keep = np.r_[True, np.diff(x) > 1e-12]
    return [round(float(v), 6) for v in x[keep]], [round(float(v), 6) for v in fitted[keep]]


def fit(frame, family: str, min_units: int = MIN_UNITS) -> dict:
    """The team head and its held-out table. `frame` is calibrate.team_frame's. Returns a dict with
    "status" ("fitted", "too-few" or "no-gain"), "table" (held-out figures), "head" and "key"."""
    import numpy as np

    from mtcheck.quality.fusion import apply_head, group_features, head_for, load_params

    scored = frame[frame["quality"].notna()].copy()
    if len(scored) < min_units:
        return {"status": "too-few", "units": int(len(scored)), "needed": min_units}
    feats, keys = feature_frame(scored)
    key = max(set(keys), key=keys.count)  # the signal set most of the team's units had
    mask = np.array([k == key for k in keys])
    scored, feats = scored[mask], feats[mask]
    candidates = [n for n in group_features(key) if feats[n].notna().all()]
    test = scored["src_key"].map(held_out).to_numpy()
    train_rows, test_rows = scored[~test], scored[test]
    train_feats, test_feats = feats[~test], feats[test]
    mean = {n: float(train_feats[n].mean()) for n in candidates}
    scale = {n: float(train_feats[n].std()) or 1.0 for n in candidates}
    signs = {n: (1 if _worst(_views(train_feats[n].to_numpy(), train_rows)) >= 0 else -1) for n in candidates}
    best, best_worst = None, float("-inf")
    for size in range(1, len(candidates) + 1):
        for names in itertools.combinations(candidates, size):
            score = _equal_weight(train_feats, list(names), [signs[n] for n in names],
                                  np.array([mean[n] for n in names]), np.array([scale[n] for n in names]))
            worst = _worst(_views(score, train_rows))
            if worst > best_worst + 1e-9:  # ties go to the smaller set, found first
                best, best_worst = list(names), worst
    if best is None:
        return {"status": "too-few", "units": int(len(scored)), "needed": min_units}
    weights = [signs[n] / len(best) for n in best]
    head = {"features": best, "mean": [round(mean[n], 6) for n in best], "scale": [round(scale[n], 6) for n in best],
            "weights": [round(w, 6) for w in weights], "kind": "equal-weight (team)"}
    train_score = _equal_weight(train_feats, best, [signs[n] for n in best], np.array(head["mean"]),
                                np.array(head["scale"]))
    head["mqm_x"], head["mqm_y"] = _monotone_map(train_score, train_rows["mqm"].to_numpy(float))
    head["major_x"], head["major_y"] = _monotone_map(train_score, train_rows["has_major"].to_numpy(float))
    shipped = head_for(load_params()["heads"][family], key)
    table = {"team head": _views(-apply_head(head, test_feats)[1], test_rows),
             "shipped head": _views(-apply_head(shipped, test_feats)[1], test_rows),
             "equal-weight sum of all inputs": _views(
                 _equal_weight(test_feats, candidates, [signs[n] for n in candidates],
                               np.array([mean[n] for n in candidates]), np.array([scale[n] for n in candidates])),
                 test_rows),
             "-length": _views(test_rows["length"].to_numpy(float), test_rows)}
    for name in candidates:
        table[name] = _views(test_feats[name].to_numpy(float) * signs[name], test_rows)
    gain = _worst(table["team head"]) - _worst(table["shipped head"])
    return {"status": "fitted" if gain >= 0 else "no-gain", "key": key, "family": family, "head": head,
            "table": {k: {v: round(float(x), 3) for v, x in views.items()} for k, views in table.items()},
            "train_units": int(len(train_rows)), "held_out_units": int(len(test_rows)), "gain": round(gain, 3)}


def describe(fitted: dict) -> str:
    """The fit's outcome in words, with its held-out table."""
    if fitted["status"] == "too-few":
        return (f"Calibration: {fitted['units']} scored, MQM-marked segments; {fitted['needed']} are needed before "
                "a head is fitted to them (40% of them are held out to measure it).")
    lines = [f"Calibration of the '{fitted['key']}' head ({fitted['family']} targets): chosen on "
             f"{fitted['train_units']} segments, measured on {fitted['held_out_units']} held-out segments "
             f"({HELD_OUT_RULE}).",
             f"Inputs: {', '.join(fitted['head']['features'])}.",
             f"{'held out':<32} {'1 best translation':>19} {'2 worklist':>11}"]
    for name, views in fitted["table"].items():
        cells = [f"{views[v]:.3f}" if v in views else "–" for v in ("view1", "view2")]
        lines.append(f"{name:<32} {cells[0]:>19} {cells[1]:>11}")
    verdict = ("at least as good as the shipped head in its worst view" if fitted["status"] == "fitted"
               else "worse than the shipped head in its worst view")
    lines.append(f"The team head is {verdict} ({fitted['gain']:+.3f}).")
    return "\n".join(lines)


def calibration_file(fitted: dict, project: str) -> dict:
    """What mtcheck/quality/calibration.py reads."""
    from datetime import date

    return {"version": f"team-{project}-{date.today().isoformat()}", "project": project,
            "split": HELD_OUT_RULE, "train_units": fitted["train_units"],
            "held_out_units": fitted["held_out_units"], "held_out": fitted["table"],
            "heads": {fitted["family"]: {fitted["key"]: fitted["head"]}}}
