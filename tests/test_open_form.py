"""One open form for everyone: 'maa issue-forms AUDIT --open' and what comes back.

The partnership sends the same Word or Excel form to every setting. It names no respondent, so its
first question asks who is answering (a list of the roster's names in Excel, the name or Ofsted URN
typed in Word); each return is matched to the roster like a row of an online form's export, and what
cannot be matched waits for 'maa assign'. Forms are filled in code here; test_open_form_office.py
fills them in LibreOffice.
"""

# ruff: noqa: F811 - the survey fixtures are imported from test_collect_exports and used as parameters
from __future__ import annotations

import json

from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.demo.word import fill_word
from maa_cli.forms.excel import defined_name
from maa_cli.forms.manifest import read_manifest
from maa_cli.forms.open_form import RESPONDENT_KEY, open_form_path
from maa_cli.intake.assign import assign
from maa_cli.intake.collect import collect, load_responses
from maa_cli.intake.status import audit_status
from tests.fill import fill_excel
from tests.test_collect_exports import FORM, survey, survey_template  # noqa: F401 - fixtures
from tests.test_collect_stories import HOUR, aged
from tests.test_form_seals import without_seal

EXCEL_ANSWERS = {"q1": "Yes", "q2": "01/09/2026", "q3#0": "Yes", "q3#2": "Yes", "q4": "Yes", "concern": "No"}
WORD_ANSWERS = {"q1": "Yes", "q2": "01/09/2026", "q3": ["In-house", "Online course"], "q4": "N/A", "concern": "No"}
CHOICES = {"q3": ("In-house", "External course", "Online course")}


def excel_return(ws, name: str, who: str | None, **answers):
    form = open_form_path(ws, FORM, "xlsx")
    return aged(fill_excel(form, ws.returns_dir / name, EXCEL_ANSWERS | answers | {RESPONDENT_KEY: who}), HOUR)


def word_return(ws, name: str, who: str | None, **answers):
    target = ws.returns_dir / name
    fill_word(open_form_path(ws, FORM, "docx"), target, WORD_ANSWERS | answers | {RESPONDENT_KEY: who}, CHOICES)
    return aged(target, HOUR)


def by_path(result) -> dict:
    return {f.path: f for f in result.files}


class TestIssuingTheOpenForm:
    def test_one_word_and_one_excel_form_name_no_respondent_and_ask_who_is_answering(self, survey):
        """The open form is written once per format; Excel offers the roster as a list, Word asks for name or URN."""
        from docx import Document
        from openpyxl import load_workbook

        xlsx, docx = open_form_path(survey, FORM, "xlsx"), open_form_path(survey, FORM, "docx")
        assert xlsx.is_file() and docx.is_file()
        assert sorted(p.name for p in survey.forms_dir.rglob("*.*")) == sorted([xlsx.name, docx.name])
        wb = load_workbook(xlsx)
        sheet, coord = next(iter(wb.defined_names[defined_name(RESPONDENT_KEY)].destinations))
        (validation,) = [v for v in wb[sheet].data_validations.dataValidation if coord.replace("$", "") in str(v.sqref)]
        listed = [c.value for row in wb[validation.formula1.split("!")[0]][validation.formula1.split("!")[1].replace("$", "")]
                  for c in row]
        assert listed == [a.name for a in survey.audit.agencies]
        text = "\n".join(p.text for t in Document(docx).tables for row in t.rows for c in row.cells for p in c.paragraphs)
        assert "Who is this form from?" in text and "Ofsted URN" in text
        assert not any(a.name in text for a in survey.audit.agencies)

    def test_every_setting_on_the_roster_is_recorded_as_asked_and_chased(self, survey):
        """Status counts each setting as asked by the open form, and chases those who have not replied."""
        asked = [e for e in read_manifest(survey).values() if e.get("open_form")]
        assert sorted(e["agency"] for e in asked) == sorted(a.name for a in survey.audit.agencies)
        status = audit_status(survey)
        assert status.summary["issued"] == 4 and status.summary["outstanding"] == 4
        assert {c.respondent for c in status.chase} == {a.name for a in survey.audit.agencies}

    def test_issue_forms_open_from_the_command_line_keeps_what_was_written(self, survey):
        """Run again, it keeps the forms already written and records no one twice; --force writes them again."""
        again = CliRunner().invoke(app, ["issue-forms", str(survey.root), "--open"], env={"COLUMNS": "200"})
        assert again.exit_code == 0, again.output
        assert "kept" in again.output and "0 respondent(s) recorded" in again.output
        forced = CliRunner().invoke(app, ["issue-forms", str(survey.root), "--open", "--force", "--format", "docx"])
        assert forced.exit_code == 0 and "open form.docx" in forced.output


    def test_maa_send_attaches_the_open_form_to_every_setting_asked_by_it(self, survey):
        """One draft per setting on the roster, each carrying the open form in the checklist's format (Excel)."""
        from maa_cli.mail.send import send_forms
        from tests.test_mail_send import attachments, drafts

        result = send_forms(survey)
        assert not [letter.refused for letter in result.letters if letter.refused]
        found = drafts(survey)
        assert sorted(m["To"] for m in found.values()) == sorted(a.email for a in survey.audit.agencies)
        form = open_form_path(survey, FORM, "xlsx")
        for message in found.values():
            assert attachments(message) == {form.name: form.read_bytes()}


class TestOpenFormReturns:
    def test_the_open_form_filled_in_excel_is_the_return_of_the_setting_chosen_from_the_list(self, survey):
        """Bluebell picks its name from the drop-down: the return is Bluebell's, self-declared."""
        excel_return(survey, "open form (1).xlsx", "Bluebell Pre-school")
        (d,) = collect(survey).files
        assert (d.status, d.agency) == ("accepted", "Bluebell Pre-school")
        (record,) = load_responses(survey)
        assert record["trust"] == "self_declared" and record["answers"]["q3"] == ["In-house", "Online course"]
        assert RESPONDENT_KEY not in record["answers"]

    def test_the_open_form_filled_in_word_with_an_ofsted_urn_is_matched_to_that_setting(self, survey):
        """A childminder types its URN: the return is theirs, and N/A is right for the deputy question they skip."""
        word_return(survey, "childminder.docx", "ey 100003")
        (d,) = collect(survey).files
        assert (d.status, d.agency) == ("accepted", "Church Lane Childminding"), d.reasons
        assert any("Ofsted URN matched" in w for w in d.warnings)

    def test_an_open_form_naming_nobody_on_the_roster_waits_for_maa_assign_which_survives_a_rename(self, survey):
        """'Bluebel' is not taken for Bluebell; once assigned, the file stays Bluebell's even after it is renamed."""
        path = word_return(survey, "from bluebell.docx", "Bluebel Preschool")
        (d,) = collect(survey).files
        assert (d.status, d.code) == ("rejected", "respondent_unknown") and "did you mean 'Bluebell Pre-school'" in d.reasons[0]
        assert by_path(assign(survey, "from bluebell.docx", "Bluebell Pre-school"))["from bluebell.docx"].status == "accepted"
        path.rename(path.with_name("renamed.docx"))
        (d,) = collect(survey).files
        assert (d.path, d.status, d.agency) == ("renamed.docx", "accepted", "Bluebell Pre-school")

    def test_an_open_form_left_without_an_answer_to_who_is_answering_is_not_used(self, survey):
        """Nothing chosen in question 0: the return is not counted for anyone, and the officer is asked."""
        excel_return(survey, "anonymous.xlsx", None)
        (d,) = collect(survey).files
        assert (d.status, d.code) == ("rejected", "respondent_missing") and "maa assign" in d.reasons[0]

    def test_an_open_form_whose_seal_was_taken_out_is_unverified(self, survey):
        """Anyone can have the open form, but a file that lost its seal was not issued by this audit as it."""
        filled = excel_return(survey, "filled.xlsx", "Acorn Nursery")
        without_seal(filled, survey.returns_dir / "no seal.xlsx")
        filled.unlink()
        (d,) = collect(survey).files
        assert (d.status, d.code) == ("unverified", "no_seal")

    def test_a_setting_that_returned_the_open_form_twice_with_different_answers_is_a_conflict(self, survey):
        """Two self-declared returns of one setting that disagree: nothing is chosen silently."""
        excel_return(survey, "acorn 1.xlsx", "Acorn Nursery")
        word_return(survey, "acorn 2.docx", "Acorn Nursery", q1="No")
        result = collect(survey)
        assert {f.status for f in result.files} == {"conflict"}
        assert json.loads(json.dumps(result.to_json()))["summary"]["conflict"] == 2
