"""How the published documents look: the 7-minute briefing on the partnership's letterhead, filling one A4 page,
and a findings report with no page left mostly empty (checked in LibreOffice's rendering)."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from maa_cli.report import build_reports
from maa_cli.setup.workspace import audit_yaml, open_workspace
from tests.test_report_fixtures import (
    FINDINGS,
    FINDINGS_DUE,
    TODAY,
    enable_findings,
    fill_findings_like_word,
    make_case_audit,
    return_findings,
)

A4_CM = 29.7
LETTERHEAD = "Northshire Safeguarding Children Partnership \u00b7 Business Unit"


def letterhead(path: Path) -> Path:
    """A partnership's Word template: a logo and a line of text in the header, as business units make them."""
    import docx
    from docx.shared import Cm
    from PIL import Image

    logo = io.BytesIO()
    Image.new("RGB", (400, 160), (31, 56, 100)).save(logo, format="PNG")
    logo.seek(0)
    base = docx.Document()
    section = base.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4, with the wider margins letterheads often have
    section.left_margin = section.right_margin = Cm(2.5)
    section.top_margin, section.bottom_margin = Cm(3.0), Cm(2.0)
    header = section.header
    header.paragraphs[0].add_run().add_picture(logo, width=Cm(4.0))
    header.add_paragraph(LETTERHEAD)
    base.add_paragraph("Template body text, replaced by the document")
    base.save(path)
    return path


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """A case audit on the partnership's template, reported after the panel's findings form came back."""
    fx = make_case_audit(tmp_path_factory.mktemp("letterhead"))
    ws = fx.ws
    letterhead(ws.root / "letterhead.docx")
    (ws.root / "audit.yaml").write_text(audit_yaml(ws.audit.model_copy(update={"word_template": "letterhead.docx"})), encoding="utf-8")
    ws = open_workspace(ws.root)
    enable_findings(ws)
    build_reports(ws, today=TODAY)
    filled = tmp_path_factory.mktemp("form") / "filled.docx"
    shutil.copy(ws.reports_dir / "findings-form.docx", filled)
    fill_findings_like_word(filled, FINDINGS, FINDINGS_DUE, checked=True)
    return_findings(ws, filled)
    result = build_reports(ws, today=TODAY)
    assert result.briefing is not None, result.notes
    return ws


class TestBriefingOnTheLetterhead:
    def test_the_briefing_keeps_the_partnership_s_logo_and_letterhead(self, published):
        """The template's header (its logo picture and its line of text) heads the briefing; its body text does not."""
        path = published.reports_dir / "7-minute-briefing.docx"
        with zipfile.ZipFile(path) as z:
            headers = " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))
            media = [n for n in z.namelist() if n.startswith("word/media/")]
            body = z.read("word/document.xml").decode()
        assert "<a:blip" in headers and media and LETTERHEAD in headers
        assert "Template body text" not in body

    def test_the_title_names_the_audit_s_theme(self, published):
        """'7-minute briefing: Neglect and domestic abuse', on the page and in the document's properties."""
        import docx

        doc = docx.Document(str(published.reports_dir / "7-minute-briefing.docx"))
        titles = [p.text for p in doc.paragraphs if p.style.name == "Title"]
        assert titles == ["7-minute briefing: Neglect and domestic abuse"]
        assert doc.core_properties.title == "7-minute briefing: Neglect and domestic abuse"

    def test_neither_published_document_mentions_maa_s_files_or_commands(self, published):
        """After the panel, the report and the briefing are for the board and practitioners: no file names, no commands."""
        from tests.test_report_layout import paragraphs

        for name in ("findings-report.docx", "7-minute-briefing.docx"):
            text = "\n".join(paragraphs(published.reports_dir / name))
            for housekeeping in (".docx", ".xlsx", ".yaml", "maa collect", "maa report", "returns/", "maa "):
                assert housekeeping not in text, (name, housekeeping)

    def test_the_seven_boxes_are_sized_to_fill_the_page_below_the_title(self, published):
        """The four rows of boxes have heights set that together take well over half of the A4 page."""
        import docx
        from docx.oxml.ns import qn

        doc = docx.Document(str(published.reports_dir / "7-minute-briefing.docx"))
        boxes = doc.tables[-1]
        heights = [int(tr.find(f"{qn('w:trPr')}/{qn('w:trHeight')}").get(qn("w:val"))) / 567 for tr in boxes._tbl.tr_lst]
        assert len(heights) == 4 and A4_CM / 2 < sum(heights) < A4_CM - 6.0


def _pdf(src: Path, out: Path) -> Path:
    from tests.office import client

    client.to_pdf(src, out)
    return out


def _ink_bottoms(pdf: Path, tmp: Path) -> list[float]:
    """For each page: how far down (cm from the top) the lowest printed mark above the footer is."""
    from PIL import Image

    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm not found (install poppler-utils)")
    subprocess.run(["pdftoppm", "-r", "30", "-gray", "-png", str(pdf), str(tmp / "p")], check=True, capture_output=True)
    out = []
    for page in sorted(tmp.glob("p-*.png"), key=lambda p: int(p.stem.split("-")[1])):
        image = Image.open(page).convert("L")
        per_cm = image.height / A4_CM
        footer = int((A4_CM - 2.0) * per_cm)  # the page number sits in the bottom 2 cm
        ink = image.crop((0, 0, image.width, footer)).point(lambda v: 255 if v < 200 else 0).getbbox()
        out.append((ink[3] if ink else 0) / per_cm)
    return out


@pytest.mark.office
class TestRendered:
    def test_the_briefing_is_one_a4_page_filled_to_the_foot(self, published, tmp_path):
        """In LibreOffice, on the letterhead, the briefing is one page whose boxes reach the last few centimetres."""
        from tests.office import client

        client.require_office()
        bottoms = _ink_bottoms(_pdf(published.reports_dir / "7-minute-briefing.docx", tmp_path / "b.pdf"), tmp_path)
        assert len(bottoms) == 1 and bottoms[0] > A4_CM - 6.0, bottoms

    def test_no_page_of_the_findings_report_is_left_mostly_empty(self, published, tmp_path):
        """Every page but the last is printed at least halfway down: no heading or small table strands a page."""
        from tests.office import client

        client.require_office()
        bottoms = _ink_bottoms(_pdf(published.reports_dir / "findings-report.docx", tmp_path / "r.pdf"), tmp_path)
        assert len(bottoms) > 3
        assert all(b > A4_CM / 2 for b in bottoms[:-1]), [round(b, 1) for b in bottoms]
