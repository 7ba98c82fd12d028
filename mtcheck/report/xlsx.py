"""segments.xlsx: the worklist for spreadsheet users (openpyxl).

Same columns as segments.csv, a frozen header row, auto-filters and a
severity colour on each row's severity cell. Every text cell, the header's
included (an input table's column may be named "=HYPERLINK(...)"), is typed
as a string, so MT that starts with "=" is shown, never evaluated; one that
a spreadsheet would take for a formula also gets Excel's quote prefix, so
that editing the cell does not turn it into one either. Control characters
that XML cannot hold are shown as U+FFFD.
"""

from __future__ import annotations

from mtcheck import schema as S

FILLS = {"ok": "D3F9D8", "minor": "FFF3BF", "major": "FFE3D3", "critical": "FFC9C9"}
MAX_WIDTH = 60


def _text_cell(cell, text: str):
    """Put `text` in `cell` as a string that no spreadsheet evaluates, now or after an edit."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    from mtcheck.io.worklist import FORMULA_LEADS

    cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    cell.data_type = "s"  # never a formula, whatever the text starts with
    if text.startswith(FORMULA_LEADS):
        cell.quotePrefix = True
    return cell


def write_xlsx(segments, path) -> None:
    import math

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "segments"
    columns = list(segments.columns)
    for c, name in enumerate(columns, start=1):
        _text_cell(sheet.cell(row=1, column=c), str(name)).font = Font(bold=True)
    severity_col = columns.index(S.SEVERITY) + 1 if S.SEVERITY in columns else None
    fills = {k: PatternFill("solid", start_color=v, end_color=v) for k, v in FILLS.items()}
    for r, record in enumerate(segments.itertuples(index=False), start=2):
        for c, value in enumerate(record, start=1):
            if isinstance(value, float) and math.isnan(value):
                value = None
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif hasattr(value, "item"):
                value = value.item()
            if isinstance(value, str):
                _text_cell(sheet.cell(row=r, column=c), value)
            else:
                sheet.cell(row=r, column=c, value=value)
        if severity_col:
            cell = sheet.cell(row=r, column=severity_col)
            cell.fill = fills.get(cell.value, fills["ok"])
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    wide = {S.SRC, S.MT, S.REF, S.EXPLANATION}
    for c, name in enumerate(columns, start=1):
        letter = get_column_letter(c)
        sheet.column_dimensions[letter].width = MAX_WIDTH if name in wide else max(8, min(24, len(name) + 4))
        if name in wide:
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    book.save(path)
