"""`mtcheck serve`: load the report folders, decide who may come in, and run the app under uvicorn.

Who may come in (docs/desk.md, "Threat model"):
* The server binds to 127.0.0.1 unless `--host` says otherwise.
* With no account in the database it is a one-person desk: no login, the user is a lead named after the
  system user, and only this machine can connect. Binding to any other address without an account is
  refused before anything starts.
* With accounts, everyone signs in, on loopback too.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from pathlib import Path

from mtcheck.desk import accounts, store
from mtcheck.errors import UsageError

LOOPBACK = ("127.0.0.1", "localhost", "::1")


@dataclass
class Served:
    db: object
    loaded: list          # (folder, project name, run id, newly loaded)
    local_editor: object  # the one-person desk's lead, or None when accounts exist


def prepare(folders, db_url: str | None = None, project: str | None = None, host: str = "127.0.0.1") -> Served:
    """Open the database, load every folder, and apply the binding rule. Raises before anything is served."""
    if not folders:
        raise UsageError("no report folder given", hint="mtcheck serve reports/NAME")
    for folder in folders:
        if not (Path(folder) / "segments.csv").is_file():
            raise UsageError(f"'{folder}' is not a report folder (no segments.csv)",
                             hint="give a folder that mtcheck check wrote")
    if project and len(folders) > 1:
        raise UsageError("--project names one project, but several folders were given",
                         hint="serve them without --project (each is named after its folder) or one at a time")
    db = store.open_db(db_url or store.default_url(folders))
    loopback = host in LOOPBACK
    if not loopback and not accounts.has_accounts(db):
        db.dispose()
        raise UsageError(f"refusing to serve on {host} without accounts: anyone who can reach it could review",
                         hint="add one first with 'mtcheck desk add-editor NAME --role lead --db URL', or serve "
                              "on 127.0.0.1")
    loaded = []
    for folder in folders:
        project_id, run_id, new = store.load_folder(db, folder, project)
        loaded.append((str(folder), project or Path(folder).resolve().name, run_id, new))
    local = None if accounts.has_accounts(db) else accounts.local_lead(db, getpass.getuser() or "local")
    return Served(db=db, loaded=loaded, local_editor=local)


def serve(served: Served, host: str, port: int, certfile: str | None = None, keyfile: str | None = None) -> None:
    import uvicorn

    from mtcheck.desk.app import create_app

    app = create_app(served.db, local_editor=served.local_editor, loopback=host in LOOPBACK,
                     https=bool(certfile))
    # Keep-alive longer than uvicorn's 5 s: an editor reads a segment for longer than that, and a browser
    # or client that reuses a connection the server has just closed gets a transport error, not an answer.
    try:
        uvicorn.run(app, host=host, port=port, log_level="warning", ssl_certfile=certfile, ssl_keyfile=keyfile,
                    proxy_headers=False, timeout_keep_alive=65)
    finally:  # closing the connections lets SQLite fold its write-ahead log back and remove it
        served.db.dispose()
