"""TSV, CSV and JSONL tables with columns among src, mt, ref (+ doc_id, seg_id, system).

TSV is read with quoting off and no NA conversion, so "NA", "null" and a stray
quote stay text (the MQM files and many MT dumps are TSV with raw quotes).
Every column that mtcheck does not know is carried through unchanged.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Iterator

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError
from mtcheck.io.base import BLOCK_ROWS, iter_lines

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

    The whole table, read the way a streamed run reads it (`iter_table`), so the two
    cannot disagree about a row.
    """
    import pandas as pd

    frames = list(iter_table(path, fmt, columns))
    if not frames:
        raise InputError("the table is empty", path=str(path), hint="give a header row with an 'mt' column")
    return pd.concat(frames, ignore_index=True).fillna("")


def _records(path: str, quoted: bool) -> Iterator[tuple[int, str]]:
    """(first line, text) of each record: a line, or with CSV quoting the lines a quoted cell spans."""
    pending, start, quotes = [], 0, 0
    for number, text in iter_lines(path):
        if not pending:
            start = number
        pending.append(text)
        if quoted:
            quotes += text.count('"')
            if quotes % 2:
                continue  # inside a quoted cell: the record goes on
        yield start, "\n".join(pending)
        pending, quotes = [], 0
    if pending:
        # The file ended inside a quoted cell: name the line the cell opened on (issue 27).
        raise InputError("a quoted cell opened on this line is never closed", path=path, line=start,
                         hint='close the quote; a quote inside a cell is written twice ("")')


def _table_header(path: str, fmt: str, header: str, columns: str | None) -> list[str]:
    sep = "\t" if fmt == "tsv" else ","
    names = next(csv.reader(io.StringIO(header), delimiter=sep,
                            quoting=csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL), [])
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        # pandas would silently rename the second one to "mt.1" and check the wrong column.
        raise InputError(f"the header names {', '.join(map(repr, repeated))} more than once", path=path,
                         line=1, hint="give every column its own name")
    mapping = parse_column_map(columns)
    missing = [name for name in mapping if name not in names]
    if missing:
        raise UsageError(f"--columns names {', '.join(map(repr, missing))}, not in the header", path=path,
                         hint=f"the header has {', '.join(map(str, names[:12]))}")
    if S.MT not in [mapping.get(n, n) for n in names]:
        raise InputError(f"no 'mt' column; the header has {_column_list(names)}", path=path, line=1,
                         hint="name the translation column 'mt' or map it with --columns mt=NAME")
    return names


def _column_list(names) -> str:
    """The columns a header names, for an error message: quoted, at most 12."""
    names = [str(n) for n in names]
    if not names or names == [""]:
        return "no column names"
    shown = ", ".join(repr(n) for n in names[:12])
    return shown + (f" and {len(names) - 12} more" if len(names) > 12 else "")


def _field_count(text: str, fmt: str) -> int:
    if fmt == "tsv":
        return text.count("\t") + 1
    return max((len(row) for row in csv.reader(io.StringIO(text))), default=0)


def _check_widths(path: str, fmt: str, header: str, block: list[tuple[int, str]]) -> None:
    """Every row has as many cells as the header: a row with fewer is the same mistake as one with more
    (a lost or an extra delimiter), and pandas would fill the missing cells in silently (issue 27)."""
    width = _field_count(header, fmt)
    for number, text in block:
        count = _field_count(text, fmt)
        if count != width:
            what = "tab" if fmt == "tsv" else "comma"
            raise InputError(f"this row has {count} cells, the header has {width}", path=path, line=number,
                             hint=f"every row needs {width - 1} {what}{'s' if width != 2 else ''}"
                             + (", and no cell may hold a tab" if fmt == "tsv"
                                else '; quote a cell that holds a comma: "a, b"'))


def _parse_delimited(path: str, fmt: str, header: str, block: list[tuple[int, str]]):
    import pandas as pd

    sep = "\t" if fmt == "tsv" else ","
    quoting = csv.QUOTE_NONE if fmt == "tsv" else csv.QUOTE_MINIMAL
    _check_widths(path, fmt, header, block)
    text = header + "\n" + "\n".join(t for _, t in block) + "\n"
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, quoting=quoting, dtype=str, keep_default_na=False,
                            na_filter=False, engine="python")
    except pd.errors.ParserError as exc:
        import re

        # pandas says "Expected 3 fields in line 7, saw 4", counting the header as line 1 of this block.
        found = re.search(r"line (\d+)", str(exc))
        at = int(found.group(1)) - 2 if found else None
        line = block[at][0] if at is not None and 0 <= at < len(block) else None
        message = f"cannot parse table: {exc}".splitlines()[0]
        if line is not None:
            message = re.sub(r"line \d+", f"line {line}", message)
        raise InputError(message, path=path, line=line,
                         hint="check the delimiter and quoting; TSV is read with quoting off" if fmt == "tsv"
                         else 'check the commas and quotes; a quote inside a cell is written twice ("")') from None
    frame[S.LINE] = [n for n, _ in block]
    return frame


def _json_kind(value) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    return "a list" if isinstance(value, list) else "an object"


def _text_role(name: str, mapping: dict) -> bool:
    role = mapping.get(name, name)
    return role in (S.SRC, S.MT, S.REF) or (role.startswith("ref_") and role[4:].isdigit())


def _parse_jsonl(path: str, block: list[tuple[int, str]], mapping: dict | None = None):
    import pandas as pd

    mapping = mapping or {}
    records = []
    for number, line in block:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=path, line=number,
                             hint="each line must be one JSON object") from None
        if not isinstance(record, dict):
            raise InputError("expected a JSON object", path=path, line=number)
        for key, value in record.items():
            # A list, an object, a number or a boolean where a text belongs is a mistake in the file (a
            # tokenised hypothesis, a wrong field), not a text to check (issue 34).
            if value is not None and not isinstance(value, str) and _text_role(key, mapping):
                raise InputError(f"'{key}' is {_json_kind(value)}, not a text", path=path, line=number,
                                 hint=f"give '{key}' as a JSON string, e.g. \"{key}\": \"...\"")
        records.append({k: "" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                        for k, v in record.items()})
    frame = pd.DataFrame.from_records(records).fillna("")
    frame[S.LINE] = [n for n, _ in block]
    return frame


def iter_table(path: str, fmt: str, columns: str | None = None, block_rows: int = BLOCK_ROWS):
    """The table's rows, `block_rows` at a time, with role columns renamed and `line` and `file` set."""
    path = str(path)
    mapping = parse_column_map(columns)
    records = _records(path, quoted=fmt == "csv")
    header = None
    if fmt != "jsonl":
        try:
            _, header = next(records)
        except StopIteration:
            raise InputError("the table is empty", path=path, hint="give a header row with an 'mt' column") from None
        _table_header(path, fmt, header, columns)
    block, any_rows = [], False
    for number, text in records:
        if not text.strip():
            continue  # blank lines are no rows (pandas skips them too), but they keep line numbers true
        block.append((number, text))
        if len(block) >= block_rows:
            any_rows = True
            yield _finish(path, fmt, header, block, mapping)
            block = []
    if block:
        any_rows = True
        yield _finish(path, fmt, header, block, mapping)
    if not any_rows and fmt == "jsonl":
        raise InputError("the file holds no records", path=path)


def _finish(path, fmt, header, block, mapping):
    frame = _parse_jsonl(path, block, mapping) if fmt == "jsonl" else _parse_delimited(path, fmt, header, block)
    frame = frame.rename(columns=mapping)
    if S.MT not in frame.columns:
        found = [c for c in frame.columns if c != S.LINE]
        raise InputError(f"no 'mt' column; the records have {_column_list(found)}", path=path, line=block[0][0],
                         hint="name the translation column 'mt' or map it with --columns mt=NAME")
    frame[S.FILE] = path
    return frame
