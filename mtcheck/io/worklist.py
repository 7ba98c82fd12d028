"""Reading back a segments.csv, segments.xlsx or findings.csv that mtcheck wrote and an editor may have edited.

The report's CSV files neutralise cells a spreadsheet would run as a formula (mtcheck/report/csvfiles.py);
this reader removes that apostrophe again. It is a reader, so it lives with the readers: the editorial
workflow (verdicts, diff) and the report folder's guard read worklists without importing the writers.

An editor's spreadsheet program decides the file's dialect, not mtcheck (issue 34). Excel saves "CSV
(Comma delimited)" with the locale's list separator (`;` in most of Europe) in the Windows code page,
"CSV UTF-8" with a BOM, and "Unicode Text" as tab-separated UTF-16; LibreOffice asks. So the encoding is
read from the BOM (else UTF-8, else Windows-1252) and the separator from the header line.
"""

from __future__ import annotations

import codecs
from pathlib import Path

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t")
REVIEW_COLUMNS = ("status", "editor_note")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def restore(value):
    """The inverse of `neutralise`, for reading our own CSV back (diff, verdicts)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_LEADS):
        return value[1:]
    return value


def sniff_encoding(path) -> str:  # also the review desk's MQM TSV (mtcheck/desk/mqm.py)
    """The encoding an editor's program saved `path` in: from its BOM, else UTF-8 if its start decodes, else
    Windows-1252 (Excel's "CSV (Comma delimited)" on Western locales)."""
    with open(path, "rb") as handle:
        head = handle.read(1 << 16)
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:  # not merely a character cut at the chunk's end
            return "cp1252"
    return "utf-8"


def sniff_delimiter(header: str) -> str:
    """The separator of a worklist's header line: the one of `,` `;` tab it holds most of."""
    counts = {d: header.count(d) for d in DELIMITERS}
    best = max(DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def is_xlsx(path) -> bool:
    try:
        with open(path, "rb") as handle:
            return str(path).lower().endswith((".xlsx", ".xlsm")) and handle.read(4) == b"PK\x03\x04"
    except OSError:
        return False


def _xlsx_rows(path):
    """The first sheet's rows as lists of text ("" for an empty cell), read in streaming mode."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True, data_only=True)
    try:
        sheet = book.worksheets[0]
        for row in sheet.iter_rows(values_only=True):
            yield ["" if v is None else str(v) for v in row]
    finally:
        book.close()


def has_editor_work(path) -> bool:
    """Whether a worklist (CSV in any of the dialects above, or xlsx) has a filled `status` or `editor_note`.

    Streams the file and stops at the first filled cell. A file that cannot be read at all is taken to
    hold work: mtcheck does not write over what it cannot inspect."""
    import csv

    path = Path(path)
    try:
        if is_xlsx(path):
            rows = _xlsx_rows(path)
            header = next(rows, [])
            wanted = [k for k, name in enumerate(header) if restore(name.strip()) in REVIEW_COLUMNS]
            return any(any(k < len(r) and r[k].strip() for k in wanted) for r in rows) if wanted else False
        with open(path, encoding=sniff_encoding(path), errors="replace", newline="") as handle:
            first = handle.readline()
            handle.seek(0)
            reader = csv.reader(handle, delimiter=sniff_delimiter(first))
            header = [restore(h.strip()) for h in next(reader, [])]
            wanted = [k for k, name in enumerate(header) if name in REVIEW_COLUMNS]
            return any(any(k < len(r) and r[k].strip() for k in wanted) for r in reader) if wanted else False
    except FileNotFoundError:
        return False
    except Exception:  # a damaged or foreign file (zip, csv, xml errors alike): never written over
        return True


def read_report_csv(path, what: str = "segments.csv"):
    """Read a segments.csv (or .xlsx) or findings.csv that mtcheck wrote and an editor may have edited.

    Text is read as text (no NaN), in the dialect the editor's program saved, and the
    formula-neutralising apostrophes are removed again.
    """
    import pandas as pd

    from mtcheck.errors import InputError

    try:
        if is_xlsx(path):
            rows = list(_xlsx_rows(path))
            header = [str(h) for h in (rows[0] if rows else [])]
            body = [r + [""] * (len(header) - len(r)) for r in rows[1:]]
            frame = pd.DataFrame([r[:len(header)] for r in body], columns=header, dtype=str)
        else:
            encoding = sniff_encoding(path)
            with open(path, encoding=encoding, errors="strict", newline="") as handle:
                delimiter = sniff_delimiter(handle.readline())
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=encoding, sep=delimiter)
    except FileNotFoundError:
        raise InputError(f"no {what} here", path=str(path), hint="give a folder that mtcheck check wrote") from None
    except (UnicodeError, pd.errors.ParserError, ValueError, OSError) as exc:
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise InputError(f"cannot read {what}: {first}", path=str(path),
                         hint="save it as CSV (any separator) or xlsx, as mtcheck wrote it") from None
    except Exception as exc:  # zip and XML errors of a damaged xlsx
        raise InputError(f"cannot read {what} ({type(exc).__name__})", path=str(path),
                         hint="save it again as xlsx or CSV") from None
    for col in frame.columns:
        frame[col] = frame[col].map(restore)
    frame.columns = [restore(str(c)) for c in frame.columns]
    return frame
