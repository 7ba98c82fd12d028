"""The persistent score cache: what a model or metric computed for a text, kept across runs.

A second run on the same texts loads no model at all, and an edit of a few
segments re-scores only those. The store is one SQLite file from the
standard library, `$XDG_CACHE_HOME/mtcheck/scores.sqlite3` (default
`~/.cache/mtcheck/`), or `$MTCHECK_CACHE_DIR/scores.sqlite3`.

* **Content-addressed.** An entry's key is the SHA-256 of its *namespace* and
  its text. The namespace names the producer and everything its output
  depends on: the model, its version, the engine's numerics (int8 differs from
  fp32) and any calibration. A new model version or precision gets new keys;
  nothing is ever looked up under a stale key.
* **Checked.** Each value is stored with its CRC-32 and its length is checked
  by the reader, so a damaged entry is a miss, never a wrong score.
* **Shared.** Two runs may use it at once: write-ahead logging, a busy
  timeout, and each write one short transaction.
* **Bounded.** At most `$MTCHECK_CACHE_MAX_MB` (default 2,048 MB) of data;
  when a write goes over, the least recently used entries are deleted down to
  90% of the bound. A read stamps an entry's use at most once an hour, so
  reading stays cheap.
* **Never in the way.** A corrupt, locked or unwritable cache gives one
  warning and the run goes on without it. `--no-cache` (or
  `MTCHECK_NO_CACHE=1`) turns it off; `mtcheck cache info` and
  `mtcheck cache clear` inspect and empty it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import sqlite3
import time
import zlib
from pathlib import Path

from mtcheck.models import cache_root

log = logging.getLogger("mtcheck.models.cache")

FILE_NAME = "scores.sqlite3"
DEFAULT_MAX_MB = 2048
CHUNK = 500          # keys per SQL statement (SQLite allows 32,766 parameters)
STAMP_EVERY = 3600 * 10**6  # microseconds: how stale a use stamp may get before a read renews it
SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    key BLOB PRIMARY KEY,
    namespace TEXT NOT NULL,
    value BLOB NOT NULL,
    crc INTEGER NOT NULL,
    used INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_used ON entries (used);
"""


def default_path() -> Path:
    folder = os.environ.get("MTCHECK_CACHE_DIR")
    return (Path(folder) if folder else cache_root()) / FILE_NAME


def max_bytes() -> int:
    try:
        return int(float(os.environ.get("MTCHECK_CACHE_MAX_MB", DEFAULT_MAX_MB)) * 1024 * 1024)
    except ValueError:
        return DEFAULT_MAX_MB * 1024 * 1024


def _now() -> int:
    """Microseconds since the epoch: the `used` stamp."""
    return time.time_ns() // 1000


def _key(namespace: str, text: str) -> bytes:
    return hashlib.sha256(f"{namespace}\x00{text}".encode("utf-8", "surrogatepass")).digest()


class ScoreCache:
    """A SQLite-backed map from (namespace, text) to bytes. Every failure disables it with one warning."""

    def __init__(self, path: Path | None = None, limit: int | None = None) -> None:
        self.path = Path(path) if path else default_path()
        self.limit = limit if limit is not None else max_bytes()
        self._conn: sqlite3.Connection | None = None
        self._pid = None
        self.failed: str | None = None
        self.hits = self.misses = 0

    # -- connection -------------------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection | None:
        if self.failed:
            return None
        if self._conn is not None and self._pid == os.getpid():
            return self._conn
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            self._set_up(conn)
        except (sqlite3.Error, OSError) as exc:
            self._fail(exc)
            return None
        self._conn, self._pid = conn, os.getpid()
        return conn

    @staticmethod
    def _set_up(conn: sqlite3.Connection) -> None:
        """WAL mode and the schema, retried while another process is doing the same.

        Switching a new database to WAL needs an exclusive lock, and when two connections
        race for it the loser gets "database is locked" at once, not after the busy timeout
        (sqlite.org/wal.html, "Sometimes queries return SQLITE_BUSY in WAL mode", lists the
        cases the busy handler does not cover). Two processes starting on a new cache lost
        that race 7 times in 40 here, and it failed CI once. The mode is persistent, so the
        loser only has to try again once the winner is done.
        """
        deadline = time.monotonic() + 10
        while True:
            try:
                if conn.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                    conn.execute("PRAGMA journal_mode=WAL")
                conn.execute("PRAGMA synchronous=NORMAL")
                conn.executescript(SCHEMA)
                return
            except sqlite3.OperationalError as exc:
                contended = "locked" in str(exc) or "busy" in str(exc)
                if not contended or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def _fail(self, exc: Exception) -> None:
        self.failed = f"{type(exc).__name__}: {exc}"
        log.warning("mtcheck: warning: the score cache %s cannot be used (%s); this run goes on without it. "
                    "Run 'mtcheck cache clear' to start a new one, or pass --no-cache.", self.path, exc)
        self.close()

    @property
    def enabled(self) -> bool:
        return self.failed is None

    # -- reading and writing -------------------------------------------------------------------------
    def get(self, namespace: str, texts) -> dict[str, bytes]:
        """The stored values of those `texts` that are in the cache under `namespace`."""
        texts = list(dict.fromkeys(texts))
        conn = self._connect()
        if conn is None or not texts:
            return {}
        keys = {_key(namespace, t): t for t in texts}
        found: dict[str, bytes] = {}
        stale: list[bytes] = []
        now = _now()
        try:
            key_list = list(keys)
            for lo in range(0, len(key_list), CHUNK):
                part = key_list[lo:lo + CHUNK]
                marks = ",".join("?" * len(part))
                for key, value, crc, used in conn.execute(
                        f"SELECT key, value, crc, used FROM entries WHERE key IN ({marks})", part):
                    if zlib.crc32(value) != crc:
                        continue  # damaged: a miss, and the next write replaces it
                    found[keys[key]] = bytes(value)
                    if used < now - STAMP_EVERY:
                        stale.append(key)
            for lo in range(0, len(stale), CHUNK):
                part = stale[lo:lo + CHUNK]
                conn.execute(f"UPDATE entries SET used = ? WHERE key IN ({','.join('?' * len(part))})",
                             [now, *part])
        except sqlite3.Error as exc:
            self._fail(exc)
            return {}
        self.hits += len(found)
        self.misses += len(texts) - len(found)
        return found

    def put(self, namespace: str, items: dict[str, bytes]) -> None:
        """Store `items` (text -> value) under `namespace`, then keep the store within its bound."""
        conn = self._connect()
        if conn is None or not items:
            return
        now = _now()
        # One microsecond apart in write order, so that eviction among entries of one write is oldest first.
        rows = [(_key(namespace, t), namespace, v, zlib.crc32(v), now + k) for k, (t, v) in enumerate(items.items())]
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR REPLACE INTO entries (key, namespace, value, crc, used) "
                             "VALUES (?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")
            self._evict(conn)
        except sqlite3.Error as exc:
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            self._fail(exc)

    def _used_bytes(self, conn) -> int:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
        free = conn.execute("PRAGMA freelist_count").fetchone()[0]
        return (pages - free) * page_size

    def _evict(self, conn) -> None:
        """Delete the least recently used entries until the data fits in 90% of the bound."""
        used = self._used_bytes(conn)
        if used <= self.limit:
            return
        count = conn.execute("SELECT COUNT(*) FROM entries").fetchone()[0]
        drop = max(1, int(count * (used - 0.9 * self.limit) / max(used, 1)) + 1)
        conn.execute("DELETE FROM entries WHERE key IN (SELECT key FROM entries ORDER BY used LIMIT ?)", (drop,))

    # -- maintenance ----------------------------------------------------------------------------------
    def info(self) -> dict:
        """Where the cache is, its size, its bound and its entries per namespace."""
        result = {"path": str(self.path), "exists": self.path.exists(), "max_bytes": self.limit,
                  "bytes": self.path.stat().st_size if self.path.exists() else 0, "entries": 0, "namespaces": {}}
        if not self.path.exists():
            return result
        conn = self._connect()
        if conn is None:
            result["error"] = self.failed
            return result
        try:
            result["data_bytes"] = self._used_bytes(conn)
            for namespace, n in conn.execute("SELECT namespace, COUNT(*) FROM entries GROUP BY namespace "
                                             "ORDER BY namespace"):
                result["namespaces"][namespace] = n
                result["entries"] += n
        except sqlite3.Error as exc:
            result["error"] = f"{type(exc).__name__}: {exc}"
        return result

    def clear(self) -> int:
        """Delete the cache files (also a corrupt one); returns the bytes freed."""
        self.close()
        freed = 0
        for suffix in ("", "-wal", "-shm"):
            part = Path(f"{self.path}{suffix}")
            if part.exists():
                freed += part.stat().st_size
                part.unlink()
        self.failed = None
        return freed

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except sqlite3.Error:
                pass
        self._conn = None


class NoCache:
    """The stand-in for --no-cache: remembers nothing."""

    enabled = False
    path = None
    hits = misses = 0

    def get(self, namespace: str, texts) -> dict[str, bytes]:
        return {}

    def put(self, namespace: str, items: dict[str, bytes]) -> None:
        pass


_ACTIVE: ScoreCache | NoCache | None = None


def active() -> ScoreCache | NoCache:
    """The cache this process uses: the default store, unless turned off by `configure` or MTCHECK_NO_CACHE."""
    global _ACTIVE
    if _ACTIVE is None:
        off = os.environ.get("MTCHECK_NO_CACHE", "").strip().lower() not in ("", "0", "false", "no")
        _ACTIVE = NoCache() if off else ScoreCache()
    return _ACTIVE


def configure(enabled: bool = True, path: Path | None = None) -> ScoreCache | NoCache:
    """Turn the cache on or off for this process; the pipeline calls it per run (--no-cache).

    A store opened with an explicit `path` stays in use until another `path` or `enabled=False`;
    otherwise the default store is (re)opened when the environment names another place, or when it
    failed before (each run tries again, and warns again)."""
    global _ACTIVE
    if not enabled:
        _ACTIVE = NoCache()
    elif path is not None:
        _ACTIVE = ScoreCache(path)
        _ACTIVE.explicit = True
    elif not isinstance(_ACTIVE, ScoreCache) or _ACTIVE.failed or \
            (not getattr(_ACTIVE, "explicit", False) and _ACTIVE.path != default_path()):
        _ACTIVE = None
    return active()


# -- typed values ---------------------------------------------------------------------------------------
def get_arrays(namespace: str, texts, dtype: str, size: int | None = None) -> dict:
    """Cached numpy vectors of `size` `dtype` values (any one size when None); entries of another length are
    misses."""
    import numpy as np

    out = {}
    item = np.dtype(dtype).itemsize
    for text, value in active().get(namespace, texts).items():
        if value and len(value) % item == 0 and (size is None or len(value) == item * size):
            out[text] = np.frombuffer(value, dtype=dtype)
    if size is None and len({len(v) for v in out.values()}) > 1:
        return {}  # one namespace holds one model's vectors: mixed sizes mean damage, so trust none
    return out


def put_arrays(namespace: str, items: dict, dtype: str) -> None:
    import numpy as np

    active().put(namespace, {t: np.ascontiguousarray(v, dtype=dtype).tobytes() for t, v in items.items()})


def cached(namespace: str, keys: list, compute, load=None, advance=None) -> dict:
    """`keys` (texts, or tuples of texts) -> numpy float64 rows: from this cache where there, else
    `compute(missing)` after `load()`, then stored. Scorers whose value per text is a few numbers use it
    (fluency, lm-ref, sacrebleu); `advance` counts the cached keys as done."""
    import numpy as np

    unique = list(dict.fromkeys(keys))
    names = {k: k if isinstance(k, str) else "\x00".join(k) for k in unique}
    stored = get_arrays(namespace, [names[k] for k in unique], "float64")
    found = {k: stored[names[k]] for k in unique if names[k] in stored}
    missing = [k for k in unique if k not in found]
    if advance and found:
        advance(len(found))
    if missing:
        if load:
            load()
        fresh = dict(zip(missing, (np.asarray(v, dtype="float64") for v in compute(missing))))
        put_arrays(namespace, {names[k]: v for k, v in fresh.items()}, "float64")
        found.update(fresh)
    return found
