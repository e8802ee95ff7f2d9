"""The findings report before and after the panel: interim until the findings form is in, then led by its conclusions."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest

from maa_cli.report import build_reports
from maa_cli.report.findings_report import review_date
from tests.test_report_fixtures import (
    FINDINGS,
    FINDINGS_DUE,
    TODAY,
    enable_findings,
    fill_findings_like_word,
    make_case_audit,
    return_findings,
)


def document(path):
    """(paragraph texts in body order, core title) of a .docx; a table's cells count as paragraphs where it stands.
    The contents list's entries are left out, so a heading is found where it stands in the text."""
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(str(path))
    texts = []
    for element in doc.element.body:
        style = element.find(f"{qn('w:pPr')}/{qn('w:pStyle')}")
        if style is not None and style.get(qn("w:val")).upper().startswith("TOC") and style.get(qn("w:val")) != "TOCHeading":
            continue
        if element.tag == qn("w:p"):
            texts.append("".join(t.text or "" for t in element.iter(qn("w:t"))))
        elif element.tag == qn("w:tbl"):
            for tc in element.iter(qn("w:tc")):
                texts.append("".join(t.text or "" for t in tc.iter(qn("w:t"))))
    return texts, doc.core_properties.title


def header_text(path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode() for n in z.namelist() if n.startswith("word/header"))


@pytest.fixture(scope="module")
def panel(tmp_path_factory):
    """A case audit reported before the panel (interim), then again after the findings form came back."""
    fx = make_case_audit(tmp_path_factory.mktemp("panel"))
    enable_findings(fx.ws)
    build_reports(fx.ws, today=TODAY)
    report = fx.ws.reports_dir / "findings-report.docx"
    interim = tmp_path_factory.mktemp("interim") / "interim.docx"
    shutil.copy(report, interim)
    filled = tmp_path_factory.mktemp("filled") / "filled.docx"
    shutil.copy(fx.ws.reports_dir / "findings-form.docx", filled)
    fill_findings_like_word(filled, FINDINGS, FINDINGS_DUE, checked=True)
    return_findings(fx.ws, filled)
    build_reports(fx.ws, today=TODAY)
    return interim, report


class TestBeforeThePanel:
    def test_the_report_opens_with_an_interim_banner_giving_returns_to_date(self, panel):
        """'Interim report: 10 of 11 returns received by 25/11/2026; the panel has not yet met' comes before the contents."""
        texts, _title = document(panel[0])
        banner = next(i for i, t in enumerate(texts) if t.startswith("Interim report:"))
        assert texts[banner].startswith("Interim report: 10 of 11 returns received by 25/11/2026; the panel has not yet met.")
        assert banner < texts.index("Contents") < texts.index("About this report")

    def test_interim_is_in_the_title_the_properties_and_every_page(self, panel):
        """The subtitle, the document title and the page header all say interim."""
        texts, title = document(panel[0])
        assert title == "MACA: neglect and domestic abuse: interim findings report"
        assert any(t.startswith("Interim findings report \u00b7 25 November 2026") for t in texts)
        assert "INTERIM REPORT" in header_text(panel[0])

    def test_it_ends_with_what_happens_next_not_with_instructions_for_the_officer(self, panel):
        """The closing section says the panel will meet; nothing asks the reader to complete a form."""
        texts, _title = document(panel[0])
        end = texts[texts.index("What happens next"):]
        assert any("The final report will open with the panel's conclusions" in t for t in end)
        assert "Next steps" not in texts and not any("findings-form" in t for t in texts)


class TestAfterThePanel:
    def test_an_executive_summary_comes_first_with_the_panel_s_conclusions(self, panel):
        """Headlines, recommendations and the scrutineer's view open the report, masked, before 'About this report'."""
        texts, title = document(panel[1])
        assert title == "MACA: neglect and domestic abuse: findings report"
        summary, about = texts.index("Executive summary"), texts.index("About this report")
        assert summary < about
        opening = texts[summary:about]
        assert "Agencies met quickly. [name] said [name] felt safe." in opening
        assert "Minutes were shared late; [name]'s voice was lost among his siblings." in opening
        assert "The process was sound; probation should be asked next time." in opening
        assert "Record the child's own words. Share minutes within five days." in opening
        assert not any(t.startswith("Interim report") for t in texts) and "INTERIM" not in header_text(panel[1])

    def test_each_recommendation_has_its_lead_agency_owner_and_due_date(self, panel):
        """The recommendations table lists R1 and R2 as the panel agreed them."""
        texts, _title = document(panel[1])
        at = texts.index("R2")
        assert texts[at:at + 5] == ["R2", "Refresh training on the voice of the baby", "Health Visiting", "Named nurse", "Jun 2027"]
        assert "=SUM(1) Review how minutes of core groups are shared" in texts

    def test_it_ends_with_what_happens_now_and_when_progress_is_reviewed(self, panel):
        """'What happens now' replaces 'Next steps': the action plan, and a review date six to twelve months on."""
        texts, _title = document(panel[1])
        end = texts[texts.index("What happens now"):]
        assert any("The recommendations in the executive summary make up the partnership action plan" in t for t in end)
        assert any("review progress against the action plan in June 2027" in t for t in end)
        assert "Next steps" not in texts and "What happens next" not in texts


class TestReviewDate:
    def test_progress_is_reviewed_when_the_last_action_is_due_within_six_to_twelve_months(self):
        """Six months at the soonest, twelve at the latest, else when the last recommendation falls due."""
        today = dt.date(2026, 11, 25)
        assert review_date(today, []) == dt.date(2027, 5, 25)
        assert review_date(today, [dt.date(2026, 12, 1)]) == dt.date(2027, 5, 25)
        assert review_date(today, [dt.date(2027, 3, 1), dt.date(2027, 8, 31)]) == dt.date(2027, 8, 31)
        assert review_date(today, [dt.date(2029, 1, 1)]) == dt.date(2027, 11, 25)
