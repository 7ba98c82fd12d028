"""How well `quality` agrees with MQM on the held-back split, and what a 10k-segment check costs.

    .venv/bin/python benchmarks/bench_quality.py [--mqm ../shared/data/mqm] [--speed-rows 10000]

Agreement. For ted-zh-en and ted-en-de, the held-back 40% of source segments
(mtcheck.evaluation.metaeval: split by segment, never seen by the fit of the shipped
heads) are checked three ways with `mtcheck.check`. Heads trained by
training/train_quality.py include the TED rows of shared/data/judgments, so for
those this TED split is in-sample; that script prints its own held-out table.
The runs:

* src+ref: source and reference, default signals;
* src only: the reference column removed (the fluency model runs, as it does
  by default on rows without a reference);
* MT only: source and reference removed;
* src+ref with --lm-ref (English targets): the reference-conditioned
  language-model score added.

Each is reported beside sentence chrF++ *with* the reference on the same rows:
item-grouped Kendall tau (WMT23), global tau, ROC AUC of Major-error segments
against error-free ones, and system-level Pearson. For the reference-free run
it also reports the AUC for segments with a Major *Fluency* error, and how
often a flagged span overlaps a rater's error span, beside the overlap that
spans of the same length at random places in the same segments reach.

Speed. --speed-rows rows of ted-zh-en with source and reference (cycled, every
text made distinct by a row number), timed twice in one process with the models already
loaded: encoding every distinct text once with MiniLM (the baseline), then the
whole `check` with default signals (vector caches cleared). Prints both and
the ratio (target: at most 1.5x).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAIRS = {"ted-zh-en.tsv": "en", "ted-en-de.tsv": "de"}


def rater_spans(mt: str, errors: str) -> list[tuple[int, int]]:
    """Character spans of the raters' error texts found in `mt` (first occurrence each)."""
    spans = []
    for item in filter(None, (e.strip() for e in (errors or "").split(" ; "))):
        parts = item.split("|", 2)
        if len(parts) == 3 and parts[2].strip():
            at = mt.find(parts[2].strip())
            if at >= 0:
                spans.append((at, at + len(parts[2].strip())))
    return spans


def span_overlap(result_findings, frame, seed: int = 5) -> tuple[float, float, int]:
    """(share of finding spans overlapping a rater span, same for random spans of equal length, count)."""
    import random

    rng = random.Random(seed)
    hits = base = total = 0
    for index, finding in result_findings:
        mt = frame.at[index, "mt"]
        spans = rater_spans(mt, frame.at[index, "errors"])
        if finding.end <= finding.start or finding.end - finding.start >= len(mt):
            continue  # whole-segment findings say nothing about where
        total += 1
        hits += any(a < finding.end and finding.start < b for a, b in spans)
        width = finding.end - finding.start
        start = rng.randrange(0, max(1, len(mt) - width + 1))
        base += any(a < start + width and start < b for a, b in spans)
    return (hits / total if total else float("nan")), (base / total if total else float("nan")), total


def agreement(mqm_dir: Path) -> None:
    import pandas as pd

    from mtcheck.evaluation.metaeval import load_mqm, meta_scores, roc_auc
    from mtcheck.pipeline import CheckOptions, run

    for name, target in PAIRS.items():
        frame = load_mqm(mqm_dir / name)
        held = frame[frame["held_out"]].reset_index(drop=True)
        print(f"\n{name}: held-out {len(held)} rows, {held['key'].nunique()} source segments")
        table = held[["doc_id", "seg_id", "system", "src", "mt", "ref"]]
        lines = []
        runs = {}
        conditions = [("src only", ["ref"], False), ("MT only", ["src", "ref"], False), ("src+ref", [], False)]
        if target == "en":  # the language model is English: --lm-ref does nothing for other targets
            conditions.append(("src+ref, --lm-ref", [], True))
        for label, drop, lm_ref in conditions:
            t0 = time.perf_counter()
            runs[label] = run(options=CheckOptions(target_lang=target, lm_ref=lm_ref), frame=table.drop(columns=drop))
            print(f"  {label}: checked in {time.perf_counter() - t0:.0f} s", flush=True)
        scored = held.copy()
        scored["chrf"] = runs["src+ref"].segments["chrf"].to_numpy()
        lines.append(("sentence chrF++ (with ref)", meta_scores(scored, "chrf")))
        if "src+ref, --lm-ref" in runs:
            scored["lm_ref_lp"] = runs["src+ref, --lm-ref"].segments["lm_ref_lp"].to_numpy()
            lines.append(("lm_ref_lp alone (with ref)", meta_scores(scored, "lm_ref_lp")))
        for label in [c[0] for c in conditions]:
            scored[label] = runs[label].segments["quality"].to_numpy()
            lines.append((f"mtcheck quality, {label}", meta_scores(scored, label)))
        print(f"  {'metric':40} {'grouped tau':>11} {'global tau':>10} {'AUC major':>9} {'sys r':>6}")
        for label, m in lines:
            print(f"  {label:40} {m['grouped_tau']:>+11.4f} {m['global_tau']:>+10.4f} {m['auc_major']:>9.3f} "
                  f"{m['system_pearson']:>+6.3f}")
        chrf_tau = lines[0][1]["grouped_tau"]
        by_label = dict(lines)
        if "mtcheck quality, src+ref, --lm-ref" in by_label:
            print(f"  target with --lm-ref: "
                  f"{by_label['mtcheck quality, src+ref, --lm-ref']['grouped_tau'] - chrf_tau:+.4f} over chrF++")
        print(f"  targets: src+ref {by_label['mtcheck quality, src+ref']['grouped_tau'] - chrf_tau:+.4f} over chrF++ "
              f"(want >= +0.05); src only {by_label['mtcheck quality, src only']['grouped_tau'] - chrf_tau:+.4f} "
              f"(want >= 0)")
        free = runs["MT only"]
        error_free = scored["mqm"] == 0
        for label in ("MT only", "src only"):
            auc = roc_auc(scored[label], scored["has_major_fluency"], error_free)
            print(f"  AUC, Major Fluency vs error-free, {label}: {auc:.3f} "
                  f"({int(scored['has_major_fluency'].sum())} vs {int(error_free.sum())} segments)")
        hit, base, n = span_overlap(free.findings, held)
        print(f"  flagged spans overlapping a rater span (MT only): {hit:.1%} of {n}; random spans of the same "
              f"length: {base:.1%}")
        flagged = pd.Series(free.segments["flagged"].to_numpy())
        print(f"  MT only: {flagged.mean():.1%} of rows flagged; mean MQM flagged "
              f"{held.loc[flagged.to_numpy(), 'mqm'].mean():.2f} vs not {held.loc[~flagged.to_numpy(), 'mqm'].mean():.2f}")


def speed(mqm_dir: Path, rows: int) -> None:
    import mtcheck.models.embedders as E
    from mtcheck.evaluation.metaeval import load_mqm
    from mtcheck.pipeline import CheckOptions, run

    frame = load_mqm(mqm_dir / "ted-zh-en.tsv")
    reps = [frame.iloc[k % len(frame)] for k in range(rows)]
    import pandas as pd

    table = pd.DataFrame({"doc_id": [r["doc_id"] for r in reps], "seg_id": [r["seg_id"] for r in reps],
                          "system": [r["system"] for r in reps]})
    for col in ("src", "mt", "ref"):
        # Every text distinct (as in a corpus of 10,000 different sentences), so no encoder or
        # cache gets a repeat for free: the MQM tables repeat each source and reference per system.
        table[col] = [f"{r[col]} ({k})" for k, r in enumerate(reps)]
    minilm = E.get_embedder(None)
    minilm.load()
    E.get_embedder("use").load()
    texts = list(dict.fromkeys(table["src"].tolist() + table["mt"].tolist() + table["ref"].tolist()))
    E._VECTORS.clear()
    t0 = time.perf_counter()
    minilm.encode(texts)
    baseline = time.perf_counter() - t0
    E._VECTORS.clear()
    t0 = time.perf_counter()
    result = run(options=CheckOptions(target_lang="en", cache=False), frame=table)
    whole = time.perf_counter() - t0
    print(f"\nspeed on {rows} zh-en rows with source and reference ({len(texts)} distinct texts):")
    print(f"  baseline, MiniLM encoding every text once: {baseline:.1f} s")
    print(f"  mtcheck check, default signals:            {whole:.1f} s  -> {whole / baseline:.2f}x (target <= 1.5x)")
    stages = ", ".join(f"{k} {v:.1f} s" for k, v in result.summary["timings_s"].items() if v >= 0.5)
    print(f"  stages: {stages}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mqm", type=Path, default=ROOT.parent / "shared" / "data" / "mqm")
    parser.add_argument("--speed-rows", type=int, default=10_000, help="0 skips the speed part")
    parser.add_argument("--skip-agreement", action="store_true")
    args = parser.parse_args()
    if not args.skip_agreement:
        agreement(args.mqm)
    if args.speed_rows:
        speed(args.mqm, args.speed_rows)


if __name__ == "__main__":
    main()
