"""The desk's database: opening it (SQLite in WAL mode or PostgreSQL), migrating it with Alembic, and
loading report folders into it as runs of a project.

A project is named after its report folder (`reports/sample-news` -> `sample-news`) unless `--project`
says otherwise, so that a re-run written to the same folder, or to a folder of the same name, joins the
project it continues. A run is identified by the sha256 of its segments.csv: serving an unchanged folder
again loads nothing.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError

DEFAULT_DB_NAME = "mtcheck-desk.sqlite3"
DB_SCHEMES = ("sqlite", "postgresql", "postgres")
# The columns of segments.csv kept per segment for the lead's and calibrate's figures.
SCORE_COLUMNS = [c for c in S.METRIC_COLUMNS if c not in (S.FLUENCY_SPAN,)]


def is_db_url(text) -> bool:
    """True for what `--db` and `--verdicts` take as a database: sqlite:///... or postgresql://..."""
    head = str(text).split(":", 1)[0].split("+", 1)[0].lower()
    return "://" in str(text) and head in DB_SCHEMES


def default_url(folders) -> str:
    """SQLite beside the reports: in the first report folder's parent."""
    parent = Path(folders[0]).resolve().parent
    return f"sqlite:///{parent / DEFAULT_DB_NAME}"


@dataclass
class Database:
    url: str
    engine: object
    sessions: object   # sqlalchemy.orm.sessionmaker, for reading
    writers: object    # the same, for a transaction that writes

    def session(self):
        return self.sessions()

    def writing(self):
        """A session whose transaction will write. On SQLite it starts with BEGIN IMMEDIATE: a transaction
        that reads first and then writes would otherwise fail with "database is locked" when another
        writer got there in between, since SQLite cannot upgrade its lock then (busy_timeout does not
        help). Writers queue at BEGIN instead, up to the busy timeout."""
        return self.writers()

    def dispose(self) -> None:
        self.engine.dispose()


def open_db(url: str, create: bool = True) -> Database:
    """The database at `url`, migrated to the current schema. A URL that does not work is a one-line error."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.exc import ArgumentError, OperationalError
    from sqlalchemy.orm import sessionmaker

    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):  # psycopg 3 is the driver mtcheck installs
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    if not is_db_url(url):
        raise UsageError(f"'{url}' is not a database URL",
                         hint="give sqlite:///path/to/desk.sqlite3 or postgresql://user@host/dbname")
    if url.startswith("sqlite:///") and not create and not Path(url[len("sqlite:///"):]).exists():
        raise InputError("no such database", path=url[len("sqlite:///"):],
                         hint="run mtcheck serve on a report folder first, or give the right --db")
    try:
        # A server answers editors from Starlette's thread pool (40 threads): more pooled connections than
        # SQLAlchemy's default 5 keep PostgreSQL saves from queuing for one (benchmarks/bench_desk.py --load).
        engine = create_engine(url, **({"pool_size": 20, "max_overflow": 20} if url.startswith("postgresql") else {}))
    except (ArgumentError, ImportError) as exc:
        raise UsageError(f"cannot use the database URL: {exc}", hint="give sqlite:///FILE or postgresql://...")
    if engine.dialect.name == "sqlite":
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection, _record):
            # WAL lets editors read while another writes; foreign keys are off by default in SQLite.
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=15000")
            cursor.close()
            connection.isolation_level = None  # pysqlite begins nothing itself: the "begin" event below does

        @event.listens_for(engine, "begin")
        def _sqlite_begin(connection):
            immediate = connection.get_execution_options().get("mtcheck_write")
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
    try:
        migrate(engine)
    except OperationalError as exc:
        first = str(exc.orig).splitlines()[0] if exc.orig else type(exc).__name__
        raise InputError(f"cannot open the database: {first}", path=shown_url(url),
                         hint="check the URL, that the server runs and that you may write there") from None
    return Database(url=url, engine=engine, sessions=sessionmaker(engine, expire_on_commit=False),
                    writers=sessionmaker(engine.execution_options(mtcheck_write=True), expire_on_commit=False))


def shown_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def migrate(engine) -> None:
    """Bring the schema to the newest Alembic revision (a new database is created from revision 0001)."""
    from alembic import command
    from alembic.config import Config

    from sqlalchemy import text

    config = Config()
    config.set_main_option("script_location", "mtcheck.desk:migrations")
    # Two processes opening a new database at once (a server and an import) must not both create the
    # tables: the second waits for the first's migration (an advisory lock on PostgreSQL, BEGIN IMMEDIATE
    # on SQLite, from open_db's "begin" event), then finds nothing left to do.
    with engine.execution_options(mtcheck_write=True).begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(7365012)"))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def project_named(session, name: str, create: bool = False):
    from sqlalchemy import select

    from mtcheck.desk.models import Project

    project = session.scalars(select(Project).where(Project.name == name)).first()
    if project is None and create:
        project = Project(name=name)
        session.add(project)
        session.flush()
    return project


def load_folder(db: Database, folder, project: str | None = None):
    """Load a report folder's segments.csv as a run of `project` (the folder's name by default).
    Returns (project id, run id, loaded): loaded is False when this exact run was already there."""
    from sqlalchemy import select

    from mtcheck.desk.models import Run
    from mtcheck.io.worklist import read_report_csv

    folder = Path(folder)
    path = folder / "segments.csv"
    if not path.is_file():
        raise InputError("no segments.csv here", path=str(folder), hint="give a folder that mtcheck check wrote")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    name = project or folder.resolve().name
    with db.writing() as session, session.begin():
        proj = project_named(session, name, create=True)
        run = session.scalars(select(Run).where(Run.project_id == proj.id, Run.digest == digest)).first()
        if run is not None:
            return proj.id, run.id, False
        frame = read_report_csv(path)
        for col in (S.DOC_ID, S.SEG_ID, S.MT):
            if col not in frame.columns:
                raise InputError(f"no '{col}' column", path=str(path), line=1,
                                 hint="give a segments.csv that mtcheck check wrote")
        run = Run(project_id=proj.id, folder=str(folder.resolve()), digest=digest, rows=len(frame),
                  target_lang=_target_lang(folder))
        session.add(run)
        session.flush()
        _add_segments(session, proj.id, run.id, frame)
        return proj.id, run.id, True


def _target_lang(folder: Path) -> str:
    """The run's target language as its summary.json records it (en when it cannot be read)."""
    try:
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        return str(summary["options"]["target_lang"] or "en")[:35]
    except (OSError, ValueError, KeyError, TypeError):
        return "en"


def _add_segments(session, project_id: int, run_id: int, frame) -> None:
    from sqlalchemy import select

    from mtcheck.desk.models import Segment, Unit
    from mtcheck.editorial.diff import text_key

    units = {(u.system, u.doc_id, u.text_key, u.occurrence): u
             for u in session.scalars(select(Unit).where(Unit.project_id == project_id))}
    seen: dict = {}
    empty = [""] * len(frame)
    column = {c: (frame[c].tolist() if c in frame.columns else empty)
              for c in (S.SYSTEM, S.DOC_ID, S.SEG_ID, S.SRC, S.MT, S.REF, S.QUALITY, S.SEVERITY, S.ROUTE,
                        S.CHECKS, S.EXPLANATION)}
    scores = {c: frame[c].tolist() for c in SCORE_COLUMNS if c in frame.columns}
    # Units first, all new ones in one flush (one INSERT per batch, not per row), then the segments.
    row_units = []
    for row in range(len(frame)):
        get = {c: str(values[row]) for c, values in column.items()}
        key = text_key(get[S.SRC], get[S.MT])
        ident = (get[S.SYSTEM], get[S.DOC_ID], key)
        occurrence = seen[ident] = seen.get(ident, -1) + 1
        unit = units.get(ident + (occurrence,))
        if unit is None:
            unit = units[ident + (occurrence,)] = Unit(
                project_id=project_id, system=ident[0], doc_id=ident[1], text_key=key, occurrence=occurrence,
                src=get[S.SRC], mt=get[S.MT], ref=get[S.REF])
            session.add(unit)
        row_units.append((unit, get))
    session.flush()
    session.add_all([Segment(run_id=run_id, unit_id=unit.id, row=row, seg_id=get[S.SEG_ID],
                             quality=_number(get[S.QUALITY]), severity=get[S.SEVERITY] or "ok", route=get[S.ROUTE],
                             checks=get[S.CHECKS], explanation=get[S.EXPLANATION],
                             scores={c: _number(values[row]) for c, values in scores.items()})
                     for row, (unit, get) in enumerate(row_units)])


def _number(text):
    try:
        value = float(text)
    except (TypeError, ValueError):
        return None
    return value if value == value else None


def audit(session, editor: str, action: str, unit_id=None, old=None, new=None) -> None:
    """Append one change to the audit log (the database refuses to change or delete it afterwards)."""
    from mtcheck.desk.models import Audit

    session.add(Audit(editor=editor, action=action, unit_id=unit_id,
                      old=json.dumps(old, ensure_ascii=False) if old is not None else "",
                      new=json.dumps(new, ensure_ascii=False) if new is not None else ""))
