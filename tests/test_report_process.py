"""Who replied and when: late returns decided once by collect, withdrawn forms left out, and the lock."""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from maa_cli.errors import AuditLocked
from maa_cli.forms.manifest import MANIFEST, read_manifest
from maa_cli.intake.collect import load_responses
from maa_cli.intake.readers.word import read_word
from maa_cli.report import build_reports
from maa_cli.report.context import build_context
from maa_cli.setup.workspace import locked, open_workspace
from tests.test_report_figures import body_text, tables
from tests.test_report_fixtures import (
    SETTINGS,
    TODAY,
    case_audit,  # noqa: F401  (fixture)
    make_questionnaire,
)

DEADLINE_22 = dt.date(2026, 11, 22)
SETTING_NAMES = [line.split(",")[0] for line in SETTINGS.splitlines()[1:]]
LATE_ONE = "Dandelion Nursery"


@pytest.fixture(scope="module")
def on_time(tmp_path_factory):
    """Every file saved on 20/11 (one on 23/11), deadline 22/11, and collect first run on 25/11."""
    saved = {name: dt.datetime(2026, 11, 20, 15, 0) for name in SETTING_NAMES}
    saved[LATE_ONE] = dt.datetime(2026, 11, 23, 9, 30)
    fx = make_questionnaire(tmp_path_factory.mktemp("late"), deadline=DEADLINE_22, saved=saved,
                            collected=dt.datetime(2026, 11, 25, 8, 0))
    build_reports(fx.ws, today=TODAY)
    return fx


class TestLateReturns:
    def test_collect_stores_when_a_return_was_received_and_whether_it_was_late(self, on_time):
        """Each record carries the day its file was saved and the late flag collect decided."""
        records = {r["agency"]: r for r in load_responses(on_time.ws, statuses=("accepted", "incomplete"))}
        assert records["Acorn Nursery"]["received"] == "2026-11-20" and records["Acorn Nursery"]["late"] is False
        assert records[LATE_ONE]["received"] == "2026-11-23" and records[LATE_ONE]["late"] is True

    def test_a_return_saved_before_the_deadline_but_collected_after_it_is_not_late(self, on_time):
        """Files saved on 20/11, first collected on 25/11: only the one saved on 23/11 is late, as collect said."""
        report = on_time.ws.reports_dir / "findings-report.docx"
        assert "1 return arrived after the deadline of 22 November 2026." in body_text(report)
        late = tables(report)["Late returns"]
        assert [r[1] for r in late[1:]] == [LATE_ONE] and late[1][3] == "23/11/2026"
        by_agency = {r[0]: r[4] for r in tables(report)["Returns by agency"][1:]}
        assert by_agency[LATE_ONE] == "1" and by_agency["Acorn Nursery"] == ""

    def test_the_findings_form_is_prefilled_with_the_same_late_count(self, on_time):
        """Box 1 of the briefing starts from the findings form: it must carry collect's count, not 6."""
        from maa_cli.definitions.catalog import load_builtin

        raw = read_word(on_time.ws.reports_dir / "findings-form.docx", load_builtin("findings-form"))
        assert "1 return arrived after the deadline" in raw.answers["audit_process"].value

    def test_the_data_workbook_agrees(self, on_time):
        """The workbook's Received and Late columns are collect's too."""
        from openpyxl import load_workbook

        sheet = load_workbook(on_time.ws.reports_dir / "restricted" / "data-workbook.xlsx")["Responses"]
        head = [c.value for c in sheet[1]]
        rows = {r[head.index("Agency")]: r for r in sheet.iter_rows(min_row=2, values_only=True)}
        assert rows["Acorn Nursery"][head.index("Late")] == "No" and rows[LATE_ONE][head.index("Late")] == "Yes"
        assert rows["Acorn Nursery"][head.index("Received")].date() == dt.date(2026, 11, 20)

    def test_a_record_from_an_older_maa_is_judged_by_its_file_time_not_by_when_it_was_collected(self):
        """Without 'received' and 'late', the file's modification time gives the same answer."""
        from maa_cli.report.participation import is_late, received_date

        old = {"modified": "2026-11-20T15:00:00+00:00", "collected_at": "2026-11-25T08:00:00+00:00"}
        assert received_date(old) == dt.date(2026, 11, 20) and not is_late(old, DEADLINE_22)


def _copy(fx, tmp_path):
    """An independent copy of a fixture audit, to change without touching the shared one."""
    target = tmp_path / "copy"
    shutil.copytree(fx.ws.root, target)
    return open_workspace(target)


def _withdraw(ws, case_ref: str, reason: str = "out of scope: moved out of area before the lookback") -> None:
    manifest = read_manifest(ws)
    for entry in manifest.values():
        if entry.get("case_ref") == case_ref:
            entry["withdrawn"] = reason
    (ws.state_dir / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")


class TestWithdrawnForms:
    def test_withdrawn_forms_count_nowhere(self, case_audit, tmp_path):  # noqa: F811
        """Case D's forms withdrawn: 8 forms sent, its returns out of the results, Oakfield no longer 'partly'."""
        ws = _copy(case_audit, tmp_path)
        _withdraw(ws, "D")
        ctx = build_context(ws, today=TODAY)
        p = ctx.participation
        assert sum(f.issued for f in p.form_types) == 8 and p.rate.n == 8
        assert "Oakfield School" not in p.partly_responded and "Oakfield School" not in p.not_responded
        assert not [r for r in ctx.records if r["case_ref"] == "D"]
        assert any("withdrawn" in n for n in ctx.notes)

    def test_the_report_does_not_chase_a_withdrawn_form(self, case_audit, tmp_path):  # noqa: F811
        """The findings report says nothing of Oakfield's missing return for the withdrawn case."""
        ws = _copy(case_audit, tmp_path)
        _withdraw(ws, "D")
        build_reports(ws, today=TODAY)
        text = body_text(ws.reports_dir / "findings-report.docx")
        assert "8 forms sent, 8 returned (100%)" in text and "returned some but not all" not in text


class TestLock:
    def test_report_refuses_to_run_while_another_run_holds_the_audit(self, case_audit, tmp_path):  # noqa: F811
        """A scheduled collect is running: maa report raises AuditLocked and writes nothing, the manifest included."""
        ws = _copy(case_audit, tmp_path)
        shutil.rmtree(ws.reports_dir, ignore_errors=True)
        manifest = (ws.state_dir / MANIFEST).read_bytes()
        with locked(ws), pytest.raises(AuditLocked):
            build_reports(ws, today=TODAY)
        assert (ws.state_dir / MANIFEST).read_bytes() == manifest
        assert not ws.reports_dir.exists() or not any(ws.reports_dir.rglob("*.docx"))

    def test_the_cli_exits_3_when_the_audit_is_locked(self, case_audit, tmp_path):  # noqa: F811
        """'maa report' on a locked audit exits with code 3, as collect does."""
        from typer.testing import CliRunner

        from maa_cli.cli import app

        ws = _copy(case_audit, tmp_path)
        with locked(ws):
            result = CliRunner().invoke(app, ["report", str(ws.root)])
        assert result.exit_code == 3, result.output

