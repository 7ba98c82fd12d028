"""Reading a run's input a block of rows at a time, so that memory stays flat as the corpus grows (issue 14).

What streams: tables (TSV, CSV, JSONL) and line-aligned plain-text files (-t/-s/-r, and the role
files of a corpus folder). These are what million-segment corpora come as, and their rows are
independent. Everything else (running-text documents, XLIFF, TMX, WMT XML, SRT, and anything
aligned by content with --align) is read whole and aligned whole, as before, and only then cut
into partitions: those inputs are documents, and alignment needs a document entire.

`open_run(spec)` returns a `RunInput` whose `blocks()` can be iterated more than once (the run
reads the input twice: a survey pass, then the check pass; see mtcheck/run/partitions.py). Every block
is a DataFrame of aligned rows, indexed by the row's place in the whole run, in the order a whole
read gives; `rows_from_table`/`rows_from_sides` build them, as for a whole read. Bytes are checked
as the whole-file reader checks them (UTF-8, no NUL byte), and an error names the file and line.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from mtcheck import schema as S
from mtcheck.io.base import BLOCK_ROWS


@dataclass
class RunInput:
    name: str
    inputs: list[dict]
    blocks: Callable[[], Iterator]   # a fresh iterator of aligned row blocks on each call
    split_anywhere: bool             # rows are independent (no document structure to keep whole)
    streamed: bool = True
    estimated_rows: int = 0          # for the survey's progress bar (lines in the files; exact for most)


def iter_line_rows(mts: list[str], src: str | None, refs: list[str], block_rows: int = BLOCK_ROWS):
    """Rows of line-aligned files, as `mtcheck.align.rows_from_sides` builds them from whole files, a block at a
    time: every MT file is one system, its rows in line order, one system after the other. The files' line
    counts must have been found equal (`count_lines`) beforehand."""
    import pandas as pd

    from mtcheck.io.base import iter_lines, system_name

    offset = 0
    for mt in mts:
        streams = [iter_lines(mt)] + ([iter_lines(src)] if src else []) + [iter_lines(r) for r in refs]
        block = []
        for lines in zip(*streams):
            block.append(lines)
            if len(block) >= block_rows:
                yield _line_frame(block, mt, src, refs, len(mts) > 1, offset, system_name, pd)
                offset += len(block)
                block = []
        if block:
            yield _line_frame(block, mt, src, refs, len(mts) > 1, offset, system_name, pd)
            offset += len(block)


def _line_frame(block, mt, src, refs, several, offset, system_name, pd):
    numbers = [lines[0][0] for lines in block]
    rows = {S.DOC_ID: Path(mt).stem, S.SEG_ID: numbers,
            S.SRC: [lines[1][1] for lines in block] if src else [""] * len(block),
            S.MT: [lines[0][1] for lines in block]}
    first_ref = 2 if src else 1
    for k in range(len(refs)):
        rows[S.REF if k == 0 else f"ref_{k + 1}"] = [lines[first_ref + k][1] for lines in block]
    if not refs:
        rows[S.REF] = [""] * len(block)
    rows.update({S.KIND: "line", S.ALIGN: "1-1", S.ALIGN_CONF: 1.0, S.FILE: mt, S.LINE: numbers})
    frame = pd.DataFrame(rows, index=pd.RangeIndex(offset, offset + len(block)))
    if several:
        frame.insert(2, S.SYSTEM, system_name(mt))
    return frame
