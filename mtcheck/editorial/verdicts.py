"""Editor verdicts read back from a reviewed segments.csv (`--verdicts FILE`).

Editors fill two columns of the worklist: `status` (`ok`, `fixed` or
`false-alarm`; empty means not reviewed) and `editor_note`. Reading the file
back has two effects:

* **Suppression.** A finding is suppressed in later runs when an editor
  marked a segment with the *same check* and the *same text* (normalised src
  and mt, as `mtcheck diff --key text`) as `false-alarm`. It no longer counts
  for severity, quality or the gate; findings.csv keeps it with
  `suppressed = true`, and the segment's explanation says so.
* **Precision per check.** On reviewed segments where a check fired, `fixed`
  counts as a true alarm, and `false-alarm` or `ok` (nothing needed fixing)
  as a false one. summary.json reports each check's precision.
* **Review carried over.** report.html starts with each reviewed status and
  note on the rows with the same text, so an editor sees what was already
  reviewed (and the next "Download verdicts" keeps it). segments.csv keeps
  `status` empty: a re-run must never take carried-over verdicts for new
  editor work, which it refuses to overwrite.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError

STATUSES = ("ok", "fixed", "false-alarm")


@dataclass
class Verdicts:
    path: str
    reviewed: int = 0
    false_alarms: set = field(default_factory=set)          # {(check id, text key)}
    # text key -> (status, editor note) of every reviewed row: what the report shows as already reviewed.
    # Also (doc id, segment id, text key) -> the same, so that two rows with one text that an editor
    # judged differently (a repeated headline fixed once, called a false alarm once) keep their own.
    reviews: dict = field(default_factory=dict)
    xliff: object | None = None                             # an XliffReview, when the verdicts are an XLIFF
    precision: dict = field(default_factory=dict)           # check id -> {"fixed", "false_alarm", "precision"}

    def summary(self, suppressed: int) -> dict:
        return {"file": self.path, "reviewed": self.reviewed, "suppressed_findings": suppressed,
                "precision": self.precision}


def load_verdicts(path: str | Path) -> Verdicts:
    from mtcheck.editorial.diff import text_key
    from mtcheck.editorial.xliff_review import XliffReview, is_xliff
    from mtcheck.io.worklist import read_report_csv

    if is_xliff(path):  # an annotated XLIFF the reviewer returned (mtcheck/editorial/xliff_review.py)
        review = XliffReview.read(path)
        reviews = review.reviews()
        return Verdicts(path=str(path), reviewed=sum(u["signed_off"] for u in review.units.values()),
                        reviews=reviews, xliff=review)

    frame = read_report_csv(path)
    for col in (S.STATUS, S.MT, S.CHECKS):
        if col not in frame.columns:
            raise InputError(f"no '{col}' column", path=str(path), line=1,
                             hint="give the segments.csv that mtcheck wrote, with the status column filled in")
    verdicts = Verdicts(path=str(path))
    tally: dict[str, list[int]] = {}
    src = frame[S.SRC] if S.SRC in frame.columns else [""] * len(frame)
    notes = frame[S.EDITOR_NOTE] if S.EDITOR_NOTE in frame.columns else [""] * len(frame)
    doc_ids = frame[S.DOC_ID] if S.DOC_ID in frame.columns else [""] * len(frame)
    seg_ids = frame[S.SEG_ID] if S.SEG_ID in frame.columns else [""] * len(frame)
    rows = zip(frame[S.STATUS], src, frame[S.MT], frame[S.CHECKS], notes, doc_ids, seg_ids)
    for number, (status, s, mt, checks, note, doc_id, seg_id) in enumerate(rows, 2):
        status = status.strip().lower()
        if not status:
            continue
        if status not in STATUSES:
            raise InputError(f"unknown status '{status}'", path=str(path), line=number,
                             hint=f"status is one of {', '.join(STATUSES)}, or empty")
        verdicts.reviewed += 1
        verdicts.reviews[text_key(s, mt)] = (status, note)
        verdicts.reviews[(str(doc_id), str(seg_id), text_key(s, mt))] = (status, note)
        fired = [c for c in checks.split(";") if c]
        for check in fired:
            counts = tally.setdefault(check, [0, 0])
            counts[0 if status == "fixed" else 1] += 1
            if status == "false-alarm":
                verdicts.false_alarms.add((check, text_key(s, mt)))
    verdicts.precision = {check: {"fixed": a, "false_alarm": b, "precision": round(a / (a + b), 3)}
                          for check, (a, b) in sorted(tally.items())}
    return verdicts


def false_alarm_test(frame, verdicts: Verdicts):
    """A function (row index, Finding) -> True when editors called this check on this text a false alarm.

    The fusion drops what it says (mtcheck.quality.fusion.fuse's `veto`), before severity and quality."""
    from mtcheck.editorial.diff import text_key

    if verdicts.xliff is not None:
        from mtcheck.editorial.xliff_review import row_keys

        ids = dict(zip(frame.index, row_keys(frame)))
        mts = frame[S.MT].fillna("").astype(str).to_dict()
        return lambda index, finding: verdicts.xliff.is_false_alarm(ids[index], mts[index], finding.check)
    src = frame[S.SRC].to_dict() if S.SRC in frame.columns else {}
    keys = {i: text_key(src.get(i, ""), mt) for i, mt in frame[S.MT].items()}
    return lambda index, finding: (finding.check, keys[index]) in verdicts.false_alarms


def note_suppressed(frame, suppressed) -> None:
    """Say in each affected segment's explanation which findings an editor's verdict suppressed."""
    by_row: dict = {}
    for index, finding in suppressed:
        by_row.setdefault(index, []).append(finding.check)
    for index, checks in by_row.items():
        names = ", ".join(dict.fromkeys(checks))
        frame.at[index, S.EXPLANATION] = (f"{frame.at[index, S.EXPLANATION]} Suppressed: {names} "
                                          "(an editor marked it a false alarm on this text).")
