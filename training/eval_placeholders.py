"""Precision and recall of `placeholder-mismatch` (mtcheck/checks/placeholders.py) on real XLIFF with injected errors.

    .venv/bin/python training/eval_placeholders.py [--folder tests/data/xliff-wild] [--seed 13]

Real files: every `*validators.*.xlf` in `--folder`. The figures in docs/checks.md are on Symfony's validator messages
in all their languages: `git -C <a clone of github.com/symfony/validator> archive HEAD Resources/translations`
(commit 370b9375, MIT), unpacked and given as `--folder`; tests/data/xliff-wild holds five of them.

1. **Flags on the files as they are.** Every unit with a source and a target is checked. What fires is
   printed: a flag on an untouched file is either a real error of that file (a broken `{{ limit }`) or
   a false alarm, and the printed rows were read to tell which (docs/checks.md gives the count).
2. **Injected errors**, one per unit, on the units whose source has a placeholder and whose target the
   check passes as it is (seeded): `drop` deletes one placeholder from the target; `rename` changes its
   name as a translator who translated it would (`{{ limit }}` -> `{{ limite }}`, `%count%` ->
   `%counte%`); `break` deletes its last character (`{{ limit }`). Recall is the share of injected units
   flagged; precision is flagged injected units over all flagged units among the injected and the
   untouched copies of the same units.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def load(folder: Path):
    import pandas as pd

    from mtcheck.io.xliff import read_xliff

    frames = []
    # Symfony's validator messages only (validators.LANG.xlf; the folder holds other producers' files too)
    for path in sorted(folder.glob("*validators.*.xlf")):
        frame = read_xliff(path)
        frame["lang"] = frame["target_lang"].where(frame["target_lang"] != "", path.stem.split(".")[-1])
        frames.append(frame[(frame["src"].str.strip() != "") & (frame["mt"].str.strip() != "")])
    return pd.concat(frames, ignore_index=True)


def flags(frame) -> list[bool]:
    from mtcheck.checks import CheckContext, run_checks

    found = run_checks(frame[["src", "mt"]], ["placeholder-mismatch"], ctx=CheckContext(target_lang="en"))
    hit = {index for index, _ in found}
    return [i in hit for i in frame.index]


def inject(mt: str, src: str, kind: str, rng: random.Random) -> str | None:
    from mtcheck.checks.placeholders import tokens

    found = [m for m in tokens(mt) if m.group(0) in {t.group(0) for t in tokens(src)}]
    if not found:
        return None
    m = rng.choice(found)
    token = m.group(0)
    if kind == "drop":
        new = ""
    elif kind == "rename":
        name = re.search(r"[A-Za-z_]\w*", token)
        if name is None:
            return None
        new = token[:name.end()] + "e" + token[name.end():]
    else:  # break
        new = token[:-1]
    return mt[:m.start()] + new + mt[m.end():]


def main(argv=None) -> int:
    import pandas as pd

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "tests" / "data" / "xliff-wild")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    frame = load(args.folder)
    frame["flag"] = flags(frame)
    print(f"{frame['lang'].nunique()} languages, {len(frame)} units; flagged as they are: {int(frame['flag'].sum())}")
    for _, row in frame[frame["flag"]].iterrows():
        print(f"  [{row['lang']} {row['seg_id']}] {row['src'][:90]!r} -> {row['mt'][:90]!r}")
    from mtcheck.checks.placeholders import tokens

    clean = frame[~frame["flag"] & frame["src"].map(lambda s: bool(tokens(s)))].reset_index(drop=True)
    rng = random.Random(args.seed)
    print(f"\n{len(clean)} units with a placeholder that pass as they are")
    print("| injected | units | flagged (recall) | precision against the untouched copies |")
    print("|---|---|---|---|")
    for kind in ("drop", "rename", "break"):
        rows = []
        for _, row in clean.iterrows():
            bad = inject(row["mt"], row["src"], kind, rng)
            if bad is not None:
                rows.append({"src": row["src"], "mt": bad, "injected": True})
                rows.append({"src": row["src"], "mt": row["mt"], "injected": False})
        test = pd.DataFrame(rows)
        test["flag"] = flags(test)
        tp = int((test["flag"] & test["injected"]).sum())
        fp = int((test["flag"] & ~test["injected"]).sum())
        n = int(test["injected"].sum())
        print(f"| {kind} | {n} | {tp} ({tp / n:.1%}) | {tp / max(1, tp + fp):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
