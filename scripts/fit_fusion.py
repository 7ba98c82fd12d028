"""Fit the fusion heads (mtcheck/data/fusion.json) on the MQM judgments.

    .venv/bin/python scripts/fit_fusion.py [--mqm ../shared/data/mqm] [--out mtcheck/data/fusion.json]

For each MQM file, the script runs mtcheck's own scorers and rule checks on
every row (fluency on every row, so that heads with fluency can be fitted),
exactly as `mtcheck check` computes them, then fits on the *training* side
of the fixed split only (mtcheck.evaluate: 60% of source segments; the held
back 40% is for benchmarks/bench_quality.py). English targets are fitted on
ted-zh-en, other targets on ted-en-de.

Per head (one per combination of ref / src / fluency signals):

1. standardise the head's features (mean and scale on the training rows);
2. features: greedy forward selection by 5-fold cross-validated grouped
   Kendall tau (folds by source segment, training side only); a feature
   enters only if it adds at least MIN_GAIN;
3. weights: logistic regression on feature differences of every pair of
   translations of the same source whose MQM differs, labelled by which one
   the raters preferred (a linear RankNet). Both orders of each pair are
   used, so no intercept is needed;
4. calibration: isotonic regressions of MQM points and of "has a major error"
   on the head's score over the training rows; the maps are stored as the
   block centres, interpolated linearly at run time.

Signals are cached under $XDG_CACHE_HOME/mtcheck/fit/ keyed by the data's
SHA-256 and the mtcheck version, because the fluency model takes ~10 minutes
on ted-zh-en. Takes about 15 minutes from a clean cache on 2 cores.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from itertools import combinations
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

FAMILIES = {"en": ("ted-zh-en.tsv", "en"), "other": ("ted-en-de.tsv", "de")}
C_REGULARISATION = 1.0
N_FOLDS = 5
MIN_GAIN = 0.002  # grouped tau a feature must add in cross-validation to enter a head
MAX_CALIBRATION_POINTS = 60


def cache_path(data: Path) -> Path:
    from mtcheck import __version__

    digest = hashlib.sha256(data.read_bytes()).hexdigest()[:16]
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "mtcheck" / "fit" / f"{data.stem}-{digest}-{__version__}.pkl"


def signals_for(frame, target_lang: str, fluency: str = "on", quiet: bool = False):
    """mtcheck's features for every row of an MQM frame (same code path as `mtcheck check`)."""
    from mtcheck.fuse import features
    from mtcheck.pipeline import CheckOptions, _from_dataframe, collect_signals

    progress = None
    if not quiet:
        def progress(stage, total):
            print(f"  {stage} ({total})", flush=True)
            return lambda n: None
    table = frame[["doc_id", "seg_id", "system", "src", "mt", "ref"]].copy()
    # No rule checks: findings are not head features (fuse.py), they act through caps and severity.
    options = CheckOptions(target_lang=target_lang, fluency=fluency, lm_ref=True, checks=[])
    sig = collect_signals(_from_dataframe(table), options, progress)
    feats, groups = features(sig.rows)
    return feats.reset_index(drop=True), groups.reset_index(drop=True)


def cached_signals(path: Path, frame, target_lang: str):
    cache = cache_path(path)
    if cache.exists():
        feats, groups = pickle.loads(cache.read_bytes())
        if "lm_ref_lp" not in feats.columns:  # a cache from before the lmref scorer: add just that column
            feats["lm_ref_lp"] = lm_ref_column(frame, target_lang)
            cache.write_bytes(pickle.dumps((feats, groups)))
        if "fluency_adj" not in feats.columns:  # from before int8 and length-adjusted fluency: redo those
            feats, groups = refresh_fluency(feats, groups, frame, target_lang)
            cache.write_bytes(pickle.dumps((feats, groups)))
        return feats, groups
    t0 = time.perf_counter()
    result = signals_for(frame, target_lang)
    print(f"  signals for {len(frame)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    cache.parent.mkdir(parents=True, exist_ok=True)
    cache.write_bytes(pickle.dumps(result))
    return result


def lm_ref_column(frame, target_lang: str):
    import numpy as np

    from mtcheck import schema as S
    from mtcheck.scorers import ScoreContext, get

    t0 = time.perf_counter()
    table = frame[["src", "mt", "ref"]].reset_index(drop=True)
    out = get("lmref")(table, ScoreContext(target_lang=target_lang, lm_ref=True)).columns
    print(f"  lm_ref for {len(frame)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    return out[S.LM_REF_LP].to_numpy() if S.LM_REF_LP in out.columns else np.full(len(frame), np.nan)


def refresh_fluency(feats, groups, frame, target_lang: str):
    """The cached features with the fluency columns recomputed by the current fluency scorer."""
    from mtcheck.fuse import features
    from mtcheck.scorers import ScoreContext, get

    t0 = time.perf_counter()
    table = frame[["src", "mt", "ref"]].reset_index(drop=True)
    table = table.join(get("fluency")(table, ScoreContext(target_lang=target_lang, fluency="on")).columns)
    fresh, fresh_groups = features(table)
    print(f"  fluency for {len(frame)} rows in {time.perf_counter() - t0:.0f} s", flush=True)
    feats = feats.drop(columns=["fluency_lp"], errors="ignore")
    for column in ("fluency_adj", "fluency"):
        feats[column] = fresh[column].to_numpy()
    groups = groups.copy()
    groups["fluency"] = fresh_groups["fluency"].to_numpy()
    return feats, groups


def pair_differences(z, mqm, keys):
    """Feature differences of same-source pairs with different MQM; label 1 when the first is better."""
    import numpy as np

    diffs, labels = [], []
    by_key: dict[str, list[int]] = {}
    for i, k in enumerate(keys):
        by_key.setdefault(k, []).append(i)
    for rows in by_key.values():
        for a, b in combinations(rows, 2):
            if mqm[a] != mqm[b]:
                diffs.append(z[a] - z[b])
                labels.append(1 if mqm[a] < mqm[b] else 0)
    diffs = np.asarray(diffs)
    labels = np.asarray(labels)
    return np.vstack([diffs, -diffs]), np.r_[labels, 1 - labels]


def monotone_map(score, target, increasing: bool):
    """Isotonic fit of target on score, as (x, y) block centres for np.interp (strictly monotone x)."""
    import numpy as np
    from sklearn.isotonic import IsotonicRegression

    iso = IsotonicRegression(increasing=increasing, out_of_bounds="clip").fit(score, target)
    fitted = iso.predict(score)
    xs, ys = [], []
    order = np.argsort(score, kind="stable")
    s_sorted, f_sorted = score[order], fitted[order]
    start = 0
    for i in range(1, len(order) + 1):
        if i == len(order) or f_sorted[i] != f_sorted[start]:
            xs.append(float(s_sorted[start:i].mean()))
            ys.append(float(f_sorted[start]))
            start = i
    if len(xs) > MAX_CALIBRATION_POINTS:  # keep the file small: thin evenly, keep both ends
        keep = np.unique(np.linspace(0, len(xs) - 1, MAX_CALIBRATION_POINTS).round().astype(int))
        xs, ys = [xs[k] for k in keep], [ys[k] for k in keep]
    if len(xs) == 1:
        xs, ys = [xs[0] - 1.0, xs[0] + 1.0], [ys[0], ys[0]]
    return [round(x, 6) for x in xs], [round(y, 6) for y in ys]


def _weights(z, mqm, keys):
    from sklearn.linear_model import LogisticRegression

    diffs, labels = pair_differences(z, mqm, keys)
    model = LogisticRegression(C=C_REGULARISATION, fit_intercept=False, max_iter=2000).fit(diffs, labels)
    return model.coef_[0], len(labels) // 2


def cv_grouped_tau(z, mqm, keys, folds) -> float:
    """Mean item-grouped tau over folds of source segments (training rows only)."""
    import numpy as np

    from mtcheck.evaluate import grouped_tau

    taus = []
    for k in range(N_FOLDS):
        fit, held = folds != k, folds == k
        w, _ = _weights(z[fit], mqm[fit], [keys[i] for i in np.flatnonzero(fit)])
        taus.append(grouped_tau(z[held] @ w, mqm[held], [keys[i] for i in np.flatnonzero(held)]))
    return float(np.mean(taus))


def select_features(names, z_all, mqm, keys, folds):
    """Greedy forward selection by cross-validated grouped tau; stop when a feature adds < MIN_GAIN.

    The MQM TED data are small (about 300 training segments per pair) and the
    signals weak, so a head with every feature ranks worse on unseen segments
    than its best single feature. Selection keeps only what helps on held-out
    folds; a head where nothing does keeps no feature and gives every row the
    same estimate (the training mean), which is the honest answer.
    """
    chosen, best = [], 0.0  # the first feature must beat no ranking at all
    while len(chosen) < len(names):
        trials = {n: cv_grouped_tau(z_all[:, [names.index(c) for c in chosen + [n]]], mqm, keys, folds)
                  for n in names if n not in chosen}
        name, score = max(trials.items(), key=lambda item: item[1])
        if score < best + MIN_GAIN:
            break
        chosen.append(name)
        best = score
    return chosen, best


def fit_head(key: str, feats, frame, train):
    import numpy as np

    from mtcheck.fuse import group_features

    names = group_features(key)
    x = feats.loc[train, names].to_numpy(dtype=float)
    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    scale[scale < 1e-9] = 1.0  # a feature that never varies in training
    z = np.nan_to_num((x - mean) / scale)
    mqm = frame.loc[train, "mqm"].to_numpy()
    keys = frame.loc[train, "key"].tolist()
    # Folds by source segment, in a fixed shuffled order.
    order = {k: i % N_FOLDS for i, k in enumerate(np.random.default_rng(0).permutation(sorted(set(keys))))}
    folds = np.array([order[k] for k in keys])
    chosen, cv_tau = select_features(names, z, mqm, keys, folds)
    cols = [names.index(c) for c in chosen]
    weights, n_pairs = _weights(z[:, cols], mqm, keys) if cols else (np.zeros(0), 0)
    score = z[:, cols] @ weights if cols else np.zeros(len(z))
    mqm_x, mqm_y = monotone_map(score, np.minimum(mqm, 25.0), increasing=False)
    major_x, major_y = monotone_map(score, frame.loc[train, "has_major"].to_numpy(dtype=float), increasing=False)
    return {
        "features": chosen,
        "candidates": names,
        "mean": [round(float(mean[c]), 6) for c in cols],
        "scale": [round(float(scale[c]), 6) for c in cols],
        "weights": [round(float(v), 6) for v in weights],
        "cv_grouped_tau": round(cv_tau, 4),
        "mqm_x": mqm_x, "mqm_y": mqm_y, "major_x": major_x, "major_y": major_y,
        "train_rows": int(train.sum()), "train_pairs": int(n_pairs),
    }


HEAD_KEYS = ["ref+src+fluency+lmref", "ref+src+lmref", "ref+fluency+lmref", "ref+lmref",
             "ref+src+fluency", "ref+src", "ref+fluency", "ref", "src+fluency", "src", "fluency", "mt"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqm", type=Path, default=ROOT.parent / "shared" / "data" / "mqm")
    parser.add_argument("--out", type=Path, default=ROOT / "mtcheck" / "data" / "fusion.json")
    args = parser.parse_args()

    import numpy as np

    from mtcheck.evaluate import load_mqm

    heads: dict[str, dict] = {}
    unrelated = []
    for family, (name, target_lang) in FAMILIES.items():
        path = args.mqm / name
        frame = load_mqm(path)
        print(f"{name}: {len(frame)} rows, {frame['key'].nunique()} source segments", flush=True)
        feats, _ = cached_signals(path, frame, target_lang)
        unrelated.append(float(np.nanmean(feats["xsim"] - feats["xsim_margin"])))
        train = ~frame["held_out"].to_numpy()
        heads[family] = {}
        for key in HEAD_KEYS:
            if (("fluency" in key.split("+") and feats["fluency_adj"].isna().all())
                    or ("lmref" in key.split("+") and feats["lm_ref_lp"].isna().all())):
                continue  # no language model for this target language
            heads[family][key] = fit_head(key, feats, frame, train)
            w = dict(zip(heads[family][key]["features"], heads[family][key]["weights"]))
            print(f"  {family} {key}: cv tau {heads[family][key]['cv_grouped_tau']:+.4f}; "
                  + ", ".join(f"{k} {v:+.3f}" for k, v in w.items()), flush=True)
        for key in HEAD_KEYS:  # no language model for this target: those heads fall back to their base
            if key not in heads[family]:
                base = "+".join(p for p in key.split("+") if p not in ("fluency", "lmref")) or "mt"
                heads[family][key] = heads[family][base]
    params = {
        "version": "mqm-ranknet-4",
        "fitted_on": {f: FAMILIES[f][0] for f in FAMILIES},
        "split": "sha1(doc_id|seg_id) % 5 >= 2 trains; < 2 is held out",
        "quality": "100 - 4 * expected MQM points, clipped to 0..100",
        "mean_bias_of_unrelated_pairs": round(float(np.mean(unrelated)), 4),
        "heads": heads,
    }
    args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
