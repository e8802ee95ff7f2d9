"""The results part of the findings report: each section and question of one form type.

Every table shows counts beside percentages, with what was left out of the
denominator (N/A, unanswered) said in words. A summary ranks the questions
weakest first, as a table and a chart.
"""

from __future__ import annotations

from . import charts
from . import figures as fig
from .context import ReportContext
from .docx_kit import FLAG_FILL, USABLE_CM, Doc, shade
from .participation import label

# Narrative quoted in the shareable report (case audits): answers to long-text questions,
# not the "why this judgement" boxes, which go to the panel pack in full.
QUOTED_ROLES = ("answer",)


def quotable(tool):
    return [f for f in tool.fields() if f.type == "long_text" and f.role in QUOTED_ROLES and not (f.part or f.question).identifying
            and not f.question.urgent and f.question.required_when is None]


def write_results(doc: Doc, ctx: ReportContext, form_type: str, heading: str, quote: bool) -> None:
    figures = ctx.figures[form_type]
    accepted = ctx.accepted(form_type)
    doc.heading(heading, 1)
    if not accepted:
        doc.para("No complete returns of this form yet.")
        return
    doc.para(f"From {len(accepted)} complete {'return' if len(accepted) == 1 else 'returns'}.")
    _summary(doc, ctx, figures)
    section = None
    quoted = {f.key for f in quotable(ctx.tools[form_type])} if quote else set()
    for qf in figures:
        if not fig.is_practice(qf.question):
            continue  # current concerns go to the officer at collect time, never into a shareable report
        if qf.section != section:
            section = qf.section
            doc.heading(section, 2)
        doc.heading(f"{qf.number} {qf.question.text}", 3)
        _question(doc, ctx, qf, accepted, qf.question.id in quoted)


def _summary(doc: Doc, ctx: ReportContext, figures: list[fig.QuestionFigures]) -> None:
    ranked = fig.weakest_first(figures)
    yes_no = [qf for qf in ranked if qf.kind == "yes_no"]
    grades = [qf for qf in ranked if qf.kind == "grade"]
    if yes_no:
        doc.heading("Compliance by question, weakest first", 2)
        doc.para("A question is met when every part that applies is answered Yes; N/A answers are left out.")
        rows = [[qf.number, qf.question.text, _n(ctx, qf.compliance), qf.compliance.of, _pct(ctx, qf.compliance)] for qf in yes_no]
        table = doc.table(["No.", "Question", "Met", "Answered", "%"], rows, [1.3, 9.4, 1.7, 2.1, 2.5], caption="Compliance by question, weakest first")
        _flag_low(table, [qf.compliance for qf in yes_no])
        doc.para()
        _chart(doc, ctx, lambda: charts.bar_chart("Compliance by question, weakest first",
                                                  [(f"{qf.number} {qf.question.text}", qf.compliance) for qf in yes_no], "met", ctx.small))
    if grades:
        doc.heading("Grades by question, weakest first", 2)
        rows = [[qf.number, qf.question.text, _n(ctx, qf.positive), qf.positive.of, _pct(ctx, qf.positive)] for qf in grades]
        label_ = grades[0].positive_label
        table = doc.table(["No.", "Question", label_.capitalize(), "Graded", "%"], rows, [1.3, 8.2, 2.9, 2.1, 2.5],
                          caption="Grades by question, weakest first")
        _flag_low(table, [qf.positive for qf in grades])
        doc.para()
        _chart(doc, ctx, lambda: charts.grade_chart("Grades given, by question", [qf for qf in figures if qf.kind == "grade"], ctx.small))


def _flag_low(table, counts: list[fig.Count]) -> None:
    """Shade the percentage of questions below half, and say so in words (colour never alone)."""
    for row, count in zip(table.rows[1:], counts, strict=True):
        if count.pct is not None and count.pct < 50:
            shade(row.cells[-1], FLAG_FILL)
            para = row.cells[-1].paragraphs[0]
            para.add_run(" (below half)").italic = True


def _question(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, accepted: list[dict], quote: bool) -> None:
    d = qf.distribution
    if qf.kind in ("yes_no", "grade", "choice", "multiple") and d is not None:
        if not d.answered:
            doc.para("No answers (other than N/A) to count.")
            return
        header = {"yes_no": "Answer", "grade": "Grade", "choice": "Answer", "multiple": "Choice"}[qf.kind]
        rows = [[v, _n(ctx, d.count(v)), _pct(ctx, d.count(v))] for v in d.values if qf.kind != "multiple" or d.counts.get(v)]
        doc.table([header, "Count", f"% of {d.answered} answered"], rows, [9.0, 3.0, 5.0], caption=f"Question {qf.number}")
        doc.para(_left_out(d, qf.kind), style="Form guidance")
        if qf.parts:
            rows = []
            for lab, text_, pd in qf.parts:
                yes = pd.count("Yes")
                rows.append([f"{lab} {text_}".strip(), _n(ctx, yes), _n(ctx, pd.count("No")), pd.not_applicable, _pct(ctx, yes)])
            doc.table(["Part", "Yes", "No", "N/A", "% Yes"], rows, [9.6, 1.8, 1.8, 1.8, 2.0], caption=f"Question {qf.number} by part")
            doc.para()
        for group, split in qf.by_group.items():
            _by_group(doc, ctx, qf, group, split)
    elif qf.kind == "number":
        values = qf.numbers
        if values:
            doc.para(f"{len(values)} answers: median {fig.median(values):g}, lowest {values[0]}, highest {values[-1]}.")
        else:
            doc.para("No answers.")
    else:
        doc.para(f"{qf.text_answers} {'answer' if qf.text_answers == 1 else 'answers'}.")
        if quote:
            _quotes(doc, ctx, qf, accepted)
        elif qf.text_answers and qf.kind == "text":
            doc.para("The answers are in full in the panel pack (restricted).", style="Form guidance")


def _left_out(d: fig.Distribution, kind: str) -> str:
    bits = []
    if d.not_applicable:
        bits.append(f"{d.not_applicable} answered N/A")
    if d.unanswered:
        bits.append(f"{d.unanswered} did not answer")
    out = "Percentages are of those who answered" + (f"; left out: {', '.join(bits)}." if bits else ".")
    if kind == "multiple":
        out += " More than one could be chosen, so percentages add up to more than 100."
    return out


def _by_group(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, group: str, split: dict[str, fig.Distribution]) -> None:
    if len(split) < 2:
        return
    name = label(group)
    if qf.kind == "yes_no":
        rows = []
        for value, d in split.items():
            c = fig.Count(d.counts.get("Yes", 0), d.counts.get("Yes", 0) + d.counts.get("No", 0))
            rows.append([value, _n(ctx, c), c.of, _pct(ctx, c)])
        doc.table([name, "Met", "Answered", "%"], rows, [8.0, 3.0, 3.0, 3.0], caption=f"Question {qf.number} by {name.lower()}")
    else:
        values = [v for v in next(iter(split.values())).values]
        widths = [4.5] + [(USABLE_CM - 4.5 - 1.6) / max(1, len(values))] * len(values) + [1.6]
        rows = [[value] + [_n(ctx, d.count(v)) if d.counts.get(v) else "" for v in values] + [d.answered] for value, d in split.items()]
        doc.table([name] + list(values) + ["n"], rows, widths, caption=f"Question {qf.number} by {name.lower()}", size=8.5)
    doc.para()


def _quotes(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, accepted: list[dict]) -> None:
    """Masked quotations, attributed to agency and case only."""
    items = []
    for r in accepted:
        value = r["answers"].get(qf.question.id)
        if not value:
            continue
        who = ", ".join(x for x in (r.get("agency"), r.get("case_ref") and f"case {r['case_ref']}") if x)
        items.append(f"{who}: \u201c{ctx.mask(value, ctx.where(r, qf.question.id))}\u201d")
    doc.bullets(items)


def _chart(doc: Doc, ctx: ReportContext, make) -> None:
    try:
        chart = make()
    except ImportError:
        if "charts were left out: install matplotlib to draw them" not in ctx.notes:
            ctx.notes.append("charts were left out: install matplotlib to draw them")
        return
    if chart is not None:
        doc.picture(chart.png, chart.alt, chart.title)


def _n(ctx: ReportContext, count: fig.Count) -> str:
    return f"fewer than {ctx.small}" if ctx.small and 0 < count.n < ctx.small else str(count.n)


def _pct(ctx: ReportContext, count: fig.Count) -> str:
    return "–" if count.suppressed(ctx.small) else fig.percent(count.pct)
