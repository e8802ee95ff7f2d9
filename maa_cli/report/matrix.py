"""The respondent × question matrix: a self-assessment heat map for any tool.

One row per respondent, one column per judged question (yes/no, grade or choice), each cell
the respondent's answer with its RAG colour *and* word ("Partly met · Amber"), so it reads in
black and white and to a screen reader. The colours come from the tool: a scale level's
``rag`` (built in for ofsted, section11 and rag), Yes green and No red; an answer whose scale
gives no colour is shown as a word only. A cell also says whether the answer needs action
(:func:`maa_cli.definitions.tool.not_met`, the rule the action plans use).

Pure data first (:func:`respondent_matrix`), then two writers: a worksheet in any openpyxl
workbook (:func:`write_matrix_sheet`) and Word tables in any python-docx document
(:func:`add_matrix_tables`). :func:`matrix_placement` says where it belongs: in the findings
report when the respondents are agencies (one form each) and there are at most
:data:`REPORT_LIMIT` of them, otherwise in the data workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..definitions.tool import CHOICE_TYPES, NA, NO, YES, Question, Tool, not_met
from ..intake.judging import not_met_text, question_value
from .figures import answer_questions
from .participation import NAMED_LIMIT

#: At most this many respondents go in the findings report; more go in the data workbook only. The same
#: limit as naming respondents anywhere shareable: past it, a county's settings are counted, not named.
REPORT_LIMIT = NAMED_LIMIT
#: Fill and text colours: Excel's own good / neutral / bad styles, readable when printed in grey.
COLOURS = {"green": ("C6EFCE", "006100"), "amber": ("FFEB9C", "9C5700"), "red": ("FFC7CE", "9C0006")}
NO_RETURN = "No return"


@dataclass(frozen=True)
class MatrixColumn:
    """One judged question: its number and text."""

    question_id: str
    number: str
    text: str
    section: str


@dataclass(frozen=True)
class MatrixCell:
    """One respondent's answer to one question.

    ``value`` is the answer as given ("Partly met", "No (b)", "N/A"), or None when blank or not returned;
    ``rag`` its colour (green, amber, red) or None; ``needs_action`` the action-plan rule.
    """

    value: str | None
    rag: str | None = None
    needs_action: bool = False

    @property
    def label(self) -> str:
        """The answer with its RAG word, unless the answer is that word: 'Partly met · Amber', 'Green', 'N/A'."""
        if self.value is None:
            return ""
        if self.rag is None or self.value.casefold().startswith(self.rag):
            return self.value
        return f"{self.value} · {self.rag.capitalize()}"


@dataclass
class MatrixRow:
    respondent: str
    form_id: str | None
    cells: list[MatrixCell]
    returned: bool = True


@dataclass
class Matrix:
    """The heat map: ``rows`` × ``columns``; ``cells[i]`` of a row belongs to ``columns[i]``."""

    title: str
    columns: list[MatrixColumn]
    rows: list[MatrixRow] = field(default_factory=list)

    def needing_action(self, column: int) -> tuple[int, int]:
        """(answers needing action, answers given other than N/A) in one column."""
        given = [r.cells[column] for r in self.rows if r.returned and r.cells[column].value not in (None, NA)]
        return sum(c.needs_action for c in given), len(given)

    @property
    def empty(self) -> bool:
        return not self.columns or not self.rows


def judged_questions(tool: Tool) -> list[tuple[str, Question]]:
    """(section title, question) for each question a matrix shows: answered by choosing, not urgent, not identifying."""
    return [(s, q) for s, q in answer_questions(tool)
            if not q.urgent and (q.type in CHOICE_TYPES or any(p.type in CHOICE_TYPES for p in q.parts))]


def respondent_matrix(
    tool: Tool,
    records: list[dict],
    *,
    title: str | None = None,
    respondent: Callable[[dict], str] | None = None,
    expected: list[str] | None = None,
) -> Matrix:
    """The matrix of ``tool`` from the collected ``records`` of one form type (accepted ones only).

    Args:
        title: the matrix's title (default: the tool's title).
        respondent: how a row is named (default: the agency, with the case for per-case forms).
        expected: every respondent who should have answered, in order: those without an accepted
            return get a row marked "No return" (default: only those who returned).
    """
    name = respondent or _respondent
    columns = [MatrixColumn(q.id, q.number or q.id, " ".join(q.text.split()), section) for section, q in judged_questions(tool)]
    questions = [tool.question(c.question_id) for c in columns]
    accepted = sorted((r for r in records if r.get("status") == "accepted"), key=lambda r: name(r).casefold())
    rows = [MatrixRow(name(r), r["form_id"], [_cell(tool, q, r["answers"]) for q in questions]) for r in accepted]
    if expected is not None:
        by_name = {row.respondent.casefold(): row for row in rows}
        rows = [by_name.get(who.casefold()) or MatrixRow(who, None, [MatrixCell(None)] * len(columns), returned=False)
                for who in expected] + [row for row in rows if row.respondent.casefold() not in
                                        {w.casefold() for w in expected}]
    return Matrix(title or tool.title, columns, rows)


def _respondent(record: dict) -> str:
    who = record.get("agency") or record.get("respondent") or record["form_id"]
    return f"{who} · case {record['case_ref']}" if record.get("case_ref") else who


def _cell(tool: Tool, q: Question, answers: dict) -> MatrixCell:
    failing = not_met(tool, q, answers)
    if failing:
        rags = [n.level.rag for n in failing if n.level.rag]
        worst = min(rags, key=["red", "amber", "green"].index) if rags else None
        return MatrixCell(not_met_text(tool, q, answers), worst, True)
    if q.parts and q.type != "yes_no":
        values = [answers.get(f"{q.id}.{p.id}") for p in q.parts]
        given = [v for v in values if v not in (None, "", [])]
        if not given:
            return MatrixCell(None)
        levels = [tool.meaning(tool.field(f"{q.id}.{p.id}"), v) for p, v in zip(q.parts, values, strict=True)]
        rags = [lv.rag for lv in levels if lv is not None and lv.rag]
        shown = " / ".join(dict.fromkeys(str(v) for v in given))
        return MatrixCell(shown, min(rags, key=["red", "amber", "green"].index) if rags else None)
    value = question_value(tool, answers, q.id)
    if value in (None, "", []):
        return MatrixCell(None)
    if isinstance(value, list):  # ticked options, none of them marked as not met
        return MatrixCell("; ".join(value))
    if value in (YES, NO):
        return MatrixCell(value, "green" if value == YES else "red", value == NO)
    level = tool.meaning(tool.field(q.id), value) if not q.parts else None
    return MatrixCell(str(value), level.rag if level is not None else None)


def matrix_placement(per: str, respondents: int) -> str | None:
    """Where the matrix of a form type belongs: "report" (the findings report), "workbook" (the data workbook).

    Agencies answering once each, at most :data:`REPORT_LIMIT` of them: the findings report (a
    partnership's Section 11 self-assessment, compared side by side). Otherwise — many settings,
    or forms per case — the data workbook, where a long table can be filtered.
    """
    return "report" if per == "agency" and 0 < respondents <= REPORT_LIMIT else "workbook"


# -- writers -------------------------------------------------------------------------------------


def write_matrix_sheet(wb, matrix: Matrix, sheet_title: str = "Self-assessment matrix"):
    """Add the matrix to an openpyxl workbook as a sheet of its own; return the sheet.

    Row 1 holds the title, row 2 a key to the colours, row 3 the question numbers (with each
    question's text in row 4), then one row per respondent and a last row counting the answers
    that need action. Every cell carries the word as well as the colour.
    """
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    from ..office.cells import put
    from .xlsx_kit import restyle

    ws = wb.create_sheet(_sheet_name(wb, sheet_title))
    bold, small = Font(name="Arial", size=10, bold=True), Font(name="Arial", size=9)
    thin = Side(style="thin", color="A6A6A6")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)
    wrap = Alignment(wrap_text=True, vertical="top")
    put(ws, 1, 1, matrix.title).font = Font(name="Arial", size=12, bold=True)
    put(ws, 2, 1, KEY).font = small
    put(ws, 3, 1, "Respondent").font = bold
    put(ws, 4, 1, "Question").font = small
    for i, col in enumerate(matrix.columns, 2):
        put(ws, 3, i, col.number).font = bold
        c = put(ws, 4, i, _short(col.text, 90))
        c.font, c.alignment = small, wrap
        ws.column_dimensions[get_column_letter(i)].width = 16
    ws.column_dimensions["A"].width = 32
    ws.row_dimensions[4].height = 75
    def look(rag: str | None, needs_action: bool):
        def apply(c) -> None:
            c.alignment, c.border, c.font = wrap, box, small
            if rag in COLOURS:
                fill, ink = COLOURS[rag]
                c.fill = PatternFill("solid", start_color=fill)
                c.font = Font(name="Arial", size=9, color=ink, bold=needs_action)
        return apply

    r = 5
    for row in matrix.rows:
        restyle(put(ws, r, 1, row.respondent), "matrix respondent", lambda c: setattr(c, "font", bold))
        for i, cell in enumerate(row.cells, 2):
            c = put(ws, r, i, cell.label if row.returned else NO_RETURN)
            restyle(c, ("matrix", cell.rag, cell.needs_action), look(cell.rag, cell.needs_action))
        r += 1
    put(ws, r, 1, "Needing action").font = bold
    for i in range(len(matrix.columns)):
        n, of = matrix.needing_action(i)
        put(ws, r, i + 2, f"{n} of {of}" if of else "–").font = small
    ws.freeze_panes = "B5"
    return ws


def add_matrix_tables(document, matrix: Matrix, max_columns: int = 6, font_pt: float = 8) -> list:
    """Add the matrix to a python-docx document as one or more tables (``max_columns`` questions each).

    Each table repeats the respondent column, has a header row that repeats on every page and a
    caption for screen readers, and shades each cell by its RAG colour while printing the word.
    A key to the colours and each question's text follow the tables. Returns the tables.
    """
    from docx.shared import Pt

    tables = []
    chunks = [matrix.columns[i : i + max_columns] for i in range(0, len(matrix.columns), max_columns)] or [[]]
    for n, chunk in enumerate(chunks):
        start = n * max_columns
        table = document.add_table(rows=1, cols=1 + len(chunk))
        table.style = document.styles["Table Grid"] if "Table Grid" in [s.name for s in document.styles] else table.style
        _caption(table, f"{matrix.title}: questions {chunk[0].number} to {chunk[-1].number} by respondent" if chunk
                 else matrix.title)
        head = table.rows[0]
        _repeat_header(head)
        for cell, text in zip(head.cells, ["Respondent"] + [c.number for c in chunk], strict=True):
            _text(cell, text, font_pt, bold=True)
        for row in matrix.rows:
            cells = table.add_row().cells
            _text(cells[0], row.respondent, font_pt, bold=True)
            for j, col_cell in enumerate(row.cells[start : start + len(chunk)], 1):
                _text(cells[j], col_cell.label if row.returned else NO_RETURN, font_pt, bold=col_cell.needs_action)
                if col_cell.rag in COLOURS:
                    _shade(cells[j], COLOURS[col_cell.rag][0])
        tables.append(table)
        document.add_paragraph()
    key = document.add_paragraph()
    key.add_run(KEY).font.size = Pt(font_pt)
    for col in matrix.columns:
        para = document.add_paragraph()
        run = para.add_run(f"{col.number}: {col.text}")
        run.font.size = Pt(font_pt)
    return tables


KEY = ("Each cell gives the answer and, where the tool's scale has one, its RAG colour as a word: Green meets the "
       "standard; Amber and Red need action (bold).")


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sheet_name(wb, title: str) -> str:
    base = "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Matrix"
    name, n = base, 2
    while name in wb.sheetnames:
        suffix = f" {n}"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    return name


def _text(cell, text: str, size: float, bold: bool = False) -> None:
    from docx.shared import Pt

    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.font.size, run.bold = Pt(size), bold or None


def _shade(cell, fill: str) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    cell._tc.get_or_add_tcPr().append(parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _repeat_header(row) -> None:
    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def _caption(table, text: str) -> None:
    from xml.sax.saxutils import quoteattr

    from docx.oxml import parse_xml
    from docx.oxml.ns import nsdecls

    caption = parse_xml(f"<w:tblCaption {nsdecls('w')} w:val={quoteattr(text[:200])}/>")
    tbl_pr = table._tbl.tblPr
    later = [el for el in tbl_pr if el.tag.split("}")[1] in ("tblDescription",)]
    later[0].addprevious(caption) if later else tbl_pr.append(caption)
