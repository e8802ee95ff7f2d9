"""'maa status': where every issued form stands, who to chase, and every audit in a folder at a glance."""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

from maa_cli.intake.collect import collect
from maa_cli.intake.status import audit_status, overview
from tests.conftest import run_maa as run_in_process
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    DEADLINE,
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
    snapshot,
)

TODAY = dt.date(2027, 1, 21)


def returns_of_every_kind(ws) -> dict[str, str]:
    """Police A accepted, Police C incomplete, CSC A blank (rejected), CSC B in conflict; the rest outstanding."""
    tool = ws.tools["case-tool"]
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
    return_excel(ws, form(ws, "case-tool", "Police", "C"), "police C.xlsx", dict(maca_answers(tool), assessment="", planning=""))
    return_excel(ws, form(ws, "case-tool", "Children's Social Care", "A"), "csc A.xlsx", {})
    csc_b = form(ws, "case-tool", "Children's Social Care", "B")
    return_excel(ws, csc_b, "csc B.xlsx", maca_answers(tool), age=7200)
    return_excel(ws, csc_b, "csc B v2.xlsx", dict(maca_answers(tool), impact="Inadequate"))
    (ws.returns_dir / "scan.pdf").write_bytes(b"%PDF-1.7\n")
    aged(ws.returns_dir / "scan.pdf", 3600)
    collect(ws)
    return {"A": form(ws, "case-tool", "Police", "A").form_id, "B": csc_b.form_id}


def run_maa(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maa_cli", *args], capture_output=True, text=True, timeout=60)


class TestOneAudit:
    def test_each_form_type_respondent_and_case_is_counted(self, case_audit):
        """Issued, returned, accepted, incomplete, rejected, conflict and outstanding, per form type, respondent and case."""
        returns_of_every_kind(case_audit)
        st = audit_status(case_audit, TODAY)
        (tool_counts, review_counts) = st.by_type
        assert (tool_counts.name, tool_counts.issued, tool_counts.returned, tool_counts.accepted, tool_counts.incomplete,
                tool_counts.rejected, tool_counts.conflict, tool_counts.outstanding) == ("case-tool", 11, 4, 1, 1, 1, 1, 7)
        assert (review_counts.issued, review_counts.outstanding) == (6, 6)
        police = next(c for c in st.by_respondent if c.name == "Police")
        assert (police.issued, police.accepted, police.incomplete, police.outstanding) == (4, 1, 1, 2)
        case_a = next(c for c in st.by_case if c.name == "A")
        assert (case_a.issued, case_a.accepted, case_a.rejected, case_a.outstanding) == (3, 1, 1, 1)
        assert st.days_to_deadline == (DEADLINE - TODAY).days == 10 and st.stage == "collecting"

    def test_the_chase_list_says_who_owes_what_with_contact_and_email(self, case_audit):
        """Each agency with something owed gets one entry: not returned, incomplete (which questions), or unusable."""
        returns_of_every_kind(case_audit)
        chase = {c.respondent: c for c in audit_status(case_audit, TODAY).chase}
        police = chase["Police"]
        assert (police.contact_name, police.email) == ("Amira Khan", "amira.khan@police.example")
        assert any("case C" in o and "questions 5, 8" in o for o in police.owes)
        assert sum("not returned yet" in o for o in police.owes) == 2
        assert any("case A" in o and "could not be used" in o for o in chase["Children's Social Care"].owes)
        assert not any("case B" in o for o in chase["Children's Social Care"].owes)  # a conflict is the officer's to settle

    def test_conflicts_to_settle_and_files_matched_to_no_form_are_listed(self, case_audit):
        """Both copies of the conflicting form, and the PDF no form could be matched to, are shown to the officer."""
        ids = returns_of_every_kind(case_audit)
        st = audit_status(case_audit, TODAY)
        (conflict,) = st.to_decide
        assert conflict.form_id == ids["B"] and sorted(conflict.files) == ["csc B v2.xlsx", "csc B.xlsx"]
        (pdf,) = st.unmatched
        assert (pdf["path"], pdf["status"], pdf["code"]) == ("scan.pdf", "rejected", "pdf")
        assert st.needs_attention

    def test_status_reads_only_and_works_while_a_collection_holds_the_lock(self, case_audit):
        """Status opens no return and writes nothing, so it can run at any time."""
        from filelock import FileLock

        returns_of_every_kind(case_audit)
        before = snapshot(case_audit)
        with FileLock(str(case_audit.state_dir / "lock")):
            assert audit_status(case_audit, TODAY).summary["accepted"] == 1
        assert snapshot(case_audit) == before

    def test_status_json_is_one_document_with_exit_1_when_something_needs_attention(self, case_audit):
        """A script gets the counts, the chase list and the conflicts as JSON on stdout."""
        returns_of_every_kind(case_audit)
        done = run_maa("status", str(case_audit.root), "--json")
        data = json.loads(done.stdout)
        assert done.returncode == 1
        assert data["summary"]["issued"] == 17 and data["summary"]["conflict"] == 1
        assert {c["respondent"] for c in data["chase"]} >= {"Police", "Children's Social Care", "Health Visiting"}


class TestManyAudits:
    def test_a_folder_of_audits_lists_each_with_title_stage_returns_and_deadline(self, case_audit, tmp_path):
        """'maa status PARENT' finds every audit below it, and lists one it cannot open with the reason."""
        returns_of_every_kind(case_audit)
        broken = tmp_path / "broken audit"
        broken.mkdir()
        (broken / "audit.yaml").write_text("title: [unclosed\n", encoding="utf-8")
        rows = {r.path: r for r in overview(tmp_path, TODAY)}
        assert set(rows) == {"audit", "broken audit"}
        audit = rows["audit"]
        assert (audit.title, audit.stage, audit.issued, audit.returned, audit.accepted, audit.deadline, audit.days_to_deadline) == (
            "MACA: neglect", "collecting", 17, 4, 1, DEADLINE, 10)
        assert rows["broken audit"].stage == "cannot be opened" and rows["broken audit"].problem

        done = run_maa("status", str(tmp_path), "--json")
        listed = {a["path"]: a for a in json.loads(done.stdout)["audits"]}
        assert listed["audit"]["title"] == "MACA: neglect" and done.returncode == 1

    def test_a_folder_with_no_audit_is_an_error(self, tmp_path):
        """Pointing status at the wrong folder says there is no audit there (exit 2)."""
        done = run_maa("status", str(tmp_path))
        assert done.returncode == 2 and "audit.yaml" in done.stderr


def _add_findings_form(ws) -> None:
    """As 'maa report' does: the officer's findings form joins the manifest, so collect recognises it."""
    from maa_cli.forms.manifest import MANIFEST, read_manifest
    from maa_cli.setup.workspace import FINDINGS_FORM_TYPE

    manifest = read_manifest(ws)
    manifest["MAA-FIND-INGS"] = {"form_type": FINDINGS_FORM_TYPE, "agency": None, "case_ref": None,
                                 "tool": "findings-form", "tool_version": ws.tools[FINDINGS_FORM_TYPE].version}
    (ws.state_dir / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")



class TestFindingsAndFailures:
    def test_the_officer_s_findings_form_is_shown_on_its_own_never_counted_or_chased(self, case_audit):
        """The findings form is not a respondent's: it is not issued, outstanding or in the chase list."""
        returns_of_every_kind(case_audit)
        _add_findings_form(case_audit)
        collect(case_audit)
        st = audit_status(case_audit, TODAY)
        assert (st.summary["issued"], st.summary["outstanding"]) == (17, 13)
        assert all(f.form_type != "findings" for f in st.forms)
        assert not any("findings" in item.respondent.casefold() or any("MAA-FIND-INGS" in o for o in item.owes)
                       for item in st.chase)
        assert st.findings is not None and st.findings.state == "outstanding"
        assert st.to_json()["findings"]["form_id"] == "MAA-FIND-INGS"

    def test_an_unexpected_problem_ends_in_a_message_without_its_text_or_a_traceback(self, case_audit, monkeypatch, capsys):
        """A bug's message may quote a child's details: 'maa' names only its type, says returns/ is untouched, exits 2."""
        import maa_cli.intake.status

        def broken(*_args, **_kw):
            raise ValueError("could not compare Ellie Marsh born 14/02/2019")

        monkeypatch.setattr(maa_cli.intake.status, "audit_status", broken)
        code, out, err = run_in_process(monkeypatch, capsys, "status", str(case_audit.root), "--json")
        assert code == 2
        assert "maa hit an unexpected problem (ValueError); nothing was changed in returns/." in err
        error = json.loads(out)["error"]
        assert error["exit_code"] == 2
        assert "Ellie" not in out + err and "14/02/2019" not in out + err and "Traceback" not in err
        log = Path(error["log"]).read_text(encoding="utf-8")
        assert Path(error["log"]).parent == case_audit.state_dir / "errors" and str(Path(error["log"])) in err
        assert "ValueError: could not compare [name] born [date of birth]" in log and "in broken" in log
        assert "Ellie" not in log and "14/02/2019" not in log

    def test_identifying_answers_that_cannot_be_read_stop_status_with_a_message(self, case_audit, monkeypatch, capsys):
        """A damaged file of identifying answers in the restricted store: status refuses (exit 2) rather than show names."""
        answers = case_audit.restricted_dir / "answers"
        answers.mkdir(parents=True, exist_ok=True)
        (answers / "MAA-AAAA-BBBB.json").write_text('{"child_name": "Ellie Ma', encoding="utf-8")
        code, out, err = run_in_process(monkeypatch, capsys, "status", str(case_audit.root))
        assert code == 2 and "restricted store" in err and "cannot be reached" in err
        assert "Ellie" not in out + err and "Traceback" not in err
