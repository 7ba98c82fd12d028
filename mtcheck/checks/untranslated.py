"""Untranslated text: source-script characters in the target, and a target that copies its source."""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

# Scripts that never belong in a Latin-script target, by name.
SCRIPTS = {
    "Chinese": "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff",
    "Japanese": "\u3040-\u30ff",
    "Korean": "\uac00-\ud7af\u1100-\u11ff",
    "Cyrillic": "\u0400-\u04ff",
    "Arabic": "\u0600-\u06ff",
    "Hebrew": "\u0590-\u05ff",
    "Thai": "\u0e00-\u0e7f",
    "Devanagari": "\u0900-\u097f",
    "Greek": "\u0370-\u03ff",
}
LATIN_TARGETS = frozenset("en de fr es it pt nl sv da no nb fi pl cs sk sl hr ro hu et lv lt tr id ms vi".split())
_RUNS = {name: re.compile(f"[{chars}](?:[{chars}\\s\u3000-\u303f\uff00-\uffef]*[{chars}])?")
         for name, chars in SCRIPTS.items()}


@segment_check("source-script")
def source_script(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Characters of a foreign script (e.g. Chinese) left in a Latin-script target."""
    if ctx.lang not in LATIN_TARGETS:
        return
    text = iter_text(row)
    for name, pattern in _RUNS.items():
        if name == "Greek" and ctx.lang == "el":
            continue
        for match in pattern.finditer(text):
            severity = "major" if len(match.group(0).strip()) >= 2 else "minor"
            yield Finding("source-script", severity,
                          f"Untranslated {name} text '{match.group(0)}' is left in the translation; translate it.",
                          match.start(), match.end())


def _letters(text: str) -> int:
    return sum(ch.isalpha() for ch in text)


@segment_check("copied-source")
def copied_source(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A target identical to its source: the segment was not translated."""
    text, source = iter_text(row).strip(), iter_text(row, S.SRC).strip()
    if not text or not source or _letters(source) < 3:
        return
    if " ".join(text.lower().split()) == " ".join(source.lower().split()):
        yield Finding("copied-source", "critical",
                      "The translation is a copy of the source: this segment was not translated.",
                      0, len(iter_text(row)))
