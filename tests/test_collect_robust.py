"""'maa collect' from a scheduler: one JSON document, honest exit codes, no names, one run at a time, crash-safe.

Every run here is the real command in a subprocess, as Task Scheduler or cron would start it.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import datetime as dt
import json
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from maa_cli.privacy.masking import date_spellings
from maa_cli.setup.restricted import read_answers, read_cases
from tests.mailfiles import eml
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    aged,
    case_audit,
    case_audit_template,
    form,
    hashes,
    maca_answers,
    return_excel,
    snapshot,
)


def maa(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "maa_cli", *args], capture_output=True, text=True, timeout=timeout,
                          encoding="utf-8", errors="replace")


def file_review(ws, case_ref: str, name: str, dob: str) -> dict:
    answers = {f.key: "No" for f in ws.tools["file-review"].fields() if f.type == "yes_no"}
    return answers | {"child_name": name, "child_dob": dob, "review_date": "01/11/2026", "reviewed_by": "DSL",
                      "next_review": "01/12/2026"}


def busy_folder(ws) -> None:
    """Returns of every kind, named the careless ways people name them (children's names and birthdays included)."""
    tool = ws.tools["case-tool"]
    return_excel(ws, form(ws, "case-tool", "Police", "A"), "Ellie Marsh - police.xlsx", maca_answers(tool, urgent=True))
    return_excel(ws, form(ws, "case-tool", "Police", "C"), "Amelia Novak 30.11.2012.xlsx",
                 dict(maca_answers(tool), involvement="Amelia was seen but not heard"))
    return_excel(ws, form(ws, "case-tool", "Health Visiting", "B"), "hv B.xlsx", maca_answers(tool))
    return_excel(ws, form(ws, "case-tool", "Health Visiting", "B"), "hv B (1).xlsx", dict(maca_answers(tool), impact="Inadequate"))
    return_excel(ws, form(ws, "file-review", None, "A"), "review for Ellie.xlsx", file_review(ws, "A", "Ellie Marsh", "14/02/2019"))
    return_excel(ws, form(ws, "file-review", None, "D"), "review D.xlsx", file_review(ws, "D", "Noah Adeyemi", "5 May 2021"))
    for i, (agency, case) in enumerate([("Police", "D"), ("Police", "E"), ("Children's Social Care", "D"), ("Health Visiting", "F")]):
        return_excel(ws, form(ws, "case-tool", agency, case), f"return {i}.xlsx", maca_answers(tool))
    (ws.returns_dir / "Theo Walsh scan.pdf").write_bytes(b"%PDF-1.7\n%\xe2\xe3\n")
    aged(ws.returns_dir / "Theo Walsh scan.pdf", 3600)


def restricted_values(ws) -> set[str]:
    """Every value in the restricted store, in the ways it could be written."""
    values: set[str] = set()
    for case in read_cases(ws.restricted_dir).values():
        values |= {case.child_name, *(p for p in case.child_name.split() if len(p) > 2)}
        values |= {s for s in date_spellings(case.date_of_birth) if len(s) >= 8}
    for answers in read_answers(ws.restricted_dir).values():
        for value in answers.values():
            values.add(str(value))
            if len(str(value)) == 10 and str(value)[4] == "-":
                values |= {s for s in date_spellings(dt.date.fromisoformat(value)) if len(s) >= 8}
    return values


class TestForScripts:
    def test_json_is_one_ascii_document_with_no_restricted_value_in_it_or_the_log(self, case_audit):
        """Scheduled tasks mail their output around: no child's name, date of birth or identifying answer in it, the status or the log."""
        busy_folder(case_audit)
        done = maa("collect", str(case_audit.root), "--json")
        assert done.returncode == 1, done.stderr
        assert done.stdout.isascii()
        data, end = json.JSONDecoder().raw_decode(done.stdout)
        assert done.stdout[end:].strip() == ""
        assert {"issued", "accepted", "incomplete", "rejected", "conflict", "pending", "outstanding"} <= set(data["summary"])
        assert data["summary"]["issued"] == 17 and data["urgent"][0]["case_ref"] == "A"
        assert {"path", "form_id", "status", "reasons"} <= set(data["files"][0])
        secrets = restricted_values(case_audit)
        assert {"Ellie Marsh", "Noah Adeyemi", "2019-02-14", "2021-05-05", "30/11/2012"} <= secrets
        status = maa("status", str(case_audit.root), "--json").stdout
        text = json.dumps(data, ensure_ascii=False) + json.dumps(json.loads(status), ensure_ascii=False)
        text += (case_audit.state_dir / "runlog.jsonl").read_text(encoding="utf-8")
        assert [s for s in secrets if s.casefold() in text.casefold()] == []

    def test_exit_codes_say_whether_anything_needs_attention(self, case_audit):
        """0 when every return is fine, 1 when one needs attention, 2 for a folder that is not an audit."""
        tool = case_audit.tools["case-tool"]
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(tool))
        assert maa("collect", str(case_audit.root)).returncode == 0
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "c.xlsx", {"involvement": "Good"})
        assert maa("collect", str(case_audit.root)).returncode == 1
        wrong = maa("collect", str(case_audit.root / "returns"), "--json")
        assert wrong.returncode == 2 and json.loads(wrong.stdout)["error"]["exit_code"] == 2

    def test_an_urgent_concern_is_the_first_thing_printed(self, case_audit):
        """Before any table: URGENT, the case, the agency and the question."""
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx",
                     maca_answers(case_audit.tools["case-tool"], urgent=True))
        first = maa("collect", str(case_audit.root)).stdout.lstrip().splitlines()[0]
        assert first.startswith("URGENT case A, Police") and "question 14" in first


    def test_maa_choose_settles_a_conflict_from_the_command_line(self, case_audit):
        """The officer copies the form reference and file name from the collect output; exit 0 once nothing is left."""
        tool = case_audit.tools["case-tool"]
        planned = form(case_audit, "case-tool", "Police", "A")
        return_excel(case_audit, planned, "police A.xlsx", maca_answers(tool), age=7200)
        return_excel(case_audit, planned, "police A - DESKTOP-7Q2.xlsx", dict(maca_answers(tool), impact="Inadequate"))
        listed = json.loads(maa("collect", str(case_audit.root), "--json").stdout)
        assert [f["status"] for f in listed["files"]] == ["conflict", "conflict"]
        done = maa("choose", str(case_audit.root), planned.form_id.lower(), "police A - DESKTOP-7Q2.xlsx")
        assert done.returncode == 0, done.stderr
        assert "using the return you chose" in done.stdout
        wrong = maa("choose", str(case_audit.root), planned.form_id, "police B.xlsx")
        assert wrong.returncode == 2 and "police A.xlsx" in wrong.stderr


class TestSharedDrive:
    def test_a_second_run_while_one_is_working_exits_3_at_once_and_changes_nothing(self, case_audit):
        """Overlapping scheduled runs: the second says the audit is busy, exits 3, and the state is untouched."""
        from filelock import FileLock

        busy_folder(case_audit)
        maa("collect", str(case_audit.root))
        before = snapshot(case_audit)
        with FileLock(str(case_audit.state_dir / "lock")):  # another run, holding the audit
            start = time.monotonic()
            blocked = maa("collect", str(case_audit.root), "--json")
            waited = time.monotonic() - start
        assert blocked.returncode == 3 and waited < 10
        assert "another maa run is working on this audit" in blocked.stderr
        assert json.loads(blocked.stdout)["error"]["exit_code"] == 3
        assert snapshot(case_audit) == before
        assert maa("collect", str(case_audit.root)).returncode == 1

    def test_a_run_killed_at_any_moment_is_completed_by_the_next(self, case_audit, tmp_path):
        """SIGKILL collect at random moments, run it again: the end state is the one an uninterrupted run gives."""
        busy_folder(case_audit)
        reference = tmp_path / "reference"
        shutil.copytree(case_audit.root, reference)
        start = time.monotonic()
        maa("collect", str(reference))
        duration = time.monotonic() - start
        rng = random.Random(20270131)
        for _ in range(10):
            run = subprocess.Popen([sys.executable, "-m", "maa_cli", "collect", str(case_audit.root)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(0.2, duration))
            run.kill()
            run.wait()
        assert maa("collect", str(case_audit.root)).returncode == 1
        assert settled_state(case_audit.root) == settled_state(reference)
        assert hashes(case_audit.returns_dir) == hashes(reference / "returns")


def settled_state(root: Path) -> dict:
    """What collect decided and kept, without the moment it happened (collected_at, the run log, the caches)."""
    out = {}
    for folder in (root / ".maa", root / "collected", root / "restricted"):
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(root).as_posix()
            if not path.is_file() or rel.endswith(("lock", "runlog.jsonl")) or rel.startswith(".maa/cache/"):
                continue  # .maa/cache: what was worked out from the rest, keyed by the folder's place and times
            if path.suffix == ".json":
                data = json.loads(path.read_text(encoding="utf-8"))
                if isinstance(data, dict):
                    data.pop("collected_at", None)
                out[rel] = data
            else:
                out[rel] = (path.read_bytes(), path.stat().st_mode & 0o222)
    return out


class TestDamagedState:
    @pytest.mark.parametrize("name", ["files.json", "manifest.json", "choices.json"])
    def test_random_bytes_in_a_state_file_never_make_the_scheduled_collect_exit_2(self, case_audit, name):
        """The damaged file is set aside and named in the JSON's warnings; the run exits 1 once, then 0 again."""
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
        assert maa("collect", str(case_audit.root)).returncode == 0
        (case_audit.state_dir / name).write_bytes(bytes(range(256)) * 4)
        done = maa("collect", str(case_audit.root), "--json")
        assert done.returncode == 1, done.stderr
        data = json.loads(done.stdout)
        assert data["summary"]["accepted"] == 1 and any(name in w for w in data["warnings"])
        assert list(case_audit.state_dir.glob(f"{name}.unreadable-*"))
        assert maa("collect", str(case_audit.root)).returncode == 0

    def test_a_deleted_manifest_leaves_every_return_accepted_from_the_command_line(self, case_audit):
        """Someone tidied .maa/: the next scheduled run rebuilds the list of issued forms and rejects nothing."""
        return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "a.xlsx", maca_answers(case_audit.tools["case-tool"]))
        maa("collect", str(case_audit.root))
        (case_audit.state_dir / "manifest.json").unlink()
        data = json.loads(maa("collect", str(case_audit.root), "--json").stdout)
        assert (data["summary"]["issued"], data["summary"]["accepted"], data["summary"]["rejected"]) == (17, 1, 0)
        assert (case_audit.state_dir / "manifest.json").is_file()


@pytest.mark.parametrize("flag", ["--json", None])
def test_collect_and_status_need_an_audit_folder(tmp_path, flag):
    """A mistyped folder is exit 2 with the reason, never a traceback."""
    done = maa("collect", str(tmp_path / "nope"), *([flag] if flag else []))
    assert done.returncode == 2 and "Traceback" not in done.stderr and "audit.yaml" in done.stderr


class TestManyReturns:
    def test_a_long_run_lists_what_needs_attention_and_counts_the_rest(self, case_audit, tmp_path):
        """70 copies of one return, a scan, and another return e-mailed from a gmail address: the scan, the e-mailed
        return (its sender needs checking) and a count are shown, not 70 lines of copies."""
        tool = case_audit.tools["case-tool"]
        path = return_excel(case_audit, form(case_audit, "case-tool", "Police", "A"), "police A.xlsx", maca_answers(tool))
        for i in range(70):
            shutil.copy2(path, case_audit.returns_dir / f"copy {i:02d}.xlsx")
        (case_audit.returns_dir / "scan.pdf").write_bytes(b"%PDF-1.7\n")
        aged(case_audit.returns_dir / "scan.pdf", 3600)
        other = return_excel(case_audit, form(case_audit, "case-tool", "Police", "C"), "../police C.xlsx", maca_answers(tool))
        aged(eml(case_audit.returns_dir / "from home.eml", {"police C.xlsx": other.read_bytes()},
                 sender="A Officer <a.officer@gmail.com>"), 3600)
        other.unlink()
        done = maa("collect", str(case_audit.root))
        assert done.returncode == 1, done.stderr
        lines = done.stdout.splitlines()
        assert any("scan.pdf" in line for line in lines) and not any("copy 3" in line for line in lines)
        assert any(line.startswith("ACCEPTED") and "from home.eml" in line for line in lines)
        assert "gmail.com" in done.stdout
        assert "Not listed one by one (74 files): 1 accepted, 70 superseded, 1 opened." in " ".join(done.stdout.split())
        listed = json.loads(maa("collect", str(case_audit.root), "--json").stdout)["files"]
        assert len(listed) == 74
