"""Omissions and additions, as alignment (or an empty line) shows them.

After alignment by content, a source or reference sentence with no MT
counterpart (bead 1-0) is a row with empty `mt`; MT with no counterpart on any
other side (bead 0-1) is a row with empty `src` and `ref`. Line-aligned input
shows the same failures as an empty MT line, or an MT line facing empty lines.
"""

from __future__ import annotations

from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, corpus_check, iter_text, segment_check


def _present(frame, column: str):
    if column not in frame.columns:
        return None
    mask = frame[column].fillna("").astype(str).str.strip() != ""
    return mask if mask.any() else None


@corpus_check("omission")
def omission(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """A source or reference sentence that has no translation in the MT."""
    src, ref = _present(frame, S.SRC), _present(frame, S.REF)
    if src is None and ref is None:
        return
    mt_empty = frame[S.MT].fillna("").astype(str).str.strip() == ""
    other = src if src is not None else ref
    if src is not None and ref is not None:
        other = src | ref
    for index in frame.index[mt_empty & other]:
        side = "source" if src is not None and src[index] else "reference"
        text = frame.at[index, S.SRC if side == "source" else S.REF]
        yield index, Finding("omission", "major",
                             f"The {side} sentence \"{text[:80]}\" has no translation in the MT; "
                             "translate it and insert it here.", 0, 0)


@corpus_check("addition")
def addition(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """MT text with no counterpart in the source or reference."""
    src, ref = _present(frame, S.SRC), _present(frame, S.REF)
    if src is None and ref is None:
        return
    has_other = (src if src is not None else False) | (ref if ref is not None else False)
    mt_text = frame[S.MT].fillna("").astype(str)
    for index in frame.index[(mt_text.str.strip() != "") & ~has_other]:
        yield index, Finding("addition", "major",
                             "This MT text has no counterpart in the source or reference: it was added "
                             "(a hallucination or a misplaced sentence); delete it unless the source has it.",
                             0, len(mt_text[index]))


@segment_check("empty-mt")
def empty_mt(row: dict, ctx: CheckContext) -> Iterator[Finding]:
    """An empty MT segment with no source or reference beside it to call it an omission.

    An MT-only run has no other side, so the `omission` check cannot speak; an empty line is still
    nothing an editor can publish (issue 34: it used to read "No problem found").
    """
    if iter_text(row).strip() or iter_text(row, S.SRC).strip() or iter_text(row, S.REF).strip():
        return
    if ctx.has_src:  # a bilingual file's unit with an empty source (an empty heading): nothing to translate
        return
    yield Finding("empty-mt", "major", "This segment is empty: there is no translation to publish. Translate it, "
                  "or delete the line if it is a stray blank.", 0, 0)
