"""The rows report.html embeds, kept on disk while a run goes on (issue 34: memory flat in corpus size).

A run writes report.html after its last partition, worst rows first, so it must keep what the page shows
of every row (up to html.EMBED_ALL_UP_TO) until then. Kept as Python dicts that was about 9.5 MB per
1,000 rows, the largest part of a reference run's growth from 1,000 to 10,000 rows. The spool writes
each row's JSON to a file in the run's scratch folder and keeps in memory only its sort key and where
the JSON is (about 100 bytes a row); the page then reads the rows back one at a time, in its order.
"""

from __future__ import annotations

import json
from pathlib import Path


class RowSpool:
    """html.row_records' (sort key, row, MT text) records, their row and text on disk.

    `add` takes a partition's records; `index` is the in-memory part, (sort key, offset, length) each,
    which html.worst_records orders like the records themselves; `load` gives back (row, MT text)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.index: list[tuple] = []
        self._handle = None

    def add(self, records) -> None:
        if self._handle is None:
            self._handle = self.path.open("w+b")
        handle = self._handle
        handle.seek(0, 2)
        for key, row, mt in records:
            data = json.dumps([row, mt], ensure_ascii=False, separators=(",", ":")).encode("utf-8")
            self.index.append((key, handle.tell(), len(data)))
            handle.write(data)

    def load(self, entry: tuple) -> tuple[dict, str]:
        _, offset, length = entry
        self._handle.seek(offset)
        row, mt = json.loads(self._handle.read(length).decode("utf-8"))
        return row, mt

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
