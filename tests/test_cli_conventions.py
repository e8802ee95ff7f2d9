"""The command line as a hurried officer meets it: wrong starts refused, help at hand, output that fits.

new-audit refuses an audit whose forms would go out wrong (no deadline, no return address, a deadline
already past, per-case forms with no cases, an address that is not one) and creates nothing; every
'Next:' hint can be pasted; commands find the audit folder they are run in; -h works everywhere;
an unexpected problem leaves a log; output piped to a file has no colour codes and fits 80 columns.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.errors import ErrorCode, InputFileError
from maa_cli.setup.workspace import NewAudit, new_audit

LATER = (dt.date.today() + dt.timedelta(days=40)).strftime("%d/%m/%Y")
ADDRESS = "audits@northshire-scp.example"


def run(*args, cwd: Path | None = None, columns: int = 200):
    """The maa command in this process (no terminal), optionally from another working folder."""
    old = Path.cwd()
    try:
        if cwd:
            os.chdir(cwd)
        return CliRunner().invoke(app, [str(a) for a in args], env={"COLUMNS": str(columns)})
    finally:
        os.chdir(old)


def case_audit_args(folder: Path, csvs, **changes) -> list:
    options = {"--title": "MACA: neglect", "--partnership": "Northshire SCP", "--tool": "multi-agency-case-audit",
               "--agencies": csvs["agencies.csv"], "--cases": csvs["cases.csv"], "--deadline": LATER, "--return-to": ADDRESS}
    options.update(changes)
    args = ["new-audit", folder]
    for key, value in options.items():
        if value is not None:
            args += [key, value]
    return args


class TestNewAuditRefusesAWrongStart:
    @pytest.mark.parametrize(("change", "expected"), [
        ({"--deadline": None}, "--deadline"),
        ({"--return-to": None}, "--return-to"),
        ({"--return-to": "the business unit"}, "not an e-mail address"),
        ({"--deadline": "01/01/2020"}, "already passed"),
        ({"--cases": None}, "cases for the form type"),
    ])
    def test_each_wrong_start_is_refused_with_exit_2_and_nothing_is_created(self, tmp_path, csvs, change, expected):
        """Forms that would go out without a deadline, a return address or their cases are never made."""
        result = run(*case_audit_args(tmp_path / "audit", csvs, **change))
        assert result.exit_code == 2, result.output
        assert expected in result.output and "not created" in result.output
        assert not (tmp_path / "audit").exists()

    def test_every_problem_is_listed_at_once(self, tmp_path, csvs):
        """No deadline and a bad address are both reported in one run."""
        with pytest.raises(InputFileError) as excinfo:
            new_audit(tmp_path / "a", NewAudit(title="t", partnership="p", tool="multi-agency-case-audit",
                                               return_to="nobody", agencies_csv=csvs["agencies.csv"]))
        codes = [p.code for p in excinfo.value.problems]
        assert codes.count(ErrorCode.NEED_INPUT) == 2 and ErrorCode.BAD_EMAIL in codes

    def test_a_past_deadline_is_accepted_when_recording_an_audit_that_has_run(self, tmp_path, csvs):
        """--allow-past-deadline lets an officer record last year's audit."""
        result = run(*case_audit_args(tmp_path / "audit", csvs, **{"--deadline": "01/01/2020"}), "--allow-past-deadline")
        assert result.exit_code == 0, result.output

    def test_the_cases_drawn_and_the_seed_are_printed_and_the_next_step_can_be_pasted(self, tmp_path, csvs):
        """A sample prints its cases, seed and draw date; 'Next:' quotes a folder with spaces so it pastes."""
        folder = tmp_path / "MACA spring 2027"
        result = run(*case_audit_args(folder, csvs, **{"--sample": "2", "--seed": "41"}))
        assert result.exit_code == 0, result.output
        assert re.search(r"Cases drawn: [A-F], [A-F] \(seed 41, drawn on \d\d/\d\d/\d{4}", result.output)
        (next_line,) = [line for line in result.output.splitlines() if line.startswith("Next:")]
        assert shlex.split(next_line.removeprefix("Next: ")) == ["maa", "issue-forms", str(folder)]


class TestConventions:
    def test_every_command_answers_dash_h(self):
        """-h works like --help on every command and group."""
        for args in (["-h"], ["new-audit", "-h"], ["collect", "-h"], ["tools", "-h"], ["tools", "check", "-h"],
                     ["choose", "-h"], ["status", "-h"], ["report", "-h"], ["issue-forms", "-h"]):
            result = run(*args)
            assert result.exit_code == 0 and "Usage" in result.output, args

    def test_help_lists_the_choices_and_shows_an_example(self):
        """--format and --type show their allowed values; each command's help ends with an example."""
        issue = run("issue-forms", "-h").output
        assert "docx|xlsx" in issue and "Example: maa issue-forms" in issue
        new = run("new-audit", "-h").output
        assert "case_audit|thematic|questionnaire" in new and "Example: maa new-audit" in new

    def test_commands_use_the_audit_folder_they_are_run_in_or_under(self, questionnaire):
        """Run inside the audit (or in forms/ below it), status and collect need no folder argument."""
        here = run("status", cwd=questionnaire.root)
        below = run("collect", "--json", cwd=questionnaire.forms_dir)
        assert here.exit_code == 0 and "EY checklist" in here.output
        assert below.exit_code == 0 and '"issued": 3' in below.output

    def test_outside_any_audit_the_command_says_what_to_give(self, tmp_path):
        """With no folder given and none around, exit 2 says to give the audit folder."""
        result = run("collect", cwd=tmp_path)
        assert result.exit_code == 2 and "audit folder" in result.output


class TestOutputThatFits:
    def test_piped_output_has_no_colour_codes_and_no_line_longer_than_80_columns(self, questionnaire):
        """'maa status' to a file, as a scheduled task writes it: plain text that fits 80 columns."""
        env = dict(os.environ, COLUMNS="80", TERM="xterm-256color")
        out = subprocess.run([sys.executable, "-m", "maa_cli", "status", str(questionnaire.root)], capture_output=True,
                             text=True, env=env, encoding="utf-8").stdout
        assert "\x1b[" not in out and out.strip()
        assert max(len(line) for line in out.splitlines()) <= 80

    def test_at_80_columns_no_heading_or_status_is_broken_mid_word(self, questionnaire):
        """The status tables shorten their headings instead of breaking them across lines."""
        out = run("status", str(questionnaire.root), columns=80).output
        for word in ("outstanding", "incomplete", "accepted", "returned"):
            head = word[: len(word) // 2]
            assert not re.search(rf"│ *{head} *│\n.*│ *{word[len(head):]} *│", out)
        assert "owed = outstanding" in out
