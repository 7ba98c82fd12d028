"""Page furniture and junk: tag trails, lone labels, markup remnants, mojibake, control characters.

Scraped pages glue navigation to the text: "Micro Video | <headline> |
Population | Micro Video", a lone "Visual |", stray "&nbsp;" or "<br>". None
of it is translation; an editor deletes it.
"""

from __future__ import annotations

import re
from typing import Iterator

from mtcheck.checks import CheckContext, Finding, iter_text, segment_check

_BAR = re.compile(r"\s*[|\uff5c]\s*")
TAG_MAX_WORDS = 6


def _parts(text: str) -> list[tuple[int, int]]:
    """Character spans of the pieces between '|' separators, stripped."""
    spans, start = [], 0
    for sep in _BAR.finditer(text):
        spans.append((start, sep.start()))
        start = sep.end()
    spans.append((start, len(text)))
    return spans


@segment_check("tag-trail")
def tag_trail(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """Short page tags glued to a title with '|' ("... | Population | Micro Video")."""
    text = iter_text(row)
    if "|" not in text and "\uff5c" not in text:
        return
    spans = [(a, b) for a, b in _parts(text) if text[a:b].strip()]
    if len(spans) < 2:
        return
    words = [len(text[a:b].split()) for a, b in spans]
    main = max(range(len(spans)), key=lambda k: words[k])
    others = [k for k in range(len(spans)) if k != main]
    if any(words[k] > TAG_MAX_WORDS for k in others) or words[main] <= TAG_MAX_WORDS:
        return  # a table row or a list of labels, not a title with tags
    if main > 0:
        lead = text[: spans[main][0]].rstrip()
        yield Finding("tag-trail", "major", f"Page tags '{lead}' are glued to the start of this title; delete them.",
                      0, len(lead))
    if main < len(spans) - 1:
        start = spans[main][1]
        tags = " | ".join(text[a:b] for a, b in spans[main + 1:])
        yield Finding("tag-trail", "major", f"Page tags '{tags}' are glued to the end of this title; delete them.",
                      start, len(text))


_LONE_LABEL = re.compile(r"^\W*[|\uff5c>»]?\s*[^\W\d_][\w'’ -]{0,40}?\s*[|\uff5c>»]\W*$|^\W*[|\uff5c]\s*[^\W\d_][\w'’ -]{0,40}$")
_BREADCRUMB = re.compile(r"^[^\W\d_][\w'’ -]{0,30}(\s*[>»/]\s*[^\W\d_][\w'’ -]{0,30}){2,}$")


@segment_check("lone-label")
def lone_label(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """A lone page label or breadcrumb ("Visual |", "Home > News > China") standing as a segment."""
    text = iter_text(row).strip()
    if not text or len(text.split()) > 6:
        return
    if _LONE_LABEL.match(text) or _BREADCRUMB.match(text):
        yield Finding("lone-label", "major",
                      f"'{text}' is a page label or breadcrumb, not text to translate; delete it.",
                      0, len(iter_text(row)))


_MARKUP = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>|&(?:[a-zA-Z]{2,8}|#\d{2,5}|#x[0-9a-fA-F]{2,4});")
_URL = re.compile(r"\b(?:https?://|www\.)\S+")
# UTF-8 read as Latin-1/cp1252: "Ã©" for "é", "â€™" for "’".
_MOJIBAKE = re.compile(r"(?:Ã[\u0080-\u00bf]|Ã[©¨¢§®±³¶¼½]|â€[™œ\u009d“”˜¦]|Â[\u00a0-\u00bf]|ï»¿|\ufffd)")
_CONTROL = re.compile(r"[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u200b\u200e\u200f\u202a-\u202e]")


@segment_check("markup-remnant")
def markup_remnant(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """HTML tags or entities, mojibake and control characters left in the text (URLs when the source has none)."""
    text = iter_text(row)
    source = iter_text(row, "src")
    for match in _MARKUP.finditer(text):
        if match.group(0) not in source:
            yield Finding("markup-remnant", "minor",
                          f"HTML markup '{match.group(0)}' is left in the text; remove it or restore the character.",
                          match.start(), match.end())
    for match in _MOJIBAKE.finditer(text):
        yield Finding("markup-remnant", "major",
                      f"'{match.group(0)}' is garbled encoding (UTF-8 read as Latin-1); fix the character.",
                      match.start(), match.end())
    for match in _CONTROL.finditer(text):
        yield Finding("markup-remnant", "minor",
                      f"An invisible control character (U+{ord(match.group(0)):04X}) is in the text; delete it.",
                      match.start(), match.end())
    if source:
        for match in _URL.finditer(text):
            if match.group(0) not in source:
                yield Finding("markup-remnant", "minor",
                              f"The URL '{match.group(0)}' is not in the source; check where it came from.",
                              match.start(), match.end())
