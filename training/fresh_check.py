"""Score the shipped and the trained quality heads on the WMT22 QE MQM rows, which no fit or choice has used.

    .venv/bin/python training/train_quality.py --write --out /tmp/trained.json   # the trained heads
    .venv/bin/python training/fresh_check.py --trained /tmp/trained.json [--data ../shared/data/judgments]

Why: every held-out multi-system test set (WMT23 zh-en and en-de, WMT21 news en-de) has been
looked at while variants were compared (docs/quality.md "Quality score"), so a choice between the shipped
and the trained heads made on them would be tuned on them. `mqm-qe2022-wmt22` is the one MQM table
nothing in mtcheck has read: WMT22 sources (other years and documents than every training set),
one MT per source, scored by MQM normalised by length (`mqm_norm`, 100 = no error). With one system
per source it cannot give a grouped tau; it measures what an editor's worklist needs across a
document: global Kendall tau against `mqm_norm`, and ROC AUC of low quality for rows with any error
against error-free rows (the table has no severities, so "major" cannot be told apart).

Rows: its "general" rows have a reference (zh-en, en-de, en-ru: about 510 each, one without); its "news" rows
have none (about 1,000 each). Each kind is scored as a default `mtcheck check` run scores it:
with a reference the `ref+src` head (and `ref+src+lmref`, English, as with --lm-ref); without one
`src+fluency` for English (fluency is on where there is no reference) and `src` for other targets.

The decision rule, written before this script was first run (2026-12-03):
a trained head replaces the shipped head of a row kind only if, for every language pair of its
target family that has rows of that kind here, its quality has both a higher global tau and a
higher AUC than the shipped quality; and its grouped tau on the held-out multi-system sets (docs/quality.md,
train_quality's table) is not lower than the shipped head's by more than 0.01. Otherwise the
shipped head stays. The figures are in docs/quality.md "A fresh check on WMT22".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TABLE = "mqm-qe2022-wmt22"
MIN_ROWS = 100
SINGLES = [("sentence chrF++", "chrf"), ("sentence BLEU", "bleu"), ("emb_sim_ref", "emb_sim_ref"),
           ("xsim_ref", "xsim_ref"), ("xsim", "xsim"), ("fluency_adj", "fluency_adj"),
           ("lm_ref_lp", "lm_ref_lp")]


def row_features(frame, target: str):
    """mtcheck's fusion features for these rows, the signals a default run computes, plus lm_ref_lp."""
    import numpy as np

    from mtcheck import schema as S
    from mtcheck.quality.fusion import features
    from mtcheck.io import from_dataframe
    from mtcheck.pipeline import CheckOptions, collect_signals
    from mtcheck.scorers import ScoreContext, get

    table = frame[["doc_id", "seg_id", "system", "src", "mt", "ref"]].reset_index(drop=True)
    options = CheckOptions(target_lang=target, fluency="off", checks=[], xsim_ref=True, xsim_margin=True,
                           scorers=("sacrebleu", "embedding", "crosslingual"))
    rows = collect_signals(from_dataframe(table), options).rows.reset_index(drop=True)
    has_ref = table["ref"].str.strip() != ""
    for col in (S.FLUENCY_ADJ, S.FLUENCY, S.FLUENCY_LP, S.LM_REF_LP):
        rows[col] = np.nan
    if target == "en" and (~has_ref).any():  # fluency="auto": the rows without a reference
        sub = rows.loc[~has_ref, [S.SRC, S.MT, S.REF]].reset_index(drop=True)
        flu = get("fluency")(sub, ScoreContext(target_lang=target, fluency="on")).columns
        for col in (S.FLUENCY_ADJ, S.FLUENCY, S.FLUENCY_LP):
            rows.loc[~has_ref, col] = flu[col].to_numpy()
    if target == "en" and has_ref.any():  # what --lm-ref adds
        sub = rows.loc[has_ref, [S.SRC, S.MT, S.REF]].reset_index(drop=True)
        result = get("lmref")(sub, ScoreContext(target_lang="en", lm_ref=True)).columns
        rows.loc[has_ref, S.LM_REF_LP] = result[S.LM_REF_LP].to_numpy()
    feats, _ = features(rows)
    return feats


def quality(head: dict, feats):
    from mtcheck.quality.fusion import apply_head, quality_from_points

    return quality_from_points(apply_head(head, feats)[1])


def figures(metric, score):
    """(global tau against mqm_norm, AUC of low metric for rows with an error against error-free rows)."""
    import numpy as np

    from mtcheck.evaluation.metaeval import global_tau, roc_auc

    metric, score = np.asarray(metric, float), np.asarray(score, float)
    return global_tau(metric, -score), roc_auc(metric, score < 100, score >= 100)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--trained", type=Path, required=True,
                        help="a parameter file written by training/train_quality.py --write --out FILE")
    args = parser.parse_args(argv)

    from mtcheck.errors import InputError, MtcheckError
    from mtcheck.quality.fusion import head_for, load_params, target_family
    from mtcheck.evaluation.judgments import read_table

    try:
        frame = read_table(args.data / f"{TABLE}.tsv.gz")
        trained = json.loads(args.trained.read_text(encoding="utf-8"))
        if "heads" not in trained:
            raise InputError("not a parameter file (no 'heads')", path=str(args.trained))
    except (OSError, ValueError) as exc:
        print(f"error: {args.trained}: cannot read it ({type(exc).__name__}); write it with "
              f"training/train_quality.py --write --out FILE", file=sys.stderr)
        return 2
    except MtcheckError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    shipped = load_params()
    frame = frame[frame["score_kind"] == "mqm_norm"].assign(system="qe2022")
    frame = frame.assign(has_ref=frame["ref"].str.strip() != "")
    for (lp, domain, has_ref), part in frame.groupby(["lp", "domain", "has_ref"], sort=True):
        if len(part) < MIN_ROWS:  # the one row per "general" set that has no reference
            continue
        target = lp.split("-")[1]
        family = target_family(target)
        feats = row_features(part, target)
        score = part["score"].to_numpy(dtype=float)
        keys = (["ref+src", "ref+src+lmref"] if family == "en" else ["ref+src"]) if has_ref else \
            (["src+fluency"] if family == "en" else ["src"])
        print(f"\n{TABLE} {lp} {domain}: {len(part)} rows, {int((score >= 100).sum())} error-free"
              f"{'' if has_ref else ', no reference'}")
        print("| signal | global τ | AUC (any error) |")
        print("|---|---|---|")
        for label, name in SINGLES:
            if feats[name].notna().all():
                tau, auc = figures(feats[name], score)
                print(f"| {label} | {tau:+.3f} | {auc:.3f} |")
        for key in keys:
            for which, params in (("shipped", shipped), ("trained", trained)):
                head = head_for(params["heads"][family], key)
                tau, auc = figures(quality(head, feats), score)
                print(f"| {which} quality, {key} ({', '.join(head['features']) or 'constant'}) | "
                      f"{tau:+.3f} | {auc:.3f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
