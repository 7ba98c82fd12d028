"""Whitespace the translation changed: the `whitespace` check (issue 35, as Xbench and Okapi CheckMate run it).

Software strings are concatenated and laid out by code: a leading or trailing space, a line break at an
end, or a double space inside carries meaning the translation must keep ("Total: " + value). The check
compares the translation with its source: leading and trailing whitespace that differ, and runs of two
or more spaces inside the text that the source does not have. Where the source is written without
spaces (Chinese, Japanese, Thai), inner runs are not compared. Its figures are
training/eval_whitespace.py's (docs/checks.md "Whitespace").
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

_LEAD = re.compile(r"^\s*")
_TRAIL = re.compile(r"\s*$")
_DOUBLE = re.compile(r"(?<=\S) {2,}(?=\S)")
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")


def _shown(space: str) -> str:
    if not space:
        return "none"
    names = {" ": "space", "\n": "line break", "\t": "tab", "\u00a0": "no-break space"}
    words = [names.get(ch, f"U+{ord(ch):04X}") for ch in space]
    return ", ".join(dict.fromkeys(words)) if len(set(words)) > 1 else (
        f"{len(words)} {words[0]}{'s' if len(words) > 1 else ''}" if len(words) > 1 else f"a {words[0]}")


@segment_check("whitespace")
def whitespace(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Leading or trailing whitespace that differs from the source's, or a double space the source does not have."""
    source, text = iter_text(row, S.SRC), iter_text(row)
    if not source.strip() or not text.strip():
        return
    for where, pattern in (("start", _LEAD), ("end", _TRAIL)):
        a, b = pattern.search(source).group(0), pattern.search(text)
        if a.replace("\r", "") != b.group(0).replace("\r", ""):
            start, end = (0, max(1, b.end())) if where == "start" else (min(b.start(), len(text) - 1), len(text))
            yield Finding("whitespace", "minor",
                          f"Whitespace at the {where} differs from the source's (source: {_shown(a)}; translation: "
                          f"{_shown(b.group(0))}); software strings are often joined by code, keep it as it is.",
                          start, end)
    if _UNSPACED.search(source) or _DOUBLE.search(source):
        return
    for m in _DOUBLE.finditer(text):
        yield Finding("whitespace", "minor", "A double space that the source does not have; use one.",
                      m.start(), m.end())
