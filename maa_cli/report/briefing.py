"""The 7-minute briefing (.docx, published): seven short numbered boxes on one page.

Written from the returned findings form. The boxes follow the order partnerships
use: the audit process, the cases, two headline boxes (what worked well, what
needs to change), the independent scrutineer's reflections, the recommendations,
and what it means for practice. The boxes are cells of a two-column table, so a
screen reader meets them in number order; each starts with a real heading.
Everything the officer typed is masked again for known names before it is
printed, and the briefing says DRAFT on every page until the officer confirms on
the form that it has been checked for publication.
"""

from __future__ import annotations

from pathlib import Path

from ..forms.word_base import NS_DECL, xml
from . import text
from .context import ReportContext
from .docx_kit import HEADER_FILL, NOTE_FILL, Doc, borders, shade, table_property
from .findings_form import Findings
from .summaries import key_figures

FILE_NAME = "7-minute-briefing.docx"
DRAFT = "DRAFT \u2014 not yet checked for publication"
BOX_WIDTH_CM = 8.5


def boxes(ctx: ReportContext, f: Findings) -> list[tuple[str, str]]:
    """The seven (heading, text) boxes, masked."""

    def m(value: str, key: str) -> str:
        return ctx.mask(value.strip(), f"findings form {key}") if value else ""

    scrutiny = ("Independent scrutineer's reflections", m(f.scrutineer, "scrutineer")) if f.scrutineer.strip() else \
        ("Key figures", "\n".join(key_figures(ctx)))
    recs = "\n".join(
        f"{r.ref}. {m(r.action, r.ref)}" + _lead(ctx, r) for r in f.recommendations
    ) or "The recommendations will follow."
    return [
        ("The audit process", m(f.audit_process, "audit_process")),
        ("The cases" if ctx.audit.cases else "Who took part", m(f.overview, "overview")),
        ("What worked well", m(f.worked_well, "worked_well")),
        ("Areas for development", m(f.development, "development")),
        scrutiny,
        ("Recommendations", recs),
        ("What this means for your practice", m(f.practice, "practice")),
    ]


def _lead(ctx: ReportContext, r) -> str:
    bits = []
    if r.lead:
        bits.append(f"lead: {ctx.mask(r.lead)}")
    if r.due:
        bits.append(f"by {r.due.strftime('%B %Y')}")
    return f" ({'; '.join(bits)})" if bits else ""


def write_briefing(ctx: ReportContext, findings: Findings) -> Path:
    title = ctx.mask(findings.title.strip() or ctx.audit.title)
    doc = Doc(ctx, f"7-minute briefing: {title}", "7-minute briefing")
    _compact(doc)
    if not findings.checked:
        _draft_header(doc)
    doc.para(ctx.partnership, bold=True)
    doc.heading("7-minute briefing", 0)
    doc.para(title, style="Heading 1")
    if not findings.checked:
        doc.note(f"{DRAFT}. Answer Yes to question 8 of the findings form once every box has been read for names and small numbers.")
    items = boxes(ctx, findings)
    items.append(("About this briefing", text.render("briefing-about.txt.j2", ctx.ws.root, audit=ctx.audit,
                                                    date=ctx.today.strftime("%B %Y"), contact=ctx.mask(findings.contact.strip()))))
    table = doc.doc.add_table(rows=0, cols=2)
    table_property(table, xml(f'<w:tblCaption {NS_DECL} w:val="The seven briefing points"/>'))
    from docx.shared import Cm

    for i in range(0, len(items), 2):
        cells = table.add_row().cells
        table.rows[-1]._tr.get_or_add_trPr().append(xml(f"<w:cantSplit {NS_DECL}/>"))
        for cell, (n, (heading, body)) in zip(cells, list(enumerate(items, 1))[i:i + 2], strict=False):
            cell.width = Cm(BOX_WIDTH_CM)
            number = f"{n}  " if n <= 7 else ""
            para = cell.paragraphs[0]
            para._p.style = doc.sid["Heading 2"]
            doc.runs(para, f"{number}{heading}")
            for block in (body or "\u2014").split("\n\n"):
                p = cell.add_paragraph()
                p._p.style = doc.sid.get("Form cell")
                doc.runs(p, block.strip(), size=10.5)
            shade(cell, HEADER_FILL if n % 2 else NOTE_FILL if n == 8 else "EDF2F9")
    _box_borders(table)
    return doc.save(ctx.ws.reports_dir / FILE_NAME)


def _compact(doc: Doc) -> None:
    """Tighter spacing so seven boxes fit on one A4 page."""
    from docx.shared import Pt

    for name, before, after in (("Heading 2", 2, 2), ("Title", 0, 2), ("Heading 1", 2, 6)):
        if name in doc.sid:
            fmt = doc.doc.styles[name].paragraph_format
            fmt.space_before, fmt.space_after = Pt(before), Pt(after)


def _draft_header(doc: Doc) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for section in doc.doc.sections:
        para = section.header.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.runs(para, DRAFT, bold=True)


def _box_borders(table) -> None:
    """White gutters between the boxes, and room inside each."""
    borders(table, "FFFFFF", 18)
    margins = "".join(f'<w:{e} w:w="140" w:type="dxa"/>' for e in ("top", "left", "bottom", "right"))
    table_property(table, xml(f"<w:tblCellMar {NS_DECL}>{margins}</w:tblCellMar>"))
