"""The officer's data workbook: one row per accepted return, one column per answer.

For filtering and pivoting in Excel. Shareable: identifying answers are not in
the collected records at all, and narrative answers are masked for known names.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import atomic
from ..cells import put
from ..privacy import masker_for
from ..workspace import Workspace

FILE_NAME = "data-workbook.xlsx"


def write_data_workbook(ws: Workspace, responses: list[dict]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    masker = masker_for(ws)
    wb = Workbook()
    wb.remove(wb.active)
    for ft in ws.audit.form_types:
        tool = ws.tools[ft.name]
        fields = [f for f in tool.fields() if not (f.part or f.question).identifying]
        sheet = wb.create_sheet(_sheet_title(ft.name))
        headers = ["Form ref", "Agency", "Case", "Status"] + [f"{f.number} {f.label}"[:120] if f.role == "answer" else f"{f.number} {f.label}" for f in fields]
        for col, title in enumerate(headers, 1):
            cell = put(sheet, 1, col, title)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        row = 2
        for r in responses:
            if r["form_type"] != ft.name:
                continue
            values = [r["form_id"], r.get("agency") or "", r.get("case_ref") or "", r["status"]]
            for f in fields:
                value = r["answers"].get(f.key)
                if isinstance(value, list):
                    value = "; ".join(value)
                if isinstance(value, str) and f.type in ("long_text", "short_text"):
                    value = masker.text(value)
                if isinstance(value, str) and f.type == "date":
                    value = dt.date.fromisoformat(value)
                values.append(value)
            for col, value in enumerate(values, 1):
                cell = put(sheet, row, col, value)
                if isinstance(value, dt.date):
                    cell.number_format = "dd/mm/yyyy"
            row += 1
        sheet.freeze_panes = "B2"
        sheet.auto_filter.ref = f"A1:{sheet.cell(row=1, column=len(headers)).column_letter}{max(row - 1, 1)}"
        for col in range(1, len(headers) + 1):
            sheet.column_dimensions[sheet.cell(row=1, column=col).column_letter].width = 18 if col > 4 else 16
    wb.properties.creator = ws.audit.partnership
    wb.properties.lastModifiedBy = ws.audit.partnership
    wb.properties.title = f"{ws.audit.title} — data workbook"
    path = ws.reports_dir / FILE_NAME
    atomic.write_with(path, wb.save)
    return path


def _sheet_title(name: str) -> str:
    return name[:31]
