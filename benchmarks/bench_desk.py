"""The review desk's cost on a large run: loading a report folder into a new database, the review page's
rows request, and one review save, each the median of --repeats, against reading the same segments.csv
with pandas in the same process (the baseline: what any tool pays to look at the run).

    .venv/bin/python benchmarks/bench_desk.py REPORT_DIR [--db postgresql://...] [--repeats 3]

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
    args = parser.parse_args()
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
    db.dispose()


if __name__ == "__main__":
    main()
