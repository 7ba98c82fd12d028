"""Character-level span F1 of the fluency scorer's least likely span against raters' MQM error spans.

    .venv/bin/python benchmarks/bench_spans.py [--data ../shared/data/judgments] [--sources 250] [--draws 20]

Rows: the held-out WMT23 zh-en MQM test set (mtcheck/evaluation/judgments.py HELD_OUT),
the same 250 source segments that training/train_quality.py gives fluency
features (so their scores are already in the persistent score cache after a
training run), every MT system. Gold: the union of the character ranges that
raters marked in the MT (span files; errors with no MT span, such as
omissions, have none). Predicted: `fluency_span`, the three-token window that
falls furthest below fluent English at those positions.

Figures, micro-averaged over characters:

* over the rows that have a marked span (is the span in the right place?);
* over the rows the fluency score puts in its lowest decile (what an editor sees first);
* each beside a random window of the same length in the same segment (mean of --draws seeded draws)
  and beside the whole segment as the "span".
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))


def random_windows(pred: list[set], lengths: list[int], rng) -> list[set]:
    out = []
    for p, n in zip(pred, lengths):
        width = min(len(p), n)
        start = int(rng.integers(0, n - width + 1)) if n > width else 0
        out.append(set(range(start, start + width)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--sources", type=int, default=250)
    parser.add_argument("--draws", type=int, default=20)
    args = parser.parse_args()

    import numpy as np

    from mtcheck import schema as S
    from mtcheck.evaluation.judgments import load_mqm_tables, marked_characters
    from mtcheck.scorers import ScoreContext, get
    from train_quality import fluency_sample
    from train_spans import f1

    rows = load_mqm_tables(args.data, ("mqm-google-wmt23",))
    rows = rows[rows["dataset"] == "mqm-google-wmt23/zh-en"]
    rows = rows[rows["key"].isin(fluency_sample(rows["key"], args.sources))].reset_index(drop=True)
    flu = get("fluency")(rows[["src", "mt", "ref"]], ScoreContext(target_lang="en", fluency="on")).columns
    pred = []
    for span in flu[S.FLUENCY_SPAN].fillna(""):
        a, _, b = str(span).partition(":")
        pred.append(set(range(int(a), int(b))) if a and b else set())
    marks = marked_characters(args.data / "mqm-google-wmt23-spans.tsv.gz")
    gold = [marks.get(k, set()) for k in zip(rows["lp"], rows["system"], rows["doc_id"], rows["seg_id"])]
    lengths = rows["mt"].str.len().tolist()
    whole = [set(range(n)) for n in lengths]
    adj = flu[S.FLUENCY_ADJ].to_numpy(dtype=float)
    lowest = adj <= np.nanquantile(adj, 0.1)
    marked = np.array([bool(g) for g in gold])
    print(f"{len(rows)} rows of {rows['key'].nunique()} sources; {int(marked.sum())} with a marked MT span; "
          f"mean predicted span {np.mean([len(p) for p in pred]):.1f} characters of {np.mean(lengths):.0f}")
    print("| rows | span | precision | recall | F1 |")
    print("|---|---|---|---|---|")
    for label, mask in (("with a marked span", marked), ("lowest fluency decile", lowest)):
        idx = np.flatnonzero(mask)
        sel = lambda xs: [xs[i] for i in idx]  # noqa: E731
        p, r, f = f1(sel(pred), sel(gold))
        print(f"| {label} ({len(idx)}) | fluency_span | {p:.3f} | {r:.3f} | {f:.3f} |")
        draws = [f1(random_windows(sel(pred), sel(lengths), np.random.default_rng(seed)), sel(gold))
                 for seed in range(args.draws)]
        p, r, f = (float(np.mean([d[k] for d in draws])) for k in range(3))
        print(f"| | random window, same length ({args.draws} draws) | {p:.3f} | {r:.3f} | {f:.3f} |")
        p, r, f = f1(sel(whole), sel(gold))
        print(f"| | whole segment | {p:.3f} | {r:.3f} | {f:.3f} |")


if __name__ == "__main__":
    main()
