"""Stage 2, align: sides into aligned rows, by position or by content (`beads`, `costs`).
May import `models` (the sentence encoders), `io`, `schema` and `errors`.

Turn sides into aligned rows: doc_id, seg_id, src, mt, ref, bead and confidence.

Line-aligned files (the sacrebleu/COMET convention) are paired by position.
Unequal counts are then an error that names each file, its count and the
first line where the two visibly diverge; nothing is ever truncated silently.
With `--align`, or when a side is running text, the sides are aligned by
content (`mtcheck.align.beads`): one row per bead, `align` = "R-M" (reference or
source sentences, MT sentences), e.g. 2-1 for two reference sentences
translated as one MT sentence, 1-0 for an omission, 0-1 for an addition.
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
    shorter = min(len(mt.segments), len(other.segments))
    longer = mt if len(mt.segments) > len(other.segments) else other
    if where:
        at = f"they visibly diverge at segment {where}"
        line = mt.segments[where - 1].line if where <= len(mt.segments) else None
    else:
        # No pair looks shifted: the files agree as far as the shorter goes, and the longer one has
        # lines the other lacks at its end (issue 27: say where they stop agreeing).
        extra = len(longer.segments) - shorter
        at = (f"they pair up on the first {shorter}, and {longer.role} has {extra} more from line "
              f"{longer.segments[shorter].line} on")
        line = longer.segments[shorter].line if longer is mt else None
    raise AlignmentError(
        f"{mt.role} has {len(mt.segments)} segments but {other.path} ({other.role}) has "
        f"{len(other.segments)}; {at}",
        path=mt.path, line=line,
        hint="pass --align to align them by content, or fix the files so they are line-aligned",
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


def rows_from_table(table, first_seg_id: int = 1):
    """Fill the contract columns a table may lack; keep every other column. `first_seg_id`: the seg_id
    of the first row when `table` is a block of a longer table (mtcheck/io/stream.py)."""
    frame = table.copy()
    for col in (S.SRC, S.REF):
        if col not in frame.columns:
            frame[col] = ""
    if S.DOC_ID not in frame.columns:
        frame[S.DOC_ID] = frame[S.FILE].map(lambda p: p.rsplit("/", 1)[-1].rsplit(".", 1)[0])
    if S.SEG_ID not in frame.columns:
        frame[S.SEG_ID] = range(first_seg_id, first_seg_id + len(frame))
    frame[S.KIND] = "row"
    frame[S.ALIGN] = "1-1"
    frame[S.ALIGN_CONF] = 1.0
    return frame


def align(loaded, target_lang: str = "en", model: str | None = None, progress=None):
    """Aligned rows for what `mtcheck.io.load` read.

    Tables are row-aligned already. Sides are paired by position, unless
    alignment was asked for (`--align`) or a side is running text; then the
    MT is aligned with the reference (sentence-transformers; MiniLM for
    English) and the source (the cross-lingual USE) by content.
    """
    has_other = bool(loaded.sides.get("src") or loaded.sides.get("ref"))
    if loaded.table is not None:
        frame = rows_from_table(loaded.table)
    elif loaded.align and has_other:
        frame = rows_by_alignment(loaded.sides, target_lang, model, progress)
    else:
        frame = rows_from_sides(loaded.sides)
    if frame.empty:
        first = loaded.inputs[0]["path"] if loaded.inputs else None
        raise InputError("no segments to check (the input is empty)", path=first,
                         hint="give a file with at least one line of MT")
    return frame.reset_index(drop=True)


# --- alignment by content ---------------------------------------------------

def _components(n_mt: int, bead_lists) -> list[int]:
    """Component id of each MT sentence: sentences joined by any bead share one row."""
    comp = list(range(n_mt))

    def find(x):
        while comp[x] != x:
            comp[x] = comp[comp[x]]
            x = comp[x]
        return x
    for beads in bead_lists:
        for bead in beads:
            for j in bead.mt[1:]:
                comp[find(j)] = find(bead.mt[0])
    return [find(j) for j in range(n_mt)]


def merge_beads(n_mt: int, beads_by_role: dict[str, list]) -> list[dict]:
    """Rows from one or two bead lists that share the MT side.

    Each row: {"mt": [mt idxs], role: [idxs] for each role, "conf": float,
    "kind": "R-M" of the first role}. Sentences missing from the MT (1-0
    beads) become rows of their own, placed where they fall; a source and a
    reference sentence omitted at the same place share one row.
    """
    comps = _components(n_mt, beads_by_role.values())
    rows: dict[tuple, dict] = {}
    for role, beads in beads_by_role.items():
        consumed, omitted_here = 0, 0
        for bead in beads:
            if bead.mt:
                key = (comps[bead.mt[0]], 1, 0)
                row = rows.setdefault(key, {"mt": [], "conf": 1.0})
                row["mt"] = sorted(set(row["mt"]) | set(bead.mt))
                row.setdefault(role, []).extend(bead.other)
                row["conf"] = min(row["conf"], bead.confidence)
                consumed = bead.mt[-1] + 1
                omitted_here = 0
            else:
                position = comps[consumed] if consumed < n_mt else n_mt
                key = (position, 0, omitted_here)
                row = rows.setdefault(key, {"mt": [], "conf": 1.0})
                row.setdefault(role, []).extend(bead.other)
                row["conf"] = min(row["conf"], bead.confidence)
                omitted_here += 1
    ordered = [rows[k] for k in sorted(rows)]
    first = next(iter(beads_by_role))
    for row in ordered:
        row["kind"] = f"{len(row.get(first, []))}-{len(row['mt'])}"
    return ordered


def rows_by_alignment(sides: dict, target_lang: str = "en", model: str | None = None, progress=None):
    """One row per bead: MT aligned to the reference (and the source) by content."""
    import pandas as pd

    from mtcheck.align.beads import align_sentences
    from mtcheck.models.embedders import embedder_for

    # Each reference is aligned with the MT on its own; MT sentences that any of
    # them joins share one row (merge_beads), so every reference column of a row
    # holds what that reference says for the same MT text.
    others = [(S.REF if k == 1 else f"ref_{k}", side) for k, side in enumerate(sides.get("ref", []), start=1)]
    others += [(S.SRC, sides["src"][0])] if sides.get("src") else []
    frames = []
    for mt in sides["mt"]:
        mt_texts = mt.texts()
        beads_by_role = {}
        for role, side in others:
            embedder = embedder_for("src" if role == S.SRC else "ref", target_lang, model)
            total = len(set(side.texts() + mt_texts))
            advance = progress(f"aligning {role}<->mt", total) if progress else None
            # MT and reference are in one language: shared words count too (issue 15).
            beads_by_role[role] = align_sentences(side.texts(), mt_texts, embedder, advance=advance,
                                                  same_language=role != S.SRC)
        merged = merge_beads(len(mt_texts), beads_by_role)
        records = []
        for row in merged:
            first_mt = mt.segments[row["mt"][0]] if row["mt"] else None
            record = {S.DOC_ID: mt.segments[0].doc_id if mt.segments else "", S.SEG_ID: len(records) + 1,
                      S.MT: " ".join(mt_texts[j] for j in row["mt"])}
            for role, side in others:
                record[role] = " ".join(side.segments[i].text for i in row.get(role, []))
            anchor_side, anchor = (mt, first_mt) if first_mt else next(
                (side, side.segments[row[role][0]]) for role, side in others if row.get(role))
            record[S.KIND] = anchor.kind if first_mt else "omission"
            if anchor.para_id is not None:
                record[S.PARA] = anchor.para_id
            record[S.ALIGN] = row["kind"]
            record[S.ALIGN_CONF] = round(row["conf"], 4)
            record[S.FILE] = anchor_side.path
            record[S.LINE] = anchor.line
            records.append(record)
        frame = pd.DataFrame.from_records(records)
        for col in (S.SRC, S.REF):
            if col not in frame.columns:
                frame[col] = ""
        if mt.system:
            frame.insert(2, S.SYSTEM, mt.system)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
