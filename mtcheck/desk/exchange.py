"""The desk's data going out and coming in: MQM marks as google/wmt-mqm-human-evaluation TSV (export and
import), and the team's verdicts for `mtcheck check --verdicts DB_URL`.

Import matches a TSV row to a unit of the project by system, document and text (the target without its
<v> markers, with the source), the way runs match each other. A row that matches no unit adds one, so a
team can load judgments before any run of mtcheck; a later run of the same texts then shows them as
carried. Raters become editors without a password (they cannot sign in until `mtcheck desk add-editor`
gives them one). Importing the same file twice adds nothing the second time.
"""

from __future__ import annotations

from mtcheck.desk import mqm
from mtcheck.desk.store import audit, project_named


def export_rows(db, project_name: str):
    """One dict per (unit, rater): a row per mark, and a No-error row for a rater's "nothing wrong"."""
    from sqlalchemy import select

    from mtcheck.desk.models import Editor, Mark, Segment, Unit

    with db.session() as session:
        project = project_named(session, project_name)
        if project is None:
            return []
        names = dict(session.execute(select(Editor.id, Editor.name)).all())
        seg_ids = dict(session.execute(select(Segment.unit_id, Segment.seg_id)
                                       .join(Unit, Segment.unit_id == Unit.id)
                                       .where(Unit.project_id == project.id).order_by(Segment.run_id)).all())
        doc_numbers: dict = {}
        out = []
        query = (select(Mark, Unit).join(Unit, Mark.unit_id == Unit.id)
                 .where(Unit.project_id == project.id, Mark.removed.is_(False)).order_by(Unit.id, Mark.id))
        for mark, unit in session.execute(query):
            number = doc_numbers.setdefault(unit.doc_id, len(doc_numbers) + 1)
            out.append({"system": unit.system, "doc": unit.doc_id, "doc_id": number,
                        "seg_id": seg_ids.get(unit.id, unit.occurrence + 1),
                        "rater": names.get(mark.editor_id, "?"), "source": unit.src,
                        "target": mqm.with_span(unit.mt, mark.start, mark.end),
                        "category": mark.category,
                        "severity": "no-error" if mark.category == mqm.NO_ERROR else mark.severity.capitalize()})
        return out


def import_tsv(db, path, project_name: str, who: str = "mtcheck desk import") -> dict:
    """Load a wmt-mqm-human-evaluation TSV's marks into the project. Returns counts."""
    from sqlalchemy import select

    from mtcheck.desk.models import Editor, Mark, Unit
    from mtcheck.editorial.diff import text_key
    from mtcheck.errors import InputError

    counts = {"rows": 0, "marks": 0, "units_added": 0, "already_there": 0}
    with db.writing() as session, session.begin():
        project = project_named(session, project_name, create=True)
        units = {(u.system, u.doc_id, u.text_key): u
                 for u in session.scalars(select(Unit).where(Unit.project_id == project.id,
                                                             Unit.occurrence == 0))}
        editors = {e.name: e for e in session.scalars(select(Editor))}
        for number, row in mqm.read_tsv(path):
            counts["rows"] += 1
            category = row["category"].strip()
            severity = mqm.canonical_severity(row["severity"])
            if severity is None:
                raise InputError(f"unknown severity '{row['severity']}'", path=str(path), line=number,
                                 hint="severity is Minor, Major, Critical or No-error")
            if category.lower() in ("no-error", "no error"):
                category = mqm.NO_ERROR
            mt, start, end = mqm.split_span(row["target"])
            source = mqm.split_span(row["source"])[0]  # a source error has its <v> span in the source
            ident = (row["system"].strip(), row["doc"].strip(), text_key(source, mt))
            unit = units.get(ident)
            if unit is None:
                unit = Unit(project_id=project.id, system=ident[0], doc_id=ident[1], text_key=ident[2],
                            occurrence=0, src=source, mt=mt, ref="")
                session.add(unit)
                session.flush()
                units[ident] = unit
                counts["units_added"] += 1
            rater = row["rater"].strip() or "unknown"
            if rater not in editors:
                editors[rater] = Editor(name=rater, role="editor", password_hash="!imported", active=False)
                session.add(editors[rater])
                session.flush()
            editor = editors[rater]
            if severity == "no-error" or category == mqm.NO_ERROR:
                category, severity, start, end = mqm.NO_ERROR, "no-error", 0, 0
            same = session.scalars(select(Mark).where(
                Mark.unit_id == unit.id, Mark.editor_id == editor.id, Mark.start == start, Mark.end == end,
                Mark.category == category, Mark.severity == severity, Mark.removed.is_(False))).first()
            if same is not None:
                counts["already_there"] += 1
                continue
            session.add(Mark(unit_id=unit.id, editor_id=editor.id, run_id=None, start=start, end=end,
                             category=category, severity=severity, comment=""))
            counts["marks"] += 1
        audit(session, who, "import", None, None, {"file": str(path), **counts})
    return counts


def project_for(db, wanted: str | None) -> str:
    """The project `--verdicts DB_URL` reads: the one named like the report folder (or `wanted`), else the
    database's only project; anything else is a one-line error naming the projects there are."""
    from sqlalchemy import select

    from mtcheck.desk.models import Project
    from mtcheck.errors import UsageError

    with db.session() as session:
        names = list(session.scalars(select(Project.name).order_by(Project.name)))
    if wanted in names:
        return wanted
    if len(names) == 1:
        return names[0]
    if not names:
        raise UsageError("the desk's database has no project", hint="serve a report folder with mtcheck serve first")
    raise UsageError(f"the desk's database has no project '{wanted}'" if wanted else
                     "the desk's database has several projects", hint="name one of: " + ", ".join(names))


def verdicts_from_db(db, project_name: str, label: str):
    """The project's reviews as the Verdicts that `--verdicts FILE` reads (mtcheck/editorial/verdicts.py),
    with the unit's text, document and the checks that fired on it in its newest run."""
    from sqlalchemy import func, select

    from mtcheck.desk.models import Review, Segment, Unit
    from mtcheck.editorial.verdicts import verdicts_from_rows

    with db.session() as session:
        project = project_named(session, project_name)
        if project is None:
            return verdicts_from_rows(label, [])
        newest = (select(Segment.unit_id, func.max(Segment.id).label("segment"))
                  .group_by(Segment.unit_id).subquery())
        query = (select(Review, Unit, Segment).join(Unit, Review.unit_id == Unit.id)
                 .join(newest, newest.c.unit_id == Unit.id).join(Segment, Segment.id == newest.c.segment)
                 .where(Unit.project_id == project.id).order_by(Unit.id))
        rows = [{"status": r.status, "src": u.src, "mt": u.mt, "checks": s.checks, "note": r.note,
                 "doc_id": u.doc_id, "seg_id": s.seg_id, "line": 0}
                for r, u, s in session.execute(query) if r.status]
    return verdicts_from_rows(label, rows)
