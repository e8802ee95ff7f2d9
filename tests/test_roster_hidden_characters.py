"""A character pasted from Word that nobody can see is caught at 'maa new-audit', not half-way through 'issue-forms'.

A line break typed in Word and pasted into an Excel cell arrives as a vertical tab (U+000B),
which XML, and so a Word or Excel form, cannot hold: 'issue-forms' used to stop part-way with
"unexpected problem (ValueError)". Bidirectional overrides (U+202E) make a name show as
something else. Both are refused with the file, row and column, and the value is never repeated.
"""

from __future__ import annotations

import datetime as dt

import pytest
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.errors import ErrorCode, InputFileError
from maa_cli.setup.rosters import read_agencies, read_cases, read_nominations
from tests.conftest import AGENCIES_CSV, CASES_CSV, build_files

AGENCIES = ["Police", "Children's Social Care", "Health Visiting"]
NOMINATIONS = (
    "case_ref,child_name,date_of_birth,agencies,nominator,nominated_on,decision,reason\n"
    "A,Ellie Marsh,14/02/2019,Police,Amira Khan,01/09/2026,accepted,\"Neglect concerns\nraised twice\"\n"
    "B,Jayden Cole,01/08/2024,Health Visiting,Grace Mensah,02/09/2026,declined,Already reviewed\n"
)


def _new_audit(tmp_path, agencies: str = AGENCIES_CSV, cases: str = CASES_CSV):
    files = build_files(tmp_path / "inputs", {"agencies.csv": agencies, "cases.csv": cases})
    args = ["new-audit", tmp_path / "audit", "--title", "MACA: neglect", "--partnership", "Northshire SCP",
            "--tool", "multi-agency-case-audit", "--agencies", files["agencies.csv"], "--cases", files["cases.csv"],
            "--deadline", (dt.date.today() + dt.timedelta(days=60)).strftime("%d/%m/%Y"),
            "--return-to", "audits@northshire-scp.example"]
    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


def _refused(read, tmp_path, name: str, text: str, *args, **kwargs):
    path = build_files(tmp_path, {name: text})[name]
    with pytest.raises(InputFileError) as caught:
        read(path, *args, **kwargs)
    return caught.value


class TestNewAuditRefusesHiddenCharacters:
    def test_a_line_break_pasted_from_word_into_an_agency_name_stops_new_audit_at_its_row(self, tmp_path):
        """A vertical tab inside 'Children's Social Care' (row 3) is refused by new-audit, saying to retype the cell; nothing is created."""
        result = _new_audit(tmp_path, agencies=AGENCIES_CSV.replace("Children's Social", "Children's\x0bSocial", 1))
        text = " ".join(result.output.split())
        assert result.exit_code == 2 and "unexpected problem" not in text
        assert "agencies.csv, row 3: the value in 'agency' contains a hidden line break copied from Word (a vertical tab) (U+000B)" in text
        assert "Retype the value in that cell" in text
        assert not (tmp_path / "audit").exists()

    def test_a_case_ref_with_a_control_character_is_refused_before_any_form_exists(self, tmp_path):
        """A case reference holding a bell character (U+0007) is refused at new-audit, so issue-forms never meets it."""
        result = _new_audit(tmp_path, cases=CASES_CSV.replace("\nC,", "\nC\x07,", 1))
        text = " ".join(result.output.split())
        assert result.exit_code == 2 and "cases.csv, row 4: the value in 'case_ref' contains a hidden control character (U+0007)" in text
        assert not (tmp_path / "audit").exists()

    def test_a_hidden_character_in_a_childs_name_is_reported_without_the_name(self, tmp_path):
        """A right-to-left override inside a child's name names the row and column but neither the name nor the date of birth."""
        error = _refused(read_cases, tmp_path, "cases.csv", CASES_CSV.replace("Amelia Novak", "Amelia\u202eNovak"), AGENCIES)
        (p,) = error.problems
        assert (p.code, p.row, p.params["cell"]) == (ErrorCode.CSV_HIDDEN_CHARACTER, 4, "value in 'child_name'")
        said = str(error) + str(p.to_dict())
        assert "right-to-left override (U+202E)" in said
        assert "Amelia" not in said and "Novak" not in said and "30/11/2012" not in said


class TestEveryRosterColumn:
    @pytest.mark.parametrize(("column", "old", "new"), [
        ("contact_name", "Ben Carter", "Ben\x0bCarter"),
        ("email", "grace.mensah@nhs.example", "grace.mensah@nhs.example\u202e"),
        ("quadrant", "West", "We\u2066st"),
    ])
    def test_contact_names_emails_and_attributes_are_checked(self, tmp_path, column, old, new):
        """A hidden character in a contact name, an e-mail address or an extra attribute column is refused in its own column."""
        error = _refused(read_agencies, tmp_path, "agencies.csv", AGENCIES_CSV.replace(old, new))
        assert [(p.code, p.params["cell"]) for p in error.problems] == [(ErrorCode.CSV_HIDDEN_CHARACTER, f"value in '{column}'")]

    def test_c1_controls_in_the_cases_agencies_list_are_refused(self, tmp_path):
        """A C1 control (U+0090, from a mis-decoded file) between two agency names is refused in 'agencies'."""
        error = _refused(read_cases, tmp_path, "cases.csv", CASES_CSV.replace("Police;Children", "Police;\x90Children", 1), AGENCIES)
        assert [(p.row, p.params["cell"]) for p in error.problems] == [(2, "value in 'agencies'")]

    def test_every_hidden_character_in_a_file_is_listed_at_once(self, tmp_path):
        """Two bad cells in two rows give two problems, in row order, so the officer fixes the file in one pass."""
        text = AGENCIES_CSV.replace("Amira Khan", "Amira\x0cKhan").replace("Health Visiting", "Health\x1fVisiting")
        error = _refused(read_agencies, tmp_path, "agencies.csv", text)
        assert [(p.row, p.params["cell"]) for p in error.problems] == [(2, "value in 'contact_name'"), (4, "value in 'agency'")]

    def test_a_hidden_character_in_a_heading_is_refused(self, tmp_path):
        """An extra column whose heading hides a control character (which would become an attribute name) is refused."""
        error = _refused(read_agencies, tmp_path, "agencies.csv", AGENCIES_CSV.replace(",quadrant", ",quad\x07rant", 1))
        assert [(p.row, p.params["cell"]) for p in error.problems] == [(1, "heading of column D")]


class TestNominationsRegister:
    @pytest.mark.parametrize(("old", "new", "cell"), [
        ("Amira Khan", "Amira\x0bKhan", "value in 'nominator'"),
        ("twice", "twice\x1b", "value in 'reason'"),
        ("Already reviewed", "Already\u202dreviewed", "value in 'reason'"),
    ])
    def test_control_and_override_characters_in_the_register_are_refused(self, tmp_path, old, new, cell):
        """A control character in the register is refused, even in a reason, whose line breaks (Alt+Enter) are ordinary text."""
        error = _refused(read_nominations, tmp_path, "register.csv", NOMINATIONS.replace(old, new), AGENCIES)
        assert [(p.code, p.params["cell"]) for p in error.problems] == [(ErrorCode.CSV_HIDDEN_CHARACTER, cell)]
