"""TSV, CSV and JSONL tables with columns among src, mt, ref (+ doc_id, seg_id, system).

TSV is read with quoting off and no NA conversion, so "NA", "null" and a stray
quote stay text (the MQM files and many MT dumps are TSV with raw quotes).
Every column that mtcheck does not know is carried through unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
from pathlib import Path

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError
from mtcheck.io.base import read_text, split_lines

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


def _read_delimited(path: str, text: str, sep: str, quoting: int):
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text), sep=sep, quoting=quoting, dtype=str,
                           keep_default_na=False, na_filter=False, engine="python")
    except pd.errors.ParserError as exc:
        # pandas says "Expected 3 fields in line 7, saw 4"; keep its line number.
        found = re.search(r"line (\d+)", str(exc))
        raise InputError(f"cannot parse table: {exc}".splitlines()[0], path=path,
                         line=int(found.group(1)) if found else None,
                         hint="check the delimiter and quoting; TSV is read with quoting off") from None
    except pd.errors.EmptyDataError:
        raise InputError("the table is empty", path=path, hint="give a header row with an 'mt' column") from None


def _read_jsonl(path: str, text: str):
    import pandas as pd

    records = []
    for number, line in enumerate(split_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=path, line=number,
                             hint="each line must be one JSON object") from None
        if not isinstance(record, dict):
            raise InputError("expected a JSON object", path=path, line=number)
        records.append({k: "" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                        for k, v in record.items()})
    if not records:
        raise InputError("the file holds no records", path=path)
    return pd.DataFrame.from_records(records).fillna("")


def read_table(path: str | Path, fmt: str, columns: str | None = None):
    """Return a DataFrame with role columns renamed and a `line` column (1-based file line)."""
    path = str(path)
    text = read_text(path)
    if fmt == "jsonl":
        frame = _read_jsonl(path, text)
        # line numbers of non-empty lines, in order
        frame[S.LINE] = [i for i, ln in enumerate(split_lines(text), start=1) if ln.strip()]
    else:
        sep = "\t" if fmt == "tsv" else ","
        quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
        header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]), delimiter=sep,
                                 quoting=quoting), [])
        repeated = sorted({name for name in header if header.count(name) > 1})
        if repeated:
            # pandas would silently rename the second one to "mt.1" and check the wrong column.
            raise InputError(f"the header names {', '.join(map(repr, repeated))} more than once", path=path,
                             line=1, hint="give every column its own name")
        frame = _read_delimited(path, text, sep, quoting)
        frame[S.LINE] = range(2, len(frame) + 2)  # header is line 1; multi-line CSV cells are rare
    mapping = parse_column_map(columns)
    missing = [name for name in mapping if name not in frame.columns]
    if missing:
        raise UsageError(f"--columns names {', '.join(map(repr, missing))}, not in the header", path=path,
                         hint=f"the header has {', '.join(map(str, frame.columns[:12]))}")
    frame = frame.rename(columns=mapping)
    if S.MT not in frame.columns:
        raise InputError("no 'mt' column", path=path, line=1,
                         hint="name the translation column 'mt' or map it with --columns mt=NAME")
    frame[S.FILE] = path
    return frame
