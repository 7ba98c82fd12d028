"""Turn sides into aligned rows: doc_id, seg_id, src, mt, ref, bead and confidence.

This first version pairs segments by position, which is right when the files
are line-aligned (the sacrebleu/COMET convention). Unequal counts are an error
that names each file, its count and the first line where the two visibly
diverge; nothing is ever truncated silently.
"""

from __future__ import annotations

import math
import re
import statistics

from mtcheck import schema as S
from mtcheck.errors import AlignmentError, InputError
from mtcheck.io.base import Side

_WORD = re.compile(r"\w+")
_WINDOW = 3


def _pair_score(x: str, y: str, typical: float) -> float:
    """How well two lines look like a pair: length ratio near the files' typical
    ratio (which absorbs zh->en length differences) plus shared words and
    numbers (strong when both sides are in one language, as MT and reference are)."""
    x, y = x.strip(), y.strip()
    if not x or not y:
        return 1.5 if x == y else 0.0
    length = math.exp(-abs(math.log(len(x) / len(y)) - typical))
    wx, wy = set(_WORD.findall(x.lower())), set(_WORD.findall(y.lower()))
    overlap = len(wx & wy) / len(wx | wy) if wx and wy else 0.0
    return 0.5 * length + overlap


def first_divergence(a: list[str], b: list[str]) -> int | None:
    """1-based index of the first line from which pairing by position looks worse
    than pairing shifted by one line, over a window of a few lines; or None."""
    n = min(len(a), len(b))
    ratios = [math.log(len(x.strip()) / len(y.strip())) for x, y in zip(a[:n], b[:n]) if x.strip() and y.strip()]
    typical = statistics.median(ratios) if ratios else 0.0

    def mean_score(da: int, db: int, i: int) -> float | None:
        pairs = [(i + k + da, i + k + db) for k in range(_WINDOW)]
        pairs = [(p, q) for p, q in pairs if p < len(a) and q < len(b)]
        if not pairs:
            return None
        return sum(_pair_score(a[p], b[q], typical) for p, q in pairs) / len(pairs)

    for i in range(n):
        straight = mean_score(0, 0, i)
        shifted = [s for s in (mean_score(1, 0, i), mean_score(0, 1, i)) if s is not None]
        if straight is not None and shifted and max(shifted) > straight + 0.15:
            # The window starts to go wrong here; the first bad pair may be a little later.
            for j in range(i, min(i + _WINDOW, n)):
                here = _pair_score(a[j], b[j], typical)
                moved = [_pair_score(a[p], b[q], typical) for p, q in ((j + 1, j), (j, j + 1))
                         if p < len(a) and q < len(b)]
                if moved and max(moved) > here:
                    return j + 1
            return i + 1
    return None


def _check_counts(mt: Side, other: Side) -> None:
    if len(mt.segments) == len(other.segments):
        return
    where = first_divergence(mt.texts(), other.texts())
    at = (f"they visibly diverge at segment {where}"
          if where else f"no visible divergence before segment {min(len(mt.segments), len(other.segments))}")
    line = mt.segments[where - 1].line if where and where <= len(mt.segments) else None
    raise AlignmentError(
        f"{mt.role} has {len(mt.segments)} segments but {other.path} ({other.role}) has "
        f"{len(other.segments)}; {at}",
        path=mt.path, line=line,
        hint="fix the files so they are line-aligned; automatic alignment is tracked for a later release",
    )


def rows_from_sides(sides: dict[str, list[Side]]):
    """One row per MT segment; every MT file is one system."""
    import pandas as pd

    srcs, refs = sides.get("src", []), sides.get("ref", [])
    frames = []
    for mt in sides["mt"]:
        for other in srcs + refs:
            _check_counts(mt, other)
        rows = {
            S.DOC_ID: [s.doc_id for s in mt.segments],
            S.SEG_ID: [s.seg_id for s in mt.segments],
            S.SRC: srcs[0].texts() if srcs else [""] * len(mt.segments),
            S.MT: mt.texts(),
        }
        for k, ref in enumerate(refs, start=1):
            rows[S.REF if k == 1 else f"ref_{k}"] = ref.texts()
        if not refs:
            rows[S.REF] = [""] * len(mt.segments)
        rows[S.KIND] = [s.kind for s in mt.segments]
        if any(s.para_id is not None for s in mt.segments):
            rows[S.PARA] = [s.para_id for s in mt.segments]
        rows[S.ALIGN] = "1-1"
        rows[S.ALIGN_CONF] = 1.0
        rows[S.FILE] = mt.path
        rows[S.LINE] = [s.line for s in mt.segments]
        frame = pd.DataFrame(rows)
        if mt.system:
            frame.insert(2, S.SYSTEM, mt.system)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)


def rows_from_table(table):
    """Fill the contract columns a table may lack; keep every other column."""
    frame = table.copy()
    for col in (S.SRC, S.REF):
        if col not in frame.columns:
            frame[col] = ""
    if S.DOC_ID not in frame.columns:
        frame[S.DOC_ID] = frame[S.FILE].map(lambda p: p.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    if S.SEG_ID not in frame.columns:
        frame[S.SEG_ID] = range(1, len(frame) + 1)
    frame[S.KIND] = "row"
    frame[S.ALIGN] = "1-1"
    frame[S.ALIGN_CONF] = 1.0
    return frame


def align(loaded):
    """Aligned rows for what `mtcheck.io.load` read."""
    if loaded.table is not None:
        frame = rows_from_table(loaded.table)
    else:
        frame = rows_from_sides(loaded.sides)
    if frame.empty:
        first = loaded.inputs[0]["path"] if loaded.inputs else None
        raise InputError("no segments to check (the input is empty)", path=first,
                         hint="give a file with at least one line of MT")
    return frame.reset_index(drop=True)
