"""An officer edits audit.yaml by hand; maa reads what they typed the way they meant it."""

from __future__ import annotations

import os
import stat
import sys

import pytest

from maa_cli import atomic
from maa_cli.errors import DefinitionError
from maa_cli.setup.workspace import open_workspace


def _audit_yaml(deadline: str) -> str:
    return (
        "audit_id: abcdef12-3456\n"
        "title: EY checklist\n"
        "partnership: Northshire SCP\n"
        "type: questionnaire\n"
        f"deadline: {deadline}\n"
        "agencies:\n  - {name: Acorn Nursery}\n"
        "form_types:\n  - {name: ey, tool: early-years-safeguarding, per: agency, format: xlsx}\n"
    )


def test_a_deadline_typed_day_first_is_read_as_a_uk_date(tmp_path):
    """`deadline: 31/01/2027` means 31 January 2027, as an officer in England writes it."""
    (tmp_path / "audit.yaml").write_text(_audit_yaml("31/01/2027"), encoding="utf-8")
    assert open_workspace(tmp_path).audit.deadline.isoformat() == "2027-01-31"


def test_an_impossible_deadline_is_refused_at_its_line(tmp_path):
    """31/02/2027 is named as not a real day, at the line of 'deadline'."""
    (tmp_path / "audit.yaml").write_text(_audit_yaml("31/02/2027"), encoding="utf-8")
    with pytest.raises(DefinitionError) as info:
        open_workspace(tmp_path)
    (p,) = info.value.problems
    assert p.line == 5 and "does not exist" in p.message


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permission bits")
def test_outputs_are_readable_by_colleagues_like_any_new_file(tmp_path):
    """Atomic writes do not leave reports readable by their owner only (mkstemp's default)."""
    target = tmp_path / "report.txt"
    atomic.write_text(target, "hello")
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
