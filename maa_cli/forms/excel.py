"""Excel forms: one row per answer box, answer cells unlocked and validated.

Layout of the "Form" sheet (the reader relies on column A and the defined names):

* column A (hidden): the answer key (``q3.a``) of each answer row;
* B: question number, C: question text, D: the answer cell, E: guidance.

Choice lists live on a hidden "Lists" sheet and are referenced by range, because
an inline list over 255 characters makes Excel offer to "repair" the file. The
sheet is protected without a password so the layout survives, but rows may be
resized (openpyxl's default protection forbids that, and wrapped answers then
cannot be read on screen).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .. import atomic
from ..cells import put
from ..tool import NA, AnswerField
from .content import FormContent

FORM_SHEET = "Form"
LISTS_SHEET = "Lists"
KEY_COL, NUM_COL, TEXT_COL, ANSWER_COL, GUIDE_COL = 1, 2, 3, 4, 5
ANSWER_LETTER = "D"
DATE_FORMAT = "dd/mm/yyyy"
TICK = "Yes"


def defined_name(key: str) -> str:
    """The workbook-level name of an answer cell (Excel names allow letters, digits, _ and .)."""
    return "maa_" + key.replace("#", ".opt").replace("-", "_")


def excel_rows(content: FormContent) -> list[tuple[str, AnswerField | None, str | None]]:
    """The answer rows in order: (key, field, option text). Multiple choice gets one row per option."""
    rows = []
    for f in content.tool.fields():
        if f.type == "multiple_choice" and f.role == "answer":
            for i, choice in enumerate(f.choices):
                rows.append((f"{f.key}#{i}", f, choice))
        else:
            rows.append((f.key, f, None))
    return rows


def write_excel_form(content: FormContent, path: Path) -> None:
    """Write the Excel form for ``content`` to ``path`` atomically."""
    from openpyxl import Workbook
    from openpyxl.packaging.custom import StringProperty
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = FORM_SHEET
    lists = wb.create_sheet(LISTS_SHEET)
    lists.sheet_state = "hidden"
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    unlocked = Protection(locked=False)
    answer_fill = PatternFill("solid", start_color="FFF8E1")
    section_fill = PatternFill("solid", start_color="DDE7F0")

    ref = content.identity.reference_line()
    heading = [
        (f"{content.partnership} — {content.audit_title}", Font(bold=True, size=14)),
        (content.form_title, Font(bold=True, size=12)),
        (f"For: {content.for_whom}", bold),
    ]
    if content.case_ref:
        heading.append((f"Case: {content.case_ref}", bold))
    heading += [(f"{label}: {value}", bold) for label, value in content.identifying]
    heading.append((content.how_to_return(), None))
    if content.tool.instructions:
        heading.append((content.tool.instructions.strip(), None))
    heading.append((ref, Font(size=8, color="555555")))
    row = 1
    for text, font in heading:
        cell = put(ws, row, NUM_COL, text)
        if font:
            cell.font = font
        ws.merge_cells(start_row=row, start_column=NUM_COL, end_row=row, end_column=GUIDE_COL)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if len(text) > 90:
            ws.row_dimensions[row].height = 15 * (len(text) // 90 + 1)
        row += 1
    row += 1
    header_row = row
    for col, title in ((KEY_COL, "Key"), (NUM_COL, "No."), (TEXT_COL, "Question"), (ANSWER_COL, "Your answer"), (GUIDE_COL, "Guidance")):
        c = ws.cell(row=row, column=col, value=title)
        c.font = bold
        c.fill = section_fill
    row += 1

    list_ranges: dict[tuple[str, ...], str] = {}
    validations: dict[str, DataValidation] = {}

    def validation_for(values: tuple[str, ...]) -> DataValidation:
        if values not in list_ranges:
            col = len(list_ranges) + 1
            for i, v in enumerate(values, 1):
                lists.cell(row=i, column=col, value=v)
            letter = lists.cell(row=1, column=col).column_letter
            list_ranges[values] = f"{LISTS_SHEET}!${letter}$1:${letter}${len(values)}"
        formula = list_ranges[values]
        if formula not in validations:
            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorTitle="Please choose from the list", error="Pick one of the values offered in the list.")
            validations[formula] = dv
            ws.add_data_validation(dv)
        return validations[formula]

    date_dv = DataValidation(type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2100,12,31)",
                             allow_blank=True, showErrorMessage=True, errorTitle="Please enter a date",
                             error="Enter a date as day/month/year, e.g. 03/07/2024.")
    number_dv = DataValidation(type="whole", operator="between", formula1="-1000000", formula2="1000000",
                               allow_blank=True, showErrorMessage=True, errorTitle="Please enter a whole number",
                               error="Enter a whole number, without words.")
    ws.add_data_validation(date_dv)
    ws.add_data_validation(number_dv)

    current_section = None
    section_of = {q.id: s for s in content.tool.sections for q in s.questions}
    for key, f, option in excel_rows(content):
        section = section_of[f.question.id]
        if section is not current_section:
            current_section = section
            c = put(ws, row, NUM_COL, section.title)
            c.font = Font(bold=True, size=12)
            for col in range(NUM_COL, GUIDE_COL + 1):
                ws.cell(row=row, column=col).fill = section_fill
            row += 1
        applies = content.applies(f.question)
        ws.cell(row=row, column=KEY_COL, value=key)
        put(ws, row, NUM_COL, _number_label(f, option)).alignment = wrap
        text = _question_text(f, option, applies)
        put(ws, row, TEXT_COL, text).alignment = wrap
        guidance = _guidance(f) if (f.role == "answer" and (option is None or option == f.choices[0])) else ""
        put(ws, row, GUIDE_COL, guidance).alignment = wrap
        answer = ws.cell(row=row, column=ANSWER_COL)
        answer.protection = unlocked
        answer.fill = answer_fill
        answer.alignment = wrap
        if option is not None:
            validation_for((TICK,)).add(answer)
        elif f.choices:
            validation_for(f.choices).add(answer)
        elif f.type == "date":
            date_dv.add(answer)
            answer.number_format = DATE_FORMAT
        elif f.type == "number":
            number_dv.add(answer)
        if f.key in content.prefill and option is None:
            put(ws, row, ANSWER_COL, content.prefill[f.key])
            if isinstance(answer.value, dt.date):
                answer.number_format = DATE_FORMAT
        elif not applies and f.role == "answer" and NA in f.choices and option is None:
            answer.value = NA
        lines = max(1, len(text) // 60 + 1, len(guidance) // 45 + 1 if guidance else 1)
        if f.type == "long_text" and option is None:
            lines = max(lines, 4)
        ws.row_dimensions[row].height = min(15 * lines, 300)
        wb.defined_names[defined_name(key)] = DefinedName(defined_name(key), attr_text=f"'{FORM_SHEET}'!${ANSWER_LETTER}${row}")
        row += 1

    ws.column_dimensions["A"].hidden = True
    ws.column_dimensions["A"].width = 4
    ws.column_dimensions["B"].width = 8
    ws.column_dimensions["C"].width = 60
    ws.column_dimensions["D"].width = 40
    ws.column_dimensions["E"].width = 45
    ws.freeze_panes = ws.cell(row=header_row + 1, column=NUM_COL)
    ws.print_title_rows = f"{header_row}:{header_row}"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True  # without it Excel ignores fitToWidth
    ws.oddHeader.center.text = ref.replace("&", "&&")
    ws.oddFooter.right.text = "Page &P of &N"
    ws.protection.sheet = True
    ws.protection.formatRows = False  # False = allowed: people may resize rows to read wrapped answers
    ws.protection.formatColumns = False
    ws.protection.formatCells = False
    lists.protection.sheet = True

    for name, value in content.identity.properties().items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.properties.title = f"{content.form_title} — {content.audit_title}"
    wb.properties.creator = content.partnership
    wb.properties.lastModifiedBy = content.partnership
    wb.properties.language = "en-GB"
    atomic.write_with(path, wb.save)


def _number_label(f: AnswerField, option: str | None) -> str:
    if f.role != "answer":
        return ""
    return f.number if option is None or option == f.choices[0] else ""


def _question_text(f: AnswerField, option: str | None, applies: bool) -> str:
    if option is not None:
        prefix = f"{f.label}\n" if option == f.choices[0] else ""
        return f"{prefix}☐ {option}  (choose '{TICK}' if it applies)"
    if f.role != "answer":
        hint = " (required if the answer above is No)" if f.role == "action" else ""
        return f"{f.label}{hint}"
    label = f.label
    if f.part is not None and not f.part.label and f.part is not f.question.parts[0]:
        label = f.part.text
    if f.part is not None and f.part is f.question.parts[0]:
        label = f"{f.question.text}\n{(f.part.label + '. ') if f.part.label else ''}{f.part.text}"
    elif f.part is not None and f.part.label:
        label = f"{f.part.label}. {f.part.text}"
    if not applies:
        label += "\n(Does not apply to you: leave as N/A.)"
    return label


def _guidance(f: AnswerField) -> str:
    q = f.question
    if f.part is not None and f.part is not q.parts[0]:
        return ""
    bits = []
    if q.guidance:
        bits.append(q.guidance.strip())
    if q.statutory_reference:
        bits.append(f"Statutory reference: {q.statutory_reference.strip()}")
    bits += [f"{link.title}: {link.url}" for link in q.links]
    return "\n".join(bits)
