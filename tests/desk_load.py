"""Driving a real `mtcheck serve` with many editors at once (tests/test_desk_load.py, and
benchmarks/bench_desk.py --load): accounts, sign-in through the login form, concurrent review saves,
and the check that no acknowledged update was lost."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

PASSWORD = "load test password"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`mtcheck serve FOLDER --db URL` in its own process."""

    def __init__(self, folder, url: str) -> None:
        self.folder, self.url, self.port, self.process = str(folder), url, free_port(), None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "Server":
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        self.process = subprocess.Popen([sys.executable, "-m", "mtcheck", "serve", self.folder, "--db", self.url,
                                         "--port", str(self.port)], env=env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(self.process.stderr.read())
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=20)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=20)


def add_editors(url: str, names) -> None:
    from mtcheck.desk import accounts, store

    db = store.open_db(url)
    for name in names:
        accounts.add_editor(db, name, "editor", PASSWORD)
    db.dispose()


def sign_in(base: str, name: str):
    """An httpx client signed in as `name`, its CSRF token, and the run's rows."""
    import httpx

    client = httpx.Client(base_url=base, timeout=30)
    form = client.get("/login").text
    token = re.search(r'name="csrf" value="([^"]+)"', form).group(1)
    answer = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token})
    if answer.status_code != 303:
        raise RuntimeError(f"sign-in of {name} failed: {answer.status_code}")
    page = client.get("/", follow_redirects=True)
    csrf = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    project = page.url.path.split("/p/", 1)[1]
    rows = client.get(f"/api/p/{project}/rows").json()
    return client, csrf, rows


@dataclass
class Tally:
    acked: dict = field(default_factory=dict)      # unit -> (version, status, note) of the last 200
    acks: int = 0
    refused: int = 0
    errors: list = field(default_factory=list)     # 5xx answers and exceptions
    latencies: list = field(default_factory=list)  # seconds per request
    lock: threading.Lock = field(default_factory=threading.Lock)


STATUSES = ("ok", "fixed", "false-alarm")


def editor_loop(base: str, name: str, index: int, editors: int, updates: int, tally: Tally,
                stop: threading.Event | None = None) -> None:
    """`updates` saves: on this editor's own slice of the units, and every tenth on a colleague's (which is
    refused once the colleague owns it)."""
    client, csrf, rows = sign_in(base, name)
    units = [r["unit"] for r in rows["rows"]]
    own = units[index::editors]
    versions: dict = {}
    for n in range(updates):
        if stop is not None and stop.is_set():
            break
        unit = units[(index + 1 + n) % len(units)] if n % 10 == 9 else own[n % len(own)]
        status, note = STATUSES[n % 3], f"{name} #{n}"
        start = time.perf_counter()
        try:
            answer = client.post("/api/review", json={"unit": unit, "run": rows["run"], "status": status,
                                                       "note": note, "version": versions.get(unit, 0)},
                                 headers={"X-CSRF-Token": csrf})
        except Exception as exc:  # the server went away (the SIGKILL test) or broke
            with tally.lock:
                tally.errors.append(f"{type(exc).__name__}")
            if stop is not None:
                return
            continue
        elapsed = time.perf_counter() - start
        with tally.lock:
            tally.latencies.append(elapsed)
            if answer.status_code == 200:
                body = answer.json()
                versions[unit] = body["version"]
                previous = tally.acked.get(unit)
                if previous is None or body["version"] > previous[0]:
                    tally.acked[unit] = (body["version"], status, note)
                tally.acks += 1
            elif answer.status_code == 409:
                versions[unit] = answer.json()["current"]["version"]
                tally.refused += 1
            else:
                tally.errors.append(f"{answer.status_code}: {answer.text[:200]}")
    client.close()


def run_load(base: str, names, updates_each: int, stop: threading.Event | None = None) -> Tally:
    tally = Tally()
    threads = [threading.Thread(target=editor_loop, args=(base, name, i, len(names), updates_each, tally, stop))
               for i, name in enumerate(names)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return tally


def lost_updates(url: str, tally: Tally) -> list:
    """Acknowledged saves the database does not hold: a unit whose stored version is behind its last
    acknowledged one, or equal but with another value, and acknowledged saves missing from the audit log."""
    from sqlalchemy import func, select

    from mtcheck.desk import store
    from mtcheck.desk.models import Audit, Review

    db = store.open_db(url)
    with db.session() as session:
        stored = {r.unit_id: (r.version, r.status, r.note) for r in session.scalars(select(Review))}
        logged = session.scalar(select(func.count()).select_from(Audit).where(Audit.action == "review"))
    db.dispose()
    lost = [(unit, acked, stored.get(unit)) for unit, acked in tally.acked.items()
            if unit not in stored or stored[unit][0] < acked[0] or (stored[unit][0] == acked[0] and stored[unit] != acked)]
    if logged < tally.acks:
        lost.append(("audit", tally.acks, logged))
    return lost
