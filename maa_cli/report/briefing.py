"""The 7-minute briefing (.docx, published): seven short numbered boxes on one page.

Written from the returned findings form. The boxes follow the order partnerships
use: the audit process, the cases, two headline boxes (what worked well, what
needs to change), the independent scrutineer's reflections, the recommendations,
and what it means for practice. The boxes are cells of a two-column table, so a
screen reader meets them in number order; each starts with a real heading.
Everything the officer typed is masked again for known names before it is
printed, and the briefing says DRAFT on every page until the officer confirms on
the form that it has been checked for publication.

The figures maa prefilled on the findings form (boxes 1, 2 and 4) are checked
again here, since they may date from before suppression was turned on or from
older figures: an answer left as maa prefilled it is printed as computed now
(suppressed as this run says); a prefilled sentence kept inside the officer's own
text is suppressed where it stands; any other number below the suppression
threshold is pointed out to the officer in the run's notes.
"""

from __future__ import annotations

import re
from dataclasses import replace as dc_replace
from functools import cached_property
from pathlib import Path

from ..forms.word_base import NS_DECL, xml
from . import text
from .context import ReportContext
from .docx_kit import HEADER_FILL, NOTE_FILL, Doc, borders, shade, table_property
from .findings_form import Findings, flowing, prefill_paragraphs, was_prefilled
from .summaries import key_figures

FILE_NAME = "7-minute-briefing.docx"
DRAFT = "DRAFT \u2014 not yet checked for publication"
BOX_WIDTH_CM = 8.5


def boxes(ctx: ReportContext, f: Findings) -> list[tuple[str, str]]:
    """The seven (heading, text) boxes, masked, with prefilled figures suppressed again."""
    figures = _Figures(ctx)

    def m(value: str, key: str) -> str:
        value = figures.again(key, value)
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


_NUMBER = re.compile(r"(?<![\w/.:-])(\d+)(?![\w/:%-]|\.\d)")


class _Figures:
    """Prefilled figures, put right for this run (see the module's notes)."""

    BOXES = {"audit_process": 1, "overview": 2, "development": 4}

    def __init__(self, ctx: ReportContext):
        self.ctx = ctx

    @cached_property
    def now(self) -> dict[str, list[str]]:
        return prefill_paragraphs(self.ctx)

    @cached_property
    def unsuppressed(self) -> dict[str, list[str]]:
        return prefill_paragraphs(dc_replace(self.ctx, small=None)) if self.ctx.small else self.now

    def again(self, key: str, value: str) -> str:
        if key not in self.BOXES or not value.strip():
            return value
        if was_prefilled(self.ctx, key, value):
            return " ".join(self.now.get(key, [])) or value
        if not self.ctx.small:
            return value
        text_ = flowing(value)
        for old, new in _changes(self.unsuppressed.get(key, []), self.now.get(key, [])):
            if old in text_:
                text_ = " ".join(text_.replace(old, new).split())
        out = text_ if text_ != flowing(value) else value
        ours = set(_NUMBER.findall(" ".join(self.now.get(key, []))))  # maa's own figures, as this run prints them
        small = sorted({n for n in _NUMBER.findall(out) if 0 < int(n) < self.ctx.small} - ours, key=int)
        if small:
            self.ctx.notes.append(
                f"7-minute briefing box {self.BOXES[key]} (as edited on the findings form) mentions "
                f"{', '.join(small)}: if any of these counts children or families, change it on the findings form "
                f"(counts below {self.ctx.small} are not published) before answering Yes to question 8")
        return out


def _changes(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(text, replacement) pairs turning the unsuppressed prefill's lines into the suppressed ones:
    a run of changed lines as a whole first, then each line on its own, paired with the suppressed
    line that starts the same way ("Domestic abuse featured in …"), or dropped when there is none."""
    from difflib import SequenceMatcher

    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        old, new = before[i1:i2], after[j1:j2]
        if len(old) > 1:
            out.append((" ".join(old), " ".join(new)))
        free = list(new)
        for line in old:
            best = max(free, key=lambda n: _common_start(line, n), default=None)
            if best is not None and _common_start(line, best) >= min(12, len(line)):
                free.remove(best)
                out.append((line, best))
            else:
                out.append((line, ""))
    return [(a, b) for a, b in out if a]


def _common_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


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
