"""Consistency within a document: the `inconsistent-translation` check (issue 35, as Xbench runs it).

A file's repeated strings must read the same way ("Save" is "Speichern" in every dialog), and two
different source strings should not share one translation ("Delete" and "Remove" both "Löschen" is
often right, so that case is minor and only reported). Rows are compared within one document and one
system (an XLIFF `<file>`, a corpus document), where a run's partitions never split them, so the
check sees the same rows whatever the partitioning. That holds for XLIFF files, document corpora and
tables with a doc_id; a line-aligned input or a table without doc_id is cut anywhere, and there the
check sees one partition (2,000 rows by default) at a time (not yet a survey of the whole run, as
`duplicate-segment` has). Case and spacing do not count; a source of one character or without
letters does not take part.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Iterator

from mtcheck import schema as S
from mtcheck.checks import CheckContext, Finding, corpus_check


def _norm(text) -> str:
    return " ".join(str(text).lower().split()) if isinstance(text, str) else ""


def _where(frame, index) -> str:
    return f"segment {frame.at[index, S.SEG_ID]}" if S.SEG_ID in frame.columns else f"row {index}"


@corpus_check("inconsistent-translation")
def inconsistent_translation(frame, ctx: CheckContext) -> Iterator[tuple[int, Finding]]:
    """The same source translated differently in one document, or one translation used for different sources."""
    if S.SRC not in frame.columns:
        return
    docs = frame[S.DOC_ID].astype(str) if S.DOC_ID in frame.columns else [""] * len(frame)
    systems = frame[S.SYSTEM].astype(str) if S.SYSTEM in frame.columns else [""] * len(frame)
    if S.TARGET_LANG in frame.columns:  # one document per target language (a multilingual XLIFF)
        systems = [f"{s}\t{lang}" for s, lang in zip(systems, frame[S.TARGET_LANG].astype(str))]
    by_source: dict = defaultdict(list)
    by_target: dict = defaultdict(list)
    for index, doc, system, src, mt in zip(frame.index, docs, systems, frame[S.SRC], frame[S.MT]):
        s, t = _norm(src), _norm(mt)
        if len(s) < 2 or not any(ch.isalpha() for ch in s) or not t:
            continue
        by_source[(doc, system, s)].append((index, t))
        by_target[(doc, system, t)].append((index, s))
    for rows in by_source.values():
        usual = Counter(t for _, t in rows).most_common(1)[0][0] if len({t for _, t in rows}) > 1 else None
        if usual is None:
            continue
        first = next(i for i, t in rows if t == usual)
        for index, t in rows:
            if t != usual:
                text = frame.at[index, S.MT]
                yield index, Finding("inconsistent-translation", "minor",
                                     f"The same source is translated differently at {_where(frame, first)} "
                                     f"('{frame.at[first, S.MT][:60]}'); make them agree.", 0, len(text))
    for rows in by_target.values():
        if len({s for _, s in rows}) < 2:
            continue
        first_index, first_source = rows[0]
        for index, s in rows[1:]:
            if s != first_source:
                text = frame.at[index, S.MT]
                yield index, Finding("inconsistent-translation", "minor",
                                     f"This translation is also used for a different source at "
                                     f"{_where(frame, first_index)} ('{frame.at[first_index, S.SRC][:60]}'); check "
                                     "that both sources mean the same.", 0, len(text))
