"""Train the error-span tagger (training/span_tagger.py) on raters' MQM spans, and print its evaluation.

    .venv/bin/python training/train_spans.py [--data ../shared/data/judgments] [--draws 20] [--out TAGGER.json]

It is measured, not shipped (docs/quality.md "Error spans"); --out writes the fitted tagger for study.

1. Rows: the multi-system MQM tables that have a span file (mtcheck/evaluation/judgments.py), rows with a
   reference only (the tagger's evidence). Gold per row: the union of the MT characters any
   rater marked. A word is positive when a rater marked any of its characters.
   Held out, whole test sets, as for the quality model (judgments.HELD_OUT): WMT23 zh-en and
   en-de, WMT21 news en-de. Nothing below is chosen on them.
2. Model: L2 logistic regression over span_tagger.FEATURES. C and the marking threshold are
   chosen by leave-one-test-set-out over the training sets: the pair with the best mean
   character F1 on the left-out set. Then one fit on every training row.
3. Evaluation on each held-out set, micro-averaged over characters: the tagger; a random
   placement of spans of the same lengths in the same rows (mean of --draws seeded draws: the
   issue's baseline); the untrained rule "every word the reference lacks"; the whole segment.

The same data gives the same parameters (lbfgs from zeros; no random step). Bad input is a
one-line error naming the file.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

C_GRID = (0.01, 0.1, 1.0)
THRESHOLDS = tuple(round(0.05 * k, 2) for k in range(2, 16))  # 0.10 .. 0.75
VERSION = "mqm-spans-1"


def span_rows(folder: Path):
    """Judgment rows with a reference from tables that have a span file, each with its gold offsets."""
    import pandas as pd

    from mtcheck.evaluation.judgments import load_mqm_tables, marked_characters

    rows = load_mqm_tables(folder)
    rows = rows[rows["ref"].str.strip() != ""]
    parts = []
    for table, frame in rows.groupby("table", sort=True):
        marks = marked_characters(Path(folder) / f"{table}-spans.tsv.gz")
        keys = zip(frame["lp"], frame["system"], frame["doc_id"], frame["seg_id"])
        parts.append(frame.assign(gold=[marks.get(k, set()) for k in keys]))
    rows = pd.concat(parts) if parts else rows.assign(gold=[])
    # A test set with no span file, or whose span file marks nothing in its rows, cannot train or test a tagger.
    marked = rows.groupby("dataset")["gold"].apply(lambda g: sum(bool(x) for x in g))
    rows = rows[rows["dataset"].map(marked) > 0]
    return rows.reset_index(drop=True)


def featurise(rows):
    """Per row: its feature matrix, its words, and the word labels."""
    import numpy as np

    from span_tagger import word_features

    out = []
    for mt, ref, src, gold in zip(rows["mt"], rows["ref"], rows["src"], rows["gold"]):
        x, toks = word_features(mt, ref, src)
        y = np.array([any(c in gold for c in range(a, b)) for a, b, _ in toks], dtype=int)
        out.append((x, toks, y))
    return out


def fit(feats, c: float) -> dict:
    import numpy as np
    from sklearn.linear_model import LogisticRegression

    x = np.vstack([f[0] for f in feats if len(f[1])])
    y = np.concatenate([f[2] for f in feats if len(f[1])])
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    model = LogisticRegression(C=c, max_iter=2000).fit((x - mean) / scale, y)
    return {"mean": mean.tolist(), "scale": scale.tolist(), "weights": model.coef_[0].tolist(),
            "intercept": float(model.intercept_[0])}


def predicted(feats, tagger: dict, threshold: float) -> list[set]:
    from span_tagger import join_marked, probabilities

    out = []
    for x, toks, _ in feats:
        if not toks:
            out.append(set())
            continue
        spans = join_marked(toks, probabilities(tagger, x) >= threshold)
        out.append({c for a, b in spans for c in range(a, b)})
    return out


def f1(pred: list[set], gold: list[set]) -> tuple[float, float, float]:
    hit = sum(len(p & g) for p, g in zip(pred, gold))
    n_pred, n_gold = sum(len(p) for p in pred), sum(len(g) for g in gold)
    precision = hit / n_pred if n_pred else 0.0
    recall = hit / n_gold if n_gold else 0.0
    return precision, recall, (2 * precision * recall / (precision + recall) if hit else 0.0)


def runs(chars: set) -> list[int]:
    """Lengths of the contiguous runs of a character set."""
    out, prev = [], None
    for c in sorted(chars):
        if prev is not None and c == prev + 1:
            out[-1] += 1
        else:
            out.append(1)
        prev = c
    return out


def random_placement(pred: list[set], lengths: list[int], rng) -> list[set]:
    """The same span lengths in the same rows, each placed at a uniformly random start."""
    out = []
    for p, n in zip(pred, lengths):
        chars: set = set()
        for width in runs(p):
            width = min(width, n)
            start = int(rng.integers(0, n - width + 1))
            chars.update(range(start, start + width))
        out.append(chars)
    return out


def choose(train) -> tuple[float, float, dict]:
    """(C, threshold) by leave-one-test-set-out mean character F1 over the training sets."""
    import numpy as np

    names = sorted(set(train["dataset"]))
    feats = train["feats"].tolist()
    gold = train["gold"].tolist()
    scores = {}
    for c in C_GRID:
        per_set = {t: [] for t in THRESHOLDS}
        for name in names:
            held = (train["dataset"] == name).to_numpy()
            tagger = fit([f for f, h in zip(feats, held) if not h], c)
            sub = [f for f, h in zip(feats, held) if h]
            sub_gold = [g for g, h in zip(gold, held) if h]
            for t in THRESHOLDS:
                per_set[t].append(f1(predicted(sub, tagger, t), sub_gold)[2])
        for t in THRESHOLDS:
            scores[(c, t)] = float(np.mean(per_set[t]))
    best = max(scores, key=lambda k: (scores[k], -k[0]))
    return best[0], best[1], scores


def evaluate(rows, tagger: dict, threshold: float, draws: int) -> list[dict]:
    import numpy as np

    from span_tagger import FEATURES, join_marked

    results = []
    for dataset, sub in rows.groupby("dataset", sort=True):
        feats, gold = sub["feats"].tolist(), sub["gold"].tolist()
        lengths = sub["mt"].str.len().tolist()
        pred = predicted(feats, tagger, threshold)
        figures = {"tagger": f1(pred, gold)}
        rand = [f1(random_placement(pred, lengths, np.random.default_rng(seed)), gold) for seed in range(draws)]
        figures["random, same span lengths"] = tuple(float(np.mean([d[k] for d in rand])) for k in range(3))
        in_ref = FEATURES.index("in_ref")
        rule = [{c for a, b in join_marked(toks, x[:, in_ref] == 0) for c in range(a, b)} if toks else set()
                for x, toks, _ in feats]
        figures["every word the reference lacks"] = f1(rule, gold)
        figures["whole segment"] = f1([set(range(n)) for n in lengths], gold)
        results.append({"dataset": dataset, "rows": len(sub), "marked_rows": int(sum(bool(g) for g in gold)),
                        "pred_chars": float(np.mean([len(p) for p in pred])),
                        "gold_share": sum(len(g) for g in gold) / max(sum(lengths), 1), "figures": figures})
    return results


def print_results(results: list[dict]) -> None:
    print("\n| held-out test set | spans | precision | recall | F1 | F1 ÷ random |")
    print("|---|---|---|---|---|---|")
    for res in results:
        rand = res["figures"]["random, same span lengths"][2]
        for name, (p, r, f) in res["figures"].items():
            ratio = f"{f / rand:.2f}×" if rand else "–"
            label = (f"{res['dataset']} ({res['rows']} rows, {res['marked_rows']} with a marked span, "
                     f"raters mark {res['gold_share']:.0%} of characters)" if name == "tagger" else "")
            print(f"| {label} | {name} | {p:.3f} | {r:.3f} | {f:.3f} | {ratio} |")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--out", type=Path, help="write the fitted tagger here (JSON)")
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args(argv)

    from mtcheck.errors import MtcheckError
    from span_tagger import FEATURES

    t0 = time.perf_counter()
    try:
        rows = span_rows(args.data)
        if rows.empty or rows["held_out"].all() or not rows["held_out"].any():
            raise MtcheckError("the split leaves no training or no held-out rows with a span file and a reference",
                               path=str(args.data))
    except MtcheckError as exc:
        print(f"error: {exc.one_line()}", file=sys.stderr)
        return 2
    rows["feats"] = featurise(rows)
    train, held = rows[~rows["held_out"]], rows[rows["held_out"]]
    print(f"{len(rows)} rows with a reference and a span file ({time.perf_counter() - t0:.0f} s); "
          f"training sets: {', '.join(sorted(set(train['dataset'])))}; "
          f"held out: {', '.join(sorted(set(held['dataset'])))}", flush=True)
    c, threshold, scores = choose(train)
    print(f"chosen by leave-one-test-set-out: C {c}, threshold {threshold} "
          f"(mean left-out F1 {scores[(c, threshold)]:.3f})", flush=True)
    tagger = fit(train["feats"].tolist(), c)
    for name, w in sorted(zip(FEATURES, tagger["weights"]), key=lambda p: -abs(p[1])):
        print(f"  {name:20s} {w:+.3f}")
    print_results(evaluate(held, tagger, threshold, args.draws))
    if args.out:
        rounded = {k: [round(v, 6) for v in tagger[k]] for k in ("mean", "scale", "weights")}
        params = {"version": VERSION, "features": FEATURES, **rounded, "intercept": round(tagger["intercept"], 6),
                  "threshold": threshold, "c": c, "fitted_on": sorted(set(train["dataset"])),
                  "held_out": sorted(set(held["dataset"])), "train_rows": int(len(train))}
        args.out.write_text(json.dumps(params, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
