"""Precision and recall of the `whitespace` check (mtcheck/checks/whitespace.py) on real strings with injected errors.

    .venv/bin/python training/eval_whitespace.py [--folder tests/data/xliff-wild] [--data ../shared/data/judgments]

Real files as in training/eval_placeholders.py (Symfony's validator messages; the figures in docs/checks.md
are on all 56 languages). Printed: the units flagged as they are (each is read), the MQM rows and human
references flagged, and per injected kind (one per unit, seeded): `lead` (a space before the text),
`trail` (a space after it), `double` (one space made two), recall and precision against the untouched
copies of the same units.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))


def flagged(frame) -> set:
    from mtcheck.checks import CheckContext, run_checks

    return {i for i, _ in run_checks(frame[["src", "mt"]], ["whitespace"], ctx=CheckContext(target_lang="en"))}


def inject(text: str, kind: str, rng: random.Random) -> str | None:
    if kind == "lead":
        return " " + text
    if kind == "trail":
        return text + " "
    spaces = [i for i, ch in enumerate(text) if ch == " " and 0 < i < len(text) - 1 and text[i - 1] != " "
              and text[i + 1] != " "]
    if not spaces:
        return None
    at = rng.choice(spaces)
    return text[:at] + " " + text[at:]


def main(argv=None) -> int:
    import pandas as pd

    from eval_placeholders import load
    from mtcheck.evaluation.judgments import load_mqm_tables

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "tests" / "data" / "xliff-wild")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    frame = load(args.folder).reset_index(drop=True)
    hits = flagged(frame)
    print(f"{frame['lang'].nunique()} languages, {len(frame)} units; flagged as they are: {len(hits)}")
    for i in sorted(hits):
        print(f"  [{frame.at[i, 'lang']} {frame.at[i, 'seg_id']}] {frame.at[i, 'mt'][-60:]!r}")
    mqm = load_mqm_tables(args.data).reset_index(drop=True)
    refs = mqm[["src", "ref"]].rename(columns={"ref": "mt"})
    refs = refs[refs["mt"].str.strip() != ""].drop_duplicates().reset_index(drop=True)
    print(f"MQM MT rows flagged: {len(flagged(mqm))} of {len(mqm)}; human references: {len(flagged(refs))} of "
          f"{len(refs)}")
    clean = frame.drop(index=list(hits)).reset_index(drop=True)
    rng = random.Random(args.seed)
    print("| injected | units | flagged (recall) | precision against the untouched copies |")
    print("|---|---|---|---|")
    for kind in ("lead", "trail", "double"):
        rows = []
        for src, mt in zip(clean["src"], clean["mt"]):
            bad = inject(mt, kind, rng)
            if bad is not None:
                rows += [{"src": src, "mt": bad, "injected": True}, {"src": src, "mt": mt, "injected": False}]
        test = pd.DataFrame(rows)
        hit = test.index.isin(list(flagged(test)))
        tp, fp, n = int((hit & test["injected"]).sum()), int((hit & ~test["injected"]).sum()), int(test["injected"].sum())
        print(f"| {kind} | {n} | {tp} ({tp / n:.1%}) | {tp / max(1, tp + fp):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
