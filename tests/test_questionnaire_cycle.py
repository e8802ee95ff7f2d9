"""One questionnaire, end to end: issue, fill, collect, report."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

from maa_cli.forms.manifest import read_manifest
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import collect
from maa_cli.intake.readers.excel import read_excel
from maa_cli.report import build_reports
from tests.fill import all_yes, fill_excel


def _form(ws, agency):
    (planned,) = [f for f in plan_forms(ws) if f.agency == agency]
    return planned, ws.forms_dir / planned.relpath


def _hashes(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


class TestIssue:
    def test_one_form_per_respondent_in_its_own_folder_listed_in_the_manifest(self, questionnaire):
        """Each setting gets one Excel form, named for it, and the manifest records id, tool version and hash."""
        manifest = read_manifest(questionnaire)
        assert len(manifest) == 3
        files = sorted(p.relative_to(questionnaire.forms_dir).as_posix() for p in questionnaire.forms_dir.rglob("*.xlsx"))
        assert files[0].startswith("Acorn Nursery/") and len(files) == 3
        entry = next(iter(manifest.values()))
        assert entry["tool"] == "early-years-safeguarding" and len(entry["files"]["xlsx"]["sha256"]) == 64

    def test_re_running_keeps_issued_forms_and_issues_only_new_ones(self, questionnaire):
        """A second issue-forms writes nothing and leaves every form byte-for-byte as it was."""
        before = _hashes(questionnaire.forms_dir)
        again = issue_forms(questionnaire)
        assert again.written == [] and len(again.skipped) == 3
        assert _hashes(questionnaire.forms_dir) == before

    def test_the_form_carries_its_identity_and_the_question_that_does_not_apply(self, questionnaire):
        """The childminder's form knows its id and has question 5 already set to N/A."""
        planned, path = _form(questionnaire, "Church Lane Childminding")
        raw = read_excel(path, questionnaire.tools[planned.form_type])
        assert raw.identity.form_id == planned.form_id and raw.identity_source == "custom_properties"
        assert raw.answers["q5"].value == "N/A"


class TestCollect:
    def test_a_complete_return_under_any_file_name_is_accepted(self, questionnaire):
        """Files are recognised by the id inside them, not their name."""
        planned, path = _form(questionnaire, "Acorn Nursery")
        tool = questionnaire.tools[planned.form_type]
        fill_excel(path, questionnaire.returns_dir / "scan 0001 FINAL.xlsx", all_yes(tool, {"setting_type": "Day nursery"}))
        result = collect(questionnaire, settle_seconds=0)
        (decision,) = result.files
        assert decision.status == "accepted", decision.reasons
        assert decision.agency == "Acorn Nursery"
        assert result.summary["accepted"] == 1 and result.summary["outstanding"] == 2

    def test_sloppy_typing_is_understood(self, questionnaire):
        """'yes', 'Y ' and 'n/a' are read as Yes, Yes and N/A."""
        planned, path = _form(questionnaire, "Bluebell Pre-school")
        answers = all_yes(questionnaire.tools[planned.form_type], {"setting_type": "Pre-school"})
        answers.update({"q1": "yes", "q2": "Y ", "q5": "n/a"})
        fill_excel(path, questionnaire.returns_dir / "bluebell.xlsx", answers)
        collect(questionnaire, settle_seconds=0)
        record = next((questionnaire.restricted_dir / "responses").glob("*.json"))
        saved = json.loads(record.read_text(encoding="utf-8"))["answers"]
        assert (saved["q1"], saved["q2"], saved["q5"]) == ("Yes", "Yes", "N/A")

    def test_a_missing_answer_and_a_no_without_action_make_the_return_incomplete(self, questionnaire):
        """Each problem names its question number."""
        planned, path = _form(questionnaire, "Acorn Nursery")
        answers = all_yes(questionnaire.tools[planned.form_type], {"setting_type": "Day nursery"})
        del answers["q7.a"]
        answers["q12"] = "No"
        fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", answers)
        (decision,) = collect(questionnaire, settle_seconds=0).files
        assert decision.status == "incomplete"
        numbers = {i["number"] for i in decision.issues}
        assert numbers == {"7a", "12"}
        assert any("Action points" in r and "No" in r for r in decision.reasons)

    def test_collect_never_changes_returns_and_a_second_run_reads_nothing(self, questionnaire):
        """returns/ is byte-for-byte unchanged, and an unchanged file is not re-read."""
        planned, path = _form(questionnaire, "Acorn Nursery")
        fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", all_yes(questionnaire.tools[planned.form_type]))
        before = _hashes(questionnaire.returns_dir)
        first = collect(questionnaire, settle_seconds=0)
        state = (questionnaire.state_dir / "files.json").read_bytes()
        second = collect(questionnaire, settle_seconds=0)
        assert _hashes(questionnaire.returns_dir) == before
        assert (first.read, second.read, second.reused) == (1, 0, 1)
        assert (questionnaire.state_dir / "files.json").read_bytes() == state

    def test_a_file_saved_moments_ago_is_pending_not_rejected(self, questionnaire):
        """A file still being copied in is looked at again next run."""
        planned, path = _form(questionnaire, "Acorn Nursery")
        fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", all_yes(questionnaire.tools[planned.form_type]))
        (decision,) = collect(questionnaire, settle_seconds=3600).files
        assert decision.status == "pending"
        (decision,) = collect(questionnaire, settle_seconds=0).files
        assert decision.status == "accepted"


class TestReport:
    def test_the_data_workbook_has_one_row_per_accepted_return_and_keeps_formulas_as_text(self, questionnaire):
        """A formula typed into an answer is literal text in the report, never a live formula."""
        from openpyxl import load_workbook

        planned, path = _form(questionnaire, "Acorn Nursery")
        answers = all_yes(questionnaire.tools[planned.form_type])
        answers["q1"] = "No"
        answers["q1.action"] = '=HYPERLINK("http://evil.example","click")'
        fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", answers)
        collect(questionnaire, settle_seconds=0)
        out = next(p for p in build_reports(questionnaire).written if p.name == "data-workbook.xlsx")
        sheet = load_workbook(out).active
        assert sheet.max_row == 2
        header = [c.value for c in sheet[1]]
        cell = sheet.cell(row=2, column=header.index("1 Action points") + 1)
        assert cell.data_type == "s" and cell.value.startswith("=HYPERLINK")


class TestIssueCommand:
    def test_a_misspelt_agency_is_an_error_with_a_suggestion_not_zero_forms(self, questionnaire):
        """`--agency "Acorn Nursry"` exits 2 naming the closest agency, and writes nothing."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        before = _hashes(questionnaire.forms_dir)
        result = CliRunner().invoke(app, ["issue-forms", str(questionnaire.root), "--agency", "Acorn Nursry"],
                                    env={"COLUMNS": "200"})
        assert result.exit_code == 2 and "did you mean 'Acorn Nursery'" in result.output
        assert _hashes(questionnaire.forms_dir) == before

    def test_an_unknown_format_is_refused(self, questionnaire):
        """Only docx and xlsx forms exist; `--format pdf` is refused with the allowed values."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        result = CliRunner().invoke(app, ["issue-forms", str(questionnaire.root), "--format", "pdf"], env={"COLUMNS": "200"})
        assert result.exit_code == 2 and "'docx', 'xlsx'" in result.output

    def test_the_summary_counts_forms_by_form_type_and_points_to_status_for_each_respondent(self, questionnaire):
        """A re-run shows one row per form type (a county has 1,500 respondents), points to 'maa status', exits 0."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        result = CliRunner().invoke(app, ["issue-forms", str(questionnaire.root)], env={"COLUMNS": "200"})
        assert result.exit_code == 0, result.output
        assert "Church Lane Childminding" not in result.output and "0 forms written, 3 already issued" in result.output
        assert "early-years-safeguarding" in result.output and "maa status" in result.output


class TestOddFileNames:
    def test_a_file_name_that_is_not_valid_utf8_does_not_stop_collection(self, questionnaire):
        """A return whose name has raw bytes (an unzipped archive, a Linux share) is read, and shown with '?'."""
        import os
        import sys

        import pytest

        if sys.platform == "win32":
            pytest.skip("Windows file names are always Unicode")
        planned, path = _form(questionnaire, "Acorn Nursery")
        good = fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", all_yes(questionnaire.tools[planned.form_type]))
        odd = os.path.join(os.fsencode(questionnaire.returns_dir), b"bad\xff\xfe name.xlsx")
        with open(odd, "wb") as handle:
            handle.write(good.read_bytes())
        result = collect(questionnaire, settle_seconds=0)
        paths = {f.path: f.status for f in result.files}
        assert paths["acorn.xlsx"] == "accepted"
        assert paths["bad?? name.xlsx"] in ("accepted", "superseded")


def test_a_very_long_agency_name_still_gets_its_forms(tmp_path):
    """A 300-character respondent and partnership name is cut in the document properties, not a crash mid-issue."""
    from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
    from tests.conftest import TODAY, build_files

    long_name = ("The Very Long Named Community Nursery and Family Centre " * 6).strip()
    csv = build_files(tmp_path, {"a.csv": f"agency,contact_name,email\n{long_name},A Person,a@b.example\n"})
    new_audit(tmp_path / "a", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example", title="EY", partnership="P" * 300, tool="early-years-safeguarding",
                                       agencies_csv=csv["a.csv"], today=TODAY))
    ws = open_workspace(tmp_path / "a")
    for fmt in ("docx", "xlsx"):
        result = issue_forms(ws, fmt=fmt)
        assert len(result.written) == 1 and (ws.forms_dir / result.written[0].relpath).is_file()


def test_excel_escapes_in_answers_are_decoded(questionnaire):
    """Excel's _xHHHH_ escapes become the characters they stand for (a control character is then dropped)."""
    planned, path = _form(questionnaire, "Acorn Nursery")
    answers = all_yes(questionnaire.tools[planned.form_type])
    answers.update({"q1": "No", "q1.action": "Ring the LADO_x0007_ today", "q1.when_who": "file _x005F_x0041_ kept"})
    fill_excel(path, questionnaire.returns_dir / "acorn.xlsx", answers)
    collect(questionnaire, settle_seconds=0)
    record = next((questionnaire.restricted_dir / "responses").glob("*.json"))
    saved = json.loads(record.read_text(encoding="utf-8"))["answers"]
    assert saved["q1.action"] == "Ring the LADO today"
    assert saved["q1.when_who"] == "file _x0041_ kept"
