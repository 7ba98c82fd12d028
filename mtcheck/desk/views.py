"""What the desk's pages show: the projects, one run's rows with their reviews and marks, and the lead's
figures (progress, agreement between editors, each check's precision from the team's verdicts).

Work from an earlier run of the project is *carried*: a review or mark made while an earlier run was
shown is returned with `carried: true` and its run, and the page says "carried from run N", never shows
it as this run's work. An imported mark (no run) is carried too: "carried from an import".
"""

from __future__ import annotations

from collections import defaultdict

from mtcheck.desk import mqm
from mtcheck.desk.review import mark_dict, review_dict


def projects(db) -> list[dict]:
    from sqlalchemy import select

    from mtcheck.desk.models import Project, Run

    with db.session() as session:
        out = []
        for project in session.scalars(select(Project).order_by(Project.name)):
            runs = session.scalars(select(Run).where(Run.project_id == project.id).order_by(Run.id)).all()
            out.append({"id": project.id, "name": project.name,
                        "runs": [{"id": r.id, "number": n, "folder": r.folder, "rows": r.rows,
                                  "loaded": r.loaded_at.isoformat(timespec="minutes")}
                                 for n, r in enumerate(runs, 1)]})
        return out


def run_of(db, project_name: str, run_id: int | None = None):
    """(project, run) by project name; the newest run unless `run_id` names one of the project's runs."""
    from sqlalchemy import select

    from mtcheck.desk.models import Project, Run

    with db.session() as session:
        project = session.scalars(select(Project).where(Project.name == project_name)).first()
        if project is None:
            return None, None
        query = select(Run).where(Run.project_id == project.id)
        query = query.where(Run.id == run_id) if run_id else query.order_by(Run.id.desc())
        return project, session.scalars(query).first()


def _editor_names(session) -> dict:
    from sqlalchemy import select

    from mtcheck.desk.models import Editor

    return dict(session.execute(select(Editor.id, Editor.name)).all())


def run_rows(db, run) -> list[dict]:
    """Every segment of the run, in the run's order, with its unit's review, marks and assignee."""
    from sqlalchemy import select

    from mtcheck.desk.models import Assignment, Mark, Review, Run, Segment, Unit

    with db.session() as session:
        names = _editor_names(session)
        runs = {r.id: n for n, r in enumerate(session.scalars(
            select(Run).where(Run.project_id == run.project_id).order_by(Run.id)), 1)}
        pairs = session.execute(select(Segment, Unit).join(Unit, Segment.unit_id == Unit.id)
                                .where(Segment.run_id == run.id).order_by(Segment.row)).all()
        unit_ids = [u.id for _, u in pairs]
        reviews = {r.unit_id: r for r in session.scalars(select(Review).where(Review.unit_id.in_(unit_ids)))}
        marks = defaultdict(list)
        for m in session.scalars(select(Mark).where(Mark.unit_id.in_(unit_ids), Mark.removed.is_(False))
                                 .order_by(Mark.id)):
            marks[m.unit_id].append(m)
        assigned = dict(session.execute(select(Assignment.unit_id, Assignment.editor_id)
                                        .where(Assignment.unit_id.in_(unit_ids))).all())
        rows = []
        for seg, unit in pairs:
            review = review_dict(reviews.get(unit.id), names)
            review["carried"] = bool(review["run"]) and review["run"] != run.id
            review["run_number"] = runs.get(review["run"])
            unit_marks = []
            for m in marks[unit.id]:
                shown = mark_dict(m, unit.mt, names)
                shown["carried"] = m.run_id != run.id  # an earlier run's, or imported (no run): never new
                shown["run_number"] = runs.get(m.run_id)
                unit_marks.append(shown)
            rows.append({"unit": unit.id, "row": seg.row, "doc": unit.doc_id, "seg": seg.seg_id,
                         "system": unit.system, "src": unit.src, "mt": unit.mt, "ref": unit.ref,
                         "quality": seg.quality, "severity": seg.severity, "route": seg.route,
                         "checks": [c for c in seg.checks.split(";") if c], "explanation": seg.explanation,
                         "review": review, "marks": unit_marks,
                         "assigned": names.get(assigned.get(unit.id), "")})
        return rows


def progress(rows) -> dict:
    """Reviewed and marked units per editor and per document."""
    editors: dict = defaultdict(lambda: {"assigned": 0, "assigned_done": 0, "reviews": 0, "marked_units": 0})
    docs: dict = defaultdict(lambda: {"units": 0, "reviewed": 0, "marked": 0})
    for row in rows:
        done = bool(row["review"]["status"])
        raters = {m["by"] for m in row["marks"]}
        docs[row["doc"]]["units"] += 1
        docs[row["doc"]]["reviewed"] += done
        docs[row["doc"]]["marked"] += bool(raters)
        if row["assigned"]:
            editors[row["assigned"]]["assigned"] += 1
            editors[row["assigned"]]["assigned_done"] += done or row["assigned"] in raters
        if done:
            editors[row["review"]["by"]]["reviews"] += 1
        for rater in raters:
            editors[rater]["marked_units"] += 1
    return {"editors": dict(sorted(editors.items())), "documents": dict(docs)}


def _spans(marks) -> set:
    return {i for m in marks if m["category"] != mqm.NO_ERROR for i in range(m["start"], m["end"])}


def agreement(rows) -> dict:
    """On units that two or more editors marked: the correlation of their MQM scores (Pearson over units,
    per pair of editors) and span overlap (characters marked by both over characters marked by either,
    over the units where either marked a span)."""
    import numpy as np

    pairs: dict = defaultdict(lambda: {"a": [], "b": [], "overlap": [], "units": 0})
    for row in rows:
        by = defaultdict(list)
        for m in row["marks"]:
            by[m["by"]].append(m)
        raters = sorted(by)
        for i, a in enumerate(raters):
            for b in raters[i + 1:]:
                pair = pairs[(a, b)]
                pair["units"] += 1
                pair["a"].append(sum(m["points"] for m in by[a]))
                pair["b"].append(sum(m["points"] for m in by[b]))
                sa, sb = _spans(by[a]), _spans(by[b])
                if sa or sb:
                    pair["overlap"].append(len(sa & sb) / len(sa | sb))
    out = []
    for (a, b), pair in sorted(pairs.items()):
        corr = None
        if pair["units"] >= 3 and len(set(pair["a"])) > 1 and len(set(pair["b"])) > 1:
            corr = round(float(np.corrcoef(pair["a"], pair["b"])[0, 1]), 3)
        overlap = round(float(np.mean(pair["overlap"])), 3) if pair["overlap"] else None
        out.append({"editors": [a, b], "units": pair["units"], "mqm_pearson": corr, "span_overlap": overlap})
    return {"pairs": out}


def check_precision(rows) -> dict:
    """Each check's precision on the units the team reviewed where it fired, by the rule of --verdicts
    (`fixed` is a true alarm, `false-alarm` and `ok` false ones; mtcheck/editorial/verdicts.py)."""
    from mtcheck.editorial.verdicts import verdicts_from_rows

    return verdicts_from_rows("desk", [{"status": r["review"]["status"], "src": r["src"], "mt": r["mt"],
                                        "checks": ";".join(r["checks"]), "note": r["review"]["note"],
                                        "doc_id": r["doc"], "seg_id": r["seg"], "line": 0} for r in rows]).precision
