"""Precision and recall of the terminology checks (mtcheck/checks/terminology.py) on real XLIFF with injected errors.

    .venv/bin/python training/eval_terminology.py [--folder tests/data/xliff-wild] [--glossary FILE] [--seed 13]

Real files: the German, Spanish and French Symfony validator messages in `--folder` (MIT; see
tests/data/xliff-wild/README.md). The glossary, training/data/ui-glossary.csv, was written from general
software terminology (file, password, value ... in de/es/fr; IBAN, UUID ... not to translate; "Kennwort",
"clave" and "courriel" as forbidden variants) and committed before the checks first ran on these files.

1. **Flags on the files as they are.** What fires on the published translations is printed: each flag is a
   real deviation from the glossary (the translation says "Zahl" where the glossary says "Wert") or a
   false alarm of the matching (an inflection or compound it missed); docs/checks.md gives the count.
2. **Injected errors**, on units where the check passes as it is (seeded), one per unit:
   * `glossary-term`: every occurrence of the target terms the glossary gives is deleted;
   * `forbidden-term`: every occurrence is replaced by the entry's forbidden variant, where it has one;
   * `do-not-translate`: every occurrence of the kept term is changed as a translator who touched it
     would: lower case ("IBAN" -> "iban"), or broken by a space ("UUID" -> "U UID").
   Recall is the share of injected units the check flags; precision is flagged injected units over all
   flagged units among the injected and the untouched copies of the same units.
"""

from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "training"))

CHECKS = ("glossary-term", "forbidden-term", "do-not-translate")
LANGS = ("de", "es", "fr")


def flags(frame, glossary, check: str | None = None) -> list[bool]:
    from mtcheck.checks import CheckContext, run_checks

    hit: set = set()
    for lang, part in frame.groupby("lang"):
        ctx = CheckContext(target_lang=lang, source_lang="en", glossary=glossary)
        found = run_checks(part[["src", "mt"]], [check] if check else list(CHECKS), ctx=ctx)
        hit |= {index for index, _ in found}
    return [i in hit for i in frame.index]


def inject(row, glossary, kind: str, rng: random.Random) -> str | None:
    from mtcheck.checks.terminology import find

    mt, lang = row["mt"], row["lang"]
    options = []
    for entry, sources, use, avoid in glossary.pairs("en", lang):
        if not any(find(t.text, row["src"], "en") for t in sources):
            continue
        if kind == "do-not-translate" and entry.dnt:
            term = sources[0].text
            if term in mt:
                options.append(mt.replace(term, term.lower() if rng.random() < 0.5 else term[0] + " " + term[1:]))
        elif kind in ("glossary-term", "forbidden-term") and use and not entry.dnt:
            if kind == "forbidden-term" and not avoid:
                continue
            new = "" if kind == "glossary-term" else avoid[0].text
            changed = mt
            for term in use:  # every occurrence of every allowed term: the unit must really lack it
                for _ in range(20):
                    span = find(term.text, changed, lang)
                    if span is None:
                        break
                    changed = changed[:span[0]] + new + changed[span[1]:]
            if changed != mt:
                options.append(changed)
    return rng.choice(options) if options else None


def main(argv=None) -> int:
    import pandas as pd

    from eval_placeholders import load
    from mtcheck.io.glossary import read_glossary

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folder", type=Path, default=ROOT / "tests" / "data" / "xliff-wild")
    parser.add_argument("--glossary", type=Path, default=ROOT / "training" / "data" / "ui-glossary.csv")
    parser.add_argument("--seed", type=int, default=13)
    args = parser.parse_args(argv)
    glossary = read_glossary(args.glossary)
    frame = load(args.folder)
    frame = frame[frame["lang"].isin(LANGS)].reset_index(drop=True)
    print(f"{len(frame)} units in {', '.join(sorted(frame['lang'].unique()))}")
    for check in CHECKS:
        frame[check] = flags(frame, glossary, check)
        print(f"\n{check}: flagged as they are: {int(frame[check].sum())} of {len(frame)} units")
        for _, row in frame[frame[check]].iterrows():
            print(f"  [{row['lang']} {row['seg_id']}] {row['src'][:80]!r} -> {row['mt'][:80]!r}")
    rng = random.Random(args.seed)
    print("\n| check | injected units | flagged (recall) | precision against the untouched copies |")
    print("|---|---|---|---|")
    for check in CHECKS:
        clean = frame[~frame[check]]
        rows = []
        for _, row in clean.iterrows():
            bad = inject(row, glossary, check, rng)
            if bad is not None and bad != row["mt"]:
                rows.append({"src": row["src"], "mt": bad, "lang": row["lang"], "injected": True})
                rows.append({"src": row["src"], "mt": row["mt"], "lang": row["lang"], "injected": False})
        if not rows:
            print(f"| {check} | 0 | – | – |")
            continue
        test = pd.DataFrame(rows)
        test["flag"] = flags(test, glossary, check)
        tp = int((test["flag"] & test["injected"]).sum())
        fp = int((test["flag"] & ~test["injected"]).sum())
        n = int(test["injected"].sum())
        print(f"| {check} | {n} | {tp} ({tp / n:.1%}) | {tp / max(1, tp + fp):.1%} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
