"""The README's worked example, followed as an officer would: written, checked, issued, filled in LibreOffice, collected, reported.

Every command runs from a different folder, as Task Scheduler and a busy officer do.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook
from typer.testing import CliRunner

from maa_cli.cli import app
from maa_cli.forms.excel import defined_name
from maa_cli.office.ooxml import answer_boxes, bookmark_names

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
EXAMPLE = REPO / "examples" / "self-assessment"
MARKER = "<!-- worked example: examples/self-assessment/agency-self-assessment.yaml -->"


def readme_example() -> str:
    """The YAML block that follows the worked-example marker in the README."""
    text = README.read_text(encoding="utf-8")
    after = text[text.index(MARKER) + len(MARKER):]
    return re.match(r"\s*```yaml\n(.*?)```", after, re.DOTALL).group(1)


def maa(*args: str, code: int | None = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    if code is not None:
        assert result.exit_code == code, result.output
    return result.output


def test_the_readme_example_is_the_example_file_and_passes_tools_check(tmp_path, monkeypatch):
    """What the guide shows is what examples/ ships, and 'maa tools check' passes it from another folder."""
    assert readme_example() == (EXAMPLE / "agency-self-assessment.yaml").read_text(encoding="utf-8")
    (tmp_path / "tools").mkdir()
    (tmp_path / "tools" / "agency-self-assessment.yaml").write_text(readme_example(), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    out = maa("tools", "check", "tools/agency-self-assessment.yaml")
    assert "✓" in out and "8 questions" in out


def test_the_readme_reference_tool_passes_tools_check(tmp_path):
    """The annotated tool at the top of 'Audit tools (YAML)' is itself a valid tool."""
    text = README.read_text(encoding="utf-8")
    block = re.search(r"```yaml\n(.*?)```", text[text.index("## Audit tools (YAML)"):], re.DOTALL).group(1)
    (tmp_path / "reference.yaml").write_text(block, encoding="utf-8")
    assert "✓" in maa("tools", "check", str(tmp_path / "reference.yaml"))


POLICE = {  # Word, in LibreOffice Writer: one standard Partly met, with its action, who and when
    "s1_lead": ("select", "Fully met"), "s1_evidence": ("text", "Board minutes, March."),
    "s2_training": ("select", "Partly met"), "s2_training.action": ("text", "Train the night shift."),
    "s2_training.when_who": ("text", "Training lead"), "s2_training.due": ("date", "30/06/2030"),
    "s2_allegations": ("select", "N/A"), "s2_evidence": ("text", "Training matrix."),
    "s3_procedures": ("select", "Fully met"), "completed_by": ("text", "Detective Inspector"),
}
HEALTH = {  # Excel, in LibreOffice Calc: Not met and Partly met, each with its action; the board told
    "s1_lead": "Not met", "s1_lead.action": "Appoint a named lead.", "s1_lead.when_who": "Chief nurse",
    "s1_lead.due": "2030-04-30", "s1_evidence": "Vacancy since January.", "s2_training": "Fully met",
    "s2_allegations": "Fully met", "s2_evidence": "LADO log.", "s3_procedures": "Partly met",
    "s3_procedures.action": "Review the policy.", "s3_procedures.when_who": "Named nurse", "s3_procedures.due": "2030-05-31",
    "s3_board": "Yes", "completed_by": "Named nurse",
}
COUNCIL = {  # Excel: Not met with no action at all, a rating without evidence, an action without its date
    "s1_lead": "Not met", "s2_training": "Partly met", "s2_training.action": "Refresher for all staff.",
    "s2_allegations": "Fully met", "s2_evidence": "HR records.", "s3_procedures": "Fully met", "completed_by": "Head of service",
}


@pytest.mark.office
def test_a_self_assessment_written_from_the_guide_runs_end_to_end_from_any_folder(tmp_path, monkeypatch):
    """Issued in Word and Excel, filled in LibreOffice with a mix of ratings: the incomplete return is named question by question, and each agency's own plan lists its actions."""
    from tests.office import client

    client.require_office()
    officer = tmp_path / "officer"
    officer.mkdir()
    (officer / "agency-self-assessment.yaml").write_text(readme_example(), encoding="utf-8")
    (officer / "agencies.csv").write_bytes((EXAMPLE / "agencies.csv").read_bytes())
    audit = tmp_path / "share" / "S11 2030"
    elsewhere = [tmp_path / name for name in ("scheduler", "desktop", "reports-desk")]
    for folder in elsewhere:
        folder.mkdir()

    monkeypatch.chdir(officer)  # the tool is given as the officer has it: a file name in this folder
    maa("new-audit", str(audit), "--title", "Section 11 self-assessment 2030", "--partnership", "Northshire SCP",
        "--tool", "agency-self-assessment.yaml", "--agencies", "agencies.csv", "--deadline", "31/03/2030",
        "--return-to", "audits@northshire.example")
    monkeypatch.chdir(elsewhere[0])
    maa("issue-forms", str(audit))
    maa("issue-forms", str(audit), "--format", "docx")

    from maa_cli.forms.plan import plan_forms
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    form = {(f.agency, f.format): ws.forms_dir / f.relpath for f in plan_forms(ws, fmt="xlsx") + plan_forms(ws, fmt="docx")}
    tool = ws.tools["agency-self-assessment"]
    names = bookmark_names(answer_boxes(tool.fields()))
    police = ws.returns_dir / "Police S11.docx"
    client.fill_docx(form["Northshire Police", "docx"], police,
                     [{"bookmark": names[k], "op": op, ("text" if op == "date" else "value"): v} for k, (op, v) in POLICE.items()])
    for agency, answers, name in (("Northshire Community Health", HEALTH, "health.xlsx"),
                                  ("Northshire Council", COUNCIL, "council return.xlsx")):
        cells = [{"name": defined_name(k), "how": "api", "kind": "date" if k.endswith(".due") else "text", "value": v}
                 for k, v in answers.items()]
        client.fill_xlsx(form[agency, "xlsx"], ws.returns_dir / name, cells)
    an_hour_ago = time.time() - 3600
    for path in ws.returns_dir.iterdir():
        import os

        os.utime(path, (an_hour_ago, an_hour_ago))

    monkeypatch.chdir(audit / "returns")  # 'maa collect' with no folder: the audit it is run in
    result = json.loads(maa("collect", "--json", code=1))
    files = {f["agency"]: f for f in result["files"]}
    assert files["Northshire Police"]["status"] == "accepted", files["Northshire Police"]["reasons"]
    assert files["Northshire Community Health"]["status"] == "accepted", files["Northshire Community Health"]["reasons"]
    council = files["Northshire Council"]
    assert council["status"] == "incomplete"
    named = {re.match(r"Question (\S+) \(([^)]{1,30})", reason).groups(): reason for reason in council["reasons"]}
    assert sorted(named) == [("1.1", "Action points for question 1.1"), ("1.2", "What shows this? (for example "),
                             ("2.1", "Target date for question 2.1"), ("3.2", "Has your board or senior leade")]
    why = " | ".join(council["reasons"])
    assert "because the answer is Not met" in why and "because question 1.1 is answered" in why
    assert "because question 1.1, question 2.1, question 2.2 or question 3.1 is Not met" in why

    monkeypatch.chdir(elsewhere[2])
    maa("report", str(audit))
    plans = audit / "reports" / "respondents"
    assert sorted(p.name for p in plans.iterdir()) == ["Northshire Community Health.xlsx", "Northshire Police.xlsx"]

    def rows(agency: str) -> list[tuple]:
        sheet = load_workbook(plans / f"{agency}.xlsx").active
        return [(r[0], r[2], r[3], r[4]) for r in sheet.iter_rows(values_only=True) if r[0] and re.fullmatch(r"\d\.\d", str(r[0]))]

    assert rows("Northshire Police") == [("2.1", "Partly met", "Train the night shift.", "Training lead; by 30/06/2030")]
    assert rows("Northshire Community Health") == [
        ("1.1", "Not met", "Appoint a named lead.", "Chief nurse; by 30/04/2030"),
        ("3.1", "Partly met", "Review the policy.", "Named nurse; by 31/05/2030"),
    ]

    data = load_workbook(audit / "reports" / "restricted" / "data-workbook.xlsx")
    actions = data["Setting actions"]
    head = [c.value for c in actions[1]]
    listed = {(r[head.index("Agency")], r[head.index("No.")], r[head.index("Action points")], r[head.index("When / who")],
               r[head.index("Target date")].date().isoformat()) for r in actions.iter_rows(min_row=2, values_only=True)}
    assert listed == {("Northshire Police", "2.1", "Train the night shift.", "Training lead", "2030-06-30"),
                      ("Northshire Community Health", "1.1", "Appoint a named lead.", "Chief nurse", "2030-04-30"),
                      ("Northshire Community Health", "3.1", "Review the policy.", "Named nurse", "2030-05-31")}

    # The heat map, in the findings report (three agencies) and the data workbook: each cell is what was typed.
    typed = {"Northshire Police": {k: v for k, (_op, v) in POLICE.items()}, "Northshire Community Health": HEALTH}
    numbers = {"s1_lead": "1.1", "s2_training": "2.1", "s2_allegations": "2.2", "s3_procedures": "3.1", "s3_board": "3.2"}
    expected = {(agency, numbers[k]): v for agency, answers in typed.items() for k, v in answers.items() if k in numbers}
    expected |= {("Northshire Council", n): "No return" for n in numbers.values()}
    assert heat_map_in_report(audit / "reports" / "findings-report.docx") == expected
    sheet = data["Matrix"]
    columns = [c.value for c in sheet[3]]
    in_workbook = {(row[0], columns[i]): value.split(" · ")[0] for row in sheet.iter_rows(min_row=5, values_only=True)
                   if row[0] != "Needing action" for i, value in enumerate(row) if i and value}
    assert in_workbook == expected
    assert [c.value for c in sheet[sheet.max_row]][1:] == ["1 of 2", "1 of 2", "0 of 1", "1 of 2", "0 of 1"]

    monkeypatch.chdir(elsewhere[1])
    assert "questions 1.1, 1.2, 2.1, 3.2" in maa("status", str(audit), code=None)  # exit 1: a return is incomplete


def heat_map_in_report(path: Path) -> dict[tuple[str, str], str]:
    """(agency, question number) -> the answer in each cell of the report's matrix tables (the word before its colour)."""
    from docx import Document

    cells = {}
    for table in Document(path).tables:
        head = [c.text for c in table.rows[0].cells]
        if head[0] != "Respondent":
            continue
        for row in table.rows[1:]:
            texts = [c.text for c in row.cells]
            cells |= {(texts[0], head[i]): t.split(" · ")[0] for i, t in enumerate(texts) if i and t}
    return cells
