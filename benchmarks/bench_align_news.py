"""Alignment on real news documents (issue 15): strict bead F1 per bead kind.

    .venv/bin/python benchmarks/bench_align_news.py [--split tune|test|both] [--errors N]

Test construction. A case is 14 news documents of one MT system, drawn at
random, concatenated into one MT file and one reference file, as a user would
bring them; then lines are merged, split and dropped at random places
(`mtcheck.evaluation.alignment_cases`), with the rates below, and the gold beads follow.

The documents: WMT21 newstest zh-en (51 documents) and the WMT23 news
documents, zh-en (doc ids of news sites) and he-en (doc ids ending in .news).
The WMT23 documents are split by doc id, alternately in sorted order.

* tune: WMT21 zh-en and the first half of each WMT23 set, seeds 1-12. The
  aligner's constants and changes were chosen by looking at these cases only.
* test: the other half of each WMT23 set, seeds 201-205: documents and seeds
  not looked at while tuning. (Seeds 101-105 of these documents were scored
  once, midway, after a first tuning on seeds 1-3 only: 0.946. Nothing was
  chosen from their errors, but the second round of tuning followed that
  figure; `--seeds 101-105` gives them again.)

`--speed` times `mtcheck align` on a 1,000-sentence document pair (news MT
of several systems, perturbed as above) in fresh processes: cold (a new score
cache each run, so the encoder runs) and warm (the vectors cached). With
`--baseline DIR`, a checkout of an earlier commit is timed in the same runs,
alternating, and the ratios are printed: that is how "within 1.2x of today's
speed" is measured (git worktree add /tmp/before <commit>).

The MT <-> reference encoder is the one `mtcheck check --align` uses for English
targets (all-MiniLM-L6-v2). "old costs" is the program before issue 15 (the
cross-lingual costs, no shared words), and the Gale-Church program is the
length-only baseline, on the same cases. `--errors N` prints N wrong beads of the tune split
with their costs, for diagnosis.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import sys
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
JUDGMENTS = ROOT.parent / "shared" / "data" / "judgments"

# Issue 15 saw about 15% of reference lines merged with a neighbour and 5% of MT
# lines dropped; the other kinds are added so that every bead kind is present.
RATES = dict(merge_ref=0.15, drop_mt=0.05, merge_mt=0.05, split_mt=0.04, drop_ref=0.03)
TUNE_SETS = ("wmt21-news zh-en", "wmt23 zh-en news tune", "wmt23 he-en news tune")
TEST_SETS = ("wmt23 zh-en news test", "wmt23 he-en news test")
SEEDS = {"tune": range(1, 13), "test": range(201, 206)}
KINDS = ("1-1", "2-1", "1-2", "1-0", "0-1", "2-2")


def tables():
    import pandas as pd

    def read(name):
        return pd.read_csv(JUDGMENTS / f"{name}.tsv.gz", sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
                           keep_default_na=False)

    news21 = read("mqm-google-wmt21-news")
    wmt23 = read("mqm-google-wmt23")
    zh23 = wmt23[(wmt23.lp == "zh-en") & wmt23.doc_id.str.contains(r"\.", regex=True)]
    he23 = wmt23[(wmt23.lp == "he-en") & wmt23.doc_id.str.endswith(".news")]
    out = {"wmt21-news zh-en": news21[news21.lp == "zh-en"]}
    for name, frame in (("wmt23 zh-en news", zh23), ("wmt23 he-en news", he23)):
        ids = sorted(frame.doc_id.unique())
        out[f"{name} tune"] = frame[frame.doc_id.isin(ids[0::2])]
        out[f"{name} test"] = frame[frame.doc_id.isin(ids[1::2])]
    return out


def cases(split: str, frames, seeds=None):
    from mtcheck.evaluation.alignment_cases import Rates, news_case

    for name, seed in ((name, seed) for seed in (seeds or SEEDS[split])
                       for name in (TUNE_SETS if split == "tune" else TEST_SETS)):
        rng = random.Random(seed)
        docs, ref, mt, gold = news_case(frames[name], rng, Rates(**RATES))
        yield f"{name} seed {seed}", ref, mt, gold


def vectors(embedder, ref, mt):
    from mtcheck.models.embedders import encode_unique

    matrix, rows = encode_unique(embedder, ref + mt)
    return matrix[rows[:len(ref)]], matrix[rows[len(ref):]]


def show_errors(label, ref, mt, predicted, gold, limit):
    gold_set, pred_set = set(gold), set(predicted)
    wrong = [b for b in predicted if b not in gold_set]
    missed = [b for b in gold if b not in pred_set]
    print(f"\n{label}: {len(wrong)} wrong, {len(missed)} missed")
    for bead in wrong[:limit]:
        near = [g for g in gold if set(g[0]) & set(bead[0]) or set(g[1]) & set(bead[1])]
        print(f"  predicted {bead}  gold nearby {near}")
        for i in bead[0]:
            print(f"     R{i}: {ref[i][:110]}")
        for j in bead[1]:
            print(f"     M{j}: {mt[j][:110]}")


def speed_pair(frames, size: int = 1000):
    """A `size`-line news MT file and its perturbed reference, from several systems' documents."""
    from mtcheck.evaluation.alignment_cases import Rates, documents, perturb

    frame = frames["wmt21-news zh-en"]
    mt, ref = [], []
    for system in sorted(s for s in frame.system.unique() if not s.startswith("ref")):
        for _doc, m, r in documents(frame, system):
            mt += m
            ref += r
        if len(mt) > size * 1.2:
            break
    ref, mt, _gold = perturb(mt[:size], ref[:size], random.Random(5), Rates(**RATES))
    return ref, mt


def time_command(tree: Path, workdir: Path, cache: Path) -> float:
    import subprocess
    import time

    env = dict(os.environ, PYTHONPATH=str(tree), MTCHECK_CACHE_DIR=str(cache), HF_HUB_OFFLINE="1")
    out = workdir / "beads.tsv"
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "mtcheck", "align", "-t", str(workdir / "mt.txt"), "-r",
                    str(workdir / "ref.txt"), "-o", str(out), "--force"], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def speed(frames, baseline: Path | None, repeats: int) -> None:
    import statistics
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="mtcheck-align-speed-"))
    ref, mt = speed_pair(frames)
    (work / "ref.txt").write_text("\n".join(ref) + "\n", encoding="utf-8")
    (work / "mt.txt").write_text("\n".join(mt) + "\n", encoding="utf-8")
    trees = {"this tree": ROOT} | ({"baseline": baseline.resolve()} if baseline else {})
    times = {(name, mode): [] for name in trees for mode in ("cold", "warm")}
    for name, tree in trees.items():
        time_command(tree, work, work / f"warm-{name}")  # fills the warm cache
    for k in range(repeats):
        for name, tree in trees.items():
            times[name, "cold"].append(time_command(tree, work, work / f"cold-{name}-{k}"))
            times[name, "warm"].append(time_command(tree, work, work / f"warm-{name}"))
    print(f"\nmtcheck align on {len(ref)} reference and {len(mt)} MT lines, medians of {repeats} runs:")
    for mode in ("cold", "warm"):
        line = "  ".join(f"{name} {statistics.median(times[name, mode]):6.2f} s" for name in trees)
        ratio = (f"  ratio {statistics.median(times['this tree', mode]) / statistics.median(times['baseline', mode]):.2f}"
                 if baseline else "")
        print(f"  {mode} cache: {line}{ratio}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "test", "both"), default="both")
    parser.add_argument("--errors", type=int, default=0, help="print this many wrong beads per tune case")
    parser.add_argument("--seeds", help="seeds of the test split instead of 201-205, e.g. 101-105,201-205")
    parser.add_argument("--speed", action="store_true", help="time `mtcheck align` on 1,000 sentences instead")
    parser.add_argument("--baseline", type=Path, help="with --speed: a checkout of an earlier commit to compare")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    if args.speed:
        speed(tables(), args.baseline, args.repeats)
        return

    from mtcheck.align.beads import align_lengths, align_sentences
    from mtcheck.evaluation.alignment_cases import Tally, as_pairs
    from mtcheck.models.embedders import get_embedder

    embedder = get_embedder(None)
    frames = tables()
    splits = ("tune", "test") if args.split == "both" else (args.split,)
    print(f"rates: {RATES}")
    for split in splits:
        ours, old_costs, baseline = Tally(), Tally(), Tally()
        n_cases = 0
        seeds = None
        if args.seeds and split == "test":
            seeds = []
            for part in args.seeds.split(","):
                lo, _, hi = part.partition("-")
                seeds += range(int(lo), int(hi or lo) + 1)
        for label, ref, mt, gold in cases(split, frames, seeds):
            vecs = vectors(embedder, ref, mt)
            predicted = as_pairs(align_sentences(ref, mt, vectors=vecs, same_language=True))
            ours.add(predicted, gold)
            old_costs.add(as_pairs(align_sentences(ref, mt, vectors=vecs)), gold)
            one = Tally()
            one.add(predicted, gold)
            print(f"  {label:32s} {len(ref):4d} ref, {len(mt):4d} MT lines, strict F1 {one.scores()[2]:.3f}")
            baseline.add(as_pairs(align_lengths(ref, mt)), gold)
            n_cases += 1
            if args.errors and split == "tune":
                show_errors(label, ref, mt, predicted, gold, args.errors)
        print(f"\n{split}: {n_cases} cases, {sum(ours.gold.values())} gold beads "
              f"{dict((k, ours.gold.get(k, 0)) for k in KINDS if ours.gold.get(k))}")
        print(f"  {'method':12s} {'kind':5s} {'pred':>5s} {'gold':>5s} {'P':>6s} {'R':>6s} {'F1':>6s}")
        for name, tally in (("mtcheck", ours), ("old costs", old_costs), ("gale-church", baseline)):
            for which in (None, *KINDS):
                if which and not (tally.gold.get(which) or tally.predicted.get(which)):
                    continue
                p, r, f = tally.scores(which)
                n_pred = tally.predicted.get(which, 0) if which else sum(tally.predicted.values())
                n_gold = tally.gold.get(which, 0) if which else sum(tally.gold.values())
                print(f"  {name:12s} {which or 'all':5s} {n_pred:5d} {n_gold:5d} {p:6.3f} {r:6.3f} {f:6.3f}")
                if name != "mtcheck":
                    break


if __name__ == "__main__":
    main()
