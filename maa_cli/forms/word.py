"""Writing one Word (.docx) form from a :class:`FormContent`.

Every answer box is an inline content control (``w:sdt`` inside a paragraph)
tagged with its field key, titled ``Q<number> <label>``, locked against
deletion and wrapped in a bookmark named after the key. The tag serves Word;
the bookmark is what survives LibreOffice, which drops tags when it saves
(see :mod:`maa_cli.intake.readers.word`). Each question is one table row, so a reader
can also fall back on the number in the row's first cell.

The form is never protected: LibreOffice 7.4 refuses typing into the controls
of a forms-protected document. Identity goes in custom document properties and
in a visible reference line (page header and under the title).
"""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from .. import atomic
from ..definitions.tool import NA, AnswerField
from ..office.ooxml import (
    BOX_EMPTY,
    BOX_TICKED,
    PLACEHOLDER_DATE,
    PLACEHOLDER_DROPDOWN,
    PLACEHOLDER_TEXT,
    R,
    answer_boxes,
    bookmark_names,
    checkbox_tag,
    control_alias,
)
from .content import FormContent, companion_note, condition_notes
from .word_base import NS_DECL as _NS
from .word_base import finish_package, open_base
from .word_base import xml as _xml

_DROPDOWN_TYPES = ("yes_no", "single_choice", "grade")
_NOT_APPLICABLE = "Not applicable to you \u2014 leave as N/A"
_WIDTHS_CM = (1.4, 8.6, 7.0)  # number, question, answer: 17 cm between 2 cm margins on A4
_HEADER_FILL = "D9E2F3"


def write_word_form(content: FormContent, path: Path) -> None:
    """Write the Word form for ``content`` to ``path``, atomically.

    The file appears complete or not at all (:func:`maa_cli.atomic.write_bytes`:
    a temporary file in the same folder, flushed and fsynced, then moved over
    ``path``, retrying briefly while Windows holds the old file open).
    """
    doc = open_base(content.word_template)
    _FormBuilder(doc, content).build()
    finish_package(doc, content)
    buffer = io.BytesIO()
    doc.save(buffer)
    atomic.write_bytes(Path(path), buffer.getvalue())


def _run_xml(text: str, rpr: str = "") -> str:
    """Runs for ``text``; line breaks become ``w:br`` so a multi-line answer stays in one paragraph."""
    parts = []
    for i, line in enumerate(text.split("\n")):
        if i:
            parts.append("<w:br/>")
        parts.append(f'<w:t xml:space="preserve">{escape(line)}</w:t>')
    return f"<w:r>{rpr}{''.join(parts)}</w:r>"


def _display(value: object) -> str:
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def _alias(field: AnswerField, choice: str | None = None) -> str:
    return control_alias(field.number, choice or field.label)


# -- the form body ---------------------------------------------------------------


class _FormBuilder:
    """Lays out one form; keeps the counters that make control and bookmark ids unique."""

    def __init__(self, doc, content: FormContent):
        self.doc, self.content = doc, content
        self.fields = content.tool.fields()
        self.bookmarks = bookmark_names(answer_boxes(self.fields))
        self._ids = iter(range(1, 1_000_000))
        # Style ids resolved once: python-docx looks styles up by name on every paragraph otherwise.
        names = ("Title", "Heading 1", "Heading 2", "Form guidance", "Form cell")
        self.sid = {name: doc.styles[name].style_id for name in names}

    def build(self) -> None:
        c = self.content
        self._reference_in_headers()
        self._para(f"{c.partnership} \u00b7 {c.audit_title}", bold=True)
        self._para(c.form_title, style="Title")
        self._para(c.identity.reference_line(), style="Form guidance")
        self._about_table()
        if c.identifying:
            self._identifying_table()
        self._para("How to complete this form", style="Heading 1")
        for block in (c.tool.instructions or "").split("\n\n"):
            if block.strip():
                self._para(block.strip())
        self._para(
            "To answer, click the grey prompt in the \u2018Your answer\u2019 column: choose from the list, "
            "tick the boxes, or type. If you need to say more, type after your answer in the same cell. "
            "Please switch off Track Changes while you fill it in."
        )
        self._para(c.how_to_return(), bold=True)
        for section in c.tool.sections:
            self._para(section.title, style="Heading 1")
            if section.intro:
                self._para(section.intro).paragraph_format.keep_with_next = True
            self._section_table(section)

    # -- front matter
    def _para(self, text: str, style: str | None = None, bold: bool = False):
        para = self.doc.add_paragraph()
        if style:
            para._p.style = self.sid[style]
        para.add_run(text).bold = bold or None
        return para

    def _cell(self, cell, text: str, bold: bool = False, italic: bool = False, style: str = "Form cell", new: bool = False):
        para = cell.add_paragraph() if new else cell.paragraphs[0]
        para._p.style = self.sid[style]
        run = para.add_run(text)
        run.bold, run.italic = bold or None, italic or None
        return para

    def _reference_in_headers(self) -> None:
        from docx.enum.text import WD_ALIGN_PARAGRAPH
        from docx.shared import Pt

        line = self.content.header_line()
        for section in self.doc.sections:
            headers = [section.header]
            if section.different_first_page_header_footer:
                headers.append(section.first_page_header)
            if self.doc.settings.odd_and_even_pages_header_footer:
                headers.append(section.even_page_header)
            for header in headers:
                para = header.paragraphs[-1] if header.paragraphs and not header.paragraphs[-1].text else header.add_paragraph()
                para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
                para.add_run(line).font.size = Pt(8)

    def _about_table(self) -> None:
        c = self.content
        rows = [("For", c.for_whom)]
        if c.case_ref:
            rows.append(("Case reference", c.case_ref))
        rows.append(("Please return by", c.deadline_text()))
        rows.append(("Return to", c.return_to or "the audit business unit"))
        self._detail_table(rows)

    def _identifying_table(self) -> None:
        self._para("Details to help you find your records", style="Heading 2")
        self._para(
            "These details are here only so you can find the right records. In your answers, "
            "refer to the child by the case reference, not by name.",
            style="Form guidance",
        )
        self._detail_table(list(self.content.identifying))

    def _detail_table(self, rows: list[tuple[str, str]]) -> None:
        from docx.shared import Cm

        table = self.doc.add_table(rows=0, cols=2)
        _table_borders(table)
        for label, value in rows:
            cells = table.add_row().cells
            self._cell(cells[0], label, bold=True)
            _shade(cells[0], _HEADER_FILL)
            self._cell(cells[1], value)
        _column_widths(table, (Cm(5.0), Cm(12.0)))
        self.doc.add_paragraph()

    # -- questions
    def _section_table(self, section) -> None:
        from docx.shared import Cm

        table = self.doc.add_table(rows=1, cols=3)
        _table_borders(table)
        head = table.rows[0]
        head._tr.get_or_add_trPr().append(_xml(f"<w:tblHeader {_NS}/>"))
        for cell, text in zip(head.cells, ("No.", "Question", "Your answer"), strict=True):
            self._cell(cell, text, bold=True).paragraph_format.keep_with_next = True
            _shade(cell, _HEADER_FILL)
        for question in section.questions:
            fields = [f for f in self.fields if f.question is question]
            applies = self.content.applies(question)
            group = []
            if question.parts:
                group.append(row := table.add_row())
                cells = row.cells
                self._cell(cells[0], question.number or question.id, bold=True)
                merged = cells[1].merge(cells[2])
                self._question_cell(merged, question, applies)
            for f in fields:
                group.append(row := table.add_row())
                cells = row.cells
                if f.role == "answer":
                    self._cell(cells[0], f.number, bold=True)
                else:
                    cells[0].paragraphs[0]._p.style = self.sid["Form cell"]
                if f.role == "answer" and f.part is not None:
                    self._cell(cells[1], f.part.text)
                elif f.role == "answer":
                    self._question_cell(cells[1], question, applies)
                else:
                    self._cell(cells[1], f.label, italic=True)
                    note = companion_note(self.content.tool, f)
                    if note:
                        self._cell(cells[1], f"{note[:1].upper()}{note[1:]}.", style="Form guidance", new=True)
                self._answer_cell(cells[2], f, applies)
                if f.type == "long_text":  # room to write: at least 2 cm tall
                    row._tr.get_or_add_trPr().append(_xml(f'<w:trHeight {_NS} w:val="1134" w:hRule="atLeast"/>'))
            _keep_together(group, [None] * bool(question.parts) + fields)
        _column_widths(table, tuple(Cm(w) for w in _WIDTHS_CM))
        self.doc.add_paragraph()

    def _question_cell(self, cell, question, applies: bool) -> None:
        self._cell(cell, question.text)
        for note in condition_notes(self.content.tool, question) if applies else []:
            self._cell(cell, note, style="Form guidance", italic=True, new=True)
        if question.guidance:
            self._cell(cell, question.guidance, style="Form guidance", new=True)
        for link in question.links:
            para = self._cell(cell, "Guidance: ", style="Form guidance", new=True)
            self._hyperlink(para, link.title, link.url)
        if question.statutory_reference:
            self._cell(cell, f"Statutory reference: {question.statutory_reference}", style="Form guidance", new=True)
        if not applies:
            self._cell(cell, _NOT_APPLICABLE, style="Form guidance", italic=True, new=True)

    def _hyperlink(self, para, text: str, url: str) -> None:
        from docx.opc.constants import RELATIONSHIP_TYPE as RT

        rid = self.doc.part.relate_to(url, RT.HYPERLINK, is_external=True)
        rpr = '<w:rPr><w:color w:val="0563C1"/><w:u w:val="single"/></w:rPr>'
        para._p.append(_xml(f'<w:hyperlink {_NS} xmlns:r="{R}" r:id="{rid}">{_run_xml(text, rpr)}</w:hyperlink>'))

    def _initial(self, f: AnswerField, applies: bool) -> object:
        if f.key in self.content.prefill:
            return self.content.prefill[f.key]
        src = f.part or f.question
        if f.role == "answer" and not applies and (NA in f.choices or src.na or f.question.na):
            return [NA] if f.type == "multiple_choice" else NA
        return None

    def _answer_cell(self, cell, f: AnswerField, applies: bool) -> None:
        value = self._initial(f, applies)
        cell.paragraphs[0]._p.style = self.sid["Form cell"]
        if f.type != "multiple_choice":
            self._wrap(cell.paragraphs[0], self.bookmarks[f.key], self._control(f, value))
            return
        ticked = set(value) if isinstance(value, list | tuple | set) else {value}
        for i, choice in enumerate(f.choices, start=1):
            para = cell.paragraphs[0] if i == 1 else cell.add_paragraph()
            para._p.style = self.sid["Form cell"]
            tag = checkbox_tag(f.key, i)
            self._wrap(para, self.bookmarks[tag], self._checkbox(f, tag, choice, choice in ticked))
            para.add_run(f" {choice}")

    def _wrap(self, para, name: str, sdt) -> None:
        bid = next(self._ids)
        para._p.append(_xml(f'<w:bookmarkStart {_NS} w:id="{bid}" w:name="{name}"/>'))
        para._p.append(sdt)
        para._p.append(_xml(f'<w:bookmarkEnd {_NS} w:id="{bid}"/>'))

    def _sdt(self, tag: str, alias: str, kind: str, shown: str, placeholder: bool, rpr: str = "") -> object:
        if placeholder:
            rpr = '<w:rPr><w:rStyle w:val="PlaceholderText"/></w:rPr>'
        return _xml(
            f"<w:sdt {_NS}><w:sdtPr><w:alias w:val={quoteattr(alias)}/><w:tag w:val={quoteattr(tag)}/>"
            f'<w:id w:val="{next(self._ids)}"/><w:lock w:val="sdtLocked"/>'
            f"{'<w:showingPlcHdr/>' if placeholder else ''}{kind}</w:sdtPr>"
            f"<w:sdtContent>{_run_xml(shown, rpr)}</w:sdtContent></w:sdt>"
        )

    def _control(self, f: AnswerField, value: object):
        shown = _display(value)
        if f.type in _DROPDOWN_TYPES:
            items = "".join(f"<w:listItem w:displayText={quoteattr(c)} w:value={quoteattr(c)}/>" for c in dict.fromkeys(f.choices))
            return self._sdt(f.key, _alias(f), f"<w:dropDownList>{items}</w:dropDownList>", shown or PLACEHOLDER_DROPDOWN, not shown)
        if f.type == "date":
            full = f' w:fullDate="{value.isoformat()}T00:00:00Z"' if isinstance(value, dt.date) else ""
            kind = (
                f'<w:date{full}><w:dateFormat w:val="dd/MM/yyyy"/><w:lid w:val="en-GB"/>'
                '<w:storeMappedDataAs w:val="dateTime"/><w:calendar w:val="gregorian"/></w:date>'
            )
            return self._sdt(f.key, _alias(f), kind, shown or PLACEHOLDER_DATE, not shown)
        kind = '<w:text w:multiLine="1"/>' if f.type == "long_text" else "<w:text/>"
        return self._sdt(f.key, _alias(f), kind, shown or PLACEHOLDER_TEXT, not shown)

    def _checkbox(self, f: AnswerField, tag: str, choice: str, ticked: bool):
        font = '<w:rPr><w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" w:hint="eastAsia"/></w:rPr>'
        kind = (
            f'<w14:checkbox><w14:checked w14:val="{int(ticked)}"/>'
            '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
            '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/></w14:checkbox>'
        )
        return self._sdt(tag, _alias(f, choice), kind, BOX_TICKED if ticked else BOX_EMPTY, False, font)


def _keep_together(rows, fields) -> None:
    """Keep a question's rows on one page, and each short row whole (long answers may still break)."""
    for i, (row, f) in enumerate(zip(rows, fields, strict=True)):
        if f is None or f.type != "long_text":
            row._tr.get_or_add_trPr().insert(0, _xml(f"<w:cantSplit {_NS}/>"))
        if i < len(rows) - 1:
            for cell in row.cells:
                for para in cell.paragraphs:
                    para.paragraph_format.keep_with_next = True


def _shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(_xml(f'<w:shd {_NS} w:val="clear" w:color="auto" w:fill="{fill}"/>'))


def _table_borders(table) -> None:
    edges = "".join(f'<w:{e} w:val="single" w:sz="4" w:space="0" w:color="808080"/>' for e in ("top", "left", "bottom", "right", "insideH", "insideV"))
    tbl_pr = table._tbl.tblPr
    borders = _xml(f"<w:tblBorders {_NS}>{edges}</w:tblBorders>")
    later = [el for el in tbl_pr if el.tag.split("}")[1] in ("shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption", "tblDescription")]
    later[0].addprevious(borders) if later else tbl_pr.append(borders)


def _column_widths(table, widths) -> None:
    """Fixed column widths, in the grid (LibreOffice) and on every cell (Word), merged cells included."""
    from docx.shared import Emu

    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width
    for tr in table._tbl.tr_lst:
        col = 0
        for tc in tr.tc_lst:
            tc.width = Emu(sum(widths[col : col + tc.grid_span]))
            col += tc.grid_span
