"""The hourly collect that finds nothing new: it reads nothing, and says exactly what a full run would say.

A run records a digest of everything its outcome depended on (maa_cli.intake.unchanged); the next run
recalls the outcome only while that digest is unchanged. A stale recall would hide a return or a
concern, so most of these tests are about the runs that must NOT be recalled.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from maa_cli.intake import unchanged
from maa_cli.intake.collect import collect
from tests.test_collect_robust import busy_folder
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    aged,
    case_audit,
    case_audit_template,
    form,
    maca_answers,
    return_excel,
)


def shown(result) -> dict:
    """What a run tells the officer and scripts, without how the run went about it."""
    out = result.to_json()
    out.pop("run")
    return out


def kept_key(ws) -> str:
    return json.loads((ws.state_dir / unchanged.KEPT).read_text(encoding="utf-8"))["key"]


def current_key(ws) -> str:
    return unchanged.audit_digest(ws, unchanged.returns_digest(ws))


def a_record_tidied_away_is_written_again(ws, store: Path) -> None:
    (record,) = (store / "records").glob("*.json")
    record.unlink()
    again = collect(ws)
    assert not again.recalled and again.read == 1 and record.is_file()


def watched_files(ws) -> list[Path]:
    """Every file a run's outcome may depend on: the audit folder but its outputs, caches and locks, and the restricted store."""
    skip = (ws.forms_dir, ws.reports_dir, ws.state_dir / "cache")
    return [p for p in sorted(ws.root.rglob("*")) if p.is_file() and p.name != "lock"
            and not any(folder in p.parents for folder in skip)]


def test_a_run_with_nothing_new_reads_nothing_and_says_what_a_full_run_says(case_audit):
    busy_folder(case_audit)
    first = collect(case_audit)
    assert first.read > 0 and not first.recalled
    again = collect(case_audit)
    assert again.recalled and again.read == 0 and again.reused == len(first.files)
    assert shown(again) == shown(first)
    (case_audit.state_dir / unchanged.KEPT).unlink()  # the same run the long way: every file reused one by one
    full = collect(case_audit)
    assert not full.recalled and full.read == 0
    assert shown(full) == shown(again)
    assert again.needs_attention == full.needs_attention and again.urgent == full.urgent


def test_any_change_to_any_file_the_outcome_depends_on_changes_the_digest(case_audit):
    """Returns, audit.yaml, the tools, the manifest, state, records, responses, kept copies, the cases file, the key ..."""
    busy_folder(case_audit)
    collect(case_audit)
    assert collect(case_audit).recalled
    key = kept_key(case_audit)
    files = watched_files(case_audit)
    kinds = {p.relative_to(case_audit.root).parts[0] for p in files}
    assert {"returns", "restricted", ".maa", "audit.yaml", "tools"} <= kinds
    for path in files:
        before = path.stat()
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1_000_000))
        assert current_key(case_audit) != key, path
        os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
        assert current_key(case_audit) == key, path
    for path in files[:: max(1, len(files) // 8)]:  # gone altogether
        data = path.read_bytes()
        path.unlink()
        assert current_key(case_audit) != key, path
        path.write_bytes(data)


def test_outputs_caches_and_locks_do_not_stop_a_recall(case_audit):
    busy_folder(case_audit)
    collect(case_audit)
    (case_audit.reports_dir / "findings-report.docx").write_bytes(b"written by maa report")
    (case_audit.forms_dir / "note.txt").write_text("forms issued again")
    (case_audit.state_dir / "cache" / "audit-yaml.json").touch()
    (case_audit.state_dir / "lock").touch()
    assert collect(case_audit).recalled


def test_a_new_return_is_read_by_the_next_run(case_audit):
    tool = case_audit.tools["case-tool"]
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
    assert collect(case_audit).summary["accepted"] == 1
    assert collect(case_audit).recalled
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "police C.xlsx", maca_answers(tool, urgent=True))
    after = collect(case_audit)
    assert not after.recalled and after.read == 1 and after.summary["accepted"] == 2 and len(after.urgent) == 1


def test_a_record_or_kept_copy_tidied_away_is_written_again(case_audit):
    tool = case_audit.tools["case-tool"]
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
    collect(case_audit)
    (copy,) = [p for p in (case_audit.restricted_dir / "collected").rglob("*") if p.is_file()]
    (record,) = (case_audit.restricted_dir / "records").glob("*.json")
    copy.chmod(0o644)
    copy.unlink()
    record.unlink()
    again = collect(case_audit)
    assert not again.recalled and again.read == 1
    assert copy.is_file() and record.is_file()


def test_a_run_that_leaves_a_file_pending_is_never_recalled(case_audit):
    tool = case_audit.tools["case-tool"]
    path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
    aged(path, 0)  # saved this moment: it may still be being written
    now = time.time()
    assert collect(case_audit, now=now).summary["pending"] == 1
    assert not (case_audit.state_dir / unchanged.KEPT).exists()
    later = collect(case_audit, now=now + 600)  # the same file, nothing else changed: read now that it has settled
    assert not later.recalled and later.summary["accepted"] == 1


def test_a_return_changed_while_the_run_reads_is_not_recorded(case_audit):
    tool = case_audit.tools["case-tool"]
    one = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "c.xlsx", maca_answers(tool))
    replacement = case_audit.root / "replacement.xlsx"
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "../replacement.xlsx",
                 dict(maca_answers(tool), impact="Inadequate"))

    def save_over_the_first(done: int, total: int) -> None:
        if done == total:  # the first file was judged; someone saves over it before the run ends
            os.replace(replacement, one)
            aged(one, 3600)

    collect(case_audit, progress=save_over_the_first)
    assert not (case_audit.state_dir / unchanged.KEPT).exists()
    after = collect(case_audit)
    assert not after.recalled and after.read == 1


def test_a_damaged_or_foreign_record_of_the_last_run_means_a_full_run(case_audit):
    tool = case_audit.tools["case-tool"]
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
    first = collect(case_audit)
    kept = case_audit.state_dir / unchanged.KEPT
    for text in ("\x00\x01 not json", json.dumps({"key": current_key(case_audit)}), json.dumps([1, 2])):
        kept.write_text(text, encoding="utf-8")
        again = collect(case_audit)
        assert not again.recalled and shown(again) == shown(first)


def test_a_recalled_run_counts_as_a_recent_collect_for_chasing(case_audit):
    """'maa chase' wants a collect in the last hour; the hourly run that found nothing new is one."""
    from maa_cli.mail.chase import last_collect

    tool = case_audit.tools["case-tool"]
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
    collect(case_audit)
    two_hours_ago = time.time() - 7200
    os.utime(case_audit.state_dir / unchanged.KEPT, (two_hours_ago, two_hours_ago))
    assert unchanged.ran(case_audit) < two_hours_ago + 60
    assert collect(case_audit).recalled
    assert unchanged.ran(case_audit) > time.time() - 60
    assert last_collect(case_audit) >= unchanged.ran(case_audit)


def test_a_restricted_store_on_another_share_is_watched_too(tmp_path):
    """restricted_store outside the audit folder: a kept copy or record tidied away there means a full run."""
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import FormType, NewAudit, new_audit, open_workspace
    from tests.test_collect_stories import AGENCIES_CSV, CASES_CSV, DEADLINE, TODAY, build_files

    inputs = build_files(tmp_path / "inputs", {"agencies.csv": AGENCIES_CSV, "cases.csv": CASES_CSV})
    secure = tmp_path / "secure share" / "MACA"
    new_audit(tmp_path / "audit", NewAudit(return_to="audits@northshire-scp.example", title="MACA",
              partnership="Northshire SCP", type="case_audit", deadline=DEADLINE, today=TODAY,
              agencies_csv=inputs["agencies.csv"], cases_csv=inputs["cases.csv"], restricted_store=str(secure),
              form_types=[FormType(name="case-tool", tool="multi-agency-case-audit", per="agency_case", format="xlsx")]))
    ws = open_workspace(tmp_path / "audit")
    issue_forms(ws)
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "a.xlsx", maca_answers(ws.tools["case-tool"]))
    collect(ws)
    assert collect(ws).recalled
    a_record_tidied_away_is_written_again(ws, secure)
    assert collect(ws).recalled


def test_audit_yaml_saved_while_a_run_reads_means_the_next_run_judges_again(case_audit):
    """The officer moves the deadline while a long run reads: what that run worked out is not kept to be recalled."""
    import datetime as dt

    from maa_cli.setup.workspace import audit_yaml, open_workspace

    tool = case_audit.tools["case-tool"]
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "c.xlsx", maca_answers(tool))
    earlier = case_audit.audit.model_copy(update={"deadline": dt.date(2020, 1, 31)})

    def move_the_deadline(done: int, total: int) -> None:
        if done == 1:
            (case_audit.root / "audit.yaml").write_text(audit_yaml(earlier), encoding="utf-8")

    first = collect(case_audit, progress=move_the_deadline)
    assert not any("late" in w for f in first.files for w in f.warnings)
    assert not (case_audit.state_dir / unchanged.KEPT).exists()
    again = collect(open_workspace(case_audit.root))
    assert not again.recalled and all(any("returned late" in w for w in f.warnings) for f in again.files)


def test_a_restricted_store_reached_through_a_link_is_watched_where_it_is(case_audit, tmp_path):
    import shutil

    elsewhere = tmp_path / "secure"
    shutil.move(str(case_audit.restricted_dir), elsewhere)
    try:
        case_audit.restricted_dir.symlink_to(elsewhere, target_is_directory=True)
    except OSError:
        pytest.skip("this file system has no symbolic links")
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
    collect(case_audit)
    assert collect(case_audit).recalled
    a_record_tidied_away_is_written_again(case_audit, elsewhere)


def test_a_kept_outcome_damaged_behind_a_good_key_means_a_full_run(case_audit):
    return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
    first = collect(case_audit)
    kept = case_audit.state_dir / unchanged.KEPT
    key = kept_key(case_audit)
    for outcome in ({}, {"files": "x", "summary": {}}, {"files": [{"no": 1}], "summary": {}, "skipped": []}):
        kept.write_text(json.dumps({"key": key, "outcome": outcome}), encoding="utf-8")
        again = collect(case_audit)
        assert not again.recalled and shown(again) == shown(first)


def test_caches_that_cannot_be_written_cost_only_speed(case_audit, monkeypatch):
    """A read-only or full share: audit.yaml and the tools are parsed each time, and collect still finishes."""
    from maa_cli import atomic
    from maa_cli.errors import EnvironmentStopped, ErrorCode, problem
    from maa_cli.setup.workspace import open_workspace

    real = atomic.write_text

    def refuse_the_cache(path, text):
        if "cache" in Path(path).parts:
            raise EnvironmentStopped(problem(ErrorCode.READ_ONLY, file=path))
        return real(path, text)

    monkeypatch.setattr(atomic, "write_text", refuse_the_cache)
    shutil.rmtree(case_audit.state_dir / "cache", ignore_errors=True)
    ws = open_workspace(case_audit.root)
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "a.xlsx", maca_answers(ws.tools["case-tool"]))
    result = collect(ws)
    assert result.summary["accepted"] == 1 and not (ws.state_dir / unchanged.KEPT).exists()
    assert not collect(ws).recalled
