"""Stage 6, report: the report folder's files and the console summary, from a run's result.
May import the editorial workflow, the run's tally and everything below; never the pipeline or the CLI.

Writers for the report folder: segments.csv, findings.csv, summary.json, report.html
(and, when asked, segments.xlsx and segments.parquet).

Nothing the user had is lost (report/guard.py): an existing folder is written
into only when it holds nothing under our file names or an earlier mtcheck
report; a segments.csv or segments.xlsx in which an editor filled `status` or
`editor_note` is never overwritten without `force=True`. Each file is written
to a temporary name and renamed, so a crash never leaves half a report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import OutputError
from mtcheck.report.guard import (OUTPUT_FILES, SCRATCH_PREFIX, check_beside_report, is_mtcheck_report,
                                  prepare_outdir, protect_inputs)

__all__ = ["OUTPUT_FILES", "ReportWriter", "prepare_outdir", "protect_inputs", "report_inputs", "write_report"]

OPTIONAL_FILES = {"segments.xlsx": "xlsx", "segments.parquet": "parquet"}


def write_report(result, outdir: str | Path, force: bool = False, excel: bool = False,
                 xlsx: bool = False, parquet: bool = False) -> dict[str, Path]:
    """Write the report files of an in-memory result (segments.xlsx and segments.parquet too when asked);
    return their paths."""
    from mtcheck.run.tally import Tally

    summary = result.summary
    writer = ReportWriter(outdir, force, excel, xlsx, parquet, inputs=report_inputs(summary), spill=False)
    writer.begin(len(result.segments))
    writer.add_rows(result.segments, result.findings, result.suppressed)
    return writer.finish(summary, Tally.of(result.segments, result.findings))


def report_inputs(summary: dict) -> list:
    # Editors' files read by this run (verdicts, post-edits) are inputs too: never written over.
    side_inputs = [summary.get("verdicts", {}).get("file"), summary.get("post_edits", {}).get("file")]
    return [i.get("path") for i in summary.get("inputs", [])] + side_inputs


class ReportWriter:
    """Writes a report folder from a run's partitions as they come (the CLI's sink; issue 14).

    Each partition's rows go to a hidden folder beside the report (`.mtcheck-parts-PID`) and only
    those report.html embeds stay in memory: every row up to html.EMBED_ALL_UP_TO, else the
    html.EMBED_WORST worst. `finish` writes segments.csv, findings.csv (and segments.parquet,
    segments.xlsx) a partition at a time in run order, then report.html and summary.json, each to a
    temporary name, and renames them only when all are written: a run that fails (bad input in its
    last document, a lost cluster) leaves the folder as it was, never a report that looks complete.
    """

    def __init__(self, outdir, force: bool = False, excel: bool = False, xlsx: bool = False,
                 parquet: bool = False, inputs=(), spill: bool = True, xliff: dict | None = None) -> None:
        self.writes = [n for n in OUTPUT_FILES if n not in OPTIONAL_FILES or {"xlsx": xlsx, "parquet": parquet}[
            OPTIONAL_FILES[n]]]
        self.folder = prepare_outdir(outdir, force, create=False, inputs=inputs, writes=self.writes)
        # {"source", "out", "pass_state"}: also write the input XLIFF back with the findings (report/xliff.py).
        self.xliff = xliff
        if xliff is not None:
            from mtcheck.report.xliff import check_output

            check_beside_report(xliff["out"], self.folder, "--annotate-xliff")
            check_output(xliff["source"], xliff["out"], force)  # before the slow part, not after
        self.force, self.inputs, self.summary = force, list(inputs), None
        self.created = self.finished = False  # whether this writer made the folder; whether the report is whole
        self.excel, self.xlsx, self.parquet, self.spill = excel, xlsx, parquet, spill
        self.parts: list = []
        self.columns: dict = {}           # every column of any partition, in order of first appearance
        self.kinds: dict = {}             # column -> pandas dtype kinds seen (parquet types)
        self.keep_all = True
        self.kept: list = []              # html.row_records of the rows report.html embeds (spill: their index)
        self.scratch = self.folder / f"{SCRATCH_PREFIX}{os.getpid()}"
        self.spool = None                 # row_spool.RowSpool, where report.html's rows wait on disk (spill)

    def begin(self, total_rows: int) -> None:
        from mtcheck.report.html import EMBED_ALL_UP_TO

        self.keep_all = total_rows <= EMBED_ALL_UP_TO

    def add(self, part) -> None:
        self.add_rows(part.rows, part.found, part.suppressed)

    def add_rows(self, rows, found, suppressed=()) -> None:
        import pickle

        from mtcheck.io.spool import display_name

        if S.FILE in rows.columns:  # a stream read through a temporary copy is named as the user named it
            rows[S.FILE] = rows[S.FILE].map(lambda p: display_name(p) if isinstance(p, str) else p)

        for col in rows.columns:
            self.columns[col] = self.columns.get(col, 0) + 1
            self.kinds.setdefault(col, set()).add(rows[col].dtype.kind)
        if self.spill:
            self._create()
            path = self.scratch / f"part-{len(self.parts):06d}.pkl"
            try:
                self.scratch.mkdir(exist_ok=True)
                with path.open("wb") as handle:
                    pickle.dump((rows, list(found), list(suppressed)), handle, protocol=pickle.HIGHEST_PROTOCOL)
            except OSError as exc:
                raise OutputError(f"cannot write the run's partitions: {exc.strerror}", path=str(self.folder),
                                  hint="free some disk space or choose another -o") from None
            self.parts.append(path)
        else:
            self.parts.append((rows, list(found), list(suppressed)))
        self._embed(rows, found)

    def _embed(self, rows, found) -> None:
        """Keep what report.html shows of this partition's rows (html.row_records: a few strings a row, not the
        partition's table), all of them up to html.EMBED_ALL_UP_TO, else the EMBED_WORST worst so far."""
        from mtcheck.report.html import EMBED_WORST, row_records, worst_records

        if self.spill:
            if self.spool is None:
                from mtcheck.report.row_spool import RowSpool

                self.spool = RowSpool(self.scratch / "rows.jsonl")
            try:
                self.spool.add(row_records(rows, found))
            except OSError as exc:
                raise OutputError(f"cannot write the run's partitions: {exc.strerror}", path=str(self.folder),
                                  hint="free some disk space or choose another -o") from None
            self.kept = self.spool.index
        else:
            self.kept += row_records(rows, found)
        if not self.keep_all and len(self.kept) > EMBED_WORST:
            self.kept = worst_records(self.kept, EMBED_WORST)
            if self.spool is not None:  # the rows left out stay in the file, unread
                self.spool.index = self.kept

    def _parts(self):
        import pickle

        for part in self.parts:
            if isinstance(part, Path):
                with part.open("rb") as handle:
                    yield pickle.load(handle)
            else:
                yield part

    def finish(self, summary: dict, tally) -> dict[str, Path]:
        """Write every file; return their paths. A disk that fills or a folder that stops being writable is a
        one-line error; the folder then holds what it held before."""
        try:
            return self._finish(summary, tally)
        except OSError as exc:
            raise OutputError(f"cannot write the report: {exc.strerror or exc}", path=str(self.folder),
                              hint="free some disk space or choose another -o") from None

    def _finish(self, summary: dict, tally) -> dict[str, Path]:
        import pandas as pd

        from mtcheck.run.result import CheckResult
        from mtcheck.report.csvfiles import findings_table, segments_table
        from mtcheck.report.html import write_html

        self._create()
        folder, self.summary = self.folder, summary
        wanted = {"xlsx": self.xlsx, "parquet": self.parquet}
        paths = {name: folder / name for name in OUTPUT_FILES
                 if name not in OPTIONAL_FILES or wanted[OPTIONAL_FILES[name]]}
        columns = S.ordered_columns(list(self.columns))
        temps = {name: path.with_name(f".{path.name}.tmp-{os.getpid()}") for name, path in paths.items()}
        try:
            # A column some partition lacks is missing (NaN) there.
            kinds = {c: k | ({"f"} if self.columns[c] < len(self.parts) else set()) for c, k in self.kinds.items()}
            parquet = _ParquetParts(temps["segments.parquet"], kinds) if self.parquet else None
            with open(temps["segments.csv"], "w", encoding="utf-8", newline="") as seg_out, \
                    open(temps["findings.csv"], "w", encoding="utf-8", newline="") as find_out:
                if self.excel:  # a BOM makes Excel read UTF-8; without --excel the files are plain UTF-8
                    seg_out.write("\ufeff")
                    find_out.write("\ufeff")
                for number, (rows, found, suppressed) in enumerate(self._parts()):
                    rows = rows.reindex(columns=columns)
                    segments_table(rows).to_csv(seg_out, index=False, header=number == 0, lineterminator="\n")
                    findings_table(rows, found, suppressed).to_csv(find_out, index=False, header=number == 0,
                                                                   lineterminator="\n")
                    if parquet is not None:
                        parquet.add(rows)
            if parquet is not None:
                parquet.close()
            if self.xlsx:
                from mtcheck.report.xlsx import write_xlsx

                # openpyxl builds the workbook in memory; Excel opens at most 1,048,576 rows anyway.
                table = pd.concat([rows.reindex(columns=columns) for rows, _, _ in self._parts()])
                write_xlsx(table, temps["segments.xlsx"])
            if self.xliff is not None:
                summary["annotated_xliff"] = self._annotate()
            embedded = CheckResult(segments=None, findings=[], summary=summary)
            with open(temps["report.html"], "w", encoding="utf-8") as page:
                write_html(page, embedded, full_table=[n for n in ("segments.csv", "segments.parquet") if n in paths],
                           tally=tally, records=self.kept, load=self.spool.load if self.spool else None)
            text = json.dumps(summary, indent=2, ensure_ascii=False, default=_json_default)
            temps["summary.json"].write_text(text + "\n", encoding="utf-8")
            stale = folder / "segments.parquet"
            if not self.parquet and stale.exists() and is_mtcheck_report(folder):
                # An earlier run's table would contradict this run's segments.csv beside it. Nobody
                # edits a Parquet file by hand (segments.xlsx may hold an editor's work: it stays).
                stale.unlink()
            for name, path in paths.items():
                if name != "summary.json":
                    os.replace(temps[name], path)
            os.replace(temps["summary.json"], paths["summary.json"])  # last: it marks a finished report
            self.finished = True
        finally:
            for temp in temps.values():
                if temp.exists():
                    temp.unlink()
            self.discard()
        return paths

    def _annotate(self) -> dict:
        from mtcheck.report.xliff import annotate, rows_for_annotation

        rows = [r for part, found, _ in self._parts() for r in rows_for_annotation(part, found)]
        return annotate(self.xliff["source"], self.xliff["out"], rows, self.force, self.xliff.get("pass_state"),
                        frozenset(self.xliff.get("skip_states") or ()), spans=bool(self.xliff.get("spans")))

    def _create(self) -> None:
        if not self.folder.is_dir():
            prepare_outdir(self.folder, self.force, create=True, inputs=self.inputs, writes=self.writes)
            self.created = True

    def discard(self) -> None:
        """Remove the partitions kept on disk (after the report is written, or when the run failed)."""
        import shutil

        if self.spool is not None:
            self.spool.close()
        if self.scratch.exists():
            shutil.rmtree(self.scratch, ignore_errors=True)
        if self.created and not self.finished:
            try:  # a failed run leaves no empty folder of its own behind
                self.folder.rmdir()
            except OSError:
                pass


class _ParquetParts:
    """segments.parquet written a partition at a time, each column one Arrow type over the whole run."""

    def __init__(self, path: Path, kinds: dict) -> None:
        from mtcheck.report.parquet import require_pyarrow

        require_pyarrow()
        self.path, self.writer = path, None
        # A column that holds text in any partition, or booleans and something else, is text in all;
        # integers and floats mixed are floats; otherwise numbers and booleans keep their type.
        self.text = {c for c, k in kinds.items() if k & {"O", "U", "S", "T"} or ("b" in k and len(k) > 1)}
        self.floats = {c for c, k in kinds.items() if c not in self.text and "f" in k and k & {"i", "u"}}

    def add(self, rows) -> None:
        import pyarrow as pa

        from mtcheck.report.parquet import as_arrow_frame

        table = pa.Table.from_pandas(as_arrow_frame(rows, self.text, self.floats), preserve_index=False)
        if self.writer is None:
            import pyarrow.parquet as pq

            self.schema = table.schema
            self.writer = pq.ParquetWriter(str(self.path), self.schema)
        self.writer.write_table(table.cast(self.schema))

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


def _json_default(value):
    # numpy scalars and paths
    if hasattr(value, "item"):
        return value.item()
    return str(value)
