"""Character, punctuation and token loops: recall on injected loops, false alarms on clean human text.

    .venv/bin/python training/eval_loops.py [--data ../shared/data/judgments] [--per-set 1500] [--seed 7]

Two checks speak for loops: `character-loop` (one character or a unit of two to four said over and
over: "!!!!!!!!", "。。。。", "aaaaaaaa", "hahahaha") and `repeated-phrase` (a word or two said three
times or more, a phrase of three or more tokens twice). Both run here as an MT-only run runs them (no
source, no reference: nothing to mirror), with the sentence's own language as the target.

* **Clean text**: human sentences of the MQM test sets, deduplicated: the references (English, German,
  Russian) and the sources (Chinese, English, Hebrew), `--per-set` per set and language. A finding of
  either check on one of them is a false alarm.
* **Labelled loops**: the same sentences with one loop injected (seeded), one kind at a time:
  `mark` (one punctuation mark or symbol, 5-120 copies, among ! ? . , - * ~ = 。 ！ ？ ， 、 … ·),
  `letter` (one letter of the sentence's script, 5-200 copies), `cjk` (one CJK character, 4-60 copies,
  on Chinese), `unit` (a unit of 2-4 characters, 4-40 copies: "ha", "!?", "abc", "。！"), and `token`
  (a word or two of the sentence said 3-12 times, separated by a space, ", " or ". "), placed at the
  end (where decoders degenerate), in the middle, or as the whole segment. A loop is caught when either
  check fires at major or critical.

The copy counts start at each kind's threshold in checks/loops.py (and `repeated-phrase`'s three
copies for tokens): the checks define a loop as at least that many copies, and the figure says how
reliably they find what they define. The thresholds were chosen on the training sets' sentences
(`train` below); the held-out sets' are reported beside them.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHECKS = ["character-loop", "repeated-phrase"]
# (table, language pair, side, language, role): human text only.
SOURCES = [
    ("mqm-google-wmt21-ted", "zh-en", "ref", "en", "train"),
    ("mqm-google-wmt21-ted", "en-de", "ref", "de", "train"),
    ("mqm-google-wmt21-news", "zh-en", "src", "zh", "train"),
    ("mqm-unbabel-wmt21-enru", "en-ru", "ref", "ru", "train"),
    ("mqm-google-wmt23", "he-en", "src", "he", "train"),
    ("mqm-google-wmt23", "zh-en", "ref", "en", "held out"),
    ("mqm-google-wmt23", "zh-en", "src", "zh", "held out"),
    ("mqm-google-wmt23", "en-de", "ref", "de", "held out"),
    ("mqm-google-wmt21-news", "en-de", "src", "en", "held out"),
]
MARKS = list("!?.,-*~=") + list("。！？，、…·")
KINDS = ["mark", "letter", "cjk", "unit", "token"]
PLACES = ["end", "middle", "whole"]


def sentences(data: Path, per_set: int, seed: int) -> list[tuple[str, str, str, str]]:
    """(text, language, set name, role) of distinct human sentences."""
    import pandas as pd

    out = []
    for table, lp, side, lang, role in SOURCES:
        frame = pd.read_csv(data / f"{table}.tsv.gz", sep="\t", quoting=csv.QUOTE_NONE, dtype=str,
                            keep_default_na=False, usecols=["lp", side])
        texts = sorted({t.strip() for t in frame.loc[frame["lp"] == lp, side] if len(t.strip()) >= 10})
        random.Random(seed).shuffle(texts)
        out += [(t, lang, f"{table} {lp} {side}", role) for t in texts[:per_set]]
    return out


def inject(text: str, lang: str, kind: str, place: str, rng: random.Random) -> str | None:
    """`text` with one loop of `kind` put at `place`; None when the kind does not apply to the language."""
    import re

    if kind == "mark":
        loop = rng.choice(MARKS) * rng.randint(5, 120)
    elif kind == "letter":
        letters = [ch for ch in text if ch.isalpha() and not ("\u3400" <= ch <= "\u9fff")]
        if not letters:
            return None
        loop = rng.choice(letters) * rng.randint(5, 200)
    elif kind == "cjk":
        han = [ch for ch in text if "\u4e00" <= ch <= "\u9fff"]
        if lang != "zh" or not han:
            return None
        loop = rng.choice(han) * rng.randint(4, 60)
    elif kind == "unit":
        pool = ["ha", "!?", "abc", "。！", "la", "?!", "xo", "-=", "де", "ja", "呵呵"]
        unit = rng.choice(pool)
        loop = unit * rng.randint(4, 40)
    else:
        words = re.findall(r"[^\W\d_]+", text)
        if len(words) < 2 or lang == "zh":
            return None
        k = rng.choice([1, 2])
        start = rng.randrange(0, len(words) - k + 1)
        unit = " ".join(words[start:start + k])
        sep = rng.choice([" ", ", ", ". "])
        loop = sep.join([unit] * rng.randint(3, 12))
    if place == "whole":
        return loop
    if place == "end":
        return text.rstrip() + (" " if kind == "token" else "") + loop
    cut = text.find(" ", len(text) // 2)
    cut = len(text) // 2 if cut < 0 else cut
    return text[:cut] + " " + loop + " " + text[cut:]


def flagged(rows: list[tuple[str, str]], major_only: bool) -> list[bool]:
    """Whether either loop check fires on each (text, language) MT-only row."""
    import pandas as pd

    from mtcheck.checks import CheckContext, run_checks

    out = []
    by_lang: dict[str, list[int]] = {}
    for k, (_, lang) in enumerate(rows):
        by_lang.setdefault(lang, []).append(k)
    hit = [False] * len(rows)
    for lang, positions in by_lang.items():
        frame = pd.DataFrame({"doc_id": "d", "seg_id": [str(p) for p in positions], "src": "", "ref": "",
                              "mt": [rows[p][0] for p in positions]}, index=positions)
        for index, finding in run_checks(frame, CHECKS, ctx=CheckContext(target_lang=lang)):
            if not major_only or finding.severity in ("major", "critical"):
                hit[index] = True
    out = hit
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "judgments")
    parser.add_argument("--per-set", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show", type=int, default=5, help="false alarms to print per set")
    args = parser.parse_args(argv)
    if not args.data.is_dir():
        print(f"error: {args.data}: no such judgments folder (pass --data)", file=sys.stderr)
        return 2
    clean = sentences(args.data, args.per_set, args.seed)
    alarms = flagged([(t, lang) for t, lang, _, _ in clean], major_only=False)
    print("False alarms on clean human sentences (either check, any severity; MT-only run)")
    print("| set | language | role | sentences | false alarms | rate |")
    print("|---|---|---|---|---|---|")
    totals: dict[str, list[int]] = {}
    for name in dict.fromkeys(n for _, _, n, _ in clean):
        picked = [k for k, c in enumerate(clean) if c[2] == name]
        n, bad = len(picked), sum(alarms[k] for k in picked)
        lang, role = clean[picked[0]][1], clean[picked[0]][3]
        totals.setdefault(role, [0, 0])
        totals[role][0] += n
        totals[role][1] += bad
        print(f"| {name} | {lang} | {role} | {n:,} | {bad} | {bad / max(1, n):.2%} |")
    for role, (n, bad) in totals.items():
        print(f"| **all {role}** | | | {n:,} | {bad} | **{bad / max(1, n):.2%}** |")
    for name in dict.fromkeys(n for _, _, n, _ in clean):
        shown = [clean[k][0] for k, c in enumerate(clean) if c[2] == name and alarms[k]][:args.show]
        for text in shown:
            print(f"  false alarm ({name}): {text[:140]}")

    rng = random.Random(args.seed)
    labelled = []
    for text, lang, name, role in clean:
        for kind in KINDS:
            place = rng.choice(PLACES)
            injected = inject(text, lang, kind, place, rng)
            if injected is not None:
                labelled.append((injected, lang, kind, place, role))
    caught = flagged([(t, lang) for t, lang, *_ in labelled], major_only=True)
    print("\nRecall on injected loops (either check at major or critical)")
    print("| loop kind | place | role | loops | caught | recall |")
    print("|---|---|---|---|---|---|")
    groups: dict = {}
    for (text, lang, kind, place, role), hit in zip(labelled, caught):
        for key in ((kind, place, role), (kind, "any", role), ("all", "any", role)):
            groups.setdefault(key, [0, 0])
            groups[key][0] += 1
            groups[key][1] += hit
    for (kind, place, role), (n, hits) in sorted(groups.items(), key=lambda kv: (kv[0][2], kv[0][0] == "all",
                                                                                  kv[0][0], kv[0][1])):
        bold = "**" if kind == "all" or place == "any" else ""
        print(f"| {bold}{kind}{bold} | {place} | {role} | {n:,} | {hits:,} | {bold}{hits / max(1, n):.1%}{bold} |")
    missed = [t for (t, *_), hit in zip(labelled, caught) if not hit][:args.show * 2]
    for text in missed:
        print(f"  missed: {text[:140]!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
