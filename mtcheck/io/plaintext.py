"""Plain text, one segment per line (the sacrebleu/COMET convention)."""

from __future__ import annotations

from pathlib import Path

from mtcheck.io.base import Segment, Side, read_text, split_lines


def read_lines(path: str | Path, role: str) -> Side:
    """Every line is a segment, empty lines included, so counts stay true."""
    doc_id = Path(path).stem
    lines = split_lines(read_text(path))
    segments = [Segment(text=t, line=i, doc_id=doc_id, seg_id=i, kind="line")
                for i, t in enumerate(lines, start=1)]
    return Side(role=role, path=str(path), fmt="lines", segments=segments)
