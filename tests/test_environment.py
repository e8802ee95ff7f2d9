"""When the computer stops the run, and what reaches the screen.

A full disk, a read-only share or a path too long for Windows is not the officer's input and not
a bug: each gets its own plain message and exit code 4, and leaves nothing half-written. And no
file name or answer can drive the terminal: control and direction characters never reach it, the
JSON or the run log.
"""

# ruff: noqa: F811 - the case_audit fixtures are imported from test_collect_stories and used as parameters
from __future__ import annotations

import errno
import json
import os

import pytest

from maa_cli.errors import EnvironmentStopped, ErrorCode
from maa_cli.setup.workspace import NewAudit, new_audit
from tests.conftest import TODAY, run_maa
from tests.test_collect_stories import (  # noqa: F401 - fixtures
    DEADLINE,
    HOUR,
    aged,
    case_audit,
    case_audit_template,
    form,
    hashes,
    maca_answers,
    return_word,
)

UNSAFE = ["\x1b", "\x07", "\u202e", "\u2066", "\x9b"]



class TestTheEnvironmentStopsTheRun:
    def test_a_full_disk_gets_its_own_message_and_exit_code_4_and_state_is_untouched(self, case_audit, monkeypatch, capsys):
        """With the share full, collect says so in plain words, exits 4, and every state file is as it was."""
        return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "p.docx",
                    maca_answers(case_audit.tools["case-tool"]))
        before = hashes(case_audit.state_dir) | hashes(case_audit.restricted_dir)

        def full(fd):
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr("maa_cli.atomic.os.fsync", full)
        code, out, err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root))
        assert code == 4 and "full" in err and "unexpected" not in err, err
        after = hashes(case_audit.state_dir) | hashes(case_audit.restricted_dir)
        assert {k: v for k, v in after.items() if not k.endswith("lock")} == {k: v for k, v in before.items() if not k.endswith("lock")}

    def test_a_read_only_share_gets_its_own_message_and_exit_code_4(self, case_audit, monkeypatch, capsys):
        """When the folder may not be written, report says so (permission), exits 4, and writes nothing."""
        def refused(*args, **kwargs):
            raise PermissionError(errno.EACCES, "Permission denied")

        monkeypatch.setattr("maa_cli.atomic.tempfile.mkstemp", refused)
        code, out, err = run_maa(monkeypatch, capsys, "report", str(case_audit.root))
        assert code == 4 and "read-only" in err
        assert not list(case_audit.reports_dir.rglob("*.docx"))

    def test_a_path_too_long_for_windows_is_refused_before_anything_is_written(self, tmp_path, csvs, monkeypatch):
        """A file whose full path passes 259 characters stops the run with exit 4 (it would fail on a Windows share)."""
        from maa_cli import atomic

        target = tmp_path / ("d" * 120) / ("e" * 140) / "state.json"
        with pytest.raises(EnvironmentStopped) as excinfo:
            atomic.write_text(target, "{}")
        assert excinfo.value.exit_code == 4 and excinfo.value.problems[0].code is ErrorCode.PATH_TOO_LONG
        assert not target.parent.exists()

    def test_new_audit_refuses_a_folder_too_deep_for_its_forms_and_creates_nothing(self, tmp_path, csvs):
        """An audit folder whose path leaves no room for its forms under Windows' limit is refused at the start."""
        root = tmp_path / ("deep" * 30) / "audit"
        with pytest.raises(EnvironmentStopped) as excinfo:
            new_audit(root, NewAudit(return_to="audits@northshire-scp.example", title="MACA", partnership="Northshire SCP", tool="multi-agency-case-audit",
                                     agencies_csv=csvs["agencies.csv"], cases_csv=csvs["cases.csv"],
                                     deadline=DEADLINE, today=TODAY))
        assert excinfo.value.problems[0].code is ErrorCode.AUDIT_PATH_TOO_LONG
        assert not root.exists()

    def test_any_other_problem_still_ends_in_a_message_not_a_traceback(self, case_audit, monkeypatch, capsys):
        """An OSError that is not the environment's is still 'unexpected' with exit 2 (scripts relying on 0-3 keep working)."""
        def broken(fd):
            raise OSError(errno.EIO, "I/O error")

        monkeypatch.setattr("maa_cli.atomic.os.fsync", broken)
        return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "p.docx",
                    maca_answers(case_audit.tools["case-tool"]))
        code, _out, err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root))
        assert code == 2 and "unexpected problem (OSError)" in err and "Traceback" not in err


class TestNothingDrivesTheTerminal:
    def test_control_and_direction_characters_in_file_names_never_reach_the_screen_json_or_log(self, case_audit, monkeypatch,
                                                                                              capsys):
        """Escape sequences and right-to-left overrides in a file's name are shown as '?', in every output."""
        sneaky = "police\x1b]0;owned\x07 \u202efdp.docx"
        good = return_word(case_audit, form(case_audit, "case-tool", "Police", "A", "docx"), "p.docx",
                           maca_answers(case_audit.tools["case-tool"]))
        os.rename(good, case_audit.returns_dir / sneaky)
        (case_audit.returns_dir / "report\x1b[2J\u2066.pdf").write_bytes(b"%PDF-1.4\n" + b"0" * 200)
        aged(case_audit.returns_dir / "report\x1b[2J\u2066.pdf", HOUR)

        code, out, err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root), "--json")
        data = json.loads(out)
        assert sorted(f["status"] for f in data["files"]) == ["accepted", "rejected"]
        _c, screen, screen_err = run_maa(monkeypatch, capsys, "collect", str(case_audit.root))
        _s, status, status_err = run_maa(monkeypatch, capsys, "status", str(case_audit.root), "--json")
        log = (case_audit.state_dir / "runlog.jsonl").read_text(encoding="utf-8")
        decoded = json.dumps(data, ensure_ascii=False) + json.dumps(json.loads(status), ensure_ascii=False)
        for text in (decoded, screen, screen_err, status_err, log, json.dumps([json.loads(x) for x in log.splitlines()],
                                                                              ensure_ascii=False)):
            assert not [c for c in UNSAFE if c in text]
        assert any(f["path"] == "police?]0;owned? ?fdp.docx" for f in data["files"])


class TestPlain:
    @pytest.mark.parametrize("char", [chr(c) for c in [*range(0, 32), *range(127, 160)]] + ["\u200e", "\u200f", "\u202a",
                                      "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"])
    def test_every_control_and_direction_character_is_made_harmless(self, char):
        """Each C0/C1 control and bidi mark becomes '?' or a space; letters around it are kept."""
        from maa_cli.plain import plain

        shown = plain(f"a{char}b")
        assert shown[0] == "a" and shown[-1] == "b" and char not in shown and shown[1] in "? "
