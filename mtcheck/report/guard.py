"""Nothing the user had is lost: the checks made before a report folder, or a file beside it, is written.

* Never among the inputs: not over an input file (the verdicts and post-edits files included), not into
  a corpus folder. `--force` does not lift this.
* Never over files mtcheck did not write: an existing folder is written into only when it holds none of
  the report's file names, or an earlier mtcheck report (its summary.json says so).
* Never over an editor's work without `--force`: a segments.csv or segments.xlsx in which someone filled
  `status` or `editor_note`, whatever program saved it (io/worklist.py reads Excel's dialects).
* Never one output over another: a second output (`--annotate-xliff`) may not name a report file.
* A folder that cannot be written is a one-line error before any work, not a traceback after it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mtcheck.errors import OutputError

OUTPUT_FILES = ("segments.csv", "findings.csv", "summary.json", "report.html", "segments.xlsx", "segments.parquet")
# The report files an editor types into.
EDITABLE_FILES = ("segments.csv", "segments.xlsx")
SCRATCH_PREFIX = ".mtcheck-parts-"


def is_mtcheck_report(folder: Path) -> bool:
    try:
        return json.loads((folder / "summary.json").read_text(encoding="utf-8")).get("tool") == "mtcheck"
    except (OSError, ValueError, AttributeError):
        return False


def protect_inputs(folder: Path, inputs) -> None:
    """Never write the report among the inputs: not over an input file, not into a corpus folder.

    `--force` does not lift this: overwriting the text being checked is never what a user means.
    """
    target = folder.resolve()
    for raw in inputs:
        if not raw or str(raw).startswith("<") or str(raw) == "-":
            continue
        path = Path(raw).resolve()
        home = path if path.is_dir() else path.parent
        if home == target:
            what = "a corpus folder" if path.is_dir() else f"{Path(raw).name} among them"
            raise OutputError(f"is where the input files are ({what}); the report would mix with them or overwrite "
                              "them", path=str(folder), hint="choose an output folder of its own, e.g. reports/NAME")


def check_writable(folder: Path) -> None:
    """Raise an OutputError unless the report folder (or the nearest folder above it that exists) can be
    written: a permission problem is found before the run, not after it."""
    probe = folder
    while not probe.exists():
        if probe.parent == probe:
            break
        probe = probe.parent
    if probe.exists() and not probe.is_dir():
        raise OutputError(f"cannot be created: {probe} is a file", path=str(folder), hint="choose another -o")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise OutputError("cannot be written (permission denied)" if probe == folder
                          else f"cannot be created: {probe} is not writable", path=str(folder),
                          hint="choose an output folder you can write, with -o")


def prepare_outdir(outdir: str | Path, force: bool = False, create: bool = True, inputs=(),
                   writes=OUTPUT_FILES) -> Path:
    """Check that writing the report files `writes` into `outdir` loses nothing; create it when `create`."""
    from mtcheck.io.worklist import has_editor_work

    folder = Path(outdir)
    if folder.exists() and not folder.is_dir():
        raise OutputError("exists and is not a folder", path=str(folder), hint="choose another -o")
    protect_inputs(folder, inputs)
    check_writable(folder)
    if folder.exists() and not force:
        clashing = [name for name in OUTPUT_FILES if (folder / name).exists()]
        if clashing and not is_mtcheck_report(folder):
            raise OutputError(f"already holds {', '.join(clashing)} not written by mtcheck", path=str(folder),
                              hint="choose another -o, or pass --force to overwrite")
        for name in EDITABLE_FILES:
            if name in writes and (folder / name).exists() and has_editor_work(folder / name):
                raise OutputError(f"{name} holds editors' status/editor_note entries", path=str(folder),
                                  hint="choose another -o to keep them, or pass --force to overwrite")
    if not create:
        return folder
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder: {exc.strerror}", path=str(folder)) from None
    return folder


def check_beside_report(path: str | Path, folder: Path, option: str) -> None:
    """Refuse an extra output `path` that is one of the report's own files (or inside its scratch folder):
    one would overwrite the other, and the user would keep neither."""
    target = Path(path).resolve()
    home = folder.resolve()
    if target.parent == home and (target.name in OUTPUT_FILES or target.name.startswith(SCRATCH_PREFIX)):
        raise OutputError(f"is a file of the report written with -o {folder}", path=str(path),
                          hint=f"give {option} a name of its own, e.g. {Path(path).with_name('annotated.xlf')}")
    if SCRATCH_PREFIX in str(target.parent.name):
        raise OutputError("is inside the report's scratch folder", path=str(path), hint=f"give {option} another path")
