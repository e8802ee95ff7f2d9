"""What collect keeps between runs, damaged or lost: the hourly run goes on, nothing is deleted, no concern is hidden.

Each story damages the state the way a shared drive, a sync client or a tidy colleague does, then runs
collect again. Unreadable files and folders are simulated by raising PermissionError where maa opens or
lists them, since the tests run as root (where permission bits do not bite).
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import builtins
import io
import json
import os
import shutil
from pathlib import Path

import pytest

from maa_cli.errors import ErrorCode, WorkspaceError
from maa_cli.intake.collect import choose, collect, load_responses
from maa_cli.intake.status import audit_status
from maa_cli.setup.workspace import AUDIT_FILE, audit_yaml, open_workspace
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    HOUR,
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
)

DAMAGE = {
    "random bytes": lambda p: p.write_bytes(bytes(range(256)) * 3),
    "cut short": lambda p: p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2]),
    "the wrong shape": lambda p: p.write_text("[1, 2, 3]", encoding="utf-8"),
}


def damage(path: Path, how: str) -> None:
    """Damage a kept file: garbage, half a file, valid JSON that is not what maa wrote, or a folder in its place."""
    if how == "a folder":
        path.unlink()
        (path / "inside").mkdir(parents=True)
    else:
        DAMAGE[how](path)


def set_aside(path: Path) -> list[Path]:
    return sorted(path.parent.glob(path.name + ".unreadable-*"))


def two_returns(ws) -> dict[str, str]:
    """Police A (with an urgent concern) and Police C, both accepted; their form ids by case."""
    tool = ws.tools["case-tool"]
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool, urgent=True))
    return_excel(ws, form(ws, "case-tool", "Police", "C"), "police C.xlsx", maca_answers(tool))
    return {"A": form(ws, "case-tool", "Police", "A").form_id, "C": form(ws, "case-tool", "Police", "C").form_id}


def outcome(result) -> tuple:
    return result.summary, [(f.path, f.status) for f in result.files], [u["form_id"] for u in result.urgent]


def deny(monkeypatch, *denied: Path) -> None:
    """Opening or listing ``denied`` fails as it would for a file or folder maa has no permission to read."""
    names = {str(p) for p in denied}
    real_os_open, real_open, real_scandir = os.open, builtins.open, os.scandir

    def check(path):
        if str(path) in names:
            raise PermissionError(13, "Permission denied", str(path))

    def os_open(path, *args, **kw):
        check(path)
        return real_os_open(path, *args, **kw)

    def open_(path, *args, **kw):
        check(path)
        return real_open(path, *args, **kw)

    def scandir(path="."):
        check(path)
        return real_scandir(path)

    monkeypatch.setattr(os, "open", os_open)
    monkeypatch.setattr(builtins, "open", open_)
    monkeypatch.setattr(io, "open", open_)
    monkeypatch.setattr(os, "scandir", scandir)


class TestDamagedStateIsSetAside:
    @pytest.mark.parametrize("how", ["random bytes", "cut short", "the wrong shape", "a folder"])
    @pytest.mark.parametrize("name", ["files.json", "choices.json", "manifest.json"])
    def test_a_state_file_that_cannot_be_read_is_set_aside_and_the_run_goes_on(self, case_audit, name, how):
        """Files state, choices or manifest damaged: the run gives the same result, keeps the damaged file and says so."""
        two_returns(case_audit)
        before = outcome(collect(case_audit))
        path = case_audit.state_dir / name
        if not path.exists():
            path.write_text("{}", encoding="utf-8")
        damage(path, how)
        kept = path.read_bytes() if path.is_file() else None
        result = collect(case_audit)
        assert outcome(result) == before
        (aside,) = set_aside(path)
        assert kept is None or aside.read_bytes() == kept
        assert any(f"'.maa/{name}'" in w for w in result.warnings), result.warnings
        assert result.needs_attention
        again = collect(case_audit)
        assert (again.warnings, again.read, outcome(again)) == ([], 0, before)

    def test_random_bytes_in_the_files_state_only_cost_reading_every_return_again(self, case_audit):
        """The state of every file is rebuilt from the returns themselves, and the warning says nothing needs doing."""
        two_returns(case_audit)
        collect(case_audit)
        damage(case_audit.state_dir / "files.json", "random bytes")
        result = collect(case_audit)
        assert result.read == 2 and result.summary["accepted"] == 2
        (warning,) = result.warnings
        assert "set aside as 'files.json.unreadable-" in warning and "Nothing needs doing" in warning

    def test_a_damaged_choices_file_is_rebuilt_from_the_run_log_so_a_settled_conflict_stays_settled(self, case_audit):
        """The officer chose one of two conflicting returns; choices.json is garbled; the choice still holds."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(tool), age=2 * HOUR)
        return_excel(case_audit, planned, "police A v2.xlsx", dict(maca_answers(tool), involvement="Inadequate"))
        collect(case_audit)
        choose(case_audit, planned.form_id, "police A v2.xlsx")
        damage(case_audit.state_dir / "choices.json", "random bytes")
        result = collect(case_audit)
        assert [(f.path, f.status) for f in result.files] == [("police A v2.xlsx", "accepted"), ("police A.xlsx", "superseded")]
        assert any("rebuilt from the run log" in w and planned.form_id in w for w in result.warnings)
        (record,) = load_responses(case_audit)
        assert record["answers"]["involvement"] == "Inadequate"
        assert json.loads((case_audit.state_dir / "choices.json").read_text())[planned.form_id]["file"] == "police A v2.xlsx"

    @pytest.mark.parametrize("how", ["random bytes", "the wrong shape"])
    def test_a_damaged_record_is_set_aside_and_written_again_from_its_return(self, case_audit, how):
        """A version's record in the restricted store is garbled: its return is read again, so its answers are back."""
        ids = two_returns(case_audit)
        collect(case_audit)
        (record,) = (case_audit.restricted_dir / "records").glob(f"{ids['C']}--*.json")
        damage(record, how)
        result = collect(case_audit)
        assert result.read == 1 and len(set_aside(record)) == 1
        assert json.loads(record.read_text(encoding="utf-8"))["answers"]["involvement"] == "Good"
        assert {r["form_id"] for r in load_responses(case_audit)} == set(ids.values())

    def test_a_damaged_response_record_is_set_aside_and_written_again(self, case_audit):
        """responses/<form>.json garbled (what reports read): collect keeps the garbage aside and rebuilds the record."""
        ids = two_returns(case_audit)
        collect(case_audit)
        response = case_audit.restricted_dir / "responses" / f"{ids['C']}.json"
        damage(response, "random bytes")
        result = collect(case_audit)
        assert len(set_aside(response)) == 1 and any(f"'responses/{ids['C']}.json'" in w for w in result.warnings)
        assert {r["form_id"] for r in load_responses(case_audit)} == set(ids.values())

    def test_damaged_identifying_answers_are_rebuilt_instead_of_stopping_every_command(self, case_audit):
        """answers/<form>.json garbled: collect sets it aside and writes it again, so names are masked as before."""
        answers = {f.key: "No" for f in case_audit.tools["file-review"].fields() if f.type == "yes_no"}
        answers |= {"child_name": "Ellie Marsh", "child_dob": "14/02/2019", "review_date": "01/11/2026",
                    "reviewed_by": "DSL", "next_review": "01/12/2026"}
        planned = form(case_audit, "file-review", None, "A")
        return_excel(case_audit, planned, "review.xlsx", answers)
        collect(case_audit)
        kept = case_audit.restricted_dir / "answers" / f"{planned.form_id}.json"
        good = kept.read_bytes()
        damage(kept, "random bytes")
        result = collect(case_audit)
        assert result.files[0].status == "accepted" and kept.read_bytes() == good and len(set_aside(kept)) == 1

    def test_a_folder_where_the_run_log_should_be_is_set_aside(self, case_audit):
        """The run log is appended to every run: a folder in its place is moved aside and a new log started."""
        two_returns(case_audit)
        log = case_audit.state_dir / "runlog.jsonl"
        log.mkdir(parents=True)
        result = collect(case_audit)
        assert result.summary["accepted"] == 2 and log.is_file() and set_aside(log)[0].is_dir()


class TestLostManifest:
    def test_a_deleted_manifest_is_rebuilt_and_no_response_record_is_lost(self, case_audit):
        """manifest.json deleted: collect rebuilds it from forms/ and the returns, and keeps every answer."""
        ids = two_returns(case_audit)
        before = outcome(collect(case_audit))
        responses = sorted(p.name for p in (case_audit.restricted_dir / "responses").iterdir())
        manifest = json.loads((case_audit.state_dir / "manifest.json").read_text(encoding="utf-8"))
        (case_audit.state_dir / "manifest.json").unlink()
        result = collect(case_audit)
        assert outcome(result) == before and result.read == 0
        assert sorted(p.name for p in (case_audit.restricted_dir / "responses").iterdir()) == responses
        assert {r["form_id"] for r in load_responses(case_audit)} == set(ids.values())
        assert any("the list of issued forms, is missing" in w for w in result.warnings)
        rebuilt = json.loads((case_audit.state_dir / "manifest.json").read_text(encoding="utf-8"))
        assert rebuilt.keys() == manifest.keys()
        for form_id, entry in manifest.items():
            assert {k: rebuilt[form_id][k] for k in entry if k != "files"} == {k: v for k, v in entry.items() if k != "files"}
            assert {f: i["file"] for f, i in rebuilt[form_id]["files"].items()} == {f: i["file"] for f, i in entry["files"].items()}

    def test_an_emptied_manifest_is_rebuilt_not_trusted(self, case_audit):
        """'{}' in manifest.json after returns were collected means it was emptied: rebuilt, kept aside, nothing rejected."""
        ids = two_returns(case_audit)
        before = outcome(collect(case_audit))
        (case_audit.state_dir / "manifest.json").write_text("{}", encoding="utf-8")
        result = collect(case_audit)
        assert outcome(result) == before and len(set_aside(case_audit.state_dir / "manifest.json")) == 1
        assert {r["form_id"] for r in load_responses(case_audit)} == set(ids.values())

    def test_a_form_whose_file_was_tidied_away_is_still_known_by_its_return(self, case_audit):
        """Forms deleted from forms/ after sending: a form with a collected return is rebuilt from its record."""
        ids = two_returns(case_audit)
        collect(case_audit)
        shutil.rmtree(case_audit.forms_dir)
        (case_audit.state_dir / "manifest.json").unlink()
        result = collect(case_audit)
        assert (result.summary["issued"], result.summary["accepted"]) == (2, 2)
        assert {r["form_id"] for r in load_responses(case_audit)} == set(ids.values())
        assert any("15 form(s) in audit.yaml have no file in forms/ and no return" in w for w in result.warnings)

    def test_collect_refuses_rather_than_drop_returns_it_cannot_place(self, case_audit):
        """Manifest lost and audit.yaml no longer describes a returned form: exit 2 with what to do, records kept."""
        two_returns(case_audit)
        collect(case_audit)
        (case_audit.state_dir / "manifest.json").unlink()
        audit = case_audit.audit
        trimmed = audit.model_copy(update={"cases": [c for c in audit.cases if c.case_ref != "C"]})
        (case_audit.root / AUDIT_FILE).write_text(audit_yaml(trimmed), encoding="utf-8")
        responses = sorted((case_audit.restricted_dir / "responses").iterdir())
        with pytest.raises(WorkspaceError) as err:
            collect(open_workspace(case_audit.root))
        assert err.value.problems[0].code is ErrorCode.MANIFEST_LOST
        assert "restore it" in str(err.value).lower() or "Restore" in str(err.value)
        assert sorted((case_audit.restricted_dir / "responses").iterdir()) == responses


class TestUnreadable:
    def test_an_unreadable_return_is_read_once_its_permissions_are_fixed(self, case_audit, monkeypatch):
        """Rejected as unreadable while it cannot be opened; the next run after the fix accepts it (same size and time)."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx",
                            maca_answers(case_audit.tools["case-tool"]))
        with monkeypatch.context() as patch:
            deny(patch, path)
            (d,) = collect(case_audit).files
        assert (d.status, d.code) == ("rejected", "unreadable")
        (d,) = collect(case_audit).files
        assert d.status == "accepted"

    def test_a_folder_under_returns_that_cannot_be_opened_is_listed_and_needs_attention(self, case_audit, monkeypatch):
        """Returns in a folder maa may not list would be chased: the folder is named, and the run exits 1."""
        tool = case_audit.tools["case-tool"]
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
        (case_audit.returns_dir / "Police").mkdir()
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "Police/c.xlsx", maca_answers(tool))
        deny(monkeypatch, case_audit.returns_dir / "Police")
        result = collect(case_audit)
        assert [f.path for f in result.files] == ["a.xlsx"]
        (skipped,) = result.skipped
        assert skipped["path"] == "Police/" and skipped["attention"] and "chased" in skipped["reason"]
        assert result.needs_attention

    def test_a_link_to_a_folder_under_returns_is_listed_not_followed(self, case_audit, tmp_path):
        """A shortcut to another folder is never followed, and the officer is told returns there are not read."""
        elsewhere = tmp_path / "elsewhere"
        elsewhere.mkdir()
        (case_audit.returns_dir / "linked").symlink_to(elsewhere, target_is_directory=True)
        result = collect(case_audit)
        (skipped,) = result.skipped
        assert (skipped["path"], skipped["code"]) == ("linked/", "folder_link") and result.needs_attention


def copy_audit(source: Path, target: Path) -> Path:
    """``cp -r`` without ``-p``: every file gets a new modification time (now)."""
    shutil.copytree(source, target, copy_function=shutil.copy)
    return target


class TestCopiedAudit:
    def test_a_copied_audit_keeps_every_decision_and_re_reads_nothing(self, case_audit, tmp_path):
        """Copied to a new share: no return is pending, the urgent concern stays, and no answer is read again."""
        two_returns(case_audit)
        before = collect(case_audit)
        moved = open_workspace(copy_audit(case_audit.root, tmp_path / "new share" / "audit"))
        result = collect(moved)
        assert outcome(result) == outcome(before)
        assert (result.read, result.hashed, result.reused) == (0, 2, 2)
        assert result.urgent and not result.warnings
        assert collect(moved).hashed == 0  # the new times are kept: the next run hashes nothing

    def test_a_copied_file_with_new_content_is_still_judged_afresh(self, case_audit):
        """Same size, new time and different bytes: not the file that was judged, so it waits and is read again."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx",
                            maca_answers(case_audit.tools["case-tool"]))
        collect(case_audit)
        data = bytearray(path.read_bytes())
        data[-30] ^= 0xFF  # one byte of the zip's central directory comment area
        path.write_bytes(bytes(data))
        aged(path, 60)
        result = collect(case_audit)
        assert (result.hashed, result.files[0].status) == (0, "pending")


class TestUrgentIsNeverHidden:
    @pytest.mark.parametrize(("age", "code"), [(1, "recent"), (60, "changing")])
    def test_an_urgent_concern_stays_while_its_file_is_being_saved_again(self, case_audit, age, code):
        """The return with a child at risk is re-saved: while it is pending, collect and status still show the concern."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(tool, urgent=True))
        first = collect(case_audit)
        return_excel(case_audit, planned, "police A.xlsx", dict(maca_answers(tool, urgent=True), involvement="Requires improvement"),
                     age=age)
        result = collect(case_audit)
        assert (result.files[0].status, result.files[0].code) == ("pending", code)
        (u,) = result.urgent
        assert (u["case_ref"], u["agency"], u["number"]) == ("A", "Police", first.urgent[0]["number"])
        assert u["from_previous_version"] and "previous version" in u["note"]
        assert result.needs_attention
        (shown,) = audit_status(case_audit).urgent
        assert shown["from_previous_version"] and shown["case_ref"] == "A"

    def test_an_urgent_concern_stays_when_its_file_can_no_longer_be_opened(self, case_audit, monkeypatch):
        """Permissions changed on the return that reported a child at risk: the concern is still reported."""
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx",
                            maca_answers(case_audit.tools["case-tool"], urgent=True))
        collect(case_audit)
        aged(path, HOUR - 5)  # touched: a new time, so the file is looked at again
        deny(monkeypatch, path)
        result = collect(case_audit)
        assert result.files[0].code == "unreadable"
        (u,) = result.urgent
        assert u["from_previous_version"] and u["case_ref"] == "A"

    def test_a_new_version_without_the_concern_clears_it(self, case_audit):
        """Once the re-saved return can be read and no longer reports a risk, the concern is no longer shown."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(tool, urgent=True))
        collect(case_audit)
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(tool), age=60)
        assert collect(case_audit).urgent  # pending: still shown
        result = collect(case_audit)
        assert result.files[0].status == "accepted" and result.urgent == []


class TestReport:
    def test_a_response_record_that_cannot_be_read_is_named_and_the_report_needs_attention(self, case_audit):
        """A garbled response is not silently left out of the figures: 'maa report' names it and exits 1."""
        from maa_cli.report import build_reports

        ids = two_returns(case_audit)
        collect(case_audit)
        damage(case_audit.restricted_dir / "responses" / f"{ids['C']}.json", "random bytes")
        result = build_reports(case_audit)
        assert result.needs_attention and result.unreadable == [f"{ids['C']}.json"]
        assert any(f"'{ids['C']}.json'" in n and "left out of every report" in n and "maa collect" in n for n in result.notes)
        assert result.responses == 1
