"""The review desk's commands: serve, desk add-editor/import/export, and calibrate (mtcheck/desk/)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import List, Optional

import typer

from mtcheck.cli.app import _guard, app

desk_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None,
                       help="The review desk's accounts and MQM data (see 'mtcheck serve').")
app.add_typer(desk_app, name="desk")

DB = typer.Option(..., "--db", help="The desk's database: sqlite:///FILE or postgresql://user@host/dbname.")


@app.command("serve")
def serve_command(
    folders: List[Path] = typer.Argument(..., help="Report folders that mtcheck check wrote."),
    db: Optional[str] = typer.Option(None, "--db", help="Database URL, e.g. postgresql://user@host/desk "
                                     "[default: SQLite mtcheck-desk.sqlite3 beside the first folder]."),
    project: Optional[str] = typer.Option(None, "--project", help="Project to add the run to [default: the "
                                          "folder's name]."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on; any other than this machine's "
                             "needs accounts (mtcheck desk add-editor)."),
    port: int = typer.Option(8765, "--port", help="Port to listen on."),
    certfile: Optional[Path] = typer.Option(None, "--ssl-certfile", help="TLS certificate: serve HTTPS (secure "
                                            "cookies)."),
    keyfile: Optional[Path] = typer.Option(None, "--ssl-keyfile", help="TLS private key, with --ssl-certfile."),
) -> None:
    """Serve report folders as a review desk for a team: reviews and MQM marks in a database."""
    served = _guard(_prepare, folders, db, project, host)
    for folder, name, run_id, new in served.loaded:
        typer.echo(f"{'loaded' if new else 'already loaded'}: {folder} as project '{name}', run {run_id}", err=True)
    who = (f"no accounts: a one-person desk for {served.local_editor.name}, this machine only"
           if served.local_editor else "sign in with an account")
    typer.echo(f"review desk on http://{host}:{port}/ ({who}); Ctrl+C stops it", err=True)
    from mtcheck.desk.serve import serve

    _guard(serve, served, host, port, str(certfile) if certfile else None, str(keyfile) if keyfile else None)


def _prepare(folders, db, project, host):
    from mtcheck.desk.serve import prepare

    return prepare([str(f) for f in folders], db, project, host)


@desk_app.command("add-editor")
def add_editor_command(
    name: str = typer.Argument(..., help="The editor's name (one word)."),
    db: str = DB,
    role: str = typer.Option("editor", "--role", help="editor (reviews and marks) or lead (also assigns and "
                             "sees everyone's progress)."),
) -> None:
    """Add an editor's account, or reset its password and role. The password is asked for (or read from
    $MTCHECK_DESK_PASSWORD, for scripts)."""
    password = os.environ.get("MTCHECK_DESK_PASSWORD") or typer.prompt("password", hide_input=True,
                                                                       confirmation_prompt=True)
    _guard(_add_editor, db, name, role, password)
    typer.echo(f"{name} ({role}) can sign in", err=True)


def _add_editor(db, name, role, password):
    from mtcheck.desk import accounts, store

    accounts.add_editor(store.open_db(db), name, role, password)


@desk_app.command("import")
def import_command(
    tsv: Path = typer.Argument(..., help="MQM judgments in the TSV layout of google/wmt-mqm-human-evaluation."),
    db: str = DB,
    project: str = typer.Option(..., "--project", help="The project to add them to."),
) -> None:
    """Load MQM marks a team already has (one row per error, the span in <v>...</v>)."""
    counts = _guard(_import, tsv, db, project)
    typer.echo(f"{counts['marks']} marks from {counts['rows']} rows ({counts['already_there']} already there; "
               f"{counts['units_added']} segments not seen in a run were added)", err=True)


def _import(tsv, db, project):
    from mtcheck.desk import exchange, store
    from mtcheck.errors import InputError

    if not tsv.is_file():
        raise InputError("no such file", path=str(tsv), hint="give the TSV of MQM judgments")
    return exchange.import_tsv(store.open_db(db), tsv, project)


@desk_app.command("export")
def export_command(
    db: str = DB,
    project: str = typer.Option(..., "--project", help="The project whose marks to export."),
    output: Path = typer.Option(..., "-o", "--output", help="The TSV to write (not overwritten if it exists)."),
) -> None:
    """Write the team's MQM marks as google/wmt-mqm-human-evaluation TSV."""
    count = _guard(_export, db, project, output)
    typer.echo(f"{count} marks written to {output}", err=True)


def _export(db, project, output):
    from mtcheck.desk import exchange, mqm, store
    from mtcheck.errors import UsageError

    if output.exists():
        raise UsageError(f"{output} exists", hint="give a new file name; mtcheck does not overwrite it")
    rows = exchange.export_rows(store.open_db(db, create=False), project)
    with open(output, "x", encoding="utf-8", newline="") as handle:
        return mqm.write_tsv(rows, handle)


@app.command("calibrate")
def calibrate_command(
    db: str = typer.Argument(..., help="The review desk's database URL (sqlite:///FILE or postgresql://...)."),
    project: Optional[str] = typer.Option(None, "--project", help="The project [default: the database's only "
                                          "one]."),
    write: Optional[Path] = typer.Option(None, "--write", help="Fit mtcheck's quality head to the team's marks "
                                         "(500 or more scored, marked segments) and write it here for "
                                         "'mtcheck check --calibration', if it does at least as well as the "
                                         "shipped head on the held-out part of the marks."),
    force: bool = typer.Option(False, "--force", help="Replace an existing --write file."),
) -> None:
    """How well mtcheck ranks your team's MQM-marked segments, in three views, beside chrF++, BLEU and every
    single signal; with --write, a calibration fitted to them."""
    text, code = _guard(_calibrate, db, project, write, force)
    typer.echo(text)
    raise typer.Exit(code)


def _calibrate(db, project, write, force):
    import json

    from mtcheck.desk import calibrate, store, teamhead
    from mtcheck.desk.exchange import project_for
    from mtcheck.errors import UsageError

    if write is not None and write.exists() and not force:
        raise UsageError(f"{write} exists", hint="give a new file, or --force to replace it")
    database = store.open_db(db, create=False)
    name = project_for(database, project)
    frame = calibrate.team_frame(database, name)
    text = f"project {name}\n" + calibrate.table(calibrate.views(frame))
    if write is None:
        return text, 0
    fitted = teamhead.fit(frame, calibrate.target_family_of(database, name))
    text += "\n\n" + teamhead.describe(fitted)
    if fitted["status"] != "fitted":
        return text + f"\nNothing written to {write}.", 1
    write.write_text(json.dumps(teamhead.calibration_file(fitted, name), indent=1) + "\n", encoding="utf-8")
    return text + f"\nWritten to {write}: use it with mtcheck check --calibration {write}.", 0
