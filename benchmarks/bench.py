"""maa at county scale, stage by stage, beside a naive build in the same run.

    python benchmarks/bench.py N          (N respondents; 1500 is a county's early years settings)

An early years questionnaire goes to N settings (a third of them childminders, to whom one question
does not apply). Each stage is timed for maa and for a naive peer, one after the other, each in a
process of its own so its peak memory can be told:

* issue-forms: each setting's Word and Excel form. Naive: python-docx and openpyxl build each
  document from scratch with the same questions and answer boxes.
* collect, first run: N returns, half Word, half Excel, all complete. Naive: each loaded with
  python-docx / openpyxl (their defaults) and its answers read.
* collect, unchanged re-run: maa again with nothing new, against maa's own first run.
* report: maa's reports (each setting's action plan, the findings report, the workbooks, the panel
  files). Naive: one Word and one Excel document per respondent, with its answers.

The naive peer is written once, below, and deliberately not tuned: python-docx and openpyxl with their
defaults, one document at a time, in a single process. Times are for the stage's work in its process
(Python's own start-up is left out, and is the same for both). The machine's load is printed with the
table: on a shared machine compare the ratios, which come from one run.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.fill import complete_prefill  # noqa: E402 - the same complete return the tests fill in

TODAY = dt.date(2027, 2, 1)
KINDS = ["Day nursery", "Pre-school", "Childminder"]
TOOL = "early-years-safeguarding"


# -- the audit and its returns (not timed) ------------------------------------------------------------------


def make_audit(root: Path, n: int) -> Path:
    from maa_cli.setup.workspace import NewAudit, new_audit

    settings = root / "settings.csv"
    with settings.open("w", newline="", encoding="utf-8") as handle:
        out = csv.writer(handle)
        out.writerow(["agency", "contact_name", "email", "setting_type"])
        for i in range(n):
            out.writerow([f"Setting {i:04d} & Co", f"DSL {i}", f"dsl{i}@setting.example", KINDS[i % 3]])
    new_audit(root / "audit", NewAudit(deadline=dt.date(2027, 12, 31), return_to="audits@northshire-scp.example",
                                       title="Early years safeguarding 2027", partnership="Northshire SCP",
                                       type="questionnaire", tool=TOOL, agencies_csv=settings, today=TODAY))
    return root / "audit"


def answers(tool, attributes: dict, i: int) -> dict:
    """A complete return: Yes where a question applies (N/A where not); every other setting answers one No, with actions."""
    out = complete_prefill(tool, attributes)
    if i % 2:
        out.update({"q4": "No", "q4.action": f"Book refresher training for {i % 7 + 2} staff", "q4.when_who": "Manager, by June"})
    return out


def make_returns(audit: Path) -> None:
    """Each setting returns its form filled in, every other one as Word, the rest as Excel."""
    import dataclasses

    from maa_cli.forms.plan import plan_forms
    from maa_cli.forms.pool import write_forms
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    jobs = []
    for i, form in enumerate(plan_forms(ws, fmt="xlsx")):
        fmt = "docx" if i % 2 == 0 else "xlsx"
        content = dataclasses.replace(form.content, prefill=answers(form.content.tool, form.content.respondent_attributes, i))
        jobs.append((content, fmt, ws.returns_dir / f"return {i:04d}.{fmt}"))
    list(write_forms(jobs))
    old = time.time() - 3600  # saved an hour ago: nothing is still being written
    for _content, _fmt, path in jobs:
        os.utime(path, (old, old))


# -- maa's stages ----------------------------------------------------------------------------------------------


def maa_issue(audit: Path, work: Path) -> str:
    from maa_cli.forms.plan import issue_forms
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    written = sum(len(issue_forms(ws, fmt=fmt).written) for fmt in ("docx", "xlsx"))
    return f"{written} forms"


def maa_collect(audit: Path, work: Path) -> str:
    from maa_cli.intake.collect import collect
    from maa_cli.setup.workspace import open_workspace

    result = collect(open_workspace(audit), settle_seconds=0)
    return f"read {result.read}, reused {result.reused}, accepted {result.summary['accepted']}"


def maa_report(audit: Path, work: Path) -> str:
    from maa_cli.report import build_reports
    from maa_cli.setup.workspace import open_workspace

    result = build_reports(open_workspace(audit), today=TODAY, suppress_below=0)
    plans = sum(1 for p in result.written if p.parent.name == "respondents")
    return f"{len(result.written)} files ({plans} action plans) from {result.responses} returns"


# -- the naive peer: written once, not tuned -------------------------------------------------------------------


def naive_issue(audit: Path, work: Path) -> str:
    from maa_cli.forms.plan import plan_forms
    from maa_cli.setup.workspace import open_workspace

    ws = open_workspace(audit)
    count = 0
    for form in plan_forms(ws, fmt="docx"):
        stem = work / "forms" / Path(form.relpath).stem
        stem.parent.mkdir(parents=True, exist_ok=True)
        _naive_docx_form(form.content, stem.with_suffix(".docx"))
        _naive_xlsx_form(form.content, stem.with_suffix(".xlsx"))
        count += 2
    return f"{count} forms"


def _naive_docx_form(content, path: Path) -> None:
    from docx import Document

    doc = Document()
    doc.core_properties.title = f"{content.form_title} - {content.for_whom}"
    doc.add_heading(content.form_title, level=1)
    doc.add_paragraph(f"{content.partnership} · {content.audit_title}")
    doc.add_paragraph(f"For: {content.for_whom}")
    doc.add_paragraph(content.identity.reference_line())
    doc.add_paragraph(content.how_to_return())
    for section in content.tool.sections:
        doc.add_heading(section.title, level=2)
        table = doc.add_table(rows=1, cols=3)
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, ["No.", "Question", "Your answer"], strict=True):
            cell.text = text
        for question in section.questions:
            for f in content.tool.fields():
                if f.question is not question:
                    continue
                row = table.add_row().cells
                row[0].text = f.number or ""
                row[1].text = f.label if f.role != "answer" or f.part else question.text
                row[2].text = " / ".join(f.choices) if f.choices else ""
    doc.save(path)


def _naive_xlsx_form(content, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    sheet = wb.active
    sheet.title = "Form"
    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    sheet["A1"] = content.form_title
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A2"] = f"For: {content.for_whom}"
    sheet["A3"] = content.identity.reference_line()
    sheet["A4"] = content.how_to_return()
    for col, width in zip("ABCD", (8, 60, 24, 30), strict=True):
        sheet.column_dimensions[col].width = width
    row = 6
    for col, text in enumerate(["Key", "No.", "Question", "Your answer"], 1):
        sheet.cell(row=row, column=col, value=text).font = Font(bold=True)
    for f in content.tool.fields():
        row += 1
        sheet.cell(row=row, column=1, value=f.key)
        sheet.cell(row=row, column=2, value=f.number)
        text = sheet.cell(row=row, column=3, value=f.label if f.role != "answer" or f.part else f.question.text)
        text.alignment = Alignment(wrap_text=True, vertical="top")
        answer = sheet.cell(row=row, column=4)
        answer.fill = PatternFill("solid", fgColor="FFF2CC")
        for c in range(1, 5):
            sheet.cell(row=row, column=c).border = border
        if f.choices:
            rule = DataValidation(type="list", formula1='"' + ",".join(f.choices)[:250] + '"', allow_blank=True)
            sheet.add_data_validation(rule)
            rule.add(answer)
    wb.save(path)


def naive_collect(audit: Path, work: Path) -> str:
    """Load every return with python-docx or openpyxl and read its answers."""
    from docx import Document
    from openpyxl import load_workbook

    from maa_cli.forms.excel import FORM_SHEET

    found = {}
    for path in sorted((audit / "returns").iterdir()):
        got = {}
        if path.suffix == ".docx":
            doc = Document(str(path))
            ns = {"w": "http://schemas.openxmlformats.org/wordprocessingml/2006/main"}
            for sdt in doc.element.body.iter(f"{{{ns['w']}}}sdt"):
                tags = sdt.xpath("./w:sdtPr/w:tag/@w:val", namespaces=ns)
                if tags:
                    got[tags[0]] = "".join(sdt.xpath(".//w:sdtContent//w:t/text()", namespaces=ns))
            props = doc.core_properties.title
        else:
            wb = load_workbook(path)
            sheet = wb[FORM_SHEET]
            for row in sheet.iter_rows(values_only=True):
                if row and isinstance(row[0], str) and row[0].startswith("q"):
                    got[row[0]] = row[3] if len(row) > 3 else None
            props = wb.properties.title
        found[path.name] = {"title": props, "answers": {k: v for k, v in got.items() if isinstance(v, str)}}
    (work / "answers.json").write_text(json.dumps(found), encoding="utf-8")
    return f"{len(found)} returns loaded"


def naive_report(audit: Path, work: Path) -> str:
    """One Word and one Excel document per respondent, with its answers."""
    from docx import Document
    from openpyxl import Workbook
    from openpyxl.styles import Font

    found = json.loads((work / "answers.json").read_text(encoding="utf-8"))
    out = work / "reports"
    out.mkdir(exist_ok=True)
    for name, got in found.items():
        doc = Document()
        doc.add_heading(f"Action plan: {got['title']}", level=1)
        table = doc.add_table(rows=1, cols=2)
        table.rows[0].cells[0].text, table.rows[0].cells[1].text = "Question", "Answer"
        for key, value in got["answers"].items():
            row = table.add_row().cells
            row[0].text, row[1].text = key, value
        doc.save(out / f"{name}.docx")
        wb = Workbook()
        sheet = wb.active
        sheet.append(["Question", "Answer"])
        sheet["A1"].font = sheet["B1"].font = Font(bold=True)
        for key, value in got["answers"].items():
            sheet.append([key, value])
        wb.save(out / f"{name}.xlsx")
    return f"{2 * len(found)} files"


STAGES = {"maa_issue": maa_issue, "maa_collect": maa_collect, "maa_report": maa_report,
          "naive_issue": naive_issue, "naive_collect": naive_collect, "naive_report": naive_report}


# -- running and measuring -----------------------------------------------------------------------------------


def _peak_mb() -> tuple[float, float]:
    """Peak resident memory of this process, and of the largest worker it started (MB); 0 where unknown."""
    try:
        import resource
    except ImportError:  # Windows
        return 0.0, 0.0
    scale = 1 / 1024 if sys.platform != "darwin" else 1 / 1024 / 1024  # kB on Linux, bytes on macOS
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale,
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale)


def run_stage(name: str, audit: Path, work: Path) -> dict:
    """Run one stage in a fresh process: seconds, peak memory (MB), and what it did."""
    done = subprocess.run([sys.executable, __file__, "--stage", name, str(audit), str(work)],
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"stage {name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def _in_child(name: str, audit: Path, work: Path) -> None:
    start = time.perf_counter()
    what = STAGES[name](audit, work)
    seconds = time.perf_counter() - start
    own, workers = _peak_mb()
    print(json.dumps({"seconds": seconds, "rss": own, "workers_rss": workers, "what": what}))


def _load() -> str:
    try:
        return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg()) + f", {os.cpu_count()} cores"
    except (AttributeError, OSError):
        return f"{os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=300, help="respondents (default 300)")
    parser.add_argument("--keep", type=Path, help="build the audit in this (new) folder and keep it")
    parser.add_argument("--stage", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stage:
        _in_child(args.stage[0], Path(args.stage[1]), Path(args.stage[2]))
        return
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        work = root / "naive"
        work.mkdir()
        print(f"{args.n} respondents; {_load()} at the start", flush=True)
        audit = make_audit(root, args.n)
        rows = []

        def stage(label: str, maa: str, naive: str | None, target: float, versus: dict | None = None) -> dict:
            mine = run_stage(maa, audit, work)
            theirs = run_stage(naive, audit, work) if naive else versus
            rows.append((label, mine, theirs, target, naive is None))
            print(f"  {label}: maa {mine['seconds']:.2f} s ({mine['what']}); "
                  f"{'naive' if naive else 'first run'} {theirs['seconds']:.2f} s", flush=True)
            return mine

        stage("issue-forms, Word + Excel", "maa_issue", "naive_issue", 1 / 5)
        make_returns(audit)
        first = stage("collect, first run", "maa_collect", "naive_collect", 1 / 3)
        stage("collect, unchanged re-run", "maa_collect", None, 1 / 20, versus=first)
        stage("report", "maa_report", "naive_report", 1 / 4)
        _table(args.n, rows)


def _table(n: int, rows: list) -> None:
    print(f"\n{n} respondents ({_load()} at the end)\n")
    print("| stage | maa | naive peer | maa / peer | target | met | peak RSS maa (+ largest worker) | peak RSS peer |")
    print("|---|---|---|---|---|---|---|---|")
    for label, mine, theirs, target, own_first in rows:
        ratio = mine["seconds"] / max(theirs["seconds"], 1e-9)
        peer = "first run" if own_first else "naive"
        workers = f" (+ {mine['workers_rss']:.0f})" if mine["workers_rss"] else ""
        peer_rss = "—" if own_first else f"{theirs['rss']:.0f} MB"
        print(f"| {label} | {mine['seconds']:.2f} s | {theirs['seconds']:.2f} s ({peer}) | {ratio:.3f} "
              f"(1/{1 / max(ratio, 1e-9):.1f}) | ≤ {target:.3g} | {'yes' if ratio <= target else 'NO'} | "
              f"{mine['rss']:.0f} MB{workers} | {peer_rss} |")


if __name__ == "__main__":
    main()
