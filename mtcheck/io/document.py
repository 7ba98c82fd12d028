"""Running text: paragraphs of prose, headings and page furniture.

Paragraphs are blocks separated by blank lines. Within a paragraph each line is
looked at on its own, because scraped pages put a headline and its duplicate on
consecutive lines. Title lines with `|` separators, list items and headings
stay whole; prose lines are split into sentences. Every segment records its
line and paragraph, so the paragraph stays available as context.
"""

from __future__ import annotations

import re
from pathlib import Path

from mtcheck.io.base import Segment, Side, read_text, split_lines
from mtcheck.io.sentences import sentence_spans

_TITLE_BAR = re.compile(r"(^\|\s)|(\s\|\s)|(\s\|$)|(^\S+\s?\|$)")
_LIST_ITEM = re.compile(r"^(?:[-*\u2022\u00b7]\s|\d{1,3}[.)]\s)")
_DASH_LEAD = re.compile(r"^(?:\u2014\u2014|--|\u2014)\s*\S")
_TERMINAL_END = tuple(".!?\u2026\u3002\uff01\uff1f")
HEADING_MAX_WORDS = 14


def classify_line(line: str, alone: bool) -> str:
    """Kind of a stripped, non-empty line: title, item, heading or prose."""
    if _TITLE_BAR.search(line):
        return "title"
    if _LIST_ITEM.match(line):
        return "item"
    words = len(line.split())
    if _DASH_LEAD.match(line) and words <= HEADING_MAX_WORDS:
        return "heading"
    ends_open = not line.rstrip("\"'\u201d\u2019)").endswith(_TERMINAL_END)
    if alone and ends_open and words <= HEADING_MAX_WORDS:
        return "heading"
    return "prose"


def paragraphs(lines: list[str]) -> list[list[tuple[int, str]]]:
    """Blocks of (1-based line number, line) separated by blank lines."""
    blocks: list[list[tuple[int, str]]] = []
    current: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            current.append((number, line))
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def segment_document(text: str, doc_id: str) -> list[Segment]:
    segments: list[Segment] = []
    for para_id, block in enumerate(paragraphs(split_lines(text)), start=1):
        stripped = [raw.strip() for _, raw in block]
        for k, (number, raw) in enumerate(block):
            line = raw.strip()
            kind = classify_line(line, alone=len(block) == 1)
            # A line printed twice in a row with no full stop is a headline and its duplicate.
            twin = (k > 0 and stripped[k - 1] == line) or (k + 1 < len(block) and stripped[k + 1] == line)
            if kind == "prose" and twin and not line.rstrip("\"'\u201d\u2019)").endswith(_TERMINAL_END):
                kind = "title"
            if kind != "prose":
                pieces = [(line, kind)]
            else:
                pieces = [(line[a:b], "sentence") for a, b in sentence_spans(line)]
            for piece, piece_kind in pieces:
                segments.append(Segment(text=piece, line=number, doc_id=doc_id,
                                        seg_id=len(segments) + 1, kind=piece_kind, para_id=para_id))
    return segments


def read_document(path: str | Path, role: str = "mt") -> Side:
    segments = segment_document(read_text(path), doc_id=Path(path).stem)
    return Side(role=role, path=str(path), fmt="doc", segments=segments)
