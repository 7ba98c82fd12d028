"""Writers for the report folder: segments.csv, findings.csv, summary.json, report.html
(and, when asked, segments.xlsx and segments.parquet).

Nothing the user had is lost: an existing folder is written into only when it
holds nothing under our file names or an earlier mtcheck report; a
segments.csv in which an editor filled `status` or `editor_note` is never
overwritten without `force=True`. Each file is written to a temporary name and
renamed, so a crash never leaves half a report.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import OutputError

OUTPUT_FILES = ("segments.csv", "findings.csv", "summary.json", "report.html", "segments.xlsx", "segments.parquet")
OPTIONAL_FILES = {"segments.xlsx": "xlsx", "segments.parquet": "parquet"}


def _is_mtcheck_report(folder: Path) -> bool:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("tool") == "mtcheck"
    except (OSError, ValueError, AttributeError):
        return False


def _has_editor_work(csv_path: Path) -> bool:
    import pandas as pd

    try:
        old = pd.read_csv(csv_path, dtype=str, keep_default_na=False, usecols=lambda c: c in (S.STATUS, S.EDITOR_NOTE))
    except (OSError, ValueError):
        return False
    return bool(len(old.columns)) and bool((old.apply(lambda col: col.str.strip() != "")).any().any())


def protect_inputs(folder: Path, inputs) -> None:
    """Never write the report among the inputs: not over an input file, not into a corpus folder.

    `--force` does not lift this: overwriting the text being checked is never what a user means.
    """
    target = folder.resolve()
    for raw in inputs:
        if not raw or str(raw).startswith("<"):
            continue
        path = Path(raw).resolve()
        home = path if path.is_dir() else path.parent
        if home == target:
            raise OutputError("is where the input files are; the report would mix with them", path=str(folder),
                              hint="choose an output folder of its own, e.g. reports/NAME")


def prepare_outdir(outdir: str | Path, force: bool = False, create: bool = True, inputs=()) -> Path:
    """Check that writing the report into `outdir` loses nothing; create it when `create`."""
    folder = Path(outdir)
    if folder.exists() and not folder.is_dir():
        raise OutputError("exists and is not a folder", path=str(folder), hint="choose another -o")
    protect_inputs(folder, inputs)
    if folder.exists() and not force:
        clashing = [name for name in OUTPUT_FILES if (folder / name).exists()]
        if clashing and not _is_mtcheck_report(folder):
            raise OutputError(f"already holds {', '.join(clashing)} not written by mtcheck", path=str(folder),
                              hint="choose another -o, or pass --force to overwrite")
        if (folder / "segments.csv").exists() and _has_editor_work(folder / "segments.csv"):
            raise OutputError("segments.csv holds editors' status/editor_note entries", path=str(folder),
                              hint="choose another -o to keep them, or pass --force to overwrite")
    if not create:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror}", path=str(folder)) from None
    return folder


def _atomic_write(path: Path, write) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_report(result, outdir: str | Path, force: bool = False, excel: bool = False,
                 xlsx: bool = False, parquet: bool = False) -> dict[str, Path]:
    """Write the report files (segments.xlsx and segments.parquet too when asked); return their paths."""
    from mtcheck.report.csvfiles import findings_table, segments_table, write_csv
    from mtcheck.report.html import render_html

    summary = result.summary
    # Editors' files read by this run (verdicts, post-edits) are inputs too: never written over.
    side_inputs = [summary.get("verdicts", {}).get("file"), summary.get("post_edits", {}).get("file")]
    folder = prepare_outdir(outdir, force, inputs=[i.get("path") for i in summary.get("inputs", [])] + side_inputs)
    wanted = {"xlsx": xlsx, "parquet": parquet}
    paths = {name: folder / name for name in OUTPUT_FILES
             if name not in OPTIONAL_FILES or wanted[OPTIONAL_FILES[name]]}
    stale = folder / "segments.parquet"
    if not parquet and stale.exists() and _is_mtcheck_report(folder):
        # An earlier run's table would contradict this run's segments.csv beside it. Nobody
        # edits a Parquet file by hand (segments.xlsx may hold an editor's work: it stays).
        stale.unlink()
    segments = segments_table(result.segments)
    findings = findings_table(result.segments, result.findings, result.suppressed)
    _atomic_write(paths["segments.csv"], lambda p: write_csv(segments, p, excel))
    _atomic_write(paths["findings.csv"], lambda p: write_csv(findings, p, excel))
    if xlsx:
        from mtcheck.report.xlsx import write_xlsx

        table = result.segments.copy()
        _atomic_write(paths["segments.xlsx"], lambda p: write_xlsx(table, p))
    if parquet:
        from mtcheck.report.parquet import write_parquet

        _atomic_write(paths["segments.parquet"], lambda p: write_parquet(result.segments, p))
    html = render_html(result, full_table=[n for n in ("segments.csv", "segments.parquet") if n in paths])
    _atomic_write(paths["report.html"], lambda p: p.write_text(html, encoding="utf-8"))
    text = json.dumps(result.summary, indent=2, ensure_ascii=False, default=_json_default)
    _atomic_write(paths["summary.json"], lambda p: p.write_text(text + "\n", encoding="utf-8"))
    return paths


def _json_default(value):
    # numpy scalars and paths
    if hasattr(value, "item"):
        return value.item()
    return str(value)
