"""Collecting returns, told as the officer's stories: what comes back, what maa makes of it, what it keeps.

Returns are filled in code (openpyxl, or Word's XML as Word saves it); the real-client
round trips through LibreOffice are in test_collect_office.py.
"""

from __future__ import annotations

import builtins
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import stat
import time
import zipfile
from pathlib import Path

import pytest

from maa_cli.definitions.audit import FormType
from maa_cli.demo.word import fill_word
from maa_cli.errors import InputFileError
from maa_cli.forms.plan import issue_forms, plan_forms
from maa_cli.intake.collect import choose, collect, load_responses
from maa_cli.setup.restricted import read_answers
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import AGENCIES_CSV, CASES_CSV, CHILD_NAMES, TODAY, build_files
from tests.fill import all_yes, fill_excel

HOUR = 3600
DEADLINE = dt.date(2027, 1, 31)


# -- helpers shared by the collect test files ---------------------------------------------------------


@pytest.fixture(scope="module")
def case_audit_template(tmp_path_factory):
    """A MACA with a case tool (Word and Excel) per agency and case, and a CP file review per case (names the child)."""
    base = tmp_path_factory.mktemp("maca")
    inputs = build_files(base / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": CASES_CSV})
    new_audit(base / "audit", NewAudit(return_to="audits@northshire-scp.example",
        title="MACA: neglect", partnership="Northshire SCP", type="case_audit", deadline=DEADLINE, today=TODAY,
        agencies_csv=inputs["agencies.csv"], cases_csv=inputs["cases.csv"],
        form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="docx"),
                    FormType(name="file-review", tool="cp-file-review", per="case", format="xlsx")]))
    ws = open_workspace(base / "audit")
    issue_forms(ws)
    issue_forms(ws, form_type="case-tool", fmt="xlsx")
    return base / "audit"


@pytest.fixture
def case_audit(case_audit_template, tmp_path):
    shutil.copytree(case_audit_template, tmp_path / "audit")
    return open_workspace(tmp_path / "audit")


def form(ws, form_type: str, agency: str | None, case_ref: str | None, fmt: str = "xlsx"):
    (planned,) = [f for f in plan_forms(ws, fmt=fmt) if (f.form_type, f.agency, f.case_ref) == (form_type, agency, case_ref)]
    return planned


def maca_answers(tool, urgent: bool = False) -> dict:
    """A complete case audit return: every grade with its reason, no urgent concern unless asked."""
    out = {}
    for f in tool.fields():
        if f.role == "answer" and f.type == "grade":
            out[f.key] = "Good"
        elif f.role == "why":
            out[f.key] = "Recorded in supervision notes."
        elif f.role == "answer" and f.type in ("short_text", "long_text") and f.required and f.question.required_when is None:
            out[f.key] = "Answered from the case file."
    out["urgent_concern"] = "Yes" if urgent else "No"
    if urgent:
        out["urgent_action"] = "Referred to MASH today."
    return out


def return_excel(ws, planned, name: str, answers: dict, age: float = HOUR) -> Path:
    """Save a filled Excel return under returns/ with a modification time ``age`` seconds ago."""
    return aged(fill_excel(ws.forms_dir / planned.relpath, ws.returns_dir / name, answers), age)


def return_word(ws, planned, name: str, answers: dict, age: float = HOUR) -> Path:
    tool = ws.tools[planned.form_type]
    choices = {f.key: f.choices for f in tool.fields() if f.type == "multiple_choice"}
    target = ws.returns_dir / name
    fill_word(ws.forms_dir / planned.relpath, target, answers, choices)
    return aged(target, age)


def aged(path: Path, seconds: float) -> Path:
    when = time.time() - seconds
    os.utime(path, (when, when))
    return path


def hashes(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def snapshot(ws) -> dict[str, str]:
    """Every byte maa keeps for an audit: state, records, collected copies, restricted answers."""
    out = {}
    for folder in (ws.state_dir, ws.restricted_dir):  # collected copies are in the restricted store
        if folder.is_dir():
            out |= {f"{folder.name}/{k}": v for k, v in hashes(folder).items() if not k.endswith("lock")}
    return out


# -- stories ------------------------------------------------------------------------------------------


class TestJudging:
    def test_a_return_missing_answers_is_incomplete_and_names_each_question_by_number_and_text(self, case_audit):
        """Two grades left blank: the return is incomplete and says which, by number and wording."""
        planned = form(case_audit, "case-tool", "Police", "A")
        answers = maca_answers(case_audit.tools["case-tool"])
        del answers["assessment"], answers["planning.why"]
        answers["planning"] = "Good"
        return_excel(case_audit, planned, "police A.xlsx", answers)
        (d,) = [f for f in collect(case_audit).files]
        assert d.status == "incomplete"
        assert {(i["number"], i["question"]) for i in d.issues} == {("5", "Assessment of risk and need"),
                                                                     ("8", "Why this judgement for question 8")}
        assert any(r.startswith("Question 5 (Assessment of risk and need)") for r in d.reasons)

    def test_an_urgent_concern_is_reported_first_with_its_case_and_agency(self, case_audit):
        """Yes to 'a child at risk now' puts the case, agency and question at the top of the run."""
        planned = form(case_audit, "case-tool", "Children's Social Care", "B")
        return_excel(case_audit, planned, "csc B.xlsx", maca_answers(case_audit.tools["case-tool"], urgent=True))
        result = collect(case_audit)
        (u,) = result.urgent
        assert (u["case_ref"], u["agency"], u["number"]) == ("B", "Children's Social Care", "14")
        assert result.needs_attention and result.files[0].status == "accepted"
        assert collect(case_audit).urgent == result.urgent  # and again on every run, not only the first

    def test_a_return_saved_after_the_deadline_is_accepted_with_a_late_warning(self, case_audit):
        """The file's modification time is compared with the audit deadline."""
        planned = form(case_audit, "case-tool", "Police", "A")
        path = return_excel(case_audit, planned, "late.xlsx", maca_answers(case_audit.tools["case-tool"]))
        saved = dt.datetime(2027, 2, 3, 10, 0).timestamp()
        os.utime(path, (saved, saved))
        (d,) = collect(case_audit, now=saved + 2 * HOUR).files
        assert d.status == "accepted" and any("late" in w and "31/01/2027" in w for w in d.warnings)

    def test_the_blank_form_sent_back_is_rejected_asking_for_the_completed_one(self, case_audit):
        """An untouched form is not 'incomplete with 20 problems': it is the wrong attachment."""
        planned = form(case_audit, "case-tool", "Police", "C")
        return_excel(case_audit, planned, "blank.xlsx", {})
        (d,) = collect(case_audit).files
        assert (d.status, d.code, d.form_id) == ("rejected", "blank", planned.form_id)
        assert "completed form" in d.reasons[0]

    def test_a_form_from_another_audit_is_rejected_and_says_where_it_belongs(self, case_audit, questionnaire):
        """A questionnaire return saved in the case audit's folder is recognised as another audit's form."""
        planned = plan_forms(questionnaire)[0]
        target = case_audit.returns_dir / "wrong folder.xlsx"
        aged(fill_excel(questionnaire.forms_dir / planned.relpath, target, all_yes(questionnaire.tools[planned.form_type])), HOUR)
        (d,) = collect(case_audit).files
        assert (d.status, d.code) == ("rejected", "other_audit") and "another audit" in d.reasons[0]

    def test_a_formula_typed_in_an_answer_is_kept_as_text(self, case_audit):
        """'=HYPERLINK(...)' in an answer cell is recorded as the text typed, and noted."""
        from openpyxl import load_workbook

        from maa_cli.forms.excel import defined_name

        planned = form(case_audit, "case-tool", "Police", "A")
        path = return_excel(case_audit, planned, "formula.xlsx", maca_answers(case_audit.tools["case-tool"]))
        wb = load_workbook(path)
        sheet, coord = next(iter(wb.defined_names[defined_name("worked_well")].destinations))
        wb[sheet][coord.replace("$", "")].value = '=HYPERLINK("http://evil.example","click")'
        wb.save(path)
        aged(path, HOUR)
        (d,) = collect(case_audit).files
        (record,) = load_responses(case_audit)
        assert d.status == "accepted" and record["answers"]["worked_well"].startswith("=HYPERLINK(")
        assert any("formula" in w for w in d.warnings)


class TestDuplicates:
    def test_an_identical_copy_is_superseded_and_the_form_counted_once(self, case_audit):
        """The same return saved twice (e.g. from two e-mails) is one return; the copy points at the original."""
        planned = form(case_audit, "case-tool", "Police", "A")
        answers = maca_answers(case_audit.tools["case-tool"])
        return_excel(case_audit, planned, "police A.xlsx", answers, age=2 * HOUR)
        return_excel(case_audit, planned, "copies/police A (1).xlsx", answers)
        result = collect(case_audit)
        assert [(f.path, f.status) for f in result.files] == [("copies/police A (1).xlsx", "superseded"), ("police A.xlsx", "accepted")]
        assert "police A.xlsx" in result.files[0].reasons[0]
        assert result.summary["returned"] == 1 and len(load_responses(case_audit)) == 1

    def test_the_same_answers_in_word_and_excel_are_one_return(self, case_audit):
        """A form returned in both formats with the same answers is not a conflict."""
        answers = maca_answers(case_audit.tools["case-tool"])
        return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "police A.docx", answers, age=2 * HOUR)
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx", answers)
        statuses = sorted(f.status for f in collect(case_audit).files)
        assert statuses == ["accepted", "superseded"]

    def test_different_answers_in_both_formats_are_a_conflict_until_the_officer_chooses(self, case_audit):
        """Nothing is chosen silently: both are listed as a conflict; 'maa choose' settles it and is remembered."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "police A.docx", maca_answers(tool), age=2 * HOUR)
        return_excel(case_audit, planned, "police A.xlsx", dict(maca_answers(tool), involvement="Inadequate"))
        first = collect(case_audit)
        assert [f.status for f in first.files] == ["conflict", "conflict"] and first.needs_attention
        assert "maa choose" in first.files[0].reasons[0] and "police A.xlsx" in first.files[0].reasons[0]
        assert load_responses(case_audit) == []  # no answers are used until the officer decides

        settled = choose(case_audit, planned.form_id, "police A.xlsx")
        assert [(f.path, f.status) for f in settled.files] == [("police A.docx", "superseded"), ("police A.xlsx", "accepted")]
        assert json.loads((case_audit.state_dir / "choices.json").read_text())[planned.form_id]["file"] == "police A.xlsx"
        (record,) = load_responses(case_audit)
        assert record["answers"]["involvement"] == "Inadequate"
        assert [f.status for f in collect(case_audit).files] == ["superseded", "accepted"]

    def test_a_return_that_keeps_every_answer_and_adds_the_missing_ones_is_used_without_a_choice(self, case_audit):
        """A half-finished form sent first, then the same form finished: nothing is lost by using the finished one."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        full = maca_answers(tool)
        half = {k: v for i, (k, v) in enumerate(full.items()) if i % 2 == 0}
        return_excel(case_audit, planned, "police A.xlsx", full, age=2 * HOUR)
        return_excel(case_audit, planned, "police A first go.xlsx", half, age=3 * HOUR)
        result = collect(case_audit)
        assert {(f.path, f.status, f.code) for f in result.files} == {
            ("police A.xlsx", "accepted", None), ("police A first go.xlsx", "superseded", "completed")}
        assert "gives every answer this return gave" in next(f for f in result.files if f.status == "superseded").reasons[0]

    def test_a_later_return_that_changes_an_answer_as_well_as_adding_is_still_the_officer_s_choice(self, case_audit):
        """Finished, but with one earlier answer changed: which answer stands is the officer's call, so it is a conflict."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        full = dict(maca_answers(tool), involvement="Inadequate")
        half = {k: v for k, v in maca_answers(tool).items() if k in ("involvement", "worked_well")}
        assert half["involvement"] != "Inadequate"
        return_excel(case_audit, planned, "police A.xlsx", full, age=2 * HOUR)
        return_excel(case_audit, planned, "police A first go.xlsx", half, age=3 * HOUR)
        assert sorted(f.status for f in collect(case_audit).files) == ["conflict", "conflict"]

    def test_choosing_a_file_that_is_not_a_return_of_that_form_is_refused(self, case_audit):
        """A typo in the form reference or the file name is an error listing what could be meant."""
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(case_audit.tools["case-tool"]))
        collect(case_audit)
        with pytest.raises(InputFileError) as err:
            choose(case_audit, planned.form_id, "police.xlsx")
        assert "'police A.xlsx'" in str(err.value)
        with pytest.raises(InputFileError, match="no form MAA-ZZZZ-ZZZZ"):
            choose(case_audit, "MAA-ZZZZ-ZZZZ", "police A.xlsx")


class TestRecords:
    def test_an_accepted_return_is_recorded_once_with_its_source_hash_and_time(self, case_audit):
        """One record per form: answers, the file it came from, its SHA-256 and when it was collected."""
        planned = form(case_audit, "case-tool", "Health Visiting", "B")
        path = return_excel(case_audit, planned, "hv B.xlsx", maca_answers(case_audit.tools["case-tool"]))
        collect(case_audit)
        (record,) = load_responses(case_audit)
        assert (record["form_id"], record["source_file"], record["status"]) == (planned.form_id, "hv B.xlsx", "accepted")
        assert record["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        assert dt.datetime.fromisoformat(record["collected_at"]).date() >= TODAY
        assert record["answers"]["involvement"] == "Good"

    def test_identifying_answers_are_kept_only_in_the_restricted_store(self, case_audit):
        """The child's name and date of birth typed into a file review go to restricted/, nowhere else."""
        planned = form(case_audit, "file-review", None, "A")
        answers = {f.key: "No" for f in case_audit.tools["file-review"].fields() if f.type == "yes_no"}
        answers |= {"child_name": "Ellie Marsh", "child_dob": "14/02/2019", "review_date": "01/11/2026",
                    "reviewed_by": "DSL", "next_review": "01/12/2026"}
        return_excel(case_audit, planned, "Ellie Marsh file review.xlsx", answers)
        result = collect(case_audit)
        assert result.files[0].status == "accepted", result.files[0].reasons
        assert read_answers(case_audit.restricted_dir)[planned.form_id] == {"child_name": "Ellie Marsh", "child_dob": "2019-02-14"}
        kept = json.dumps(result.to_json()) + "".join(p.read_text() for p in case_audit.state_dir.rglob("*.json*"))
        for secret in ("Ellie", "Marsh", "2019-02-14", "14/02/2019"):
            assert secret not in kept
        assert result.files[0].path == "[name] file review.xlsx"

    def test_a_read_only_copy_of_each_accepted_file_is_kept_and_returns_are_untouched(self, case_audit):
        """collected/ in the restricted store holds a read-only copy, byte for byte; nothing in returns/ changes."""
        planned = form(case_audit, "case-tool", "Police", "C")
        path = return_excel(case_audit, planned, "police C.xlsx", maca_answers(case_audit.tools["case-tool"]))
        before = hashes(case_audit.returns_dir), path.stat().st_mtime_ns
        collect(case_audit)
        (copy,) = [p for p in (case_audit.restricted_dir / "collected").rglob("*") if p.is_file()]
        assert copy.read_bytes() == path.read_bytes() and copy.parent.name == "Police"
        assert not copy.stat().st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)
        assert (hashes(case_audit.returns_dir), path.stat().st_mtime_ns) == before

    def test_a_second_run_with_nothing_new_reads_nothing_and_changes_nothing(self, case_audit):
        """Unchanged files are not re-read or re-hashed, and not one byte maa keeps changes."""
        tool = case_audit.tools["case-tool"]
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "c.xlsx", {"involvement": "Good"})
        aged(build_files(case_audit.returns_dir, {"notes.pdf": b"%PDF-1.4 not a form"})["notes.pdf"], HOUR)
        first = collect(case_audit)
        kept = snapshot(case_audit)
        again = collect(case_audit)
        assert (first.read, again.read, again.reused) == (3, 0, 3)
        assert snapshot(case_audit) == kept and again.files == first.files

    def test_each_return_is_read_from_the_share_once(self, case_audit, monkeypatch):
        """On OneDrive Files On-Demand reading means downloading, so each file is opened once, then worked on locally."""
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
        return_word(case_audit, form(case_audit, "case-tool", "Police", "C", "docx"), "c.docx", maca_answers(case_audit.tools["case-tool"]))
        opened: list[str] = []
        real_os_open, real_open = os.open, builtins.open

        def spy_os_open(path, *args, **kw):
            opened.append(str(path))
            return real_os_open(path, *args, **kw)

        def spy_open(path, *args, **kw):
            opened.append(str(path))
            return real_open(path, *args, **kw)

        monkeypatch.setattr(os, "open", spy_os_open)
        monkeypatch.setattr(builtins, "open", spy_open)
        monkeypatch.setattr(io, "open", spy_open)
        result = collect(case_audit)
        assert [f.status for f in result.files] == ["accepted", "accepted"]
        returns = [p for p in opened if p.startswith(str(case_audit.returns_dir))]
        assert sorted(returns) == sorted(str(case_audit.returns_dir / n) for n in ("a.xlsx", "c.docx"))

    def test_a_return_removed_from_the_folder_is_no_longer_counted(self, case_audit):
        """If the officer moves a file out of returns/, its form is outstanding again and the log says so."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
        collect(case_audit)
        path.unlink()
        result = collect(case_audit)
        assert result.files == [] and load_responses(case_audit) == []
        log = [json.loads(line) for line in (case_audit.state_dir / "runlog.jsonl").read_text().splitlines()]
        assert any(e["event"] == "gone" and e["file"] == "a.xlsx" for e in log)


class TestPending:
    def test_a_file_saved_seconds_ago_is_pending_then_read(self, case_audit):
        """A return still being saved is looked at again next run, never rejected for it."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx",
                            maca_answers(case_audit.tools["case-tool"]), age=1)
        (d,) = collect(case_audit).files
        assert (d.status, d.code) == ("pending", "recent") and not collect(case_audit, now=time.time() + 10).needs_attention
        assert collect(case_audit, now=path.stat().st_mtime + 60).files[0].status == "accepted"

    def test_a_file_that_changed_since_the_last_run_waits_until_it_stops_changing(self, case_audit):
        """A file re-saved a minute ago is pending once; seen unchanged on the next run, it is read."""
        planned = form(case_audit, "case-tool", "Police", "A")
        tool = case_audit.tools["case-tool"]
        return_excel(case_audit, planned, "a.xlsx", dict(maca_answers(tool), assessment=""))
        assert collect(case_audit).files[0].status == "incomplete"
        return_excel(case_audit, planned, "a.xlsx", maca_answers(tool), age=60)
        assert collect(case_audit).files[0].code == "changing"
        assert collect(case_audit).files[0].status == "accepted"

    def test_a_half_copied_file_is_pending_while_recent_and_rejected_once_it_is_old(self, case_audit):
        """A truncated zip saved two minutes ago is probably still arriving; an hour later it is damaged."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
        path.write_bytes(path.read_bytes()[:3000])
        aged(path, 120)
        (d,) = collect(case_audit).files
        assert (d.status, d.code) == ("pending", "corrupt")
        (d,) = collect(case_audit, now=time.time() + HOUR).files
        assert (d.status, d.code) == ("rejected", "corrupt") and "damaged" in d.reasons[0]


def test_child_names_in_file_names_are_masked_in_everything_collect_reports(case_audit):
    """'Jayden Cole MACA.xlsx' is shown and logged as '[name] MACA.xlsx'."""
    planned = form(case_audit, "case-tool", "Health Visiting", "B")
    return_excel(case_audit, planned, "Jayden Cole MACA.xlsx", maca_answers(case_audit.tools["case-tool"]))
    result = collect(case_audit)
    assert result.files[0].path == "[name] MACA.xlsx"
    text = json.dumps(result.to_json()) + (case_audit.state_dir / "runlog.jsonl").read_text()
    assert not any(part in text for name in CHILD_NAMES for part in name.split())


def test_a_run_stopped_part_way_keeps_what_it_had_read(case_audit, monkeypatch):
    """A first run over many returns stopped by a scheduler's time limit leaves the next run only the rest to read."""
    import maa_cli.intake.run as run_module

    tool = case_audit.tools["case-tool"]
    for i, (agency, case) in enumerate([("Police", "A"), ("Police", "C"), ("Police", "D"), ("Police", "E"), ("Health Visiting", "B")]):
        return_excel(case_audit, form(case_audit, "case-tool", agency, case), f"r{i}.xlsx", maca_answers(tool))
    monkeypatch.setattr(run_module, "CHECKPOINT_SECONDS", 0.0)

    def stop_after_three(done, total):
        if done == 3:
            raise KeyboardInterrupt  # stands in for the scheduler ending the task

    with pytest.raises(KeyboardInterrupt):
        collect(case_audit, progress=stop_after_three)
    resumed = collect(case_audit)
    assert (resumed.read, resumed.reused, resumed.summary["accepted"]) == (2, 3, 5)


def test_moving_the_deadline_judges_every_return_again(case_audit):
    """Files are re-read only when something they are judged against changes, such as the deadline."""
    from maa_cli.setup.workspace import AUDIT_FILE, audit_yaml

    path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
    saved = dt.datetime(2027, 1, 20, 9, 0).timestamp()
    os.utime(path, (saved, saved))
    assert not any("late" in w for w in collect(case_audit, now=saved + HOUR).files[0].warnings)
    earlier = case_audit.audit.model_copy(update={"deadline": dt.date(2027, 1, 15)})
    (case_audit.root / AUDIT_FILE).write_text(audit_yaml(earlier), encoding="utf-8")
    again = collect(open_workspace(case_audit.root), now=saved + HOUR)
    assert again.read == 1 and any("late" in w for w in again.files[0].warnings)


# -- the restricted store ----------------------------------------------------------------------------


def _cli(*args):
    from typer.testing import CliRunner

    from maa_cli.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": "200"})


class TestRestrictedStore:
    def test_every_command_refuses_when_the_restricted_store_cannot_be_reached(self, case_audit):
        """cases.csv gone (a share not connected): collect, status, report and issue-forms stop with exit 2 and say why."""
        return_excel(case_audit, form(case_audit, "case-tool", "Health Visiting", "B"), "Jayden Cole.xlsx",
                     maca_answers(case_audit.tools["case-tool"]))
        (case_audit.restricted_dir / "cases.csv").rename(case_audit.root / "elsewhere.csv")
        for command in (["collect", "--json"], ["status"], ["report"], ["issue-forms"]):
            done = _cli(command[0], case_audit.root, *command[1:])
            assert done.exit_code == 2, (command, done.output)
            assert "restricted store" in done.output and "cannot be reached" in done.output, done.output
            assert "Jayden" not in done.output
        assert not (case_audit.state_dir / "files.json").exists() and not (case_audit.state_dir / "runlog.jsonl").exists()

    def test_a_restricted_store_on_a_share_that_is_not_connected_is_named(self, case_audit):
        """restricted_store pointing at a missing drive: opening the audit says the folder is not connected."""
        from maa_cli.errors import RestrictedStoreError
        from maa_cli.setup.workspace import AUDIT_FILE, audit_yaml

        moved = case_audit.audit.model_copy(update={"restricted_store": str(case_audit.root.parent / "Z-drive" / "secure")})
        (case_audit.root / AUDIT_FILE).write_text(audit_yaml(moved), encoding="utf-8")
        with pytest.raises(RestrictedStoreError, match="not connected"):
            open_workspace(case_audit.root)

    def test_a_cases_file_saved_by_excel_with_day_first_dates_is_read(self, case_audit):
        """restricted/cases.csv opened and saved in Excel (19/03/2016, Windows-1252) still masks every child."""
        path = case_audit.restricted_dir / "cases.csv"
        text = path.read_text(encoding="utf-8-sig")
        for iso in ("2019-02-14", "2024-08-01"):
            day = dt.date.fromisoformat(iso)
            text = text.replace(iso, day.strftime("%d/%m/%Y"))
        path.write_bytes(text.replace("Ellie Marsh", "Ellie Zo\u00eb Marsh").encode("cp1252"))
        ws = open_workspace(case_audit.root)
        return_excel(ws, form(ws, "case-tool", "Police", "A"), "Zoe 14.02.2019.xlsx", maca_answers(ws.tools["case-tool"]))
        (d,) = collect(ws).files
        assert d.status == "accepted" and d.path == "[name] [date of birth].xlsx"

    def test_a_date_maa_cannot_read_in_the_cases_file_is_named_by_row_and_column_but_not_shown(self, case_audit):
        """31/02/2019 in row 2: exit 2 naming row 2 and date_of_birth, without the date and without a traceback."""
        path = case_audit.restricted_dir / "cases.csv"
        path.write_text(path.read_text(encoding="utf-8-sig").replace("2019-02-14", "31/02/2019"), encoding="utf-8-sig")
        done = _cli("status", case_audit.root)
        assert done.exit_code == 2, done.output
        assert "row 2" in done.output and "date_of_birth" in done.output
        assert "31/02/2019" not in done.output and "Traceback" not in done.output

    def test_collected_copies_are_kept_in_the_restricted_store_wherever_it_is(self, tmp_path):
        """With restricted_store on another share, the read-only copy of a return goes there, not in the audit folder."""
        inputs = build_files(tmp_path / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": CASES_CSV})
        secure = tmp_path / "secure share" / "MACA"
        new_audit(tmp_path / "audit", NewAudit(return_to="audits@northshire-scp.example",
            title="MACA", partnership="Northshire SCP", type="case_audit", deadline=DEADLINE, today=TODAY,
            agencies_csv=inputs["agencies.csv"], cases_csv=inputs["cases.csv"], restricted_store=str(secure),
            form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="xlsx")]))
        ws = open_workspace(tmp_path / "audit")
        issue_forms(ws)
        path = return_excel(ws, form(ws, "case-tool", "Police", "A"), "a.xlsx", maca_answers(ws.tools["case-tool"]))
        assert collect(ws).files[0].status == "accepted"
        (copy,) = [p for p in (secure / "collected").rglob("*") if p.is_file()]
        assert copy.read_bytes() == path.read_bytes()
        assert not (ws.root / "collected").exists()
        assert collect(ws).read == 0  # and the copy is found again on the next run


class TestTypedTextStaysOut:
    def test_text_typed_beside_tick_boxes_or_after_an_answer_is_not_quoted_in_logs_or_json(self, case_audit):
        """'Darren Pike moved in' typed beside the case-feature boxes and after a grade is noted, but never quoted."""
        from lxml import etree

        from maa_cli.office.ooxml import W, checkbox_tag

        tool = case_audit.tools["case-tool"]
        target = return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "police A.docx",
                             dict(maca_answers(tool), involvement="Good - Darren Pike moved in"))
        with zipfile.ZipFile(target) as z:
            items = [(info, z.read(info.filename)) for info in z.infolist()]
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in items:
                if info.filename == "word/document.xml":
                    root = etree.fromstring(data)
                    (box,) = root.xpath(f'//w:sdt[w:sdtPr/w:tag/@w:val="{checkbox_tag("case_features", 1)}"]', namespaces={"w": W})
                    cell = next(a for a in box.iterancestors() if a.tag == f"{{{W}}}tc")
                    p = etree.SubElement(cell, f"{{{W}}}p")
                    etree.SubElement(etree.SubElement(p, f"{{{W}}}r"), f"{{{W}}}t").text = "Darren Pike moved in"
                    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
                z.writestr(info, data)
        aged(target, HOUR)
        result = collect(case_audit)
        (d,) = result.files
        assert d.status == "accepted", d.reasons
        assert any("typed beside the tick boxes" in w for w in d.warnings)
        assert any("kept as a comment" in w for w in d.warnings)
        kept = json.dumps(result.to_json()) + (case_audit.state_dir / "runlog.jsonl").read_text() + \
            (case_audit.state_dir / "files.json").read_text()
        assert "Darren" not in kept and "moved in" not in kept


class TestFindingsForm:
    def test_the_findings_form_is_collected_but_not_counted_as_issued_or_outstanding(self, case_audit):
        """Once 'maa report' has issued the officer's findings form, collect's issued and outstanding counts leave it out."""
        from maa_cli.forms.manifest import MANIFEST, read_manifest
        from maa_cli.setup.workspace import FINDINGS_FORM_TYPE

        manifest = read_manifest(case_audit)
        before = collect(case_audit).summary
        manifest["MAA-FIND-INGS"] = {"form_type": FINDINGS_FORM_TYPE, "agency": None, "case_ref": None,
                                     "tool": "findings-form", "tool_version": case_audit.tools[FINDINGS_FORM_TYPE].version}
        (case_audit.state_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
        after = collect(case_audit).summary
        assert (after["issued"], after["outstanding"]) == (before["issued"], before["outstanding"]) == (17, 17)
