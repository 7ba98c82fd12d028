"""The review desk's cost on a large run: loading a report folder into a new database, the review page's
rows request, and one review save, each the median of --repeats, against reading the same segments.csv
with pandas in the same process (the baseline: what any tool pays to look at the run).

    .venv/bin/python benchmarks/bench_desk.py REPORT_DIR [--db postgresql://...] [--repeats 3]
    .venv/bin/python benchmarks/bench_desk.py REPORT_DIR --load [--editors 20 --updates 5000] [--db ...]

--load serves the folder with `mtcheck serve` in its own process and has that many editors save reviews
at once through HTTP (tests/desk_load.py, which tests/test_desk_load.py also drives): saves per second,
p50/p95/max latency, refusals (a colleague's segment), server errors, and lost updates.

REPORT_DIR is any folder mtcheck check wrote, e.g. the 8,959-row WMT21 news en-de run that
training/eval_team_calibration.py leaves in /tmp/team-calibration/reports/.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _median(func, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--db", help="a PostgreSQL URL whose schema may be emptied [default: SQLite in a temp dir]")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--load", action="store_true", help="concurrent editors against mtcheck serve instead")
    parser.add_argument("--editors", type=int, default=20)
    parser.add_argument("--updates", type=int, default=5000, help="with --load: saves in all")
    args = parser.parse_args()
    if args.load:
        return load_test(args)
    from sqlalchemy import create_engine, text
    from starlette.testclient import TestClient

    from mtcheck.desk import accounts, store
    from mtcheck.desk.app import create_app
    from mtcheck.io.worklist import read_report_csv

    baseline = _median(lambda: read_report_csv(args.folder / "segments.csv"), args.repeats)
    temp = tempfile.TemporaryDirectory()

    def fresh_url(n=[0]):
        n[0] += 1
        if not args.db:
            return f"sqlite:///{Path(temp.name) / f'desk{n[0]}.sqlite3'}"
        engine = create_engine(args.db.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        engine.dispose()
        return args.db

    def load():
        db = store.open_db(fresh_url())
        store.load_folder(db, args.folder)
        db.dispose()

    load_time = _median(load, args.repeats)
    db = store.open_db(fresh_url())
    _, run_id, _ = store.load_folder(db, args.folder)
    app = create_app(db, local_editor=accounts.local_lead(db, "bench"))
    client = TestClient(app, base_url="http://127.0.0.1")
    page = client.get("/", follow_redirects=True)
    token = page.text.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    name = args.folder.resolve().name
    rows_time = _median(lambda: client.get(f"/api/p/{name}/rows"), args.repeats)
    units = [r["unit"] for r in client.get(f"/api/p/{name}/rows").json()["rows"]]
    versions = {}

    def save():
        unit = units[len(versions) % len(units)]
        answer = client.post("/api/review", json={"unit": unit, "run": run_id, "status": "fixed", "note": "",
                                                   "version": versions.get(unit, 0)}, headers={"X-CSRF-Token": token})
        versions[unit] = answer.json()["version"]

    save_time = _median(save, max(args.repeats, 5))
    rows = len(units)
    print(f"{rows} rows, database {'PostgreSQL' if args.db else 'SQLite'}")
    print(f"read segments.csv (baseline)  {baseline:8.3f} s")
    print(f"load into a new database      {load_time:8.3f} s  {load_time / baseline:6.1f}x  {rows / load_time:8.0f} rows/s")
    print(f"review page's rows request    {rows_time:8.3f} s  {rows_time / baseline:6.1f}x")
    print(f"one review save               {save_time * 1000:8.1f} ms")
    import resource

    print(f"this process's peak resident memory {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB "
          "(pandas, the database and the test client)")
    db.dispose()


def _peak_mb(pid: int) -> float:
    """A process's peak resident memory (VmHWM), in MB."""
    with open(f"/proc/{pid}/status") as handle:
        return next(int(line.split()[1]) for line in handle if line.startswith("VmHWM")) / 1024


def load_test(args) -> None:
    import shutil
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
    from desk_load import Server, add_editors, lost_updates, run_load
    from sqlalchemy import create_engine, text

    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp) / args.folder.resolve().name
        shutil.copytree(args.folder, folder)
        url = args.db or f"sqlite:///{Path(temp) / 'desk.sqlite3'}"
        if args.db:
            engine = create_engine(args.db.replace("postgresql://", "postgresql+psycopg://", 1))
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
            engine.dispose()
        names = [f"ed{i:02d}" for i in range(args.editors)]
        add_editors(url, names)
        server = Server(folder, url).start()
        try:
            start = time.perf_counter()
            tally = run_load(server.base, names, args.updates // args.editors)
            seconds = time.perf_counter() - start
            peak = _peak_mb(server.process.pid)
        finally:
            server.stop()
        lat = sorted(tally.latencies)
        pick = lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1000  # noqa: E731
        print(f"{args.editors} editors, {len(lat)} saves on {'PostgreSQL' if args.db else 'SQLite'} in {seconds:.1f} s "
              f"({len(lat) / seconds:.0f}/s, sign-in included)")
        print(f"latency p50 {pick(0.5):.1f} ms, p95 {pick(0.95):.1f} ms, max {lat[-1] * 1000:.0f} ms; "
              f"server's peak resident memory {peak:.0f} MB")
        print(f"acknowledged {tally.acks}, refused (a colleague's segment) {tally.refused}, "
              f"server errors {len(tally.errors)}, lost updates {len(lost_updates(url, tally))}")
        for error in tally.errors[:3]:
            print("error:", error)


if __name__ == "__main__":
    main()
