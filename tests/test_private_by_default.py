"""Private by default: what a partnership publishes without changing a setting identifies no child.

Small counts are held back (below 5) unless the partnership decides otherwise; no shareable table
describes one case; the row-level data workbook is the officer's, in reports/restricted/; forms and
restricted outputs carry a protective marking, and forms naming a child say to send them securely.
"""

from __future__ import annotations

import re
import zipfile

import pytest

from maa_cli.demo.run import run_demo
from maa_cli.setup.workspace import open_workspace
from tests.forms_fixtures import write_form
from tests.test_report_figures import body_text, tables

SMALL = {"1", "2", "3", "4"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo") / "demo"
    run_demo(root, log=lambda line: None)
    return root


def _docx_text(path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(z.read(n).decode("utf-8") for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))


class TestTheDemoPublishesNothingSmall:
    @pytest.mark.parametrize("audit", ["case-audit", "early-years"])
    def test_no_count_column_of_a_shareable_report_shows_1_to_4(self, demo, audit):
        """Every 'Cases', 'Settings' or count column of the findings report reads 0, 5 or more, or 'not shown'."""
        found = tables(demo / audit / "reports" / "findings-report.docx")
        counted = 0
        for caption, rows in found.items():
            head = rows[0]
            for col, name in enumerate(head):
                if name in ("Cases", "Settings", "Respondents", "Count", "Agencies"):
                    cells = [r[col] for r in rows[1:]]
                    counted += len(cells)
                    assert not SMALL & set(cells), f"{caption}: {cells}"
        assert counted or audit == "early-years"  # the case audit has case breakdowns to check: the test can fail

    def test_the_briefing_lists_no_group_of_one_to_four(self, demo):
        """The 7-minute briefing never says 'Black African (1)' or 'North East (1)'."""
        text = body_text(demo / "case-audit" / "reports" / "7-minute-briefing.docx")
        assert not re.search(r"\(([1-4])\)", text), text

    def test_no_shareable_table_describes_one_case(self, demo):
        """The cases table gives each case's reference, returns and whether it was audited only; gender, ethnicity and area are totals."""
        found = tables(demo / "case-audit" / "reports" / "findings-report.docx")
        assert found["The cases by reference"][0] == ["Case", "Agencies involved", "Complete returns", "Audited"]

    def test_the_row_level_workbook_is_restricted_and_a_summary_is_shareable(self, demo):
        """data-workbook.xlsx (a row per return) is in reports/restricted/; summary-workbook.xlsx is in reports/."""
        for audit in ("case-audit", "early-years"):
            reports = demo / audit / "reports"
            assert (reports / "restricted" / "data-workbook.xlsx").is_file() and not (reports / "data-workbook.xlsx").exists()
            assert (reports / "summary-workbook.xlsx").is_file()

    def test_the_summary_workbook_holds_back_small_counts(self, demo):
        """In the shareable summary no count from 1 to 4 is printed."""
        from openpyxl import load_workbook

        sheet = load_workbook(demo / "early-years" / "reports" / "summary-workbook.xlsx")["Results"]
        counts = [str(row[5].value) for row in sheet.iter_rows(min_row=2)]
        assert counts and not SMALL & set(counts) and "not shown" in counts

    def test_the_demo_briefing_stays_draft_because_no_person_has_checked_it(self, demo):
        """The demo does not claim to have read the briefing for names and small numbers: it stays DRAFT."""
        assert "DRAFT" in _docx_text(demo / "case-audit" / "reports" / "7-minute-briefing.docx")


class TestMarkings:
    def test_forms_carry_the_protective_marking_in_every_header(self, demo):
        """Word and Excel forms say OFFICIAL-SENSITIVE at the top of every page."""
        ws = open_workspace(demo / "case-audit")
        word = next(ws.forms_dir.rglob("*.docx"))
        with zipfile.ZipFile(word) as z:
            headers = " ".join(z.read(n).decode() for n in z.namelist() if re.fullmatch(r"word/header\d*\.xml", n))
        assert "OFFICIAL-SENSITIVE" in headers
        from openpyxl import load_workbook

        excel = next((demo / "early-years" / "forms").rglob("*.xlsx"))
        assert "OFFICIAL-SENSITIVE" in load_workbook(excel).active.oddHeader.right.text

    def test_only_forms_that_name_a_child_say_to_send_them_securely(self, tmp_path):
        """A case form with the child's name asks for secure e-mail; a form without identifying details does not."""
        named, _ = write_form(tmp_path, "named.docx")
        plain, _ = write_form(tmp_path, "plain.docx", identifying=())
        assert "secure e-mail" in named.how_to_return() and "secure e-mail" not in plain.how_to_return()

    def test_restricted_outputs_are_marked(self, demo):
        """Each panel pack's header carries the marking and says it is for the panel only."""
        pack = next((demo / "case-audit" / "reports" / "restricted").glob("Panel pack - Case *.docx"))
        with zipfile.ZipFile(pack) as z:
            headers = " ".join(z.read(n).decode() for n in z.namelist() if re.fullmatch(r"word/header\d*\.xml", n))
        assert "OFFICIAL-SENSITIVE" in headers and "for the panel only" in headers

    def test_the_marking_is_the_partnership_s_to_set(self, tmp_path):
        """audit.yaml's protective_marking replaces the default on every form."""
        content, path = write_form(tmp_path, "form.docx", marking="OFFICIAL")
        with zipfile.ZipFile(path) as z:
            headers = " ".join(z.read(n).decode() for n in z.namelist() if re.fullmatch(r"word/header\d*\.xml", n))
        assert "OFFICIAL \u00b7 maa form ref" in headers and "OFFICIAL-SENSITIVE" not in headers
