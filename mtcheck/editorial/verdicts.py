"""Editor verdicts read back from a reviewed worklist (`--verdicts FILE`).

Editors fill two columns of the worklist: `status` (`ok`, `fixed` or `false-alarm`; empty means not
reviewed) and `editor_note`. The file may be the segments.csv or segments.xlsx mtcheck wrote, as any
spreadsheet program saved it (mtcheck/io/worklist.py), or the report's "Download verdicts" file. A
status is read in any case and with a space or underscore for the hyphen: the report's button says
"false alarm", and that is what editors type.

A verdict belongs to one row: the same document, segment id and text (normalised src and mt, as
`mtcheck diff --key text`). What it says about *another* row with the same text is an inference, and
is always shown as one (issue 34):

* **Suppression.** A finding is suppressed when the row's own verdict is `false-alarm` and the check
  fired on it then. A row with no verdict of its own inherits suppression only when every verdict on
  its text says `false-alarm`; where editors disagreed on one text (a repeated headline fixed once and
  called a false alarm once), nothing is suppressed and the explanation says they disagreed. A
  suppressed finding no longer counts for severity, quality or the gate; findings.csv keeps it with
  `suppressed = true`, and the explanation says whose verdict it was.
* **Precision per check.** On reviewed segments where a check fired, `fixed` counts as a true alarm,
  and `false-alarm` or `ok` (nothing needed fixing) as a false one. summary.json reports each check's
  precision.
* **Review carried over.** report.html starts each row that has a verdict of its own with that status
  and note. A row whose text an editor judged elsewhere starts unreviewed and names the verdict it
  could take ("same text as segment 20: fixed"), or the disagreement. segments.csv keeps `status`
  empty: a re-run must never take carried-over verdicts for new editor work, which it refuses to
  overwrite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError

STATUSES = ("ok", "fixed", "false-alarm")


def parse_status(text: str) -> str | None:
    """A status as editors write it ("False alarm", "false_alarm", "FIXED") in its canonical spelling;
    "" for empty, None for anything else."""
    word = re.sub(r"[\s_-]+", "-", str(text).strip().lower())
    if not word:
        return ""
    return word if word in STATUSES else None


@dataclass(frozen=True)
class Review:
    """One editor's verdict on one row of the reviewed file."""

    status: str
    note: str
    doc_id: str
    seg_id: str
    line: int                 # the line (row) of the verdicts file
    checks: tuple = ()        # the checks that had fired on it

    def where(self) -> str:
        return f"segment {self.seg_id}" + (f" of {self.doc_id}" if self.doc_id else "")


@dataclass
class Verdicts:
    path: str
    reviewed: int = 0
    own: dict = field(default_factory=dict)       # (doc id, segment id, text key) -> Review
    by_text: dict = field(default_factory=dict)   # text key -> [Review, ...] in file order
    xliff: object | None = None                   # an XliffReview, when the verdicts are an XLIFF
    precision: dict = field(default_factory=dict)  # check id -> {"fixed", "false_alarm", "precision"}

    def summary(self, suppressed: int) -> dict:
        return {"file": self.path, "reviewed": self.reviewed, "suppressed_findings": suppressed,
                "precision": self.precision}

    @property
    def reviews(self) -> dict:
        """(doc id, segment id, text key) -> (status, note) of every row with its own verdict: what the
        report pre-fills."""
        if self.xliff is not None:
            return self.xliff.reviews()
        return {key: (r.status, r.note) for key, r in self.own.items()}

    @property
    def any_false_alarm(self) -> bool:
        return self.xliff is not None or any(r.status == "false-alarm" for r in self.own.values())

    def elsewhere(self, doc_id: str, seg_id: str, key: str) -> list[Review]:
        """Verdicts on this text given on other rows (none when this row has its own)."""
        if (doc_id, seg_id, key) in self.own:
            return []
        return list(self.by_text.get(key, []))

    def is_false_alarm(self, doc_id: str, seg_id: str, key: str, check: str) -> bool:
        own = self.own.get((doc_id, seg_id, key))
        if own is not None:
            return own.status == "false-alarm" and check in own.checks
        others = self.by_text.get(key, [])
        return (bool(others) and all(r.status == "false-alarm" for r in others)
                and any(check in r.checks for r in others))


def load_verdicts(path: str | Path) -> Verdicts:
    from mtcheck.editorial.xliff_review import XliffReview, is_xliff
    from mtcheck.io.worklist import read_report_csv

    if is_xliff(path):  # an annotated XLIFF the reviewer returned (mtcheck/editorial/xliff_review.py)
        review = XliffReview.read(path)
        return Verdicts(path=str(path), reviewed=sum(u["signed_off"] for u in review.units.values()), xliff=review)

    frame = read_report_csv(path)
    for col in (S.STATUS, S.MT, S.CHECKS):
        if col not in frame.columns:
            raise InputError(f"no '{col}' column", path=str(path), line=1,
                             hint="give the segments.csv that mtcheck wrote, with the status column filled in")
    empty = [""] * len(frame)
    columns = zip(frame[S.STATUS], frame[S.SRC] if S.SRC in frame.columns else empty, frame[S.MT], frame[S.CHECKS],
                  frame[S.EDITOR_NOTE] if S.EDITOR_NOTE in frame.columns else empty,
                  frame[S.DOC_ID] if S.DOC_ID in frame.columns else empty,
                  frame[S.SEG_ID] if S.SEG_ID in frame.columns else empty)
    rows = []
    for number, (raw, s, mt, checks, note, doc_id, seg_id) in enumerate(columns, 2):
        status = parse_status(raw)
        if status is None:
            raise InputError(f"unknown status '{raw.strip()}'", path=str(path), line=number,
                             hint="status is one of ok, fixed, false-alarm (or 'false alarm'), or empty")
        rows.append({"status": status, "src": s, "mt": mt, "checks": checks, "note": note,
                     "doc_id": doc_id, "seg_id": seg_id, "line": number})
    return verdicts_from_rows(str(path), rows)


def verdicts_from_rows(label: str, rows) -> Verdicts:
    """Verdicts from reviewed rows (dicts with status, src, mt, checks, note, doc_id, seg_id, line), wherever
    they were kept: a worklist file (load_verdicts) or the review desk's database (mtcheck/desk/)."""
    from mtcheck.editorial.diff import text_key

    verdicts = Verdicts(path=label)
    tally: dict[str, list[int]] = {}
    for row in rows:
        status = row["status"]
        if not status:
            continue
        verdicts.reviewed += 1
        fired = tuple(c for c in row["checks"].split(";") if c)
        key = text_key(row["src"], row["mt"])
        review = Review(status, row["note"], str(row["doc_id"]), str(row["seg_id"]), row["line"], fired)
        verdicts.own[(str(row["doc_id"]), str(row["seg_id"]), key)] = review
        verdicts.by_text.setdefault(key, []).append(review)
        for check in fired:
            counts = tally.setdefault(check, [0, 0])
            counts[0 if status == "fixed" else 1] += 1
    verdicts.precision = {check: {"fixed": a, "false_alarm": b, "precision": round(a / (a + b), 3)}
                          for check, (a, b) in sorted(tally.items())}
    return verdicts


def _row_ids(frame):
    from mtcheck.editorial.diff import text_key

    src = frame[S.SRC].to_dict() if S.SRC in frame.columns else {}
    return {i: (str(d), str(s), text_key(src.get(i, ""), mt))
            for i, d, s, mt in zip(frame.index, frame[S.DOC_ID], frame[S.SEG_ID], frame[S.MT])}


def false_alarm_test(frame, verdicts: Verdicts):
    """A function (row index, Finding) -> True when editors called this check on this row a false alarm.
    A note (severity ok, e.g. a copy that is "fine for a name") is never one: it is neither shown as a
    finding nor written into an annotated XLIFF, so no reviewer can have rejected it (issue 35).

    The fusion drops what it says (mtcheck.quality.fusion.fuse's `veto`), before severity and quality."""
    if verdicts.xliff is not None:
        from mtcheck.editorial.xliff_review import row_keys

        ids = dict(zip(frame.index, row_keys(frame)))
        mts = frame[S.MT].fillna("").astype(str).to_dict()
        return lambda index, finding: (not finding.is_note
                                       and verdicts.xliff.is_false_alarm(ids[index], mts[index], finding.check))
    ids = _row_ids(frame)
    return lambda index, finding: not finding.is_note and verdicts.is_false_alarm(*ids[index], finding.check)


def note_suppressed(frame, suppressed, verdicts: Verdicts | None = None) -> None:
    """Say in each affected segment's explanation which findings an editor's verdict suppressed, and whose."""
    by_row: dict = {}
    for index, finding in suppressed:
        by_row.setdefault(index, []).append(finding.check)
    ids = _row_ids(frame.loc[list(by_row)]) if verdicts is not None and verdicts.xliff is None and by_row else {}
    for index, checks in by_row.items():
        names = ", ".join(dict.fromkeys(checks))
        others = verdicts.elsewhere(*ids[index]) if index in ids else []
        whose = (f"an editor marked it a false alarm on the same text at {others[0].where()}" if others
                 else "an editor marked it a false alarm on this segment")
        frame.at[index, S.EXPLANATION] = f"{frame.at[index, S.EXPLANATION]} Suppressed: {names} ({whose})."


def note_disagreements(frame, verdicts: Verdicts) -> None:
    """Where editors gave different verdicts on this row's text elsewhere and none on this row, say so:
    such a conflict is shown, never decided."""
    if verdicts.xliff is not None or not verdicts.by_text:
        return
    for index, ident in _row_ids(frame).items():
        others = verdicts.elsewhere(*ident)
        if len({r.status for r in others}) > 1:
            said = "; ".join(f"{r.status} at {r.where()}" for r in others[:4])
            frame.at[index, S.EXPLANATION] = (f"{frame.at[index, S.EXPLANATION]} Editors disagreed on this text "
                                              f"({said}): review this segment yourself.")
