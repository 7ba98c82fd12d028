"""What editors do at the desk: set a unit's review, mark MQM spans, and (leads) assign units. Every change
is written to the audit log in the same transaction as the change itself.

A segment's review belongs to the editor who saved it first: another editor's save is refused with a
`Conflict` showing it (an editor cannot change a colleague's review; a lead can, and the audit log says
so). Optimistic locking covers the rest: a save carries the review version the editor's page showed,
and when the review changed since (the same editor in another tab, or a lead), the save is refused with
the stored review shown. Two first saves racing to create a review meet the unit's unique constraint,
and the loser gets the same `Conflict`. Nothing is silently overwritten.
"""

from __future__ import annotations

from mtcheck.desk import mqm
from mtcheck.desk.store import audit
from mtcheck.editorial.verdicts import STATUSES
from mtcheck.errors import UsageError


class Conflict(Exception):
    """The save was refused: the review changed since the editor loaded it (`owned` False), or it is a
    colleague's (`owned` True). `current` is what is stored now."""

    def __init__(self, current: dict, owned: bool = False) -> None:
        super().__init__("changed by another editor")
        self.current = current
        self.owned = owned


def review_dict(review, names: dict) -> dict:
    if review is None:
        return {"status": "", "note": "", "version": 0, "by": "", "at": "", "run": None}
    return {"status": review.status, "note": review.note, "version": review.version,
            "by": names.get(review.editor_id, "?"), "at": utc(review.updated_at).isoformat(timespec="seconds"),
            "run": review.run_id}


def utc(moment):
    """A stored time in UTC: SQLite keeps no time zone, and every time the desk writes is UTC."""
    from datetime import timezone

    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _names(session) -> dict:
    from sqlalchemy import select

    from mtcheck.desk.models import Editor

    return dict(session.execute(select(Editor.id, Editor.name)).all())


def _unit(session, unit_id: int):
    from mtcheck.desk.models import Unit

    unit = session.get(Unit, unit_id)
    if unit is None:
        raise UsageError(f"no unit {unit_id}", hint="reload the page")
    return unit


def save_review(db, editor, unit_id: int, run_id: int, status: str, note: str, version: int) -> dict:
    """Store a unit's status and note if nobody changed it since `version`. Returns the stored review."""
    from sqlalchemy import select
    from sqlalchemy.exc import IntegrityError
    from sqlalchemy.orm.exc import StaleDataError

    from mtcheck.desk.models import Review, now

    if status not in ("",) + STATUSES:
        raise UsageError(f"unknown status '{status}'", hint="one of " + ", ".join(STATUSES) + ", or empty")
    note = note[:2000]
    try:
        with db.writing() as session, session.begin():
            _unit(session, unit_id)
            review = session.scalars(select(Review).where(Review.unit_id == unit_id)).first()
            current = review.version if review is not None else 0
            if review is not None and review.editor_id != editor.id and editor.role != "lead":
                raise Conflict(review_dict(review, _names(session)), owned=True)
            if current != version:
                raise Conflict(review_dict(review, _names(session)))
            old = {"status": review.status, "note": review.note} if review is not None else {"status": "", "note": ""}
            if review is None:
                review = Review(unit_id=unit_id, editor_id=editor.id, run_id=run_id, status=status, note=note)
                session.add(review)
            else:
                review.status, review.note, review.editor_id, review.run_id = status, note, editor.id, run_id
                review.updated_at = now()
            session.flush()
            audit(session, editor.name, "review", unit_id, old, {"status": status, "note": note})
            return review_dict(review, _names(session))
    except (StaleDataError, IntegrityError):
        with db.session() as session:
            review = session.scalars(select(Review).where(Review.unit_id == unit_id)).first()
            raise Conflict(review_dict(review, _names(session))) from None


def add_mark(db, editor, unit_id: int, run_id, start: int, end: int, category: str, severity: str,
             comment: str = "") -> dict:
    """One MQM mark on the unit's MT, by this editor. "No-error" (start = end = 0) says the editor read the
    unit and found nothing."""
    from mtcheck.desk.models import Mark

    if category == mqm.NO_ERROR:
        start = end = 0
        severity = "no-error"
    elif category not in mqm.CATEGORIES:
        raise UsageError(f"unknown MQM category '{category}'", hint="pick one of the page's categories")
    elif severity not in mqm.SEVERITIES:
        raise UsageError(f"unknown severity '{severity}'", hint="one of " + ", ".join(mqm.SEVERITIES))
    with db.writing() as session, session.begin():
        unit = _unit(session, unit_id)
        if category != mqm.NO_ERROR and not (0 <= start < end <= len(unit.mt)):
            raise UsageError(f"the span {start}-{end} is not inside the translation",
                             hint="select a part of the machine translation")
        mark = Mark(unit_id=unit_id, editor_id=editor.id, run_id=run_id, start=start, end=end,
                    category=category, severity=severity, comment=comment[:1000])
        session.add(mark)
        session.flush()
        shown = mark_dict(mark, unit.mt, {editor.id: editor.name})
        audit(session, editor.name, "mark", unit_id, None, shown)
        return shown


def remove_mark(db, editor, mark_id: int) -> None:
    """Remove one of the editor's own marks (a lead may remove anyone's). The mark stays in the database,
    flagged removed, and the audit log says who removed it."""
    from mtcheck.desk.models import Mark, Unit

    with db.writing() as session, session.begin():
        mark = session.get(Mark, mark_id)
        if mark is None or mark.removed:
            raise UsageError(f"no mark {mark_id}", hint="reload the page")
        if mark.editor_id != editor.id and editor.role != "lead":
            raise PermissionError("only the mark's editor or a lead may remove it")
        mark.removed = True
        audit(session, editor.name, "unmark", mark.unit_id,
              mark_dict(mark, session.get(Unit, mark.unit_id).mt, _names(session)), None)


def mark_dict(mark, mt: str, names: dict) -> dict:
    return {"id": mark.id, "start": mark.start, "end": mark.end, "span": mt[mark.start:mark.end],
            "category": mark.category, "severity": mark.severity, "comment": mark.comment,
            "by": names.get(mark.editor_id, "?"), "run": mark.run_id,
            "points": mqm.penalty(mark.category, mark.severity)}


def assign(db, lead, unit_ids, editor_name: str) -> int:
    """Assign units to an editor (an empty name removes the assignment). Leads only."""
    from sqlalchemy import select

    from mtcheck.desk.models import Assignment, Editor

    if lead.role != "lead":
        raise PermissionError("only a lead assigns segments")
    with db.writing() as session, session.begin():
        target = None
        if editor_name:
            target = session.scalars(select(Editor).where(Editor.name == editor_name)).first()
            if target is None:
                raise UsageError(f"no editor '{editor_name}'", hint="add the account first")
        names = _names(session)
        for unit_id in unit_ids:
            _unit(session, unit_id)
            row = session.get(Assignment, unit_id)
            old = names.get(row.editor_id) if row else None
            if target is None:
                if row is not None:
                    session.delete(row)
            elif row is None:
                session.add(Assignment(unit_id=unit_id, editor_id=target.id))
            else:
                row.editor_id = target.id
            audit(session, lead.name, "assign", unit_id, {"editor": old}, {"editor": editor_name or None})
        return len(unit_ids)
