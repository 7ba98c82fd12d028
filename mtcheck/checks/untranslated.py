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


# A copy of a few words, or of capitalised ones only, is a name, a label, a handle or a code far more
# often than an untranslated sentence: "Salesforce Partner", "#FalconGameBooks", "FYI", "(PERSON7) Okay."
# are among the 38 copies in WMT23's MQM tables, scored 0.27 MQM points on average (4.16 over all rows),
# while the copies of three words or more there and in WMT22/TED ("So here it is.", whole English
# headlines in German and Russian output) cost 5 to 30 points. Issue 26 found the critical finding
# firing on the short ones; the rule was read off those tables, not fitted.
MIN_COPIED_WORDS = 3
_WORD = re.compile(r"(?<![\w#@/.])[^\W\d_]{2,}(?![\w/])")
# Scripts written without spaces: there, two characters stand in for a word.
_UNSPACED = re.compile(f"[{SCRIPTS['Chinese']}{SCRIPTS['Japanese']}{SCRIPTS['Thai']}]")


def _reads_as_text(text: str) -> bool:
    """Whether a copy is a phrase someone should have translated: at least MIN_COPIED_WORDS plain words
    (runs of two or more letters, not in a hashtag, handle, path or code), one of them without a
    capital letter, so product names and title-case labels ("iPhone 14 Pro Max") do not count."""
    unspaced = len(_UNSPACED.findall(text))
    if unspaced:
        return unspaced >= 2 * MIN_COPIED_WORDS
    words = _WORD.findall(text)
    return len(words) >= MIN_COPIED_WORDS and any(not any(ch.isupper() for ch in w) for w in words)


@segment_check("copied-source")
def copied_source(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A target identical to its source: the segment was not translated. A copy that does not read as
    running text (`_reads_as_text`) is usually a name or a label that stays as it is, so it gets a note
    (the row is not flagged) rather than a critical finding."""
    text, source = iter_text(row).strip(), iter_text(row, S.SRC).strip()
    if not text or not source or _letters(source) < 3:
        return
    if " ".join(text.lower().split()) == " ".join(source.lower().split()):
        if not _reads_as_text(text):
            yield Finding("copied-source", "ok",
                          "The translation is a copy of the source; fine for a name, a label or a code.",
                          0, len(iter_text(row)))
            return
        yield Finding("copied-source", "critical",
                      "The translation is a copy of the source: this segment was not translated.",
                      0, len(iter_text(row)))
