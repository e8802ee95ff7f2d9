"""Filling issued Excel forms in code, as a respondent would (openpyxl, not the real client).

The real-client round trip (LibreOffice through UNO) is in test_office_roundtrip.py;
these helpers are for the many collect stories that only need a plausible return.
"""

from __future__ import annotations

from pathlib import Path

from maa_cli.forms.excel import defined_name
from maa_cli.office.cells import put


def fill_excel(form: Path, target: Path, answers: dict[str, object]) -> Path:
    """Copy ``form`` to ``target`` with ``answers`` (answer key → typed value) in their cells."""
    from openpyxl import load_workbook

    wb = load_workbook(form)
    for key, value in answers.items():
        sheet, coord = next(iter(wb.defined_names[defined_name(key)].destinations))
        cell = wb[sheet][coord.replace("$", "")]
        put(wb[sheet], cell.row, cell.column, value)
        if isinstance(value, str) and "_x" in value and not value.startswith("="):
            cell.value = value  # as it stands in Excel's XML: a test may write Excel's own _xHHHH_ escapes
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def complete_prefill(tool, attributes=None) -> dict[str, object]:
    """A complete, compliant return as a form's prefilled answers (a list for a multiple choice): Yes where a
    question applies (N/A where not), the first choice, and "Answered" in every other required box."""
    attributes = attributes or {}
    out: dict[str, object] = {}
    for f in tool.fields():
        if f.role != "answer":
            continue
        applies = f.question.applies_to is None or f.question.applies_to.applies(attributes)
        if f.type == "yes_no":
            out[f.key] = "Yes" if applies else "N/A"
        elif f.type == "multiple_choice":
            out[f.key] = [f.choices[0]]
        elif f.choices:
            out[f.key] = f.choices[0]
        elif f.required:
            out[f.key] = "Answered"
    return out


def all_yes(tool, attributes=None) -> dict[str, object]:
    """A complete, compliant return for a yes/no questionnaire (N/A where a question does not apply)."""
    attributes = attributes or {}
    out: dict[str, object] = {}
    for f in tool.fields():
        if f.role != "answer":
            continue
        applies = f.question.applies_to is None or f.question.applies_to.applies(attributes)
        if f.type == "yes_no":
            out[f.key] = "Yes" if applies else "N/A"
        elif f.type == "multiple_choice":
            for i, _ in enumerate(f.choices[:1]):
                out[f"{f.key}#{i}"] = "Yes"
        elif f.required:
            out[f.key] = "Answered"
    return out
