"""`mtcheck calibrate DB_URL`: how well mtcheck ranks the team's own segments, from the team's MQM marks.

A unit counts once at least one editor marked it (a span, or "No error"). Its MQM score is the mean over
its raters of each rater's points (mqm.py's weights). The mtcheck figures are those of the unit's newest
run. Three views, as docs/evaluation.md reports them on public data:

1. item-grouped Kendall tau: per source text, across systems (needs two or more systems on one source);
2. Kendall tau within each system against MQM per 10 words: the editor's worklist (reference words
   where the run had a reference, else MT words; a system needs more than 10 marked units);
3. Pearson over systems against corpus chrF++ and BLEU (needs three or more systems).

Each view is given for `quality`, sentence chrF++ and BLEU, `-length` and every single signal the runs
wrote, on the same units. A view that the team's marks cannot support is reported as not measurable,
with the reason, never as a number.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.desk import mqm

# The signals of segments.csv a team's marks are compared on; lower-is-better ones are negated.
SIGNALS = [S.CHRF, S.BLEU, S.EMB_SIM_REF, S.XENC_REF, S.XSIM, S.XSIM_REF, S.XSIM_MARGIN, S.FLUENCY,
           S.FLUENCY_LP, S.FLUENCY_ADJ, S.LM_REF_LP]
NEGATED = {S.TER: "-ter"}
MIN_PER_SYSTEM = 11   # per_word_tau's floor (mtcheck/evaluation/metaeval.py)


def team_frame(db, project_name: str):
    """One row per marked unit: system, source key, MQM, words, quality and the signals."""
    import pandas as pd
    from sqlalchemy import func, select

    from mtcheck.desk.models import Mark, Segment, Unit
    from mtcheck.desk.store import project_named
    from mtcheck.editorial.diff import normalise

    with db.session() as session:
        project = project_named(session, project_name)
        if project is None:
            return pd.DataFrame()
        marks = session.execute(select(Mark, Unit).join(Unit, Mark.unit_id == Unit.id)
                                .where(Unit.project_id == project.id, Mark.removed.is_(False))).all()
        newest = dict(session.execute(select(Segment.unit_id, func.max(Segment.id)).join(Unit, Segment.unit_id == Unit.id)
                                      .where(Unit.project_id == project.id).group_by(Segment.unit_id)).all())
        segments = {s.id: s for s in session.scalars(select(Segment).where(Segment.id.in_(list(newest.values()))))}
    by_unit: dict = {}
    for mark, unit in marks:
        entry = by_unit.setdefault(unit.id, {"unit": unit, "raters": {}})
        entry["raters"].setdefault(mark.editor_id, []).append(mark)
    rows = []
    for unit_id, entry in by_unit.items():
        unit, segment = entry["unit"], segments.get(newest.get(unit_id))
        points = [mqm.score(m) for m in entry["raters"].values()]
        row = {"unit": unit_id, "system": unit.system, "doc": unit.doc_id, "src_key": f"{unit.doc_id}\x1f{normalise(unit.src)}",
               "src": unit.src, "mt": unit.mt, "ref": unit.ref, "mqm": sum(points) / len(points),
               "raters": len(points), "scores": dict(segment.scores or {}) if segment is not None else {},
               "has_major": any(m.severity in ("major", "critical") for ms in entry["raters"].values() for m in ms),
               "words": len((unit.ref or unit.mt).split()), "length": -len(unit.mt.split()),
               "quality": segment.quality if segment is not None else None}
        for name, value in ((segment.scores if segment is not None else {}) or {}).items():
            row[NEGATED.get(name, name)] = -value if name in NEGATED and value is not None else value
        rows.append(row)
    return pd.DataFrame(rows)


def target_family_of(db, project_name: str) -> str:
    """en or other: the target family of most of the project's runs (their summary.json's target_lang)."""
    from sqlalchemy import select

    from mtcheck.desk.models import Run
    from mtcheck.desk.store import project_named
    from mtcheck.quality.fusion import target_family

    with db.session() as session:
        project = project_named(session, project_name)
        langs = list(session.scalars(select(Run.target_lang).where(Run.project_id == project.id))) if project else []
    families = [target_family(lang) for lang in langs] or ["en"]
    return max(set(families), key=families.count)


def inputs_of(frame) -> list[str]:
    """quality, -length and each signal computed on at least 90% of the scored units, in a fixed order
    (a signal that only some rows have, such as chrF++ where a reference exists, is compared on the rows
    that have every listed input, never on a row set of its own)."""
    names = ["quality"] + [c for c in SIGNALS + list(NEGATED.values()) if c in frame.columns] + ["length"]
    return [n for n in names if n in frame.columns and frame[n].notna().mean() >= 0.9]


def views(frame) -> dict:
    """{"rows": {input: {"view1", "view2", "view3"}}, "why": {view: reason it is not measurable}, counts}."""
    from mtcheck.evaluation.metaeval import grouped_tau, per_word_tau, system_pearson

    scored = frame[frame["quality"].notna()] if len(frame) else frame
    names = inputs_of(scored) if len(scored) else []
    scored = scored.dropna(subset=names) if names else scored
    out = {"units": int(len(frame)), "scored_units": int((frame["quality"].notna()).sum()) if len(frame) else 0,
           "compared_units": int(len(scored)), "rows": {}, "why": {}, "corpus": {}}
    if not len(scored):
        out["why"]["all"] = "no marked segment of a run mtcheck scored yet"
        return out
    systems = scored["system"].nunique()
    shared = scored.groupby("src_key")["system"].nunique()
    big = (scored.groupby("system").size() >= MIN_PER_SYSTEM).sum()
    if (shared >= 2).sum() == 0:
        out["why"]["view1"] = "no source was marked in two or more systems' translations"
    if big == 0:
        out["why"]["view2"] = f"no system has {MIN_PER_SYSTEM} or more marked segments"
    if systems < 3:
        out["why"]["view3"] = f"{systems} system{'s' if systems != 1 else ''} marked; three are needed"
    for name in names:
        col = scored[name].astype(float)
        out["rows"][name] = {
            "view1": None if "view1" in out["why"] else _num(grouped_tau(col, scored["mqm"], scored["src_key"])),
            "view2": None if "view2" in out["why"] else _num(per_word_tau(col, scored["mqm"], scored["words"],
                                                                          scored["system"])),
            "view3": None if "view3" in out["why"] else _num(system_pearson(col, scored["mqm"], scored["system"])),
        }
    if "view3" not in out["why"] and (scored["ref"] != "").all():
        out["corpus"] = _corpus_metrics(scored)
    return out


def _corpus_metrics(frame) -> dict:
    """System-level Pearson of corpus chrF++ and corpus BLEU (sacrebleu) against -MQM."""
    import numpy as np
    from sacrebleu.metrics import BLEU, CHRF

    mean_mqm, chrf, bleu = [], [], []
    for _, rows in frame.groupby("system"):
        mean_mqm.append(rows["mqm"].mean())
        chrf.append(CHRF(word_order=2).corpus_score(list(rows["mt"]), [list(rows["ref"])]).score)
        bleu.append(BLEU().corpus_score(list(rows["mt"]), [list(rows["ref"])]).score)
    neg = -np.asarray(mean_mqm)
    return {"corpus chrF++": _num(np.corrcoef(chrf, neg)[0, 1]), "corpus BLEU": _num(np.corrcoef(bleu, neg)[0, 1])}


def _num(value):
    return None if value is None or value != value else round(float(value), 3)


def table(result: dict) -> str:
    """The views as a plain-text table (the command's output)."""
    lines = [f"{result['units']} MQM-marked segments, {result['scored_units']} of them in a run mtcheck scored."]
    if result.get("compared_units", result["scored_units"]) < result["scored_units"]:
        lines.append(f"The figures are on the {result['compared_units']} of these where every input below was computed.")
    for view, why in result["why"].items():
        lines.append(f"{view}: not measurable: {why}.")
    if result["rows"]:
        lines.append(f"{'input':<14} {'1 best translation':>19} {'2 worklist':>11} {'3 best system':>14}")
        for name, row in result["rows"].items():
            cells = [("–" if row[v] is None else f"{row[v]:.3f}") for v in ("view1", "view2", "view3")]
            lines.append(f"{name:<14} {cells[0]:>19} {cells[1]:>11} {cells[2]:>14}")
        for name, value in result["corpus"].items():
            lines.append(f"{name:<14} {'':>19} {'':>11} {('–' if value is None else f'{value:.3f}'):>14}")
    return "\n".join(lines)
