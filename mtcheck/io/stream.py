"""Reading a run's input a block of rows at a time, so that memory stays flat as the corpus grows (issue 14).

What streams: tables (TSV, CSV, JSONL) and line-aligned plain-text files (-t/-s/-r, and the role
files of a corpus folder). These are what million-segment corpora come as, and their rows are
independent. Everything else (running-text documents, XLIFF, TMX, WMT XML, SRT, and anything
aligned by content with --align) is read whole and aligned whole, as before, and only then cut
into partitions: those inputs are documents, and alignment needs a document entire.

`open_run(spec)` returns a `RunInput` whose `blocks()` can be iterated more than once (the run
reads the input twice: a survey pass, then the check pass; see mtcheck/survey.py). Every block
is a DataFrame of aligned rows, indexed by the row's place in the whole run, in the order a whole
read gives; `rows_from_table`/`rows_from_sides` build them, as for a whole read. Bytes are checked
as the whole-file reader checks them (UTF-8, no NUL byte), and an error names the file and line.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from mtcheck import schema as S
from mtcheck.errors import InputError, UsageError

BLOCK_ROWS = 5_000


@dataclass
class RunInput:
    name: str
    inputs: list[dict]
    blocks: Callable[[], Iterator]   # a fresh iterator of aligned row blocks on each call
    split_anywhere: bool             # rows are independent (no document structure to keep whole)
    streamed: bool = True
    estimated_rows: int = 0          # for the survey's progress bar (lines in the files; exact for most)


def _decode(raw: bytes, path: str, line: int, first: bool) -> str:
    if b"\x00" in raw:
        raise InputError("looks like a binary file (NUL byte)", path=path, line=line, hint="give a UTF-8 text file")
    try:
        text = raw.decode("utf-8-sig" if first else "utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"not valid UTF-8 (byte 0x{raw[exc.start]:02x})", path=path, line=line,
                         hint="re-save the file as UTF-8, e.g. iconv -f GB18030 -t UTF-8") from None
    return text[:-1] if text.endswith("\r") else text


def iter_lines(path: str) -> Iterator[tuple[int, str]]:
    """(1-based line number, text) of every line, split on LF only and one trailing CR dropped, as
    `mtcheck.io.base.split_lines` splits a whole file."""
    from mtcheck.io.base import open_input

    with open_input(path) as handle:
        for number, raw in enumerate(handle, start=1):
            if raw.endswith(b"\n"):
                raw = raw[:-1]
            yield number, _decode(raw, str(path), number, number == 1)


def count_newlines(path: str) -> int:
    """Newlines in the file, counted a megabyte at a time without decoding (a progress bar's total)."""
    from mtcheck.io.base import open_input

    count = 0
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def count_lines(path: str) -> int:
    """Lines as `iter_lines` yields them (a last line without LF counts), without decoding: the bytes
    are checked when the rows are read."""
    from mtcheck.io.base import open_input

    count, last = 0, b"\n"
    with open_input(path) as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            count += chunk.count(b"\n")
            last = chunk[-1:]
    return count + (last != b"\n")


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
    from mtcheck.io.table import parse_column_map

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


def _parse_jsonl(path: str, block: list[tuple[int, str]]):
    import pandas as pd

    records = []
    for number, line in block:
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"invalid JSON: {exc.msg}", path=path, line=number,
                             hint="each line must be one JSON object") from None
        if not isinstance(record, dict):
            raise InputError("expected a JSON object", path=path, line=number)
        records.append({k: "" if v is None else (v if isinstance(v, str) else json.dumps(v, ensure_ascii=False))
                        for k, v in record.items()})
    frame = pd.DataFrame.from_records(records).fillna("")
    frame[S.LINE] = [n for n, _ in block]
    return frame


def iter_table(path: str, fmt: str, columns: str | None = None, block_rows: int = BLOCK_ROWS):
    """The table's rows, `block_rows` at a time, with role columns renamed and `line` and `file` set."""
    from mtcheck.io.table import parse_column_map

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
    frame = _parse_jsonl(path, block) if fmt == "jsonl" else _parse_delimited(path, fmt, header, block)
    frame = frame.rename(columns=mapping)
    if S.MT not in frame.columns:
        found = [c for c in frame.columns if c != S.LINE]
        raise InputError(f"no 'mt' column; the records have {_column_list(found)}", path=path, line=block[0][0],
                         hint="name the translation column 'mt' or map it with --columns mt=NAME")
    frame[S.FILE] = path
    return frame


def iter_line_rows(mts: list[str], src: str | None, refs: list[str], block_rows: int = BLOCK_ROWS):
    """Rows of line-aligned files, as `mtcheck.align.rows_from_sides` builds them from whole files, a block at a
    time: every MT file is one system, its rows in line order, one system after the other. The files' line
    counts must have been found equal (`count_lines`) beforehand."""
    import pandas as pd

    from mtcheck.io import _system_name

    offset = 0
    for mt in mts:
        streams = [iter_lines(mt)] + ([iter_lines(src)] if src else []) + [iter_lines(r) for r in refs]
        block = []
        for lines in zip(*streams):
            block.append(lines)
            if len(block) >= block_rows:
                yield _line_frame(block, mt, src, refs, len(mts) > 1, offset, _system_name, pd)
                offset += len(block)
                block = []
        if block:
            yield _line_frame(block, mt, src, refs, len(mts) > 1, offset, _system_name, pd)
            offset += len(block)


def _line_frame(block, mt, src, refs, several, offset, system_name, pd):
    numbers = [lines[0][0] for lines in block]
    rows = {S.DOC_ID: Path(mt).stem, S.SEG_ID: numbers,
            S.SRC: [lines[1][1] for lines in block] if src else [""] * len(block),
            S.MT: [lines[0][1] for lines in block]}
    first_ref = 2 if src else 1
    for k in range(len(refs)):
        rows[S.REF if k == 0 else f"ref_{k + 1}"] = [lines[first_ref + k][1] for lines in block]
    if not refs:
        rows[S.REF] = [""] * len(block)
    rows.update({S.KIND: "line", S.ALIGN: "1-1", S.ALIGN_CONF: 1.0, S.FILE: mt, S.LINE: numbers})
    frame = pd.DataFrame(rows, index=pd.RangeIndex(offset, offset + len(block)))
    if several:
        frame.insert(2, S.SYSTEM, system_name(mt))
    return frame
