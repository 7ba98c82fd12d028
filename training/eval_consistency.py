"""Precision and recall of `inconsistent-translation` (mtcheck/checks/consistency.py) on real XLIFF with injected errors.

    .venv/bin/python training/eval_consistency.py [--folder tests/data/xliff-wild] [--seed 13]

Real files: Symfony's validator messages (`*validators.*.xlf` in `--folder`; docs/checks.md's figures on all
56 languages come from a clone of github.com/symfony/validator, `Resources/translations`, given as
`--folder`). Each language file is one document.

Injected, per file (seeded), as a translator or a merge of two translation memories does it:

* `same source, another translation`: a unit is repeated (same source) with the translation of another
  unit of the file: flagged if either copy is flagged;
* `another source, same translation`: a unit is repeated with the source of another unit and its own
  translation.

Each injection is checked on its own copy of the file. Recall is the share of injected units flagged;
precision is the flags on the injected pair over all flags that appear beyond the file's own (those of
the untouched file, printed first and read: docs/checks.md "Consistency").
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

CHECK = "inconsistent-translation"


def flagged(frame) -> set:
    from mtcheck.checks import CheckContext, run_checks

    return {index for index, _ in run_checks(frame, [CHECK], ctx=CheckContext(target_lang="en"))}


def main(argv=None) -> int:
    import pandas as pd

    from eval_placeholders import load

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "tests" / "data" / "xliff-wild")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--per-file", type=int, default=20, help="injections of each kind per file")
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    frame = load(args.folder)
    frame["doc_id"] = frame["lang"]
    own = 0
    counts = {kind: [0, 0, 0] for kind in ("same source, another translation", "another source, same translation")}
    for lang, part in frame.groupby("lang", sort=True):
        part = part[["doc_id", "seg_id", "src", "mt"]].reset_index(drop=True)
        base = flagged(part)
        own += len(base)
        for kind, tally in counts.items():
            for _ in range(args.per_file):
                a, b = rng.sample(range(len(part)), 2)
                if part.at[a, "mt"].strip().lower() == part.at[b, "mt"].strip().lower() or \
                        part.at[a, "src"].strip().lower() == part.at[b, "src"].strip().lower():
                    continue
                extra = part.loc[[a]].copy()
                extra["seg_id"] = "injected"
                if kind.startswith("same source"):
                    extra["mt"] = part.at[b, "mt"]
                else:
                    extra["src"] = part.at[b, "src"]
                test = pd.concat([part, extra], ignore_index=True)
                hits = flagged(test) - base
                pair = {a, len(part)} if kind.startswith("same source") else {b, len(part)}
                tally[0] += 1
                tally[1] += bool(hits & pair)
                tally[2] += len(hits - pair)
    print(f"{frame['lang'].nunique()} files, {len(frame)} units; flagged as they are: {own}")
    print("| injected | cases | flagged (recall) | precision (other new flags) |")
    print("|---|---|---|---|")
    for kind, (n, hit, other) in counts.items():
        print(f"| {kind} | {n} | {hit} ({hit / max(1, n):.1%}) | {hit / max(1, hit + other):.1%} ({other}) |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
