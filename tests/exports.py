"""Online-form exports built in code, in the layouts partnerships save into returns/.

``ms_forms_export`` writes a workbook the way Microsoft Forms' "Open in Excel" does: one sheet, the
columns ID, Start time, Completion time, Email, Name, then one column per question headed by its
text, real date cells, several choices joined by ';' (with the trailing ';' Forms leaves). ``csv_export``
writes the same table as CSV in the encodings and separators Excel uses. ``google_forms_csv`` writes the
layout of a Google Forms responses sheet downloaded as CSV: Timestamp and Email address first,
questions headed by their text without numbers, several choices joined by ', '. ``workbook`` saves any
table as a plain workbook, as an officer who typed or pasted responses into Excel would.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field
from pathlib import Path

from maa_cli.definitions.tool import Tool

MS_FORMS_COLUMNS = ["ID", "Start time", "Completion time", "Email", "Name"]


@dataclass
class Response:
    """One response to the online form: who typed it and what they answered (answer key -> value)."""

    respondent: str | None
    answers: dict[str, object]
    id: int | None = None
    completed: dt.datetime = dt.datetime(2027, 1, 12, 10, 30)
    email: str = "anonymous"
    name: str = "anonymous"
    extra: dict[str, object] = field(default_factory=dict)  # heading -> value, for columns the tool does not have


def question_headings(tool: Tool, numbered: bool = True) -> dict[str, str]:
    """The heading of each answer box's column, as an officer titles the questions of an online form."""
    out = {}
    for f in tool.fields():
        if f.role == "answer":
            text = f.part.text if f.part else f.question.text
            out[f.key] = f"{f.number}. {text}" if numbered else text
        elif f.role in ("action", "when_who", "why", "other"):
            out[f.key] = f.label  # 'Action points', 'When / who': the question before them says which
    return out


def table(tool: Tool, responses: list[Response], *, respondent_heading: str = "Name of your setting",
          headings: dict[str, str] | None = None, ms_forms: bool = True) -> list[list]:
    """The export as rows of cells (headings first)."""
    headings = headings or question_headings(tool)
    extra = list(dict.fromkeys(h for r in responses for h in r.extra))
    rows = [(MS_FORMS_COLUMNS if ms_forms else []) + [respondent_heading, *headings.values(), *extra]]
    for r in responses:
        cells = [r.id, r.completed - dt.timedelta(minutes=25), r.completed, r.email, r.name] if ms_forms else []
        cells.append(r.respondent)
        for key in headings:
            value = r.answers.get(key)
            cells.append(";".join(value) + ";" if isinstance(value, list) else value)
        cells += [r.extra.get(h) for h in extra]
        rows.append(cells)
    return rows


def ms_forms_export(path: Path, tool: Tool, responses: list[Response], **kw) -> Path:
    """Save the export as Microsoft Forms does: a workbook with real date cells (dd/mm/yyyy hh:mm)."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Sheet1"
    for cells in table(tool, responses, **kw):
        sheet.append(cells)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, dt.datetime | dt.date):
                cell.number_format = "dd/mm/yyyy hh:mm:ss"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def csv_export(path: Path, rows: list[list], *, encoding: str = "utf-8", bom: bool = False, separator: str = ",") -> Path:
    """Save ``rows`` as CSV, as Excel does ('CSV UTF-8' has a byte-order mark; 'CSV (Comma delimited)' is cp1252)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=separator, lineterminator="\r\n")
    for cells in rows:
        writer.writerow(["" if c is None else c.strftime("%d/%m/%Y %H:%M") if isinstance(c, dt.datetime) else c
                         for c in cells])
    data = buffer.getvalue().encode(encoding)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + data)
    return path


def google_forms_csv(path: Path, tool: Tool, responses: list[Response], *,
                     respondent_heading: str = "Name of setting") -> Path:
    """Save the responses as Google Forms' sheet downloads them: 'Timestamp' (day first, seconds), 'Email address'."""
    headings = question_headings(tool, numbered=False)
    rows = [["Timestamp", "Email address", respondent_heading, *headings.values()]]
    for r in responses:
        cells = [r.completed.strftime("%d/%m/%Y %H:%M:%S"), r.email, r.respondent]
        for key in headings:
            value = r.answers.get(key)
            cells.append(", ".join(value) if isinstance(value, list) else
                         value.strftime("%d/%m/%Y") if isinstance(value, dt.datetime) else value)
        rows.append(cells)
    return csv_export(path, rows)


def workbook(path: Path, rows: list[list], sheet_title: str = "Responses") -> Path:
    """Save ``rows`` as the only sheet of a plain workbook (no form reference, no defined names)."""
    from openpyxl import Workbook

    wb = Workbook()
    sheet = wb.active
    sheet.title = sheet_title
    for cells in rows:
        sheet.append(cells)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path
