"""SRT subtitles: each cue is one segment; its lines are joined with a space."""

from __future__ import annotations

import re
from pathlib import Path

from mtcheck.errors import InputError
from mtcheck.io.base import Segment, Side, read_text, split_lines

_TIMING = re.compile(r"^\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d{1,2}:\d{2}:\d{2}[,.]\d{1,3}")


def read_srt(path: str | Path, role: str = "mt") -> Side:
    lines = split_lines(read_text(path))
    segments: list[Segment] = []
    i, n = 0, len(lines)
    while i < n:
        if not lines[i].strip():
            i += 1
            continue
        number_line = i + 1
        if not lines[i].strip().isdigit():
            raise InputError(f"expected a cue number, found '{lines[i].strip()[:40]}'", path=str(path),
                             line=number_line, hint="each SRT cue is: number, timing line, text, blank line")
        cue = lines[i].strip()
        if i + 1 >= n or not _TIMING.match(lines[i + 1]):
            raise InputError(f"cue {cue} has no timing line", path=str(path), line=number_line + 1,
                             hint="expected e.g. 00:00:01,000 --> 00:00:04,000")
        i += 2
        text_start = i + 1
        text = []
        while i < n and lines[i].strip():
            text.append(lines[i].strip())
            i += 1
        segments.append(Segment(text=" ".join(text), line=text_start, doc_id=Path(path).stem,
                                seg_id=int(cue), kind="cue"))
    if not segments:
        raise InputError("no subtitle cues found", path=str(path))
    return Side(role=role, path=str(path), fmt="srt", segments=segments)
