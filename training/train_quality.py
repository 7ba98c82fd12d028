"""Train the quality model (mtcheck/data/fusion.json) on the human judgments, and print its evaluation.

    .venv/bin/python training/train_quality.py [--data ../shared/data/judgments] [--fluency-sources 250]
                                              [--write [--out mtcheck/data/fusion.json] [--heads en:ref+src,...]]

It prints the held-out evaluation table, with the shipped heads' figures on the same rows, and
writes nothing unless --write is given. With --heads, only the named heads (and their copies)
replace those of the existing --out; that is how fusion mqm-ranknet-5 was written, after
training/fresh_check.py compared them on rows nothing had been fitted on (docs/quality.md "A fresh check on
WMT22"). Without it, every head is written.

1. Rows: the multi-system MQM tables (mtcheck/evaluation/judgments.py), about 86,000 rows.
   Held out, whole: WMT23 MQM zh-en and en-de, and WMT21 news en-de. Nothing
   is fitted or tuned on them. (Three variants of the head were compared on
   them in the session that wrote this, so their figures for the variant
   kept here are slightly optimistic; docs/quality.md "Quality score".)
2. Features: mtcheck's own scorers, exactly as `mtcheck check` runs them, per
   test set (so the shuffled-pair margin sees one test set at a time). The
   fluency model is costly (about 20 segments/s), so it runs on the rows of
   `--fluency-sources` source segments per English-target test set, chosen by
   a hash of the segment key. Features are cached under
   $XDG_CACHE_HOME/mtcheck/train/, and every text's scores sit in the
   persistent score cache, so a second run takes a minute.
   `lm_ref_lp` (the --lm-ref likelihood, another SmolLM2 pass) runs on the
   rows of `--lmref-sources` sources per English test set, the fluency
   subset's sources, so the four --lm-ref heads are fitted on the judgments
   too (docs/quality.md "The reference-conditioned likelihood on the judgments").
3. Heads: for each target family (English, other) and each signal set, a
   linear RankNet (Burges et al. 2005): logistic regression on the feature
   differences of every pair of translations of one source whose MQM differs,
   plus as many random pairs of different sources of one test set
   (quality_model.cross_source_pairs), so that the head ranks translations of
   a source and also orders a document's segments. Every candidate feature of
   the set (quality.fusion.group_features) is used, L2-regularised, with C chosen by
   leave-one-test-set-out over the training sets (grouped plus global tau).
4. Calibration: isotonic maps from the head's score to MQM points and to
   P(major error), over the training rows.

The same data gives the same parameters: no random step except the fixed-seed
shuffled-pair draw inside the scorer. Bad input (a missing file or column, an
unknown score kind, an empty split) is a one-line error naming the file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

FEATURES_VERSION = 1
# Head keys fitted per family; a run's signal set falls back to the largest fitted subset (quality.fusion.head_for).
HEAD_KEYS = ["ref+src+fluency+lmref", "ref+src+lmref", "ref+fluency+lmref", "ref+lmref",
             "ref+src+fluency", "ref+src", "ref+fluency", "ref", "src+fluency", "src", "fluency", "mt"]


def feature_cache(dataset: str, frame, fluency_keys: frozenset) -> Path:
    from mtcheck._version import __version__
    from mtcheck.models import cache

    digest = hashlib.sha256()
    for col in ("system", "key", "src", "mt", "ref"):
        digest.update("\x1f".join(frame[col]).encode("utf-8"))
    digest.update("\x1f".join(sorted(fluency_keys)).encode("utf-8"))
    name = f"{dataset.replace('/', '_')}-{digest.hexdigest()[:16]}-{__version__}-f{FEATURES_VERSION}.pkl"
    # Beside the score cache, so $MTCHECK_CACHE_DIR (the tests' own cache) moves both.
    return cache.default_path().parent / "train" / name


def fluency_sample(keys, n_sources: int) -> frozenset:
    """The source segments whose rows get fluency features: the n with the smallest key hash."""
    distinct = sorted(set(keys), key=lambda k: hashlib.sha1(k.encode("utf-8")).hexdigest())
    return frozenset(distinct[:n_sources])


def dataset_features(dataset: str, frame, n_fluency_sources: int):
    """mtcheck's fusion features for one test set's rows (cached)."""
    import numpy as np

    from mtcheck import schema as S
    from mtcheck.quality.fusion import features
    from mtcheck.io import from_dataframe
    from mtcheck.pipeline import CheckOptions, collect_signals
    from mtcheck.scorers import ScoreContext, get

    target = frame["lp"].iloc[0].split("-")[1]
    english = target == "en"
    fkeys = fluency_sample(frame["key"], n_fluency_sources) if english else frozenset()
    path = feature_cache(dataset, frame, fkeys)
    if path.exists():
        try:
            return with_lengths(pickle.loads(path.read_bytes()), frame)
        except Exception as exc:  # a damaged or foreign file: recompute, never train on it
            print(f"  {path}: unreadable feature cache ({type(exc).__name__}); recomputing", flush=True)
    t0 = time.perf_counter()
    table = frame[["doc_id", "seg_id", "system", "src", "mt", "ref"]].reset_index(drop=True)
    options = CheckOptions(target_lang=target, fluency="off", checks=[], xsim_ref=True, xsim_margin=True,
                           scorers=("sacrebleu", "embedding", "crosslingual"))
    rows = collect_signals(from_dataframe(table), options).rows.reset_index(drop=True)
    rows[S.FLUENCY_ADJ] = np.nan
    rows[S.FLUENCY] = np.nan
    chosen = frame["key"].isin(fkeys).to_numpy()
    if chosen.any():
        sub = rows.loc[chosen, [S.SRC, S.MT, S.REF]]
        flu = get("fluency")(sub, ScoreContext(target_lang=target, fluency="on")).columns
        for col in (S.FLUENCY_ADJ, S.FLUENCY, S.FLUENCY_LP):
            rows.loc[chosen, col] = flu[col].to_numpy()
    feats, _ = features(rows)
    feats["fluency_lp"] = rows[S.FLUENCY_LP].to_numpy() if S.FLUENCY_LP in rows.columns else np.nan
    print(f"  {dataset}: features for {len(frame)} rows ({int(chosen.sum())} with fluency) in "
          f"{time.perf_counter() - t0:.0f} s", flush=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(feats))
    return with_lengths(feats, frame)


def with_lengths(feats, frame):
    """The length features recomputed from the texts (cheap), so a feature cache outlives a change to them."""
    from mtcheck.quality.fusion import features

    table = frame[["src", "mt", "ref"]].reset_index(drop=True).assign(chrf=feats["chrf"], xsim=feats["xsim"])
    fresh, _ = features(table)
    for col in ("len_ratio", "ref_len_ratio", "mt_len"):
        feats[col] = fresh[col].to_numpy()
    return feats


def lmref_column(frame, n_sources: int):
    """lm_ref_lp (scorers/lmref.py) on the rows of `n_sources` source segments of one English test set, NaN elsewhere.

    The MT-given-reference likelihood costs a SmolLM2 pass over prompt, reference and MT: 4-9
    rows/s here (news is the slowest), so 250 sources of the four English test sets (13,250 rows)
    took 39 min from a cold cache on 2 cores (2026-12-03, native mode). The sources are the
    fluency subset's (fluency_sample: the same hash order), so the --lm-ref heads see the rows
    that have fluency too. Scores sit in the persistent score cache; a second run reads them.
    """
    import numpy as np

    from mtcheck import schema as S
    from mtcheck.scorers import ScoreContext, get

    values = np.full(len(frame), np.nan)
    if n_sources <= 0 or not frame["lp"].iloc[0].endswith("-en"):
        return values
    chosen = frame["key"].isin(fluency_sample(frame["key"], n_sources)).to_numpy()
    sub = frame.loc[chosen, ["src", "mt", "ref"]].rename(columns={"src": S.SRC, "mt": S.MT, "ref": S.REF})
    result = get("lmref")(sub.reset_index(drop=True), ScoreContext(target_lang="en", lm_ref=True))
    if S.LM_REF_LP in result.columns.columns:
        values[chosen] = result.columns[S.LM_REF_LP].to_numpy()
    return values


def xenc_column(frame, dataset: str, held_out: bool, data: Path):
    """The `mt-ref` adapter's score (scorers/xenc.py) on an English test set's rows with a reference, NaN elsewhere.

    On a training set the score is out of fold: the fold adapter trained without this set
    (training/train_adapters.py --folds), so that choosing and standardising the heads' inputs on the
    training sets does not see the adapter score the rows it learned. On a held-out set it is the shipped
    adapter's. Where the adapter in question has not been trained, the column stays NaN (and says so).
    """
    import numpy as np

    from mtcheck.models.adapters import CrossEncoder, available
    from mtcheck.scorers.xenc import pair_scores

    values = np.full(len(frame), np.nan)
    if not frame["lp"].iloc[0].endswith("-en"):
        return values
    if held_out:
        folder = ROOT / "mtcheck" / "data" / "adapters" / "mt-ref"
    else:
        from train_adapters import folder_for

        folder = folder_for("mt-ref", data, holdout=dataset)[0] / "final"
    if not available("mt-ref", folder):
        print(f"  {dataset}: no mt-ref adapter in {folder}; xenc_ref left empty", flush=True)
        return values
    mask = (frame["ref"].str.strip() != "") & (frame["mt"].str.strip() != "")
    pairs = list(zip(frame.loc[mask, "mt"], frame.loc[mask, "ref"]))
    values[mask.to_numpy()] = pair_scores(CrossEncoder("mt-ref", folder), pairs)
    return values


def xenc_mt_column(frame, feats):
    """The shipped `mt-only` adapter's score (scorers/xenc.py) on the rows that have the language model's
    features, as a run computes it there; NaN elsewhere and where no adapter ships. On the training sets it
    is in sample (the adapter trained on them: training/eval_adapter_mt.py says how that was handled)."""
    import numpy as np

    from mtcheck.models.adapters import available
    from mtcheck.models.adapter_pool import get_adapter
    from mtcheck.scorers.xenc import pair_scores

    values = np.full(len(frame), np.nan)
    if not available("mt-only") or not frame["lp"].iloc[0].endswith("-en") or "fluency_adj" not in feats:
        return values
    mask = feats["fluency_adj"].notna().to_numpy() & (frame["mt"].str.strip() != "").to_numpy()
    if mask.any():
        values[mask] = pair_scores(get_adapter("mt-only"), [(m,) for m in frame.loc[mask, "mt"]])
    return values


def feature_table(rows, fluency_sources: int, lmref_sources: int, data: Path | None = None):
    """The judgment rows with their features (`f_` columns, cached per test set) and target `family`; with
    `data` (the judgments folder, which finds the fold adapters) also `xenc_ref`."""
    import pandas as pd

    parts = []
    for dataset, frame in rows.groupby("dataset", sort=True):
        feats = dataset_features(dataset, frame, fluency_sources)
        feats["lm_ref_lp"] = lmref_column(frame.reset_index(drop=True), lmref_sources)
        feats["xenc_mt"] = xenc_mt_column(frame.reset_index(drop=True), feats)
        if data is not None:
            feats["xenc_ref"] = xenc_column(frame.reset_index(drop=True), dataset, bool(frame["held_out"].iloc[0]),
                                            data)
        parts.append(pd.concat([frame.reset_index(drop=True), feats.add_prefix("f_")], axis=1))
    table = pd.concat(parts, ignore_index=True)
    table["family"] = ["en" if lp.endswith("-en") else "other" for lp in table["lp"]]
    return table


def parse_heads(spec: str) -> list[list[str]]:
    """--heads "family:key,..." as [[family, key], ...]; a UsageError names the first that is not a head."""
    from mtcheck.errors import UsageError

    named = [item.strip().split(":", 1) for item in spec.split(",") if item.strip()]
    bad = [":".join(n) for n in named if len(n) != 2 or n[0] not in ("en", "other") or n[1] not in HEAD_KEYS]
    if bad:
        raise UsageError(f"--heads: '{bad[0]}' is not a head (write family:key, family en or other, "
                         f"key one of {', '.join(HEAD_KEYS)})")
    return named


def check_params_file(path: Path) -> None:
    """An InputError naming `path` unless it is a parameter file --heads can merge into."""
    from mtcheck.errors import InputError

    try:
        params = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(f"cannot read it as a parameter file ({type(exc).__name__})", path=str(path),
                         hint="give --out a fusion.json written by this script") from None
    if not isinstance(params, dict) or not isinstance(params.get("heads"), dict) or "version" not in params \
            or not all(isinstance(params["heads"].get(f), dict) for f in ("en", "other")):
        raise InputError("not a parameter file (it needs 'version' and 'heads' for en and other)",
                         path=str(path), hint="give --out a fusion.json written by this script")


def merge_heads(out: Path, heads: dict, copied: dict, spec: str, provenance: dict) -> dict:
    """The parameter file `out` with the named trained heads in place of its own (docs/quality.md "A fresh check").

    `spec` is "family:key,..."; a trained head that is a copy of a named one (German's lm-ref and
    fluency keys copy their base: no English language model) replaces the same key too, so the
    file's copies stay copies. The version's number goes up by one and the replaced keys are listed.
    """
    params = json.loads(out.read_text(encoding="utf-8"))
    named = parse_heads(spec)
    replaced: dict[str, list[str]] = {}
    for family, key in named:
        for k in [key] + [c for c, head in copied[family].items() if head is heads[family][key]]:
            params["heads"][family][k] = heads[family][k]
            replaced.setdefault(family, []).append(k)
    stem, _, number = params["version"].rpartition("-")
    params["version"] = f"{stem}-{int(number) + 1}" if number.isdigit() else f"{params['version']}-1"
    params["replaced"] = {"heads": {f: sorted(set(ks)) for f, ks in replaced.items()},
                          "by": "training/train_quality.py --write --heads " + spec, **provenance,
                          "decided_by": "training/fresh_check.py (docs/quality.md \"A fresh check on WMT22\")"}
    return params


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--out", type=Path, default=ROOT / "mtcheck" / "data" / "fusion.json")
    parser.add_argument("--fluency-sources", type=int, default=250)
    parser.add_argument("--lmref-sources", type=int, default=250,
                        help="source segments per English test set whose rows get lm_ref_lp (--lm-ref heads)")
    parser.add_argument("--write", action="store_true",
                        help="replace --out with the trained heads (by default the command only evaluates: "
                             "its heads did not beat the shipped ones on the held-out sets)")
    parser.add_argument("--heads", default="",
                        help="with --write: replace only these heads of --out (family:key,..., e.g. "
                             "en:ref+src,other:src) and the heads that are copies of them, keep the rest")
    args = parser.parse_args(argv)


    from mtcheck.errors import MtcheckError, UsageError
    from mtcheck.quality.fusion import load_params
    from mtcheck.evaluation.judgments import load_mqm_tables

    shipped = load_params()  # what mtcheck runs with now: reported beside the trained heads
    from quality_model import evaluate_heads, fit_family, print_tables

    try:
        if args.heads:
            parse_heads(args.heads)
            if not args.write or not args.out.exists():
                raise UsageError("--heads replaces heads of an existing --out file: give --write and an --out "
                                 "that exists")
            check_params_file(args.out)  # before the minutes of training, not after
        rows = load_mqm_tables(args.data)
        if rows["held_out"].all() or not rows["held_out"].any():
            raise MtcheckError("the split leaves no training or no held-out rows", path=str(args.data))
    except MtcheckError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    print(f"{len(rows)} rows, {rows['key'].nunique()} source segments, {rows['dataset'].nunique()} test sets; "
          f"held out: {', '.join(sorted(rows.loc[rows['held_out'], 'dataset'].unique()))}", flush=True)
    table = feature_table(rows, args.fluency_sources, args.lmref_sources)

    heads = {}
    for family in ("en", "other"):
        train = table[(table["family"] == family) & ~table["held_out"]]
        if len(train):
            print(f"{family} targets: {len(train)} training rows", flush=True)
            heads[family] = fit_family(train, HEAD_KEYS)
    held = table[table["held_out"] & table["family"].isin(list(heads))]
    print_tables(evaluate_heads(held, heads, shipped))
    missing = [f for f in ("en", "other") if "mt" not in heads.get(f, {})]
    write = args.write
    if missing and write:
        print(f"error: {args.data}: no training rows for {' and '.join(missing)} targets, so "
              f"{args.out} is left as it was (add such tables, or leave out --write)", file=sys.stderr)
        return 2
    if write:
        from mtcheck.quality.fusion import head_for

        copied = {}
        for family in heads:  # a head without training rows (no lm-ref for German) is its base's copy
            heads[family].pop("length", None)  # the length-only baseline is for the table, never shipped
            copied[family] = {k: head_for(heads[family], k) for k in HEAD_KEYS if k not in heads[family]}
            heads[family].update(copied[family])
        provenance = {"fitted_on": sorted(table.loc[~table["held_out"], "dataset"].unique()),
                      "held_out": sorted(table.loc[table["held_out"], "dataset"].unique())}
        if args.heads:
            params = merge_heads(args.out, heads, copied, args.heads, provenance)
        else:
            params = {"version": "judgments-ranknet-5", **provenance,
                      "quality": "100 - 4 * expected MQM points, clipped to 0..100", "heads": heads}
        args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
