"""Panel packs (.docx, restricted): the evidence the findings meeting works from.

One pack per case: the case's non-identifying profile, who returned what,
suggested lines of enquiry, every agency's grades side by side with the
differences marked (shading *and* words), then each question with every
agency's full answer. Answers without a case (questionnaires, forms answered
once) go into one pack grouped by question. Narrative is not masked here: the
panel needs it whole, so the packs live in ``reports/restricted/``. They hold no
child's name or date of birth all the same: the panel works by case reference.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from ..definitions.tool import NA, YES
from ..forms.naming import clean
from . import figures as fig
from . import text
from .context import ReportContext
from .docx_kit import FLAG_FILL, USABLE_CM, Doc, shade
from .participation import label, received_date

RESTRICTED = ("Restricted: for the audit panel only. This pack quotes practitioners' answers in full and may name family "
              "members or staff. Do not forward it or copy from it into anything shared; keep it with the audit's restricted files.")
NO_ANSWER = "\u2014"


def write_panel_packs(ctx: ReportContext) -> list[Path]:
    out = []
    folder = ctx.ws.reports_dir / "restricted"
    for case in sorted(ctx.audit.cases, key=lambda c: c.case_ref):
        records = [r for r in ctx.records if r.get("case_ref") == case.case_ref]
        asked = [e for e in ctx.manifest.values() if e.get("case_ref") == case.case_ref and e.get("form_type") in ctx.tools]
        if asked or records:
            out.append(_case_pack(ctx, case, records, asked, folder / f"Panel pack - Case {clean(case.case_ref, 30)}.docx"))
    rest = [r for r in ctx.records if not r.get("case_ref")]
    if rest:
        out.append(_narrative_pack(ctx, rest, folder / "Panel pack - answers by question.docx"))
    return out


def display(value) -> str:
    if value in (None, "", []):
        return NO_ANSWER
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return dt.date.fromisoformat(value).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return str(value)


def _answer_text(ctx: ReportContext, tool, record: dict, q) -> str:
    """A question's answer with its parts and companion boxes, one block each."""
    a = record["answers"]
    blocks = []
    for f in tool.fields():
        if f.question is not q:
            continue
        value = a.get(f.key)
        if f.role == "answer" and f.part is not None:
            blocks.append(f"{f.part.label or ''} {f.part.text}: {display(value)}".strip())
        elif f.role == "answer":
            blocks.append(display(value))
        elif value not in (None, "", []):
            blocks.append(f"{f.label}: {display(value)}")
    return ctx.guard.xml("\n\n".join(blocks), ctx.where(record, q.id))


def _who(record: dict) -> str:
    who = record.get("agency") or "Respondent"
    return who + (" (incomplete return)" if record["status"] != "accepted" else "")


# -- one case ---------------------------------------------------------------------------------------------


def _case_pack(ctx: ReportContext, case, records: list[dict], asked: list[dict], path: Path) -> Path:
    doc = Doc(ctx, f"Panel pack: case {case.case_ref}", "Panel pack (restricted)", restricted=True)
    doc.para(ctx.audit.title, bold=True)
    doc.heading(f"Panel pack: case {case.case_ref}", 0)
    doc.note(RESTRICTED, fill=FLAG_FILL)
    doc.heading("The case", 1)
    rows = [[label(k), v] for k, v in case.attributes.items()] or [["Profile", "None recorded"]]
    doc.table(["About the case", ""], rows, [5.0, USABLE_CM - 5.0], caption="Case profile (no identifying details)")
    doc.para()
    _returns_table(ctx, doc, records, asked)
    doc.heading("Lines of enquiry for the panel", 1)
    items = _enquiries(ctx, records, asked)
    if items:
        doc.paragraphs(text.render("lines-of-enquiry.txt.j2", ctx.ws.root, items=items))
    else:
        doc.para("The returns agree: no differences or gaps stood out. Use the panel to test what made the work effective.")
    for name, tool in ctx.tools.items():
        mine = [r for r in records if r["form_type"] == name]
        if not mine:
            continue
        doc.heading(ctx.titles[name], 1)
        _grade_matrix(ctx, doc, tool, mine)
        _feature_matrix(ctx, doc, tool, mine)
        section = None
        for s_title, q in fig.answer_questions(tool):
            if s_title != section:
                section = s_title
                doc.heading(section, 2)
            doc.heading(f"{q.number or q.id} {q.text}", 3)
            rows = [[_who(r), _answer_text(ctx, tool, r, q)] for r in mine]
            table = doc.table(["Agency", "Answer"], rows, [4.0, USABLE_CM - 4.0], caption=f"Question {q.number or q.id}, all agencies",
                              keep_rows=False)
            if q.urgent:
                for row, r in zip(table.rows[1:], mine, strict=True):
                    if r["answers"].get(q.id) == YES:
                        shade(row.cells[1], FLAG_FILL)
                        row.cells[1].paragraphs[0].add_run("  \u2014 CURRENT CONCERN: check it was acted on").bold = True
    return doc.save(path)


def _returns_table(ctx: ReportContext, doc: Doc, records: list[dict], asked: list[dict]) -> None:
    by_key = {(r["form_type"], r.get("agency")): r for r in records}
    rows = []
    for e in sorted(asked, key=lambda e: (e["form_type"], e.get("agency") or "")):
        r = by_key.get((e["form_type"], e.get("agency")))
        status = "No return" if r is None else ("Complete" if r["status"] == "accepted" else "Incomplete")
        got = received_date(r) if r else None
        rows.append([e.get("agency") or "", ctx.titles[e["form_type"]], status, got.strftime("%d/%m/%Y") if got else ""])
    if rows:
        doc.heading("Returns", 1)
        doc.table(["Agency", "Form", "Status", "Received"], rows, [5.0, 6.0, 3.0, 3.0], caption="Returns for this case")
        doc.para()


def _enquiries(ctx: ReportContext, records: list[dict], asked: list[dict]) -> list[dict]:
    items: list[dict] = []
    returned = {(r["form_type"], r.get("agency")) for r in records}
    missing = sorted({e.get("agency") for e in asked if (e["form_type"], e.get("agency")) not in returned and e.get("agency")})
    if missing:
        items.append({"kind": "missing", "agencies": missing})
    for name, tool in ctx.tools.items():
        mine = [r for r in records if r["form_type"] == name and r["status"] == "accepted"]
        for comp in fig.compare_grades(tool, mine):
            if comp.spread >= 2:
                grades = "; ".join(f"{a} {g.lower()}" for a, g in comp.grades.items())
                items.append({"kind": "spread", "question": comp.question.text, "spread": comp.spread, "grades": grades})
            worst = comp.scale[-1] if comp.scale else None
            weakest = sorted(a for a, g in comp.grades.items() if g == worst)
            if weakest and comp.spread < 2:
                items.append({"kind": "weak", "question": comp.question.text, "grade": worst, "agencies": weakest})
        for _s, q in fig.answer_questions(tool):
            if q.type == "multiple_choice" and len(mine) > 1:
                ticked: dict[str, list[str]] = {}
                for r in mine:
                    for choice in r["answers"].get(q.id) or []:
                        ticked.setdefault(choice, []).append(r.get("agency") or "")
                for choice, agencies in ticked.items():
                    if len(agencies) < len(mine) and choice != NA:
                        items.append({"kind": "feature", "feature": choice, "agencies": sorted(agencies)})
            if q.urgent:
                flagged = sorted(r.get("agency") or "" for r in mine if r["answers"].get(q.id) == YES)
                if flagged:
                    items.append({"kind": "urgent", "agencies": flagged})
    return items


def _grade_matrix(ctx: ReportContext, doc: Doc, tool, records: list[dict]) -> None:
    comps = [c for c in fig.compare_grades(tool, records)]
    if not comps:
        return
    agencies = [r.get("agency") or r["form_id"] for r in records if r["status"] == "accepted"]
    if not agencies:
        return
    doc.heading("Grades side by side", 2)
    doc.para("Each agency's grade for each question. Where agencies differ, the last column says by how many steps of the scale, "
             "and the row is shaded.", style="Form guidance")
    rows = []
    for c in comps:
        agree = "No grades" if not c.grades else ("Agree" if not c.differs else f"Differ by {c.spread} step{'s' if c.spread != 1 else ''}")
        rows.append([f"{c.question.number} {c.question.text}"] + [c.grades.get(a, NO_ANSWER) for a in agencies] + [agree])
    first = 4.5
    each = (USABLE_CM - first - 2.4) / len(agencies)
    table = doc.table(["Question"] + agencies + ["Agreement"], rows, [first] + [each] * len(agencies) + [2.4],
                      caption="Grades side by side", size=8)
    for row, c in zip(table.rows[1:], comps, strict=True):
        if c.differs:
            for cell in row.cells:
                shade(cell, FLAG_FILL)
            row.cells[-1].paragraphs[0].runs[0].bold = True
    doc.para()


def _feature_matrix(ctx: ReportContext, doc: Doc, tool, records: list[dict]) -> None:
    accepted = [r for r in records if r["status"] == "accepted"]
    for _s, q in fig.answer_questions(tool):
        if q.type != "multiple_choice" or not accepted:
            continue
        agencies = [r.get("agency") or r["form_id"] for r in accepted]
        choices = [c for c in tool.choices_for(q) if any(c in (r["answers"].get(q.id) or []) for r in accepted)]
        if not choices:
            continue
        doc.heading(f"{q.text} (as each agency recorded it)", 2)
        rows = [[c] + ["Yes" if c in (r["answers"].get(q.id) or []) else "" for r in accepted] for c in choices]
        each = (USABLE_CM - 5.0) / len(agencies)
        doc.table([q.number or q.id] + agencies, rows, [5.0] + [each] * len(agencies), caption=q.text, size=8)
        doc.para()


# -- answers without a case ----------------------------------------------------------------------------------


def _narrative_pack(ctx: ReportContext, records: list[dict], path: Path) -> Path:
    """Every written answer of forms without a case, one table per question.

    A question's table has a row per respondent who wrote something there: the answer it chose
    (a rating, Yes or No) beside its written boxes (the evidence, why, action points, when / who)
    and the target date, so the panel reads a rating with what was said about it.
    """
    doc = Doc(ctx, f"{ctx.audit.title}: answers by question", "Panel pack (restricted)", restricted=True)
    doc.para(ctx.audit.title, bold=True)
    doc.heading("Panel pack: written answers by question", 0)
    doc.note(RESTRICTED, fill=FLAG_FILL)
    for name, tool in ctx.tools.items():
        mine = sorted((r for r in records if r["form_type"] == name), key=lambda r: _who(r).casefold())
        if not mine:
            continue
        doc.heading(ctx.titles[name], 1)
        for _section, q in fig.answer_questions(tool):
            _written(ctx, doc, tool, q, mine)
    return doc.save(path)


def _written(ctx: ReportContext, doc: Doc, tool, q, records: list[dict]) -> None:
    boxes = [f for f in tool.fields() if f.question is q and not (f.part or q).identifying]
    written = [f for f in boxes if f.type in fig.TEXT_TYPES and any(r["answers"].get(f.key) not in (None, "") for r in records)]
    if not written:
        return
    chosen = [f for f in boxes if f.role == "answer" and f.type not in fig.TEXT_TYPES]
    dated = [f for f in boxes if f.role == "due"]
    header = ["Respondent"] + (["Answer"] if chosen else []) + [_label(f) for f in written] + [f.label for f in dated]
    rows = []
    for r in records:
        a = r["answers"]
        if all(a.get(f.key) in (None, "") for f in written):
            continue
        row = [_who(r)]
        if chosen:  # a question's answer, or its parts' answers on one line ("a: Yes; b: No")
            row.append(display(a.get(chosen[0].key)) if len(chosen) == 1 and chosen[0].part is None else
                       "; ".join(f"{f.part.label or f.part.id}: {display(a.get(f.key))}" for f in chosen))
        row += [display(a.get(f.key)) for f in written + dated]
        rows.append([ctx.guard.xml(str(v), ctx.where(r, q.id)) for v in row])
    title = f"{q.number or q.id} {q.text}"
    narrow = [3.0] * bool(chosen) + [2.4] * len(dated)
    wide = (USABLE_CM - 3.8 - sum(narrow)) / len(written)
    widths = [3.8] + narrow[:bool(chosen)] + [wide] * len(written) + [2.4] * len(dated)
    doc.heading(title, 2)
    doc.table(header, rows, widths, caption=title, keep_rows=False, size=9)
    doc.para()


def _label(f) -> str:
    """A written box's column: 'Answer' for the question's own box, else the box's label (part, Action points…)."""
    if f.role == "answer":
        return f"{f.part.label or f.part.id}" if f.part is not None else "Answer"
    return f.label
