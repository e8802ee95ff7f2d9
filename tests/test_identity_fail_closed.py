"""Failing closed on identity data: a child whose details are missing can never be unmasked.

Masking works from the restricted store's list of children. When a case's row is missing from
it (deleted by mistake, an old backup restored), that child's name would slip through every
mask, so maa refuses to write anything shareable and says which case to restore — while still
judging every return and never hiding an urgent concern.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import csv
import io
import json

import pytest
import yaml

from maa_cli.errors import ErrorCode, RestrictedStoreError, WorkspaceError
from maa_cli.forms.plan import issue_forms
from maa_cli.intake.collect import collect, load_responses
from maa_cli.report import build_reports
from maa_cli.setup.restricted import CASES_FILE
from maa_cli.setup.workspace import NewAudit, new_audit, open_workspace
from tests.conftest import TODAY, run_maa
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    DEADLINE,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_word,
)

CHILD, FIRST = "Ellie Marsh", "Ellie"  # case A in the fixture's cases.csv


def drop_row(ws, case_ref: str) -> None:
    """Delete one case's row from the restricted cases.csv, keeping the rest as Excel saved it."""
    path = ws.restricted_dir / CASES_FILE
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    kept = [r for r in rows if r[0] != case_ref]
    assert len(kept) == len(rows) - 1
    path.write_text("\r\n".join(",".join(r) for r in kept) + "\r\n", encoding="utf-8-sig")



@pytest.fixture
def gap(case_audit):
    """Case A's return (named after the child, narrative naming her, an urgent concern) is in; then her row goes."""
    tool = case_audit.tools["case-tool"]
    answers = maca_answers(tool, urgent=True) | {"involvement_summary": f"{FIRST} was seen at home with her mother."}
    return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), f"{CHILD} police.docx", answers)
    drop_row(case_audit, "A")
    return open_workspace(case_audit.root)


class TestAMissingRow:
    def test_report_refuses_and_names_the_case_to_restore(self, gap):
        """'maa report' writes nothing and says case A's row is missing from cases.csv and how to restore it."""
        collect(gap)
        before = sorted(p.name for p in gap.reports_dir.rglob("*"))
        with pytest.raises(RestrictedStoreError) as excinfo:
            build_reports(gap, today=TODAY)
        (problem,) = excinfo.value.problems
        assert problem.code is ErrorCode.RESTRICTED_CASE_MISSING and problem.params["case_ref"] == "A"
        assert "Restore" in problem.hint and excinfo.value.exit_code == 2
        assert sorted(p.name for p in gap.reports_dir.rglob("*")) == before

    def test_collect_still_records_every_return_and_shows_the_urgent_concern_but_no_name(self, gap, monkeypatch, capsys):
        """collect judges and records the return, lists the urgent answer by form reference, hides file names and exits 2."""
        code, out, err = run_maa(monkeypatch, capsys, "collect", str(gap.root), "--json")
        data = json.loads(out)
        assert code == 2 and data["error"]["problems"][0]["code"] == "RESTRICTED_CASE_MISSING"
        (urgent,) = data["urgent"]
        assert urgent["case_ref"] == "A" and urgent["form_id"].startswith("MAA-")
        assert [r["case_ref"] for r in load_responses(gap)] == ["A"]
        log = (gap.state_dir / "runlog.jsonl").read_text(encoding="utf-8")
        state = (gap.state_dir / "files.json").read_text(encoding="utf-8")
        for text in (out, err, log, state):
            assert FIRST.casefold() not in text.casefold() and "marsh" not in text.casefold()

    def test_status_shows_the_urgent_concern_and_refuses_like_collect(self, gap, monkeypatch, capsys):
        """'maa status' still lists the urgent concern, shows no file name, and exits 2 naming the case."""
        collect(gap)
        code, out, err = run_maa(monkeypatch, capsys, "status", str(gap.root))
        assert code == 2 and "URGENT" in out and "case A" in err
        assert FIRST.casefold() not in (out + err).casefold()

    def test_issue_forms_refuses_rather_than_send_a_form_without_the_child_s_details(self, gap):
        """Forms for that case would go out without the child's name and date of birth: issue-forms refuses."""
        with pytest.raises(RestrictedStoreError):
            issue_forms(gap, force=True)

    def test_restoring_the_row_lets_every_command_run_again(self, gap, case_audit_template):
        """Once the row is back, collect and report work as before."""
        collect(gap)
        (gap.restricted_dir / CASES_FILE).write_bytes((case_audit_template / "restricted" / CASES_FILE).read_bytes())
        ws = open_workspace(gap.root)
        assert collect(ws).refusal is None
        assert build_reports(ws, today=TODAY).written


class TestWhereTheStoreMayLive:
    @pytest.mark.parametrize("folder", ["reports", "returns", "forms", "outbox", "reports/restricted"])
    def test_a_store_inside_a_folder_that_is_sent_out_is_refused_at_new_audit(self, tmp_path, csvs, folder):
        """new-audit refuses a restricted store under forms/, returns/, reports/ or outbox/ and creates nothing."""
        with pytest.raises(WorkspaceError) as excinfo:
            new_audit(tmp_path / "a", NewAudit(return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool="multi-agency-case-audit",
                                               agencies_csv=csvs["agencies.csv"], cases_csv=csvs["cases.csv"],
                                               restricted_store=folder, deadline=DEADLINE, today=TODAY))
        assert excinfo.value.problems[0].code is ErrorCode.RESTRICTED_STORE_PLACEMENT
        assert not (tmp_path / "a").exists()

    def test_a_store_moved_into_reports_in_audit_yaml_is_refused_when_the_audit_is_opened(self, case_audit):
        """Pointing restricted_store at reports/ by hand stops every command before anything is read."""
        path = case_audit.root / "audit.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["restricted_store"] = "reports/people"
        path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
        with pytest.raises(WorkspaceError) as excinfo:
            open_workspace(case_audit.root)
        assert excinfo.value.problems[0].code is ErrorCode.RESTRICTED_STORE_PLACEMENT
