"""Reading back a segments.csv or findings.csv that mtcheck wrote and an editor may have edited.

The report's CSV files neutralise cells a spreadsheet would run as a formula (mtcheck/report/csvfiles.py);
this reader removes that apostrophe again. It is a reader, so it lives with the readers: the editorial
workflow (verdicts, diff) reads worklists without importing the report writers.
"""

from __future__ import annotations

FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    if isinstance(value, str) and value.startswith(FORMULA_LEADS):
        return "'" + value
    return value


def restore(value):
    """The inverse of `neutralise`, for reading our own CSV back (diff, verdicts)."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_LEADS):
        return value[1:]
    return value


def read_report_csv(path, what: str = "segments.csv"):
    """Read a segments.csv or findings.csv that mtcheck wrote (and an editor may have edited).

    Text is read as text (no NaN), the BOM of --excel is accepted, and the
    formula-neutralising apostrophes are removed again.
    """
    import pandas as pd

    from mtcheck.errors import InputError

    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"no {what} here", path=str(path), hint="give a folder that mtcheck check wrote") from None
    except (UnicodeDecodeError, pd.errors.ParserError) as exc:
        first = str(exc).splitlines()[0]
        raise InputError(f"cannot read {what}: {first}", path=str(path),
                         hint="save it as UTF-8 CSV, as mtcheck wrote it") from None
    for col in frame.columns:
        frame[col] = frame[col].map(restore)
    return frame
