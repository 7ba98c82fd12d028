"""TSV, CSV and JSONL tables with columns among src, mt, ref (+ doc_id, seg_id, system).

TSV is read with quoting off and no NA conversion, so "NA", "null" and a stray
quote stay text (the MQM files and many MT dumps are TSV with raw quotes).
Every column that mtcheck does not know is carried through unchanged.
"""

from __future__ import annotations

from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError

TABLE_FORMATS = ("tsv", "csv", "jsonl")


def parse_column_map(spec: str | None) -> dict[str, str]:
    """`src=source,mt=hypothesis` -> {"source": "src", "hypothesis": "mt"} (file name -> role)."""
    if not spec:
        return {}
    mapping: dict[str, str] = {}
    for part in spec.split(","):
        role, sep, name = part.partition("=")
        role, name = role.strip(), name.strip()
        if not sep or not role or not name:
            raise UsageError(f"--columns: '{part}' is not ROLE=COLUMN", hint="e.g. --columns src=source,mt=hypothesis")
        if role not in (S.SRC, S.MT, S.REF, S.DOC_ID, S.SEG_ID, S.SYSTEM):
            raise UsageError(f"--columns: unknown role '{role}'", hint="roles are src, mt, ref, doc_id, seg_id, system")
        mapping[name] = role
    return mapping


def read_table(path: str | Path, fmt: str, columns: str | None = None):
    """Return a DataFrame with role columns renamed and a `line` column (the 1-based file line a row starts on).

    The whole table, read the way a streamed run reads it (`mtcheck.io.stream.iter_table`), so the two
    cannot disagree about a row.
    """
    import pandas as pd

    from mtcheck.io.stream import iter_table

    frames = list(iter_table(path, fmt, columns))
    if not frames:
        raise InputError("the table is empty", path=str(path), hint="give a header row with an 'mt' column")
    return pd.concat(frames, ignore_index=True).fillna("")
