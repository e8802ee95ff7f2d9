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
from .suppress import HIDDEN, ShownDistribution, ShownTable, count_cells, fewer, is_small, number

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
    doc.para(f"From {len(accepted)} complete {'return' if len(accepted) == 1 else 'returns'}.").paragraph_format.keep_with_next = True
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


def ranked_for_print(ctx: ReportContext, items: list, count, order: list) -> list:
    """``items`` (already weakest first) with the suppressed ones moved to the end, in ``order``
    (form order): a hidden count's place in a ranking would narrow it down."""
    if not ctx.small:
        return items
    shown = [x for x in items if not count(x).suppressed(ctx.small)]
    hidden = [x for x in items if count(x).suppressed(ctx.small)]
    return shown + sorted(hidden, key=lambda x: next(i for i, y in enumerate(order) if y is x))


def _ranking_note(doc: Doc, ctx: ReportContext, items: list, count) -> None:
    if ctx.small and any(count(x).suppressed(ctx.small) for x in items):
        doc.para(f"Rows with a count held back (below {ctx.small}, or one that would give such a count away) come last, "
                 "in a fixed order, so that their place in the ranking does not give them away.", style="Form guidance")


def _summary(doc: Doc, ctx: ReportContext, figures: list[fig.QuestionFigures]) -> None:
    ranked = fig.weakest_first(figures)
    yes_no = ranked_for_print(ctx, [qf for qf in ranked if qf.kind == "yes_no"], lambda qf: qf.compliance, figures)
    grades = ranked_for_print(ctx, [qf for qf in ranked if qf.kind == "grade"], lambda qf: qf.positive, figures)
    if yes_no:
        doc.heading("Compliance by question, weakest first", 2)
        doc.para("A question is met when every part that applies is answered Yes; N/A answers are left out.")
        rows = [[qf.number, qf.question.text, *count_cells(qf.compliance, ctx.small)] for qf in yes_no]
        table = doc.table(["No.", "Question", "Met", "Answered", "%"], rows, [1.3, 9.4, 1.7, 2.1, 2.5], caption="Compliance by question, weakest first")
        _flag_low(ctx, table, [qf.compliance for qf in yes_no])
        _ranking_note(doc, ctx, yes_no, lambda qf: qf.compliance)
        doc.para()
        _chart(doc, ctx, lambda: charts.bar_chart("Compliance by question, weakest first",
                                                  [(f"{qf.number} {qf.question.text}", qf.compliance) for qf in yes_no], "met", ctx.small))
    if grades:
        doc.heading("Grades by question, weakest first", 2)
        rows = [[qf.number, qf.question.text, *count_cells(qf.positive, ctx.small)] for qf in grades]
        label_ = grades[0].positive_label
        table = doc.table(["No.", "Question", label_.capitalize(), "Graded", "%"], rows, [1.3, 8.2, 2.9, 2.1, 2.5],
                          caption="Grades by question, weakest first")
        _flag_low(ctx, table, [qf.positive for qf in grades])
        _ranking_note(doc, ctx, grades, lambda qf: qf.positive)
        doc.para()
        _chart(doc, ctx, lambda: charts.grade_chart("Grades given, by question", [qf for qf in figures if qf.kind == "grade"], ctx.small))


def _flag_low(ctx: ReportContext, table, counts: list[fig.Count]) -> None:
    """Shade the percentage of questions below half, and say so in words (colour never alone).
    A suppressed row is never flagged: "below half" would narrow its hidden count down."""
    for row, count in zip(table.rows[1:], counts, strict=True):
        if count.pct is not None and count.pct < 50 and not count.suppressed(ctx.small):
            shade(row.cells[-1], FLAG_FILL)
            para = row.cells[-1].paragraphs[0]
            para.add_run(" (below half)").italic = True


def _question(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, accepted: list[dict], quote: bool) -> None:
    d = qf.distribution
    if qf.kind in ("yes_no", "grade", "choice", "multiple") and d is not None:
        if not d.answered:
            doc.para("No answers (other than N/A) to count.")
            return
        shown = ShownDistribution(d, ctx.small, multiple=qf.kind == "multiple")
        header = {"yes_no": "Answer", "grade": "Grade", "choice": "Answer", "multiple": "Choice"}[qf.kind]
        listed = [v for v in d.values if qf.kind != "multiple" or d.counts.get(v) or shown.answered_hidden]
        rows = [[v, shown.count(v), shown.pct(v)] for v in listed]
        of = "those who answered" if shown.answered_hidden else f"{d.answered} answered"
        doc.table([header, "Count", f"% of {of}"], rows, [9.0, 3.0, 5.0], caption=f"Question {qf.number}")
        doc.para(_left_out(shown, qf.kind), style="Form guidance")
        if qf.parts:
            rows = []
            for lab, text_, pd in qf.parts:
                part = ShownDistribution(pd, ctx.small)
                na = HIDDEN if part.na_hidden else str(pd.not_applicable)
                rows.append([f"{lab} {text_}".strip(), part.count("Yes"), part.count("No"), na, part.pct("Yes")])
            doc.table(["Part", "Yes", "No", "N/A", "% Yes"], rows, [9.6, 1.8, 1.8, 1.8, 2.0], caption=f"Question {qf.number} by part")
            doc.para()
        for group, split in qf.by_group.items():
            _by_group(doc, ctx, qf, group, split)
    elif qf.kind == "number":
        values = qf.numbers
        if values and is_small(len(values), ctx.small):
            doc.para(f"{fewer(ctx.small).capitalize()} answers: the figures are not shown.")
        elif values:
            doc.para(f"{len(values)} answers: median {fig.median(values):g}, lowest {values[0]}, highest {values[-1]}.")
        else:
            doc.para("No answers.")
    else:
        n = qf.text_answers
        doc.para(f"{number(n, ctx.small)} {'answer' if n == 1 else 'answers'}.")
        if quote:
            _quotes(doc, ctx, qf, accepted)
        elif qf.text_answers and qf.kind == "text":
            doc.para("The answers are in full in the panel pack (restricted).", style="Form guidance")


def _left_out(shown: ShownDistribution, kind: str) -> str:
    bits = shown.left_out()
    out = "Percentages are of those who answered" + (f"; left out: {', '.join(bits)}." if bits else ".")
    if kind == "multiple":
        out += " More than one could be chosen, so percentages add up to more than 100."
    return out


def _by_group(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, group: str, split: dict[str, fig.Distribution]) -> None:
    if len(split) < 2:
        return
    name = label(group)
    groups = list(split.items())
    if qf.kind == "yes_no":
        cells = [[d.counts.get("Yes", 0), d.counts.get("No", 0)] for _v, d in groups]
        shown = ShownTable(cells, [yes + no for yes, no in cells], ctx.small)
        if _all_hidden(doc, ctx, shown, qf, name):
            return
        rows = []
        for r, (value, _d) in enumerate(groups):
            yes, no = cells[r]
            pct = "–" if shown.row_hidden(r) or shown.whole[r] else fig.percent(fig.Count(yes, yes + no).pct)
            rows.append([value, shown.cell(r, 0), shown.total(r), pct])
        doc.caption(f"Question {qf.number} by {name.lower()}")
        doc.table([name, "Met", "Answered", "%"], rows, [8.0, 3.0, 3.0, 3.0], caption=f"Question {qf.number} by {name.lower()}")
    else:
        values = [v for v in next(iter(split.values())).values]
        cells = [[d.counts.get(v, 0) for v in values] for _v, d in groups]
        shown = ShownTable(cells, [d.answered for _v, d in groups], ctx.small, sums=qf.kind != "multiple")
        if _all_hidden(doc, ctx, shown, qf, name):
            return
        printed = [[shown.cell(r, c) if shown.mask[r][c] or cells[r][c] else "" for c in range(len(values))]
                   for r in range(len(groups))]
        if qf.kind == "multiple":  # as in the main table, a choice nobody ticked is not listed
            keep = [c for c in range(len(values)) if any(printed[r][c] for r in range(len(groups)))]
            values, printed = [values[c] for c in keep], [[row[c] for c in keep] for row in printed]
        _crosstab(doc, ctx, qf, name, [g for g, _d in groups], values, printed, [shown.total(r) for r in range(len(groups))])
    doc.para()


CROSSTAB_PT = 8.5
MAX_HEADING_LINES = 3  # a value heading that would wrap to more lines than this turns the table: values down the side
ANSWER_HEADING = {"grade": "Grade", "choice": "Answer", "multiple": "Choice"}


def _crosstab(doc: Doc, ctx: ReportContext, qf: fig.QuestionFigures, name: str, groups: list[str], values: list[str],
              printed: list[list[str]], totals: list[str]) -> None:
    """A breakdown laid out to be read: groups down the side and values across when every value
    heading fits whole; otherwise turned, values down the side and groups across (their totals as
    the last row); and when even the groups do not fit across, divided into tables that do."""
    from .layout import CELL_PADDING_CM, share, split_columns, text_lines

    caption = f"Question {qf.number} by {name.lower()}"
    n_width = 2.2 if ctx.small else 1.6  # room for "fewer than 5"
    first = 4.5
    across = split_columns(list(values), USABLE_CM - first - n_width, CROSSTAB_PT)
    widths = [first] + share(USABLE_CM - first - n_width, list(values), CROSSTAB_PT) + [n_width]
    tall = any(text_lines(v, w - CELL_PADDING_CM, CROSSTAB_PT, bold=True) > MAX_HEADING_LINES for v, w in zip(values, widths[1:], strict=False))
    if len(across) == 1 and not tall:
        rows = [[g] + printed[r] + [totals[r]] for r, g in enumerate(groups)]
        doc.caption(caption)
        doc.table([name] + list(values) + ["n"], rows, widths, caption=caption, size=CROSSTAB_PT)
        return
    first = 5.5
    parts = split_columns(groups, USABLE_CM - first, CROSSTAB_PT)
    for k, cols in enumerate(parts, 1):
        title = caption + (f" (part {k} of {len(parts)})" if len(parts) > 1 else "")
        heads = [groups[c] for c in cols]
        widths = [first] + share(USABLE_CM - first, heads, CROSSTAB_PT)
        rows = [[v] + [printed[c][i] for c in cols] for i, v in enumerate(values)]
        rows.append(["Answered (n)"] + [totals[c] for c in cols])
        doc.caption(f"{title}: one column for each {name.lower()}")
        doc.table([ANSWER_HEADING.get(qf.kind, "Answer")] + heads, rows, widths, caption=title, size=CROSSTAB_PT)
        if k < len(parts):
            doc.para()


def _all_hidden(doc: Doc, ctx: ReportContext, shown: ShownTable, qf: fig.QuestionFigures, name: str) -> bool:
    """A breakdown with every count held back is one sentence, not a table of "not shown"
    (which would still list every group and value present)."""
    if not ctx.small or not shown.mask or not all(all(row) for row in shown.mask):
        return False
    doc.para(f"Question {qf.number} by {name.lower()}: not shown, as every count in it is below {ctx.small} "
             "or would give one away.", style="Form guidance")
    return True


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
