"""Excel forms: one row per answer box, answer cells unlocked and validated.

Layout of the "Form" sheet (the reader relies on the defined names, then column
A, then the visible number and text of each row):

* rows 1-5: partnership and audit, form title, who it is for and by when, the
  case's identifying details (only on forms for agencies involved), the form
  reference line; row 6 the column headings. Rows 1-6 stay on screen (frozen)
  and the headings repeat on every printed page, so they are kept short: the
  instructions come below the headings and scroll away;
* column A (hidden): the answer key (``q3.a``) of each answer row;
* B: question number, C: question text, D: the answer cell, E: guidance.

A question with parts, or a multiple-choice question, has a row of its own for
the question, then one answer row per part, or per option (answered 'Yes' when
it applies). Every answer cell has a workbook-level defined name
(:func:`defined_name`), which Excel and LibreOffice move with the cell when a
respondent inserts rows or columns.

Choice lists live on a hidden "Lists" sheet and are referenced by range, because
an inline list over 255 characters makes Excel offer to "repair" the file. Date
answers are real date cells (dd/mm/yyyy) with date validation, so an en-US Excel
cannot turn 07/03/2024 into 3 July. The sheet is protected without a password so
the layout survives, but rows may be resized (openpyxl's default protection
forbids that, and wrapped answers then cannot be read on screen).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import textwrap
import zipfile
from pathlib import Path

from .. import atomic
from ..definitions.tool import NA, AnswerField, Tool
from ..office.cells import put
from ..office.ooxml import core_text
from .content import FormContent, companion_note, condition_notes

FORM_SHEET = "Form"
LISTS_SHEET = "Lists"
KEY_COL, NUM_COL, TEXT_COL, ANSWER_COL, GUIDE_COL = 1, 2, 3, 4, 5
ANSWER_LETTER = "D"
HEADINGS = {KEY_COL: "Key", NUM_COL: "No.", TEXT_COL: "Question", ANSWER_COL: "Your answer", GUIDE_COL: "Guidance"}
DATE_FORMAT = "dd/mm/yyyy"
TICK = "Yes"
CHOOSE_TICKS = f"Choose '{TICK}' beside each that applies."
NOT_APPLICABLE = "Does not apply to you: leave as N/A."

FONT = "Arial"
_WIDTHS = {"A": 4, "B": 6, "C": 56, "D": 42, "E": 50}
_COLUMN_UNITS = {NUM_COL: 6, TEXT_COL: 56, ANSWER_COL: 42, GUIDE_COL: 50}
_GREY, _LINE = "404040", "A6A6A6"
_ANSWER_FILL, _HEAD_FILL, _SECTION_FILL, _QUESTION_FILL = "FFF8E1", "D9E2F3", "DDE7F0", "F2F2F2"
_LONG_ANSWER_LINES = 5
_APP_PART = "docProps/app.xml"


def defined_name(key: str) -> str:
    """The workbook-level name of an answer cell (Excel names allow letters, digits, _ and .)."""
    return "maa_" + key.replace("#", ".opt").replace("-", "_")


def excel_rows(content: FormContent) -> list[tuple[str, AnswerField, str | None]]:
    """The answer rows in order: (key, field, option text). Multiple choice gets one row per option."""
    return excel_rows_for_tool(content.tool)


def excel_rows_for_tool(tool: Tool) -> list[tuple[str, AnswerField, str | None]]:
    """:func:`excel_rows` for any form made from ``tool`` (the rows do not depend on the respondent)."""
    rows = []
    for f in tool.fields():
        if f.type == "multiple_choice" and f.role == "answer":
            for i, choice in enumerate(f.choices):
                rows.append((f"{f.key}#{i}", f, choice))
        else:
            rows.append((f.key, f, None))
    return rows


def row_label(f: AnswerField, option: str | None, applies: bool = True, tool: Tool | None = None) -> tuple[str, str]:
    """The (number, text) printed in columns B and C of an answer row.

    The reader uses these to find answers when both the defined names and the
    key column were lost (the sheet pasted into a new workbook). With ``tool``, a
    companion box says when it is required ("Action points (required if the answer
    above is Partly met or Not met)").
    """
    if option is not None:
        return "", option
    if f.role != "answer":
        note = companion_note(tool, f) if tool is not None else None
        return "", f"{f.label} ({note})" if note else f.label
    if f.part is not None:
        text = f"{f.part.label}. {f.part.text}" if f.part.label else f.part.text
    else:
        text = f.question.text
    if not applies:
        text += f"\n({NOT_APPLICABLE})"
    return f.number, text


def write_excel_form(content: FormContent, path: Path) -> None:
    """Write the Excel form for ``content`` to ``path`` atomically."""
    wb = _FormBook(content).build()
    buffer = io.BytesIO()
    wb.save(buffer)
    atomic.write_bytes(Path(path), _without_library_name(buffer.getvalue()))


def _without_library_name(package: bytes) -> bytes:
    """Drop docProps/app.xml, where openpyxl names itself as the application (Excel does not need the part)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename == _APP_PART:
                continue
            data = src.read(info.filename)
            if info.filename in ("[Content_Types].xml", "_rels/.rels"):
                data = re.sub(rb"<(?:Override|Relationship)\b[^>]*docProps/app\.xml[^>]*/>", b"", data)
            dst.writestr(info, data)
    return out.getvalue()


class _FormBook:
    """Lays out one form workbook, row by row."""

    def __init__(self, content: FormContent):
        from openpyxl import Workbook
        from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side

        self.content = content
        self.wb = Workbook()
        self.ws = self.wb.active
        self.ws.title = FORM_SHEET
        self.lists = self.wb.create_sheet(LISTS_SHEET)
        self.lists.sheet_state = "hidden"
        self.row = 1
        line = Side(style="thin", color=_LINE)
        self.border = Border(left=line, right=line, top=line, bottom=line)
        self.font = {
            "normal": Font(name=FONT, size=10),
            "bold": Font(name=FONT, size=10, bold=True),
            "title": Font(name=FONT, size=14, bold=True, color="1F3864"),
            "subtitle": Font(name=FONT, size=11, bold=True),
            "section": Font(name=FONT, size=11, bold=True, color="1F3864"),
            "guide": Font(name=FONT, size=9, color=_GREY),
            "ref": Font(name=FONT, size=8, color=_GREY),
        }
        self.fill = {k: PatternFill("solid", start_color=v) for k, v in
                     {"answer": _ANSWER_FILL, "head": _HEAD_FILL, "section": _SECTION_FILL, "question": _QUESTION_FILL}.items()}
        self.top = Alignment(wrap_text=True, vertical="top")
        self.middle = Alignment(wrap_text=True, vertical="center")
        self.indented = Alignment(wrap_text=True, vertical="top", indent=2)
        self.unlocked = Protection(locked=False)
        self.list_ranges: dict[tuple[str, ...], str] = {}
        self.validations: dict[str, object] = {}

    def build(self):
        self._front_matter()
        header_row = self._headings()
        self._how_to_complete()
        section_of = {q.id: s for s in self.content.tool.sections for q in s.questions}
        current = None
        for key, f, option in excel_rows(self.content):
            section = section_of[f.question.id]
            if section is not current:
                current = section
                self._section(section.title, section.intro)
            if self._starts_question_row(f, option):
                self._question_row(f)
            self._answer_row(key, f, option)
        self._sheet_setup(header_row)
        self._properties()
        return self.wb

    # -- rows ---------------------------------------------------------------------------
    def _merged(self, text: str, font: str, fill: str | None = None) -> None:
        """A row of text across columns B to E (titles, instructions, section headings)."""
        ws, r = self.ws, self.row
        cell = put(ws, r, NUM_COL, text)
        cell.font, cell.alignment = self.font[font], self.top
        ws.merge_cells(start_row=r, start_column=NUM_COL, end_row=r, end_column=GUIDE_COL)
        if fill:
            for col in range(NUM_COL, GUIDE_COL + 1):
                ws.cell(row=r, column=col).fill = self.fill[fill]
                ws.cell(row=r, column=col).border = self.border
        units = sum(_COLUMN_UNITS[c] for c in range(NUM_COL, GUIDE_COL + 1))
        ws.row_dimensions[r].height = _height([(text, units, int(self.font[font].size))])
        self.row += 1

    def _front_matter(self) -> None:
        c = self.content
        self._merged(f"{c.partnership} \u00b7 {c.audit_title}", "subtitle")
        self._merged(c.form_title, "title")
        who = [f"For: {c.for_whom}"]
        if c.case_ref:
            who.append(f"Case reference: {c.case_ref}")
        who.append(f"Please return by {c.deadline_text()} to {c.return_to or 'the audit business unit'}")
        self._merged("   \u00b7   ".join(who), "bold")
        if c.identifying:
            details = "   \u00b7   ".join(f"{label}: {value}" for label, value in c.identifying)
            self._merged(f"{details}   (to help you find your records: in your answers, refer to the case reference)", "bold")
        self._merged(c.identity.reference_line(), "ref")

    def _headings(self) -> int:
        r = self.row
        for col, title in HEADINGS.items():
            cell = self.ws.cell(row=r, column=col, value=title)
            cell.font, cell.fill, cell.border, cell.alignment = self.font["bold"], self.fill["head"], self.border, self.middle
        self.ws.row_dimensions[r].height = 18
        self.row += 1
        return r

    def _how_to_complete(self) -> None:
        c = self.content
        self._section("How to complete this form", None)
        if c.tool.instructions:
            self._merged(c.tool.instructions.strip(), "normal")
        self._merged(
            "Answer in the yellow cells of the \u2018Your answer\u2019 column: choose from the list where the cell offers one "
            "(click the cell, then the arrow), or type. Type dates as day/month/year, e.g. 03/07/2024. If a cell is too small "
            "to show your answer, make the row taller.", "normal")
        self._merged(c.how_to_return(), "bold")

    def _section(self, title: str, intro: str | None) -> None:
        self._merged(title, "section", fill="section")
        if intro:
            self._merged(intro.strip(), "normal")

    @staticmethod
    def _starts_question_row(f: AnswerField, option: str | None) -> bool:
        """A question with parts, or a multiple-choice question, has its own row above its answer rows."""
        if f.role != "answer":
            return False
        if option is not None:
            return option == f.choices[0]
        return f.part is not None and f.part is f.question.parts[0]

    def _question_row(self, f: AnswerField) -> None:
        ws, r = self.ws, self.row
        q = f.question
        text = q.text + (f"\n{CHOOSE_TICKS}" if f.type == "multiple_choice" else "")
        if not self.content.applies(q):
            text += f"\n({NOT_APPLICABLE})"
        guidance = _guidance(f, self.content.tool)
        self._table_cells(r, q.number or q.id, text, guidance)
        answer = ws.cell(row=r, column=ANSWER_COL)
        answer.fill = self.fill["question"]
        ws.row_dimensions[r].height = _height([(text, _COLUMN_UNITS[TEXT_COL], 10), (guidance, _COLUMN_UNITS[GUIDE_COL], 9)])
        self.row += 1

    def _answer_row(self, key: str, f: AnswerField, option: str | None) -> None:
        ws, r = self.ws, self.row
        applies = self.content.applies(f.question)
        number, text = row_label(f, option, applies, self.content.tool)
        has_own_row = f.part is not None or option is not None
        guidance = _guidance(f, self.content.tool) if f.role == "answer" and not has_own_row else ""
        self._table_cells(r, number, text, guidance, key)
        if option is not None:
            ws.cell(row=r, column=TEXT_COL).alignment = self.indented
        answer = ws.cell(row=r, column=ANSWER_COL)
        answer.protection, answer.fill, answer.alignment = self.unlocked, self.fill["answer"], self.top
        answer.font = self.font["normal"]
        self._validate(answer, f, option)
        prefilled = self.content.prefill.get(f.key)
        if f.key in self.content.prefill and option is None:
            put(ws, r, ANSWER_COL, prefilled)
            if isinstance(answer.value, dt.date):
                answer.number_format = DATE_FORMAT
        elif option is not None and isinstance(prefilled, list | tuple | set) and option in prefilled:
            answer.value = TICK  # a prefilled multiple choice ticks its options, as on the Word form
        elif not applies and f.role == "answer" and NA in f.choices and option is None:
            answer.value = NA
        texts = [(text, _COLUMN_UNITS[TEXT_COL], 10), (guidance, _COLUMN_UNITS[GUIDE_COL], 9)]
        if f.type == "long_text" and option is None:
            texts.append(("\n" * (_LONG_ANSWER_LINES - 1), _COLUMN_UNITS[ANSWER_COL], 10))
        ws.row_dimensions[r].height = _height(texts)
        name = defined_name(key)
        from openpyxl.workbook.defined_name import DefinedName

        self.wb.defined_names[name] = DefinedName(name, attr_text=f"'{FORM_SHEET}'!${ANSWER_LETTER}${r}")
        self.row += 1

    def _table_cells(self, r: int, number: str, text: str, guidance: str, key: str | None = None) -> None:
        ws = self.ws
        if key is not None:
            ws.cell(row=r, column=KEY_COL, value=key)
        for col, value, font in ((NUM_COL, number, "bold"), (TEXT_COL, text, "normal"), (GUIDE_COL, guidance, "guide")):
            cell = put(ws, r, col, value or None)
            cell.font, cell.alignment = self.font[font], self.top
        for col in range(NUM_COL, GUIDE_COL + 1):
            ws.cell(row=r, column=col).border = self.border

    # -- validation -----------------------------------------------------------------------
    def _validate(self, answer, f: AnswerField, option: str | None) -> None:
        if option is not None:
            self._list((TICK,)).add(answer)
        elif f.choices:
            self._list(f.choices).add(answer)
        elif f.type == "date":
            self._shared("date", type="date", operator="between", formula1="DATE(1900,1,1)", formula2="DATE(2100,12,31)",
                         errorTitle="Please enter a date", error="Enter a date as day/month/year, e.g. 03/07/2024.",
                         promptTitle="Date", prompt="Day/month/year, e.g. 03/07/2024").add(answer)
            answer.number_format = DATE_FORMAT
        elif f.type == "number":
            src = f.part or f.question
            low = src.min if src.min is not None else (f.question.min if f.question.min is not None else 0)
            high = src.max if src.max is not None else (f.question.max if f.question.max is not None else 1_000_000)
            self._shared(f"number {low} {high}", type="whole", operator="between", formula1=str(low), formula2=str(high),
                         errorTitle="Please enter a whole number",
                         error=f"Enter a whole number from {low} to {high}, without words.").add(answer)

    def _shared(self, key: str, **settings):
        from openpyxl.worksheet.datavalidation import DataValidation

        if key not in self.validations:
            dv = DataValidation(allow_blank=True, showErrorMessage=True, showInputMessage="prompt" in settings, **settings)
            self.validations[key] = dv
            self.ws.add_data_validation(dv)
        return self.validations[key]

    def _list(self, values: tuple[str, ...]):
        """A list validation whose values sit on the hidden Lists sheet (no 255-character limit)."""
        if values not in self.list_ranges:
            col = len(self.list_ranges) + 1
            for i, v in enumerate(values, 1):
                put(self.lists, i, col, v)
            letter = self.lists.cell(row=1, column=col).column_letter
            self.list_ranges[values] = f"{LISTS_SHEET}!${letter}$1:${letter}${len(values)}"
        formula = self.list_ranges[values]
        return self._shared(formula, type="list", formula1=formula, errorTitle="Please choose from the list",
                            error="Pick one of the values offered in the list.")

    # -- sheet and workbook -------------------------------------------------------------
    def _sheet_setup(self, header_row: int) -> None:
        ws = self.ws
        for letter, width in _WIDTHS.items():
            ws.column_dimensions[letter].width = width
        ws.column_dimensions["A"].hidden = True
        ws.sheet_format.defaultRowHeight = 13.2
        ws.freeze_panes = ws.cell(row=header_row + 1, column=NUM_COL)
        ws.print_title_rows = f"{header_row}:{header_row}"
        ws.print_area = f"B1:E{self.row - 1}"
        ws.page_setup.paperSize = ws.PAPERSIZE_A4
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True  # without it Excel ignores fitToWidth
        ws.print_options.horizontalCentered = True
        ws.page_margins.left = ws.page_margins.right = 0.5
        ws.page_margins.top = ws.page_margins.bottom = 0.6
        ws.page_margins.header = ws.page_margins.footer = 0.3
        ref = self.content.header_line().replace("&", "&&")
        ws.oddHeader.right.text, ws.oddHeader.right.size = ref, 8
        ws.oddFooter.center.text = "Page &P of &N"
        ws.protection.sheet = True
        ws.protection.formatRows = False  # False = allowed: people may resize rows to read wrapped answers
        ws.protection.formatColumns = False
        ws.protection.formatCells = False
        self.lists.protection.sheet = True

    def _properties(self) -> None:
        from openpyxl.packaging.custom import StringProperty

        c = self.content
        for name, value in c.identity.properties().items():
            self.wb.custom_doc_props.append(StringProperty(name=name, value=value))
        props = self.wb.properties
        props.title = core_text(f"{c.form_title} \u2014 {c.for_whom}")
        props.subject = core_text(c.audit_title)
        props.creator = props.lastModifiedBy = core_text(c.partnership)
        props.language = "en-GB"


def _height(texts: list[tuple[str, float, int]]) -> float:
    """Row height in points that shows every text whole, given (text, column width units, font size)."""
    best = 1.0
    for text, units, size in texts:
        if text:
            best = max(best, _lines(text, units, size) * _line_points(size))
    return round(min(best + 4, 409), 1)  # 409 pt is Excel's largest row height


def _lines(text: str, units: float, size: int) -> int:
    """How many lines ``text`` wraps to in a column ``units`` wide (Excel's width unit: one '0' of 11 pt Calibri).

    About 1.3 characters of 10 pt Arial fit per unit in Excel (LibreOffice fits more); 1.2
    errs towards a little white space rather than a clipped last line.
    """
    per_line = max(4, int(units * 1.2 * 10 / size))
    return sum(max(1, len(textwrap.wrap(part, per_line, break_on_hyphens=False))) for part in text.split("\n"))


def _line_points(size: int) -> float:
    return size * 1.28


def _guidance(f: AnswerField, tool: Tool) -> str:
    q = f.question
    bits = condition_notes(tool, q)
    if q.guidance:
        bits.append(q.guidance.strip())
    if q.statutory_reference:
        bits.append(f"Statutory reference: {q.statutory_reference.strip()}")
    bits += [f"{link.title}: {link.url}" for link in q.links]
    return "\n".join(bits)
