"""`maa demo` runs the whole cycle, and what it leaves outside the restricted store names no child."""

from __future__ import annotations

import zipfile

from maa_cli.demo.run import run_demo
from maa_cli.setup.workspace import open_workspace


def _texts(folder):
    """Every file below ``folder`` as text (the XML parts of Word and Excel files included), with its name."""
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix in (".docx", ".xlsx"):
            with zipfile.ZipFile(path) as z:
                yield path, " ".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
        else:
            yield path, path.read_text(encoding="utf-8", errors="replace")
        yield path, path.name


def test_the_demo_runs_end_to_end_and_keeps_narrative_names_in_the_restricted_store(tmp_path):
    """A child's first name typed into a narrative answer is in the restricted records and nowhere shareable."""
    result = run_demo(tmp_path / "demo", log=lambda line: None)
    ws = open_workspace(tmp_path / "demo" / "case-audit")
    names = [p.name for _label, p in result.where_to_look]
    assert {"7-minute-briefing.docx", "action-plan.xlsx", "findings-report.docx"} <= set(names)
    restricted = " ".join(text for _p, text in _texts(ws.restricted_dir / "responses"))
    assert "Ellie" in restricted  # the demo's narrative names the child of case A: the test can fail
    shareable = [ws.state_dir, ws.reports_dir]
    for folder in shareable:
        for path, text in _texts(folder):
            if "restricted" in path.relative_to(ws.root).parts:
                continue
            assert "Ellie" not in text and "Marsh" not in text, f"{path} names the child of case A"
