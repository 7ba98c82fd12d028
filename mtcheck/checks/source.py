"""Checks that compare the MT with its source: length ratio and unbalanced brackets/quotes."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

MIN_SOURCE_CHARS = 15  # shorter sources give noisy ratios ("Yes." -> "Ja, genau.")


@lru_cache(maxsize=1)
def length_bounds() -> dict:
    """Per language pair: the 0.5-99.5 percentile range of len(translation)/len(source) in human
    translations, fitted by training/fit_length_ratios.py on the MQM data."""
    text = resources.files("mtcheck.data").joinpath("length_ratios.json").read_text(encoding="utf-8")
    return json.loads(text)


@segment_check("length-ratio")
def length_ratio(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """An MT much shorter or longer than its source, outside the range human translations of this pair keep."""
    source, text = iter_text(row, S.SRC).strip(), iter_text(row).strip()
    if len(source) < MIN_SOURCE_CHARS or not text or not ctx.source:
        return
    bounds = length_bounds().get(f"{ctx.source}-{ctx.lang}")
    if not bounds:
        return
    ratio = len(text) / len(source)
    usual = f"human translations of {ctx.source}-{ctx.lang} keep {bounds['low']:.2f}-{bounds['high']:.2f}"
    if ratio < bounds["low"]:
        yield Finding("length-ratio", "major",
                      f"The MT is much shorter than its source (length ratio {ratio:.2f}; {usual}): "
                      "part of the source is probably missing.", 0, len(iter_text(row)))
    elif ratio > bounds["high"]:
        yield Finding("length-ratio", "minor",
                      f"The MT is much longer than its source (length ratio {ratio:.2f}; {usual}): "
                      "check for added or repeated text.", 0, len(iter_text(row)))


PAIRS = (("(", ")"), ("[", "]"), ("{", "}"), ("\uff08", "\uff09"))
# Curly double quotes pair differently by language: English “…”, German „…“ (the German closing mark is
# the English opening one), Polish „…”. So they are counted together, like straight quotes: an odd total
# is a stray. (As pairs, „…“ counted as unbalanced on 16% of WMT21 news en-de MT.)
CURLY = "\u201c\u201d\u201e\u201f"


def _unbalanced(text: str) -> list[str]:
    out = [f"{a}{b}" for a, b in PAIRS if text.count(a) != text.count(b)]
    if sum(text.count(q) for q in CURLY) % 2:
        out.append("\u201c\u201d")
    if text.count('"') % 2:
        out.append('""')
    return out


@segment_check("unbalanced-brackets")
def unbalanced_brackets(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Brackets or quotes opened and not closed (or closed and not opened) where the source has them balanced.

    Without a source only brackets are checked: in running text a quotation
    may legitimately run over several sentences.
    """
    text, source = iter_text(row), iter_text(row, S.SRC)
    problems = _unbalanced(text)
    if not problems:
        return
    if source:
        src_problems = set(_unbalanced(source))
        problems = [p for p in problems if p not in src_problems]
    else:
        problems = [p for p in problems if p in ("()", "[]", "{}", "\uff08\uff09")]
    if not problems:
        return
    first = min((text.find(ch) for p in problems for ch in p if ch in text), default=0)
    yield Finding("unbalanced-brackets", "minor",
                  f"Unbalanced {' and '.join(problems)} in the MT; close or remove the stray mark.",
                  max(0, first), max(0, first) + 1)
