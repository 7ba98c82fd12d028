"""The quality score in three views, on every held-out test set and row kind, beside every input it reads.

    .venv/bin/python training/evaluate_quality.py [--data ../shared/data/judgments] [--fluency-sources 250]
                                                 [--lmref-sources 250] [--no-qe]

The three questions people ask of `quality`:

1. **Which translation of this sentence is best?** Item-grouped Kendall τ: per source segment, across
   the systems that translated it, then averaged.
2. **Which segments need work?** (the editor's worklist) Kendall τ within each MT system's output
   against MQM points per 10 reference words, averaged over systems. Per word, because MQM adds up
   errors and "shorter is better" would otherwise win. On mqm-qe2022-wmt22, which has one MT per
   source, the global τ against its length-normalised `mqm_norm` instead.
3. **Which system is best?** Pearson r of the systems' mean score against their mean MQM, over the MT
   systems (human translations are not in the rows), beside corpus chrF++ and BLEU per system.

Rows are the held-out test sets of mtcheck/evaluation/judgments.py (`HELD_OUT`: whole test sets never
used for fitting or choosing), with the features training/train_quality.py computes and caches (the
language model on the rows of 250 source segments per English set). Each row kind is scored as a run
with those inputs scores it, with the shipped heads (mtcheck/data/fusion.json). Beside `quality`, on
the same rows: sentence chrF++ and BLEU, −log MT length, every input the row kind's head reads, and the
equal-weight sum of those inputs standardised on the training sets and oriented by their sign there
(`equal weights`), which a fitted head must beat. The last table gives, per row kind, the worst held-out
set's margin of `quality` over its best single input in views 1 and 2.

The candidate `quality (equal weights)` is the equal-weight head of training/quality_model.py: the
average of the standardised inputs that `select_inputs` picks among the row kind's quality signals on
the training sets (no length, no fitted weight). The rule that decides what ships, written down before
the held-out sets were scored with these heads: for each row kind, the equal-weight head replaces the
shipped one if, on the training sets (`--sets train`), its worst-set margin over the best single input
(the smaller of views 1 and 2) is at least the shipped head's. The held-out table is then the report,
not a second chance to choose.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

# (head key, what a run has). The key picks the shipped head (quality.fusion.head_for) and the rows
# that have every signal group of it.
KINDS = [("ref+src", "source and reference (default)"),
         ("ref", "reference, no source"),
         ("ref+src+fluency", "source and reference, --fluency on (LM subset)"),
         ("ref+src+fluency+lmref", "source and reference, --fluency on --lm-ref (LM subset)"),
         ("ref+src+lmref", "source and reference, --lm-ref (LM subset)"),
         ("ref+lmref", "reference, no source, --lm-ref (LM subset)"),
         ("src+fluency", "source only, English (fluency subset)"),
         ("src", "source only, no language model"),
         ("fluency", "MT only, English (fluency subset)"),
         ("mt", "MT only, no language model")]
# Inputs that are better when higher; the length ratios are better near 0 (|log ratio|).
RATIOS = ("len_ratio", "ref_len_ratio")


def oriented(table, name: str, sign: float = 1.0):
    import numpy as np

    x = table[f"f_{name}"].to_numpy(dtype=float)
    return -np.abs(x) if name in RATIOS else sign * x


def per_word_tau(metric, rows) -> float:
    from mtcheck.evaluation.metaeval import per_word_tau as tau

    return tau(metric, rows["mqm"].to_numpy(dtype=float), rows["ref"].str.split().str.len().to_numpy(dtype=float),
               rows["system"].to_numpy())


def views(metric, rows) -> tuple[float, float, float]:
    from mtcheck.evaluation.metaeval import grouped_tau, system_pearson

    mqm = rows["mqm"].to_numpy(dtype=float)
    return (grouped_tau(metric, mqm, rows["key"].to_numpy()), per_word_tau(metric, rows),
            system_pearson(metric, mqm, rows["system"].to_numpy()))


def corpus_system_r(rows) -> dict:
    """View 3 of corpus chrF++ and BLEU: one corpus score per system against its mean MQM."""
    import numpy as np
    from sacrebleu.metrics import BLEU, CHRF

    out = {}
    for name, metric in (("corpus chrF++", CHRF(word_order=2)), ("corpus BLEU", BLEU())):
        scores, mqm = [], []
        for _, group in rows.groupby("system"):
            with_ref = group[group["ref"].str.strip() != ""]
            if len(with_ref):
                scores.append(metric.corpus_score(with_ref["mt"].tolist(), [with_ref["ref"].tolist()]).score)
                mqm.append(group["mqm"].mean())
        out[name] = float(np.corrcoef(scores, -np.asarray(mqm))[0, 1]) if len(scores) >= 3 else float("nan")
    return out


def equal_weights(train, names: list[str]):
    """(means, scales, signs) of the inputs on the training rows; the sign is that of each input's own
    grouped τ there, so the sum adds evidence in the direction it points."""
    import numpy as np

    from mtcheck.evaluation.metaeval import grouped_tau

    stats = {}
    for name in names:
        rows = train[train[f"f_{name}"].notna()]
        x = oriented(rows, name)
        sign = np.sign(grouped_tau(x, rows["mqm"].to_numpy(dtype=float), rows["key"].to_numpy())) or 1.0
        stats[name] = (float(np.mean(x)), float(np.std(x)) or 1.0, float(sign))
    return stats


def equal_sum(rows, stats: dict):
    import numpy as np

    total = np.zeros(len(rows))
    for name, (mean, scale, sign) in stats.items():
        total += sign * (oriented(rows, name) - mean) / scale
    return total


KEEP = {"ref": ("chrf", "bleu", "emb_sim_ref", "xenc_ref"), "src": ("xsim", "xsim_margin"),
        "fluency": ("fluency_adj", "fluency", "xenc_mt"), "lmref": ("lm_ref_lp",)}


def kind_frame(rows, key: str):
    """The rows as the pipeline's frame for a run that has exactly the signal groups of `key`: the columns
    fusion reads, with what such a run would not have left empty."""
    import numpy as np
    import pandas as pd

    from mtcheck import schema as S

    parts = set(key.split("+"))
    frame = pd.DataFrame({S.DOC_ID: rows["doc_id"].to_numpy(), S.SEG_ID: rows["seg_id"].to_numpy(),
                          S.SYSTEM: rows["system"].to_numpy(), S.MT: rows["mt"].to_numpy(),
                          S.SRC: rows["src"].to_numpy() if "src" in parts else "",
                          S.REF: rows["ref"].to_numpy() if "ref" in parts else ""})
    for group, cols in KEEP.items():
        for col in cols:
            present = group in parts and f"f_{col}" in rows.columns
            frame[col] = rows[f"f_{col}"].to_numpy(dtype=float) if present else np.nan
    frame[S.XSIM_REF] = rows["f_xsim_ref"].to_numpy(dtype=float) if {"ref", "src"} <= parts else np.nan
    return frame


def run_quality(rows, key: str, params: dict, target: str):
    """`quality` as a run with these inputs writes it: the rule checks, then the fusion with `params`."""
    from mtcheck.checks import CheckContext, default_checks, run_checks
    from mtcheck.quality.fusion import fuse

    frame = kind_frame(rows, key)
    source_lang = rows["lp"].iloc[0].split("-")[0] if "src" in key.split("+") else None
    found = run_checks(frame, [c for c in default_checks() if c not in ("omission", "addition")],
                       ctx=CheckContext(target_lang=target, source_lang=source_lang))
    fuse(frame, found, target, params)
    return frame["quality"].to_numpy(dtype=float)


def kind_rows(table, key: str):
    """Rows that have every signal group of `key`, as a run with exactly those inputs sees them."""
    from quality_model import _has_groups

    return table[_has_groups(table, key)]


def equal_params(table) -> dict:
    """Equal-weight heads for every head key, from the training rows of each family (quality_model)."""
    from quality_model import equal_weight_head
    from train_quality import HEAD_KEYS

    heads = {}
    for family in ("en", "other"):
        train = table[(table["family"] == family) & ~table["held_out"]]
        heads[family] = {k: h for k in HEAD_KEYS if (h := equal_weight_head(train, k)) is not None}
    return {"version": "equal-weight (evaluation)", "heads": heads}


def evaluate(table, candidates: dict, held: bool = True) -> list[dict]:
    """Per test set (held-out ones, or with held=False the training ones) and row kind: the three views of
    every single input, chrF++, BLEU, −length and each candidate parameter set's `quality`."""
    from mtcheck.quality.fusion import head_for

    results = []
    for family in ("en", "other"):
        fam = table[table["family"] == family]
        for key, label in KINDS:
            if family == "other" and ("fluency" in key or "lmref" in key):
                continue  # no language model for non-English targets
            first = next(iter(candidates.values()))
            inputs = list(head_for(first["heads"][family], key)["features"])
            signals = [n for n in ["chrf", "bleu", "emb_sim_ref", "xenc_ref", "xsim_ref", "xsim", "fluency_adj",
                                   "fluency_lp", "lm_ref_lp", "len_ratio", "ref_len_ratio"]
                       if n in inputs or (n in ("chrf", "bleu", "xenc_ref") and "ref" in key.split("+"))
                       or any(n in head_for(c["heads"][family], key)["features"] for c in candidates.values())]
            chosen = fam[fam["held_out"] == held]
            for dataset, rows in kind_rows(chosen, key).groupby("dataset", sort=True):
                if len(rows) < 200 or rows["key"].nunique() < 20:
                    continue
                target = rows["lp"].iloc[0].split("-")[1]
                line = {"dataset": dataset, "kind": f"{label} [{family}]", "key": key, "rows": len(rows),
                        "systems": rows["system"].nunique(), "scores": {}}
                for name in signals:
                    if f"f_{name}" in rows.columns and rows[f"f_{name}"].notna().any():
                        line["scores"][name] = views(oriented(rows, name), rows)
                line["scores"]["−log MT length"] = views(-rows["f_mt_len"].to_numpy(dtype=float), rows)
                for name, params in candidates.items():
                    line["scores"][name] = views(run_quality(rows, key, params, target), rows)
                if "ref" in key.split("+"):
                    line["corpus"] = corpus_system_r(rows)
                line["inputs"] = sorted({n for c in candidates.values()
                                         for n in head_for(c["heads"][family], key)["features"]} & set(signals))
                results.append(line)
    return results


def print_results(results: list[dict], candidates: list[str]) -> None:
    import math

    def fmt(x):
        return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:+.3f}"

    for line in results:
        print(f"\n{line['dataset']} — {line['kind']}: {line['rows']} rows, {line['systems']} systems")
        print("| signal | 1: grouped τ | 2: per-system τ, per word | 3: system r |")
        print("|---|---|---|---|")
        for name, (v1, v2, v3) in line["scores"].items():
            bold = "**" if name in candidates else ""
            print(f"| {bold}{name}{bold} | {fmt(v1)} | {fmt(v2)} | {fmt(v3)} |")
        for name, r in line.get("corpus", {}).items():
            print(f"| {name} (system level) | | | {fmt(r)} |")
    print("\nWorst set per row kind: each candidate's quality minus the best single input it reads, and minus "
          "sentence chrF++, in views 1 and 2 (min over sets)")
    print("| row kind | candidate | sets | view 1 − best input | view 2 − best input | view 1 − chrF++ | "
          "view 2 − chrF++ |")
    print("|---|---|---|---|---|---|---|")
    for kind, name, worst, n in worst_margins(results, candidates):
        print(f"| {kind} | {name} | {n} | " + " | ".join(fmt(w) for w in worst) + " |")


def worst_margins(results: list[dict], candidates: list[str]):
    """(row kind, candidate, [view-1 and view-2 margins over the best input, then over chrF++], sets)."""
    import math

    by_kind: dict = {}
    for line in results:
        by_kind.setdefault(line["kind"], []).append(line)
    for kind, lines in by_kind.items():
        for name in candidates:
            worst = [math.inf] * 4
            for line in lines:
                q = line["scores"][name]
                singles = [v for n, v in line["scores"].items() if n in line["inputs"]]
                for view in (0, 1):
                    if singles:
                        worst[view] = min(worst[view], q[view] - max(s[view] for s in singles))
                    if "chrf" in line["scores"]:
                        worst[2 + view] = min(worst[2 + view], q[view] - line["scores"]["chrf"][view])
            yield kind, name, [w if w != math.inf else float("nan") for w in worst], len(lines)


def qe_view2(data: Path, candidates: dict) -> None:
    """View 2 on mqm-qe2022-wmt22 (one MT per source): global τ against mqm_norm."""
    import pandas as pd

    from fresh_check import row_features
    from mtcheck.evaluation.judgments import read_table
    from mtcheck.evaluation.metaeval import global_tau
    from mtcheck.quality.fusion import head_for, target_family

    frame = read_table(data / "mqm-qe2022-wmt22.tsv.gz")
    frame = frame[frame["score_kind"] == "mqm_norm"].assign(system="qe2022")
    frame = frame.assign(has_ref=frame["ref"].str.strip() != "")
    names = list(candidates)
    print("\nmqm-qe2022-wmt22 (view 2: global τ against mqm_norm; one MT per source)")
    print("| set | rows | row kind | chrF++ | BLEU | −log MT length | best input | " + " | ".join(names) + " |")
    print("|---|---|---|---|---|---|---|" + "---|" * len(names))
    for (lp, domain, has_ref), part in frame.groupby(["lp", "domain", "has_ref"], sort=True):
        if len(part) < 100:
            continue
        target = lp.split("-")[1]
        family = target_family(target)
        feats = row_features(part, target).add_prefix("f_")
        rows = pd.concat([part.reset_index(drop=True), feats.reset_index(drop=True)], axis=1)
        score = rows["score"].to_numpy(dtype=float)
        kinds = (["ref+src"] + (["ref+src+lmref"] if family == "en" else [])) if has_ref else \
            (["src+fluency"] if family == "en" else ["src"])

        def g(x):
            return f"{global_tau(x, -score):+.3f}"
        for key in kinds:
            inputs = sorted({n for c in candidates.values() for n in head_for(c["heads"][family], key)["features"]})
            singles = {n: global_tau(oriented(rows, n), -score) for n in inputs if rows[f"f_{n}"].notna().all()}
            best = max(singles.items(), key=lambda kv: kv[1]) if singles else ("–", float("nan"))
            chrf = g(rows["f_chrf"].to_numpy(dtype=float)) if has_ref else "–"
            bleu = g(rows["f_bleu"].to_numpy(dtype=float)) if has_ref else "–"
            qs = [g(run_quality(rows, key, params, target)) for params in candidates.values()]
            print(f"| {lp} {domain} | {len(rows)} | {key} | {chrf} | {bleu} | {g(-rows['f_mt_len'].to_numpy())} | "
                  f"{best[0]} {best[1]:+.3f} | " + " | ".join(qs) + " |", flush=True)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--fluency-sources", type=int, default=250)
    parser.add_argument("--lmref-sources", type=int, default=250)
    parser.add_argument("--no-qe", action="store_true", help="leave out mqm-qe2022-wmt22 (it runs the LM, minutes)")
    parser.add_argument("--compare", type=Path, action="append", default=[],
                        help="another parameter file (fusion.json) to score beside the shipped one")
    parser.add_argument("--sets", choices=("held", "train"), default="held",
                        help="report on the held-out test sets (default), or on the training ones (to choose by)")
    args = parser.parse_args(argv)

    from mtcheck.errors import MtcheckError
    from mtcheck.evaluation.judgments import load_mqm_tables
    from mtcheck.quality.fusion import load_params
    from train_quality import feature_table

    try:
        rows = load_mqm_tables(args.data)
    except MtcheckError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    table = feature_table(rows, args.fluency_sources, args.lmref_sources, args.data)
    params = load_params()
    candidates = {f"quality ({params['version']})": params}
    for extra in args.compare:
        other = json.loads(extra.read_text(encoding="utf-8"))
        candidates[f"quality ({other['version']})"] = other
    if not params.get("equal_weight"):
        candidates["quality (equal weights)"] = equal_params(table)
    held = args.sets == "held"
    print(f"{'held-out' if held else 'training'} sets: "
          f"{', '.join(sorted(table.loc[table['held_out'] == held, 'dataset'].unique()))}")
    print_results(evaluate(table, candidates, held), list(candidates))
    if not args.no_qe and held:
        qe_view2(args.data, candidates)
    return 0


if __name__ == "__main__":
    sys.exit(main())
