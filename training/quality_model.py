"""Fitting and evaluating the quality model's heads (used by training/train_quality.py).

The table holds one row per (test set, system, source segment) with the
judgment columns of mtcheck/evaluation/judgments.py and the fusion features prefixed
`f_` (mtcheck/quality/fusion.py `features`).
"""

from __future__ import annotations

from itertools import combinations

C_GRID = (0.001, 0.01, 0.1, 1.0, 10.0)
MIN_ROWS = 200  # a head needs this many training rows with all its groups present
MAX_CALIBRATION_POINTS = 60


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


def _has_groups(table, key: str):
    """Rows where every signal group of the head key is present."""
    import numpy as np

    parts = set(key.split("+"))
    mask = np.ones(len(table), dtype=bool)
    if "ref" in parts:
        mask &= table["f_chrf"].notna().to_numpy()
    if "src" in parts:
        mask &= table["f_xsim"].notna().to_numpy()
    if "fluency" in parts:
        mask &= table["f_fluency_adj"].notna().to_numpy()
    if "lmref" in parts:
        mask &= table["f_lm_ref_lp"].notna().to_numpy()
    return mask


def _standardise(x):
    import numpy as np

    mean = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    scale[scale < 1e-9] = 1.0
    return mean, scale


CROSS_SHARE = 1.0  # cross-source pairs per within-source pair (docs/quality.md "Quality score" says how this was chosen)
SEED = 0


def cross_source_pairs(z, mqm, keys, datasets, n_within: int):
    """Random pairs of translations of *different* sources of one test set, labelled by MQM, in both orders.

    The within-source pairs teach the head which translation of a source is better (the
    item-grouped ranking); these teach it which segments of a document are worse, which is the
    order of an editor's worklist (global tau, AUC). Issue 12 asks for both: a ranking loss
    within a source plus a loss on scores comparable within one annotation pool, here by
    pairing only rows of the same test set. Equal shares: without them, the head learned
    "longer is better" from translations of one source (omissions cost points), and across
    segments it then ranked long, error-laden segments first (AUC 0.38 on held-out WMT23 MT-only).
    """
    import numpy as np

    rng = np.random.default_rng(SEED)
    diffs, labels = [], []
    names = sorted(set(datasets))
    for name in names:
        rows = np.flatnonzero(datasets == name)
        want = int(CROSS_SHARE * n_within * len(rows) / len(datasets))
        a, b = rng.choice(rows, size=2 * want), rng.choice(rows, size=2 * want)
        keep = (keys[a] != keys[b]) & (mqm[a] != mqm[b])
        a, b = a[keep][:want], b[keep][:want]
        diffs.append(z[a] - z[b])
        labels.append((mqm[a] < mqm[b]).astype(int))
    diffs, labels = np.vstack(diffs), np.concatenate(labels)
    return np.vstack([diffs, -diffs]), np.r_[labels, 1 - labels]


def _ranknet(z, mqm, keys, c: float, datasets=None):
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    diffs, labels = pair_differences(z, mqm, keys)
    n_within = len(labels) // 2
    if datasets is not None and CROSS_SHARE > 0:
        cross, cross_labels = cross_source_pairs(z, mqm, keys, datasets, n_within)
        diffs, labels = np.vstack([diffs, cross]), np.r_[labels, cross_labels]
    model = LogisticRegression(C=c, fit_intercept=False, max_iter=5000).fit(diffs, labels)
    return model.coef_[0], n_within


def _choose_c(z, mqm, keys, datasets) -> tuple[float, dict, dict]:
    """C by leave-one-test-set-out over the training test sets (never the held-out ones).

    Returns C, the mean objective per C, and the chosen C's left-out grouped tau per test set
    (printed beside the single inputs' on the same rows, so a head that ranks below its own
    inputs is seen on the training side, before any held-out set is scored).
    """
    import numpy as np

    from mtcheck.evaluation.metaeval import global_tau, grouped_tau

    names = sorted(set(datasets))
    if len(names) < 2:
        return 1.0, {}, {}
    scores, grouped = {}, {}
    for c in C_GRID:
        taus, grouped[c] = [], {}
        for name in names:
            held = datasets == name
            w, _ = _ranknet(z[~held], mqm[~held], keys[~held], c, datasets[~held])
            g = grouped_tau(z[held] @ w, mqm[held], keys[held])
            grouped[c][name] = round(float(g), 4)
            # Both halves of the objective count: the grouped and the global tau on the left-out set.
            taus.append(g + global_tau(z[held] @ w, mqm[held]))
        scores[c] = float(np.mean(taus))
    best = max(scores, key=lambda c: (scores[c], -c))
    return best, scores, grouped[best]


def loo_singles(rows, names: list[str]) -> dict:
    """Each feature's own grouped tau on each training test set (higher feature = better, as oriented)."""
    from mtcheck.evaluation.metaeval import grouped_tau

    out = {}
    for name in names:
        sign = -1 if name == "mt_len" else 1
        out[name] = {ds: round(float(grouped_tau(sign * sub[f"f_{name}"].to_numpy(dtype=float),
                                                 sub["mqm"].to_numpy(dtype=float), sub["key"].to_numpy())), 4)
                     for ds, sub in rows.groupby("dataset", sort=True)}
    return out


def fit_head(train, key: str, names: list[str] | None = None) -> dict | None:
    import numpy as np

    from mtcheck.quality.fusion import group_features

    rows = train[_has_groups(train, key)]
    if len(rows) < MIN_ROWS:
        return None
    names = names or group_features(key)
    x = rows[[f"f_{n}" for n in names]].to_numpy(dtype=float)
    mean, scale = _standardise(x)
    z = np.nan_to_num((x - mean) / scale)
    mqm = rows["mqm"].to_numpy(dtype=float)
    keys = rows["key"].to_numpy()
    datasets = rows["dataset"].to_numpy()
    if names:
        c, by_c, loo = _choose_c(z, mqm, keys, datasets)
        weights, n_pairs = _ranknet(z, mqm, keys, c, datasets)
    else:  # a head with no feature (MT only, no language model): every row gets the training mean
        c, by_c, loo, weights, n_pairs = 0.0, {}, {}, np.zeros(0), 0
    score = z @ weights
    mqm_x, mqm_y = monotone_map(score, np.minimum(mqm, 25.0), increasing=False)
    major_x, major_y = monotone_map(score, rows["has_major"].to_numpy(dtype=float), increasing=False)
    return {
        "features": names,
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "weights": [round(float(v), 6) for v in weights],
        "c": c,
        "cv_tau_by_c": {str(k): round(v, 4) for k, v in by_c.items()},
        "loo_grouped_tau": loo,
        "mqm_x": mqm_x, "mqm_y": mqm_y, "major_x": major_x, "major_y": major_y,
        "train_rows": int(len(rows)), "train_pairs": int(n_pairs),
        "train_sets": sorted(rows["dataset"].unique()),
    }


def fit_family(train, head_keys) -> dict:
    """Every head of one target family; a head without enough rows falls back to its base (quality.fusion.head_for)."""
    heads = {}
    for key in head_keys:
        head = fit_head(train, key)
        if head is not None:
            heads[key] = head
            w = ", ".join(f"{n} {v:+.3f}" for n, v in zip(head["features"], head["weights"]))
            print(f"  {key}: {head['train_rows']} rows, C {head['c']}; {w}", flush=True)
            if head["loo_grouped_tau"]:
                print("    left-out grouped tau: head " + loo_line(head["loo_grouped_tau"]), flush=True)
                rows = train[_has_groups(train, key)]
                for name, taus in loo_singles(rows, head["features"]).items():
                    print(f"      {name} alone " + loo_line(taus), flush=True)
    # The baseline a source-only head must beat where no encoder knows the target language.
    heads["length"] = fit_head(train, "src", ["len_ratio", "mt_len"])
    return heads


def loo_line(taus: dict) -> str:
    import numpy as np

    return ", ".join(f"{ds} {t:+.3f}" for ds, t in taus.items()) + f"; mean {np.mean(list(taus.values())):+.3f}"


def head_scores(table, head: dict):
    """The head's (score, expected MQM, P(major)) on rows of `table`."""
    from mtcheck.quality.fusion import apply_head

    feats = table[[f"f_{n}" for n in head["features"]]].copy()
    feats.columns = head["features"]
    return apply_head(head, feats)


def _corpus_chrf(rows):
    """System-level corpus chrF (sacrebleu defaults) per system, mapped back onto the rows."""
    from sacrebleu.metrics import CHRF

    metric = CHRF()
    values = {}
    for system, group in rows.groupby("system"):
        with_ref = group[group["ref"].str.strip() != ""]
        values[system] = metric.corpus_score(with_ref["mt"].tolist(), [with_ref["ref"].tolist()]).score
    return rows["system"].map(values).to_numpy()


def _meta(rows, metric) -> dict:
    import numpy as np

    from mtcheck.evaluation.metaeval import global_tau, grouped_tau, roc_auc, system_pearson

    mqm = rows["mqm"].to_numpy(dtype=float)
    metric = np.asarray(metric, dtype=float)
    return {"grouped_tau": grouped_tau(metric, mqm, rows["key"].to_numpy()),
            "global_tau": global_tau(metric, mqm),
            "auc_major": roc_auc(metric, rows["has_major"].to_numpy(), mqm == 0),
            "system_pearson": system_pearson(metric, mqm, rows["system"].to_numpy())}


SINGLE_SIGNALS = [("sentence chrF++", "f_chrf", 1), ("sentence BLEU", "f_bleu", 1),
                  ("emb_sim_ref (MiniLM; USE for non-English)", "f_emb_sim_ref", 1),
                  ("xsim_ref (USE MT↔ref)", "f_xsim_ref", 1), ("xsim (USE src↔MT)", "f_xsim", 1),
                  ("xsim_margin", "f_xsim_margin", 1), ("fluency_lp (SmolLM2)", "f_fluency_lp", 1),
                  ("fluency_adj", "f_fluency_adj", 1),
                  ("lm_ref_lp (SmolLM2 MT | reference)", "f_lm_ref_lp", 1), ("shorter MT (−log length)", "f_mt_len", -1)]
EVAL_SETS = [("ref+src", "with reference (source + MT + reference)"),
             ("src", "source + MT only"),
             ("ref+src+fluency", "with reference, fluency subset"),
             ("ref+src+lmref", "with reference and --lm-ref, lm-ref subset"),
             ("src+fluency", "source + MT + fluency, fluency subset"),
             ("fluency", "MT only, fluency subset")]


def evaluate_heads(held, heads: dict, previous: dict | None = None) -> list[dict]:
    """Per held-out test set and row kind: each single signal, a length-only head and the fitted head.

    `previous` is the parameter file being replaced: its head for the same rows is reported too, so
    a refit that ranks worse than what ships is seen before it is written.
    """
    from mtcheck.quality.fusion import head_for, quality_from_points

    results = []
    for dataset, rows in held.groupby("dataset", sort=True):
        family = rows["family"].iloc[0]
        for key, label in EVAL_SETS:
            sub = rows[_has_groups(rows, key)]
            if len(sub) < MIN_ROWS or sub["key"].nunique() < 20:
                continue
            table = []
            for name, col, sign in SINGLE_SIGNALS:
                if sub[col].notna().all():
                    table.append({"signal": name, **_meta(sub, sign * sub[col].to_numpy(dtype=float))})
            length_head = heads[family].get("length")
            if length_head is not None:
                table.append({"signal": "length-only head", **_meta(sub, head_scores(sub, length_head)[0])})
            if previous is not None:
                old = head_for(previous["heads"][family], key)
                if all(f"f_{n}" in sub.columns for n in old["features"]):
                    table.append({"signal": f"previous quality ({previous['version']}: "
                                            f"{', '.join(old['features']) or 'constant'})",
                                  **_meta(sub, quality_from_points(head_scores(sub, old)[1]))})
            head = head_for(heads[family], key)
            score, expected, _ = head_scores(sub, head)
            table.append({"signal": f"head score ({', '.join(head['features'])})", **_meta(sub, score)})
            table.append({"signal": "**quality** (calibrated, as written)",
                          **_meta(sub, quality_from_points(expected))})
            corpus = _corpus_chrf(sub) if key.startswith("ref") else None
            results.append({"dataset": dataset, "kind": label, "rows": len(sub), "sources": sub["key"].nunique(),
                            "systems": sub["system"].nunique(), "table": table,
                            "corpus_chrf_pearson": (_meta(sub, corpus)["system_pearson"]
                                                    if corpus is not None else None)})
    return results


def print_tables(results: list[dict]) -> None:
    for res in results:
        print(f"\n{res['dataset']} — {res['kind']}: {res['rows']} rows, {res['sources']} sources, "
              f"{res['systems']} systems")
        print("| signal | grouped τ | global τ | AUC major | system Pearson |")
        print("|---|---|---|---|---|")
        for row in res["table"]:
            print(f"| {row['signal']} | {row['grouped_tau']:+.3f} | {row['global_tau']:+.3f} | "
                  f"{row['auc_major']:.3f} | {row['system_pearson']:+.3f} |")
        if res["corpus_chrf_pearson"] is not None:
            print(f"| corpus chrF (system level) | | | | {res['corpus_chrf_pearson']:+.3f} |")


# The inputs an equal-weight head sums for each signal group: the quality signals, never a length
# (absolute length teaches "shorter is better" across segments; the ratios rank only near 0).
EQUAL_INPUTS = {"ref": ["chrf", "bleu", "emb_sim_ref"], "src": ["xsim"], "ref+src": ["xsim_ref"],
                "fluency": ["fluency_adj"], "lmref": ["lm_ref_lp"]}


# The adapters trained here (training/train_adapters.py) are candidates where their scores exist: the
# `mt-ref` cross-encoder for English targets with a reference.
ADAPTER_INPUTS = {"ref": ["xenc_ref"]}


def equal_inputs(key: str, rows=None) -> list[str]:
    """The candidate inputs of an equal-weight head of this signal set; an adapter's only where `rows`
    have its scores (out of fold on the training sets, training/train_quality.py `xenc_column`)."""
    parts = set(key.split("+"))
    names = []
    for group, inputs in EQUAL_INPUTS.items():
        if set(group.split("+")) <= parts:
            names += inputs
    if rows is not None:
        for group, inputs in ADAPTER_INPUTS.items():
            if set(group.split("+")) <= parts:
                names += [n for n in inputs if f"f_{n}" in rows.columns and rows[f"f_{n}"].notna().all()]
    return names


def _views_by_set(rows, score) -> dict:
    """{test set: (grouped tau, per-system per-word tau)} of `score` on each test set's rows."""
    import numpy as np

    from mtcheck.evaluation.metaeval import grouped_tau, per_word_tau

    out = {}
    score = np.asarray(score, dtype=float)
    for name in sorted(set(rows["dataset"])):
        mask = (rows["dataset"] == name).to_numpy()
        sub = rows[mask]
        out[name] = (grouped_tau(score[mask], sub["mqm"].to_numpy(dtype=float), sub["key"].to_numpy()),
                     per_word_tau(score[mask], sub["mqm"].to_numpy(dtype=float),
                                  sub["ref"].str.split().str.len().to_numpy(dtype=float), sub["system"].to_numpy()))
    return out


def select_inputs(rows, names: list[str]) -> tuple[list[str], dict]:
    """The subset of `names` whose equal-weight sum is least often worse than the best single input, on the
    training test sets: the one that maximises, over the sets, the worst margin over the best single
    input in views 1 (which translation of a source is best) and 2 (which segments need work) together.
    Ties go to the larger mean margin, then to fewer inputs. Every input is oriented "higher is better"
    by what it measures; nothing is fitted but which inputs take part."""
    import itertools

    import numpy as np

    x = rows[[f"f_{n}" for n in names]].to_numpy(dtype=float)
    mean, scale = _standardise(x)
    z = np.nan_to_num((x - mean) / scale)
    singles = {n: _views_by_set(rows, z[:, j]) for j, n in enumerate(names)}
    sets = sorted(set(rows["dataset"]))
    best = {s: (max(singles[n][s][0] for n in names), max(singles[n][s][1] for n in names)) for s in sets}
    scored = []
    for k in range(1, len(names) + 1):
        for subset in itertools.combinations(range(len(names)), k):
            views = _views_by_set(rows, z[:, list(subset)].mean(axis=1))
            margins = [min(views[s][0] - best[s][0], views[s][1] - best[s][1]) for s in sets]
            scored.append((min(margins), float(np.mean(margins)), -k, subset))
    worst, mean_margin, _, subset = max(scored)
    return [names[j] for j in subset], {"worst_margin": round(worst, 4), "mean_margin": round(mean_margin, 4),
                                        "sets": sets}


def equal_weight_head(train, key: str, names: list[str] | None = None) -> dict | None:
    """A head that averages its inputs standardised on the training rows, with equal weights: the inputs
    `select_inputs` chooses among the quality signals of the row kind (`equal_inputs`), or exactly `names`
    when given (a candidate fixed in advance), no length, no fitted weight. Calibrated to MQM points and
    P(major) by isotonic maps like a fitted head."""
    import numpy as np

    rows = train[_has_groups(train, key)]
    if len(rows) < MIN_ROWS:
        return None
    if names is not None:
        candidates, chosen_by = list(names), {"fixed in advance": True}
    else:
        candidates = equal_inputs(key, rows)
        names, chosen_by = select_inputs(rows, candidates) if candidates else ([], {})
    mqm = rows["mqm"].to_numpy(dtype=float)
    x = rows[[f"f_{n}" for n in names]].to_numpy(dtype=float) if names else np.zeros((len(rows), 0))
    mean, scale = _standardise(x) if names else (np.zeros(0), np.ones(0))
    weights = np.full(len(names), 1.0 / max(1, len(names)))
    score = np.nan_to_num((x - mean) / scale) @ weights
    mqm_x, mqm_y = monotone_map(score, np.minimum(mqm, 25.0), increasing=False)
    major_x, major_y = monotone_map(score, rows["has_major"].to_numpy(dtype=float), increasing=False)
    return {"features": names, "mean": [round(float(v), 6) for v in mean],
            "scale": [round(float(v), 6) for v in scale], "weights": [round(float(v), 6) for v in weights],
            "kind": "equal-weight", "candidates": candidates, "chosen_by": chosen_by,
            "mqm_x": mqm_x, "mqm_y": mqm_y, "major_x": major_x, "major_y": major_y,
            "train_rows": int(len(rows)), "train_sets": sorted(rows["dataset"].unique())}
