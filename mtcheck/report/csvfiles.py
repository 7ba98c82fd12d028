"""segments.csv and findings.csv: the editor's worklist and one row per finding.

Cells that a spreadsheet would run as a formula (starting with =, +, -, @,
tab or carriage return; OWASP "CSV injection") get a leading apostrophe.
Only text columns are touched: numeric metric columns stay numbers.
"""

from __future__ import annotations

from mtcheck import schema as S
from mtcheck.io.worklist import neutralise

def formula_safe(frame):
    """Text cells and column names (a carried column may be named "=HYPERLINK(...)") neutralised."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or str(out[col].dtype) in ("string", "str"):
            out[col] = out[col].map(neutralise)
    out.columns = [neutralise(str(c)) for c in out.columns]
    return out


def segments_table(segments):
    table = segments.copy()
    table[S.FLAGGED] = table[S.FLAGGED].map(lambda v: "true" if v else "false")
    return formula_safe(table)


def findings_table(segments, findings, suppressed=()):
    """One row per finding; findings an editor's verdict suppressed are listed with suppressed=true."""
    import pandas as pd

    records = []
    hidden = {id(f) for _, f in suppressed}
    findings = list(findings) + list(suppressed)
    has_system = S.SYSTEM in segments.columns
    mts, docs, segs = segments[S.MT].to_dict(), segments[S.DOC_ID].to_dict(), segments[S.SEG_ID].to_dict()
    systems = segments[S.SYSTEM].to_dict() if has_system else {}
    for index, f in findings:
        mt = mts[index]
        record = {S.DOC_ID: docs[index], S.SEG_ID: segs[index]}
        if has_system:
            record[S.SYSTEM] = systems[index]
        record.update({"check": f.check, "severity": f.severity, "start": f.start, "end": f.end,
                       "span": mt[f.start:f.end], "message": f.message,
                       "suppressed": "true" if id(f) in hidden else "false"})
        records.append(record)
    columns = [c for c in S.FINDINGS_COLUMNS if c != S.SYSTEM or S.SYSTEM in segments.columns]
    return formula_safe(pd.DataFrame.from_records(records, columns=columns))


def write_csv(frame, path, excel: bool = False) -> None:
    # A BOM makes Excel read UTF-8; without --excel the file is plain UTF-8.
    frame.to_csv(path, index=False, encoding="utf-8-sig" if excel else "utf-8", lineterminator="\n")
