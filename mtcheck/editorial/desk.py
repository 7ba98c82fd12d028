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

    @classmethod
    def open(cls, options) -> "Editorial":
        from mtcheck.editorial.postedit import read_post_edits
        from mtcheck.editorial.verdicts import load_verdicts

        return cls(verdicts=load_verdicts(options.verdicts) if options.verdicts else None,
                   post_edits=read_post_edits(options.post_edits) if options.post_edits else None,
                   post_edits_path=options.post_edits, routing=options.routing, gate=options.gate)

    def check_rows(self, rows: int) -> None:
        """Once the run's rows are counted: one post-edited line per row, or a one-line error."""
        if self.post_edits is not None:
            from mtcheck.editorial.postedit import check_post_edit_count

            check_post_edit_count(self.post_edits, rows, self.post_edits_path)

    def veto(self, rows):
        """`(row index, Finding) -> bool`: True for a finding an editor called a false alarm on this text."""
        if self.verdicts is None or not self.verdicts.false_alarms:
            return None
        from mtcheck.editorial.verdicts import false_alarm_test

        return false_alarm_test(rows, self.verdicts)

    def finish(self, rows, suppressed):
        """The partition's rows after the verdict, with every editorial column, in contract column order."""
        from mtcheck.editorial.routing import route_segments

        if suppressed:
            from mtcheck.editorial.verdicts import note_suppressed

            note_suppressed(rows, suppressed)
        if self.post_edits is not None:
            from mtcheck.editorial.postedit import post_edit_columns

            post_edit_columns(rows, [self.post_edits[i] for i in rows.index])
        rows[S.ROUTE] = route_segments(rows, self.routing)
        rows[S.STATUS] = ""
        rows[S.EDITOR_NOTE] = ""
        return rows[S.ordered_columns(rows.columns)]

    def summarise(self, summary: dict, tally, suppressed: int) -> None:
        """Add routes, verdicts, post-edits and the gate's verdict to `summary` (in place)."""
        from mtcheck.editorial import routing

        summary["routes"] = routing.route_counts(tally.routes.elements(), self.routing)
        if self.verdicts is not None:
            summary["verdicts"] = self.verdicts.summary(suppressed)
        if self.post_edits is not None:
            from mtcheck.editorial.postedit import post_edit_summary

            summary["post_edits"] = post_edit_summary(tally.post_edit, self.post_edits_path)
        if self.gate is not None and self.gate.active:
            summary["gate"] = routing.evaluate_gate(tally, self.gate).as_dict()
