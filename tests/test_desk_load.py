"""The review desk under load and a crash, against `mtcheck serve` in its own process: 20 editors saving
5,000 reviews at once lose none and get no server error; a server killed with SIGKILL mid-write restarts
with an intact database holding every acknowledged save. (Latency is benchmarks/bench_desk.py --load's.)"""

from __future__ import annotations

import shutil
import threading
import time

import pytest

from desk_load import Server, add_editors, lost_updates, run_load
from test_desk import db_url, run_dir  # noqa: F401  (fixtures)


@pytest.fixture
def desk_server(run_dir, db_url, tmp_path):  # noqa: F811
    folder = tmp_path / "talk2"
    shutil.copytree(run_dir[0], folder)
    server = Server(folder, db_url)
    yield server
    server.stop()


def test_twenty_editors_five_thousand_saves_none_lost(desk_server):
    names = [f"ed{i:02d}" for i in range(20)]
    add_editors(desk_server.url, names)
    desk_server.start()
    tally = run_load(desk_server.base, names, 250)
    assert tally.errors == []
    assert tally.acks + tally.refused == 5000 and tally.refused > 0  # colleagues' segments are refused
    assert lost_updates(desk_server.url, tally) == []


def test_a_server_killed_mid_write_restarts_with_every_acknowledged_save(desk_server):
    names = [f"ed{i:02d}" for i in range(4)]
    add_editors(desk_server.url, names)
    desk_server.start()
    stop = threading.Event()
    holder = {}
    writers = threading.Thread(target=lambda: holder.setdefault("tally", run_load(desk_server.base, names, 10_000, stop)))
    writers.start()
    time.sleep(2.0)
    desk_server.kill()
    stop.set()
    writers.join()
    tally = holder["tally"]
    assert tally.acks > 50  # it was killed mid-write, not before
    if desk_server.url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(desk_server.url[len("sqlite:///"):]) as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    desk_server.start()  # the same database, a new process
    assert lost_updates(desk_server.url, tally) == []
    from desk_load import sign_in

    client, _, rows = sign_in(desk_server.base, names[0])
    assert len(rows["rows"]) == 208
    client.close()
