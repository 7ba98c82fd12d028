"""The editorial steps of a run in one object: what the pipeline asks of the editorial workflow.

The pipeline knows `Editorial` and nothing else of this package. It is built once from the options
(`Editorial.open`), which reads the editors' files first so that a mistake in them fails before the
slow part. Then, for each partition, `veto(rows)` gives the fusion the editors' false alarms to drop,
and `finish(rows, suppressed)` applies everything that comes after the verdict in one call: the
suppressed findings named in the explanation, the post-edit columns, the route, and the empty review
columns. At the end, `summarise` adds routes, verdicts, post-edits and the quality gate to the summary.
The object is sent to Dask workers as it is, so it holds data only.
"""

from __future__ import annotations

from dataclasses import dataclass

from mtcheck import schema as S


@dataclass(frozen=True)
class Editorial:
    verdicts: object | None = None        # mtcheck.editorial.verdicts.Verdicts, with --verdicts
    post_edits: list | None = None        # the editors' lines, one per row of the run, with --post-edits
    post_edits_path: str | None = None
    routing: list | None = None           # routing bands; None = mtcheck.editorial.routing.DEFAULT_BANDS
    gate: object | None = None            # mtcheck.editorial.routing.Gate
    # An annotated XLIFF the reviewer returned (mtcheck/editorial/xliff_review.py): post-edits by unit id.
    review: object | None = None

    @classmethod
    def open(cls, options, verdicts=None) -> "Editorial":
        from mtcheck.editorial.postedit import read_post_edits
        from mtcheck.editorial.verdicts import load_verdicts
        from mtcheck.editorial.xliff_review import XliffReview, is_xliff

        if verdicts is None:  # given when read from the review desk's database (mtcheck/desk/exchange.py)
            verdicts = load_verdicts(options.verdicts) if options.verdicts else None
        post_edits, review, path = None, None, options.post_edits
        if options.post_edits and is_xliff(options.post_edits):
            review = XliffReview.read(options.post_edits)
        elif options.post_edits:
            post_edits = read_post_edits(options.post_edits)
        elif verdicts is not None and verdicts.xliff is not None:  # the returned XLIFF holds the edits too
            review, path = verdicts.xliff, options.verdicts
        return cls(verdicts=verdicts, post_edits=post_edits, post_edits_path=path, routing=options.routing,
                   gate=options.gate, review=review)

    def check_rows(self, rows: int) -> None:
        """Once the run's rows are counted: one post-edited line per row, or a one-line error. (An XLIFF's
        units are matched by id instead; what does not match is listed in the summary.)"""
        if self.post_edits is not None:
            from mtcheck.editorial.postedit import check_post_edit_count

            check_post_edit_count(self.post_edits, rows, self.post_edits_path)

    def veto(self, rows):
        """`(row index, Finding) -> bool`: True for a finding an editor called a false alarm on this text."""
        if self.verdicts is None or not self.verdicts.any_false_alarm:
            return None
        from mtcheck.editorial.verdicts import false_alarm_test

        return false_alarm_test(rows, self.verdicts)

    def finish(self, rows, suppressed):
        """The partition's rows after the verdict, with every editorial column, in contract column order."""
        from mtcheck.editorial.routing import route_segments

        if suppressed:
            from mtcheck.editorial.verdicts import note_suppressed

            note_suppressed(rows, suppressed, self.verdicts)
        if self.verdicts is not None:
            from mtcheck.editorial.verdicts import note_disagreements

            note_disagreements(rows, self.verdicts)
        if self.post_edits is not None or self.review is not None:
            from mtcheck.editorial.postedit import post_edit_columns
            from mtcheck.editorial.xliff_review import row_keys

            post_edit_columns(rows, [self.review.post_edit(k, s) for k, s in zip(row_keys(rows), rows[S.SRC])]
                                    if self.review is not None
                              else [self.post_edits[i] for i in rows.index])
        reasons: list[str] = []
        rows[S.ROUTE] = route_segments(rows, self.routing, reasons)
        # Every route is explained in its row (issue 34): the reason ends the explanation.
        rows[S.EXPLANATION] = [f"{text} {why}" for text, why in zip(rows[S.EXPLANATION], reasons)]
        rows[S.STATUS] = ""
        rows[S.EDITOR_NOTE] = ""
        return rows[S.ordered_columns(rows.columns)]

    def summarise(self, summary: dict, tally, suppressed: int) -> None:
        """Add routes, verdicts, post-edits and the gate's verdict to `summary` (in place)."""
        from mtcheck.editorial import routing

        summary["routes"] = routing.route_counts(tally.routes.elements(), self.routing)
        if self.verdicts is not None:
            if self.verdicts.xliff is not None:
                self.verdicts.precision = _xliff_precision(tally)
            summary["verdicts"] = self.verdicts.summary(suppressed)
        if self.post_edits is not None or self.review is not None:
            from mtcheck.editorial.postedit import post_edit_summary

            summary["post_edits"] = post_edit_summary(tally.post_edit, self.post_edits_path)
            if self.review is not None:
                summary["post_edits"].update(_unmatched(tally, self.review))
        if self.gate is not None and self.gate.active:
            summary["gate"] = routing.evaluate_gate(tally, self.gate).as_dict()


def _xliff_precision(tally) -> dict:
    """Each check's precision from a returned XLIFF: a flagged row the editor changed is a true alarm for its
    checks; a finding suppressed as a false alarm (deleted on a signed-off unit, or disabled) a false one."""
    fixed: dict[str, int] = {}
    pe = tally.post_edit
    for changed, checks in zip(pe["changed"], pe["checks"]):
        if changed:
            for check in filter(None, checks.split(";")):
                fixed[check] = fixed.get(check, 0) + 1
    out = {}
    for check in sorted(set(fixed) | set(tally.suppressed_checks)):
        a, b = fixed.get(check, 0), tally.suppressed_checks.get(check, 0)
        out[check] = {"fixed": a, "false_alarm": b, "precision": round(a / (a + b), 3)}
    return out


def _unmatched(tally, review) -> dict:
    """Rows of the run with no unit in the returned XLIFF, and units of it with no row: listed, never guessed."""
    import math

    from mtcheck.editorial.xliff_review import disambiguate

    keys, hter = disambiguate(tally.post_edit["keys"]), tally.post_edit["hter"]
    deleted = [f"{d}#{s}" for (d, s), h in zip(keys, hter) if isinstance(h, float) and math.isnan(h)]
    seen = set(keys)
    added = [f"{d}#{s}" for (d, s) in review.units if (d, s) not in seen]
    return {"units_in_file": len(review.units), "deleted": deleted, "added": added}
