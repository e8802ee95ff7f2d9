"""Shareable outputs never carry a child's name, a date of birth or an identifying answer;
respondent text is data in every output; odd text never stops a report."""

from __future__ import annotations

import re
import shutil
import zipfile

import pytest

from maa_cli.intake.collect import load_responses
from maa_cli.office.cells import CUT_MARK, EXCEL_LIMIT
from maa_cli.privacy.masking import date_spellings
from maa_cli.report import build_reports
from tests.test_report_fixtures import (
    CHILD_DOBS,
    CHILD_NAMES,
    FINDINGS,
    FINDINGS_DUE,
    OTHER_NAMES,
    TODAY,
    case_audit,  # noqa: F401  (fixture)
    enable_findings,
    ey,  # noqa: F401  (fixture)
    fill_findings_like_word,
    return_findings,
    shareable_outputs,
    tamper_record,
    xml_text,
)

LONG = "A" * 40_000 + " END-OF-LONG-ANSWER"
FORMULAS = ('=HYPERLINK("http://evil.example","click")', "+44 7700 900000", "-1 visits", "@mention", "\uff1d1+1",
            "=SUM(1) Review", "=cmd|' /C calc'!A0", "@SUM(A1)")
OUR_FORMULAS = re.compile(r"^=(IF\(|COUNTIFS?\(|SUM\([A-Z]+\d+:)")


def _record(ws, case, agency):
    return next(r for r in load_responses(ws) if r.get("case_ref") == case and r.get("agency") == agency)


@pytest.fixture(scope="module")
def built(case_audit, ey, tmp_path_factory):  # noqa: F811
    """Both fixture audits reported, with a 40,000-character answer, control characters, formulas
    typed into returns and a completed findings form that names people."""
    ws = case_audit.ws
    enable_findings(ws)
    build_reports(ws, today=TODAY)
    filled = tmp_path_factory.mktemp("findings") / "filled.docx"
    shutil.copy(ws.reports_dir / "findings-form.docx", filled)
    fill_findings_like_word(filled, FINDINGS, FINDINGS_DUE)
    return_findings(ws, filled)
    # As a Word return could carry them (Excel cannot): a 40,000-character answer and control characters.
    a_police = _record(ws, "A", "Police")
    tamper_record(ws, a_police["form_id"], "could_be_better", LONG)
    tamper_record(ws, a_police["form_id"], "worked_well", "First line\x0bsecond line\x0cthird\x01 fourth")
    case_result = build_reports(ws, today=TODAY)

    acorn = next(r for r in load_responses(ey.ws) if r["agency"] == "Acorn Nursery")
    tamper_record(ey.ws, acorn["form_id"], "q1.action", "=cmd|' /C calc'!A0")
    tamper_record(ey.ws, acorn["form_id"], "q3.action", "@SUM(A1)")
    ey_result = build_reports(ey.ws, today=TODAY)
    return case_result, ey_result


def outputs(fx):
    return shareable_outputs(fx.ws)


class TestNothingIdentifyingIsShared:
    def test_the_case_audit_wrote_every_shareable_output(self, case_audit, built):  # noqa: F811
        """Findings report, form, briefing, action plan and summary workbook are all there to search; the row-level data workbook is not."""
        names = {p.name for p in outputs(case_audit)}
        assert {"findings-report.docx", "findings-form.docx", "7-minute-briefing.docx", "action-plan.xlsx", "summary-workbook.xlsx"} <= names
        assert "data-workbook.xlsx" not in names  # one row per return lets small groups be recounted: restricted

    @pytest.mark.parametrize("which", ["case_audit", "ey"])
    def test_no_child_name_or_other_known_name_in_any_shareable_output(self, which, request, built):
        """Full names and each part of them, any case, appear in no part of any shareable file (nor its name)."""
        fx = request.getfixturevalue(which)
        words = {w for name in CHILD_NAMES + OTHER_NAMES for w in [name, *name.split()]}
        for path in outputs(fx):
            text = xml_text(path)
            found = [w for w in words if re.search(rf"(?<![\w]){re.escape(w)}(?![\w])", text, re.IGNORECASE)]
            assert not found, f"{path.name} contains {found}"

    @pytest.mark.parametrize("which", ["case_audit", "ey"])
    def test_no_date_of_birth_in_any_shareable_output(self, which, request, built):
        """Dates of birth in every common spelling (14/02/2019, 2019-02-14, 14th February 2019 …) appear nowhere."""
        fx = request.getfixturevalue(which)
        spellings = {s for d in CHILD_DOBS for s in date_spellings(d)}
        for path in outputs(fx):
            text = xml_text(path)
            hits = [s for s in spellings if s in text]
            assert not hits, f"{path.name} contains {hits[:3]}"

    def test_masked_narrative_is_quoted_and_flagged_for_checking(self, case_audit, built):  # noqa: F811
        """The findings report quotes the masked answer and asks the officer to check quotations."""
        text = xml_text(case_audit.ws.reports_dir / "findings-report.docx")
        assert "[name]\u2019s mother [name] said [name] (born [date of birth])" in text.replace("'", "\u2019")
        assert "Check before sharing" in text
        case_result, _ = built
        assert any("masked" in n for n in case_result.notes)

    def test_the_restricted_pack_keeps_narrative_whole(self, case_audit, built):  # noqa: F811
        """The panel pack for case A has the unmasked answer and the 40,000-character answer in full."""
        text = xml_text(case_audit.ws.reports_dir / "restricted" / "Panel pack - Case A.docx")
        assert "Kayleigh Stone" in text and "END-OF-LONG-ANSWER" in text and "A" * 40_000 in text


class TestRespondentTextIsData:
    def all_workbooks(self, case_audit, ey):  # noqa: F811
        return [p for fx in (case_audit, ey) for p in sorted(fx.ws.reports_dir.rglob("*.xlsx"))]

    def test_no_cell_holds_a_formula_except_maa_s_own(self, case_audit, ey, built):  # noqa: F811
        """Every formula cell in every workbook is one maa wrote (RAG and summary counts), never respondent text."""
        from openpyxl import load_workbook

        for path in self.all_workbooks(case_audit, ey):
            for sheet in load_workbook(path).worksheets:
                for row in sheet.iter_rows():
                    for c in row:
                        if c.data_type == "f":
                            assert OUR_FORMULAS.match(str(c.value)), f"{path.name}!{c.coordinate}: {c.value!r}"

    def test_formulas_typed_into_returns_are_text_in_every_workbook(self, case_audit, ey, built):  # noqa: F811
        """Each formula typed by a respondent or the officer is a text cell wherever it lands."""
        from openpyxl import load_workbook

        seen = {}
        for path in self.all_workbooks(case_audit, ey):
            for sheet in load_workbook(path).worksheets:
                for row in sheet.iter_rows():
                    for c in row:
                        if isinstance(c.value, str) and c.value.startswith(FORMULAS):
                            assert c.data_type == "s", f"{path.name}!{c.coordinate}"
                            # and marked so that Excel keeps it text when the cell is edited (its style,
                            # which report writers share between cells of one look)
                            assert c.quotePrefix, f"{path.name}!{c.coordinate}"
                            seen.setdefault(c.value[:6], set()).add(path.name)
        assert {"data-workbook.xlsx", "action-plan.xlsx", "Acorn Nursery.xlsx"} <= set().union(*seen.values())
        assert len(seen) >= 6

    def test_template_syntax_in_an_answer_is_printed_not_run(self, case_audit, built):  # noqa: F811
        """'{{ 7*7 }}' typed in an answer appears as typed in the report and the workbook."""
        assert "{{ 7*7 }} {% raw %}" in xml_text(case_audit.ws.reports_dir / "findings-report.docx")
        assert "{{ 7*7 }}" in xml_text(case_audit.ws.reports_dir / "restricted" / "data-workbook.xlsx")


class TestOddTextNeverStopsAReport:
    def test_a_40000_character_answer_is_cut_and_marked_in_excel_only(self, case_audit, built):  # noqa: F811
        """The workbook cell stops at Excel's limit with the cut mark; the run notes it."""
        from openpyxl import load_workbook

        sheet = load_workbook(case_audit.ws.reports_dir / "restricted" / "data-workbook.xlsx")["Responses"]
        long = [c.value for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and c.value.startswith("AAAA")]
        assert len(long) == 1 and len(long[0]) <= EXCEL_LIMIT and long[0].endswith(CUT_MARK)
        case_result, _ = built
        assert any("longer than an Excel cell" in n for n in case_result.notes)

    def test_control_characters_become_line_breaks_or_replacements_and_are_logged(self, case_audit, built):  # noqa: F811
        """A vertical tab and form feed become line breaks, \\x01 becomes U+FFFD, and the run says where."""
        import docx

        pack = docx.Document(str(case_audit.ws.reports_dir / "restricted" / "Panel pack - Case A.docx"))
        cells = [c.text for t in pack.tables for row in t.rows for c in row.cells if "First line" in c.text]
        assert cells and "First line\nsecond line\nthird\ufffd fourth" in cells[0]
        case_result, _ = built
        assert any("cannot hold were replaced" in n for n in case_result.notes)


class TestLooks:
    def test_every_document_is_a4_en_gb_titled_and_by_the_partnership(self, case_audit, built):  # noqa: F811
        """Page size, language, title and author/last-modified-by of every Word output."""
        for path in sorted(case_audit.ws.reports_dir.rglob("*.docx")):
            with zipfile.ZipFile(path) as z:
                doc = z.read("word/document.xml").decode()
                core = z.read("docProps/core.xml").decode()
                styles = z.read("word/styles.xml").decode()
            assert 'w:w="11906" w:h="16838"' in doc, path.name
            assert "<dc:creator>Northshire SCP</dc:creator>" in core and "<cp:lastModifiedBy>Northshire SCP</cp:lastModifiedBy>" in core
            assert re.search(r"<dc:title>[^<]+</dc:title>", core), path.name
            assert 'w:val="en-GB"' in styles and 'w:val="en-US"' not in styles

    def test_pictures_have_alt_text_and_tables_have_header_rows(self, case_audit, built):  # noqa: F811
        """Each chart carries a description; each table with a caption marks its first row as a header."""
        with zipfile.ZipFile(case_audit.ws.reports_dir / "findings-report.docx") as z:
            doc = z.read("word/document.xml").decode()
        pictures = re.findall(r"<wp:docPr [^>]*>", doc)
        assert pictures and all(re.search(r'descr="[^"]{40,}"', p) for p in pictures)
        assert doc.count("<w:tblHeader/>") >= 10 and '<w:pStyle w:val="Heading1"/>' in doc

    def test_workbooks_name_the_partnership(self, case_audit, built):  # noqa: F811
        from openpyxl import load_workbook

        for path in sorted(case_audit.ws.reports_dir.rglob("*.xlsx")):
            props = load_workbook(path).properties
            assert props.creator == props.lastModifiedBy == "Northshire SCP" and props.title


class TestBusyFiles:
    def test_an_output_open_in_excel_is_reported_and_the_rest_are_written(self, ey, built, monkeypatch):  # noqa: F811
        """When one file cannot be replaced, the run names it, asks to close it, and writes everything else."""
        import os
        from pathlib import Path

        from maa_cli import atomic

        real = os.replace

        def busy(src, dst):
            if Path(dst).name == "data-workbook.xlsx":
                raise PermissionError(13, "The process cannot access the file because it is being used by another process")
            return real(src, dst)

        monkeypatch.setattr(atomic.os, "replace", busy)
        monkeypatch.setattr(atomic, "RETRY_DELAY", 0.0)
        result = build_reports(ey.ws, today=TODAY)
        assert [p.name for p in result.busy] == ["data-workbook.xlsx"]
        assert any("open in another program" in n for n in result.notes)
        assert any(p.name == "findings-report.docx" for p in result.written)


class TestMasker:
    def test_names_are_masked_whole_and_in_parts_in_any_case(self):
        """'Ellie Marsh', 'ellie', 'MARSH' and "Ellie's" are all masked."""
        from maa_cli.privacy.masking import Masker

        m = Masker.for_names(["Ellie Marsh"])
        assert m.text("ellie and MARSH; Ellie's mum; Ellie  Marsh") == "[name] and [name]; [name]'s mum; [name]"

    def test_name_parts_that_are_everyday_words_are_masked_only_with_a_capital(self):
        """A child called Will Bright: 'Will' and 'Bright' are masked, 'will' and 'bright' are not."""
        from maa_cli.privacy.masking import Masker

        m = Masker.for_names(["Will Bright"])
        assert m.text("Will is bright and will do well; BRIGHT") == "[name] is bright and will do well; [name]"

    def test_dates_of_birth_are_masked_however_written_but_not_other_dates(self):
        """14/02/2019, 14/2/19, 2019-02-14 and 14th Feb 2019 are masked; 14/02/2020 and 114/02/2019 are not."""
        import datetime as dt

        from maa_cli.privacy.masking import DATE_MARK, Masker

        m = Masker.for_names([], [dt.date(2019, 2, 14)])
        masked = m.text("14/02/2019, 14/2/19, 2019-02-14, 14th Feb 2019, 14/02/2020, 114/02/2019")
        assert masked == f"{DATE_MARK}, {DATE_MARK}, {DATE_MARK}, {DATE_MARK}, 14/02/2020, 114/02/2019"

    def test_identifying_answers_are_masked_in_shareable_text(self, tmp_path):
        """A sibling's name typed into an identifying question is masked wherever else it is typed."""
        from maa_cli.privacy.masking import masker_for
        from maa_cli.setup import restricted

        class _Ws:
            restricted_dir = tmp_path

            class audit:  # noqa: N801
                names_to_mask: list = []

        restricted.write_answers(tmp_path, "MAA-AAAA-BBBB", {"child_name": "Tyler Quinn", "child_dob": "2018-03-09"})
        assert masker_for(_Ws()).text("Tyler (9/3/2018) and tyler quinn") == "[name] ([date of birth]) and [name]"
