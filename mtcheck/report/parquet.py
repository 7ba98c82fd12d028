"""segments.parquet (`--parquet`): the segments table with typed columns, for data tools.

Same rows and columns as segments.csv, in the same order. Numbers stay numbers,
`flagged` is a boolean, and text is written as it is: Parquet is read by pandas,
Spark, DuckDB and the like, not by spreadsheets, so the apostrophe segments.csv
puts before formula-like cells is not added here.
"""

from __future__ import annotations

from mtcheck.errors import UsageError


def require_pyarrow() -> None:
    """Fail before the run, not after it, when the writer is missing."""
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise UsageError("--parquet needs pyarrow, which is not installed",
                         hint="pip install 'mtcheck[parquet]', or drop --parquet") from None


def write_parquet(segments, path) -> None:
    require_pyarrow()
    import pandas as pd

    table = segments.copy()
    for column in table.columns:
        # A text column that also holds numbers, None or NaN (line and seg_id from some readers,
        # a column only some input files have) would not convert to one Arrow type: write it as
        # text, the missing values empty, as segments.csv shows them.
        if table[column].dtype == object:
            table[column] = table[column].map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v))
                                              else str(v))
    table.to_parquet(path, engine="pyarrow", index=False)
