"""segments.xlsx: the worklist for spreadsheet users (openpyxl).

Same columns as segments.csv, a frozen header row, auto-filters and a
severity colour on each row's severity cell. Text cells are typed as strings
explicitly, so MT that starts with "=" is shown, never evaluated.
"""

from __future__ import annotations

from mtcheck import schema as S

FILLS = {"ok": "D3F9D8", "minor": "FFF3BF", "major": "FFE3D3", "critical": "FFC9C9"}
MAX_WIDTH = 60


def write_xlsx(segments, path) -> None:
    import math

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = "segments"
    columns = list(segments.columns)
    sheet.append(columns)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
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
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"  # never a formula, whatever the text starts with
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
