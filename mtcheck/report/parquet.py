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


def as_arrow_frame(segments, text_columns=(), float_columns=()):
    """The frame as Parquet gets it: a text column that also holds numbers, None or NaN (line and seg_id
    from some readers, a column only some input files have), or one named in `text_columns` (text in
    another partition of the run), is written as text, missing values empty, as segments.csv shows them.
    Columns in `float_columns` (integers here, floats in another partition) are written as floats."""
    import pandas as pd

    table = segments.copy()
    for column in table.columns:
        if table[column].dtype == object or column in text_columns:
            table[column] = table[column].map(lambda v: "" if v is None or (not isinstance(v, str) and pd.isna(v))
                                              else str(v))
        elif column in float_columns:
            table[column] = table[column].astype("float64")
    return table


def write_parquet(segments, path) -> None:
    require_pyarrow()
    as_arrow_frame(segments).to_parquet(path, engine="pyarrow", index=False)
