"""The findings report (.docx, shareable): what the audit found, figure by figure.

Before the panel has met (no findings form returned yet) the report is an
*interim* report: it says so in its title, in its properties, on every page and
in a banner at the top with the returns received to date. Once the findings form
is in, the report opens with an executive summary of the panel's conclusions
(what worked well, areas for development, the recommendations with their lead
agency, owner and due date, the independent scrutineer's reflections) and ends
with what happens now: the action plan and when progress will be reviewed.

Between them: a contents list; about this report; audit details and terms of
reference; the audit process (who was asked, who replied and who did not, late
returns); the cases or respondents; results per section and question; themes.
Every count of cases and returns comes from :attr:`ReportContext.counts`. Cases
appear by reference and non-identifying profile only; narrative is quoted only
after masking, under a note asking the officer to check it before sharing. The
report is written for the board, so it never mentions maa's files or commands.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import charts, text
from . import figures as fig
from .conclusions import Conclusions, conclusions
from .context import ReportContext
from .docx_kit import FLAG_FILL, USABLE_CM, Doc, shade
from .participation import NAMED_LIMIT, case_profile, label, received_date
from .results import _chart, _ranking_note, ranked_for_print, write_results
from .summaries import deadline_text, overview_text, process_text
from .suppress import HIDDEN, breakdown_counts, count_cells

FILE_NAME = "findings-report.docx"
AUDIT_TYPES = {"case_audit": "multi-agency case audit", "questionnaire": "self-assessment questionnaire", "thematic": "multi-agency thematic audit"}
INTERIM_FILL = "FCE4D6"
DRAFT = "DRAFT \u2014 not yet checked for publication"
REVIEW_MONTHS = (6, 12)  # progress against the action plan is reviewed this many months after the report, at the soonest and latest


def write_findings_report(ctx: ReportContext) -> Path:
    from .findings_form import findings_from_record

    audit = ctx.audit
    panel = conclusions(ctx, findings_from_record(ctx.findings)) if ctx.findings is not None else None
    kind = "Interim findings report" if panel is None else "Findings report"
    doc = Doc(ctx, f"{audit.title}: {kind.lower()}", kind)
    if panel is None:
        doc.mark("INTERIM REPORT \u2014 the panel has not yet met")
    elif not panel.checked:
        doc.mark(DRAFT)
    doc.para(audit.partnership, bold=True)
    doc.heading(audit.title, 0)
    doc.para(f"{kind} \u00b7 {ctx.today.strftime('%d %B %Y').lstrip('0')}", style="Subtitle" if "Subtitle" in doc.sid else None)
    if panel is None:
        doc.note(ctx.counts.interim_banner(ctx.today) + " The figures will change as more returns arrive; the panel's "
                 "conclusions and recommendations will be added once it has met.", fill=INTERIM_FILL)
    quoting = ctx.audit.type != "questionnaire"
    if quoting:
        doc.note(text.render("check-before-sharing.txt.j2", ctx.ws.root, masked=_masked_quotes(ctx)))
    doc.contents()
    if panel is not None:
        _executive_summary(doc, ctx, panel)

    doc.heading("About this report", 1)
    doc.paragraphs(text.render("report-intro.txt.j2", ctx.ws.root, audit=audit, kind=AUDIT_TYPES.get(audit.type, "audit"),
                               small=ctx.small, interim=panel is None))
    if ctx.small:
        doc.para(f"A count marked \u201c{HIDDEN}\u201d is below {ctx.small}, or is held back because it would let one below "
                 f"{ctx.small} be worked out from the totals; no percentage is given for it. "
                 + ("The cases are described in total only, never one by one." if audit.cases else ""))

    _details(doc, ctx)
    _process(doc, ctx)
    _cases_or_respondents(doc, ctx)
    for name in ctx.tools:
        write_results(doc, ctx, name, heading=f"Results: {ctx.titles[name]}" if len(ctx.tools) > 1 else "Results", quote=quoting)
    _themes(doc, ctx)
    doc.heading("What happens next" if panel is None else "What happens now", 1)
    doc.paragraphs(text.render("next-steps.txt.j2", ctx.ws.root, interim=panel is None, counts=ctx.counts,
                               case_audit=bool(audit.cases), review=_review(ctx, panel)))
    return doc.save(ctx.ws.reports_dir / FILE_NAME)


def review_date(today: dt.date, dues: list[dt.date]) -> dt.date:
    """When progress against the action plan is reviewed: once the last action is due, but no sooner
    than six months and no later than twelve months after the report."""
    soonest, latest = (_add_months(today, m) for m in REVIEW_MONTHS)
    return min(max(max(dues, default=soonest), soonest), latest)


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return dt.date(year, month, min(day.day, 28))


def _review(ctx: ReportContext, panel: Conclusions | None) -> str:
    if panel is None:
        return ""
    return review_date(ctx.today, [r.due for r in panel.recommendations if r.due]).strftime("%B %Y")


def _executive_summary(doc: Doc, ctx: ReportContext, panel: Conclusions) -> None:
    """The panel's conclusions, first: what a board member reads if they read nothing else."""
    doc.heading("Executive summary", 1)
    counts = ctx.counts
    glance = (f"{counts.cases_sentence().capitalize()}; " if counts.chosen else
              f"{counts.replied} of {counts.asked} respondents replied; ") + counts.returns_sentence() + "."
    met = received_date(ctx.findings) if ctx.findings else None
    doc.para(glance)
    doc.para("The audit's findings were agreed at the findings meeting, where the agencies taking part heard each other's "
             "view and agreed the headlines and recommendations below"
             + (f" (recorded on {met.strftime('%d %B %Y').lstrip('0')})." if met else "."))
    for heading, body in (("What worked well", panel.worked_well), ("Areas for development", panel.development)):
        if body:
            doc.heading(heading, 2)
            doc.paragraphs(body)
    if panel.recommendations:
        doc.heading("Recommendations", 2)
        rows = [[r.ref, r.action, r.lead or "To be agreed", r.owner or "To be agreed", r.due.strftime("%b %Y") if r.due else "To be agreed"]
                for r in panel.recommendations]
        doc.table(["Ref", "Recommendation", "Lead agency", "Owner", "Due"], rows, [1.2, 7.4, 3.1, 3.1, 2.2],
                  caption="Recommendations", keep_rows=True)
        doc.para()
    if panel.scrutineer:
        doc.heading("Independent scrutineer's reflections", 2)
        doc.paragraphs(panel.scrutineer)
    if panel.practice:
        doc.heading("What this means for practice", 2)
        doc.paragraphs(panel.practice)


def _masked_quotes(ctx: ReportContext) -> int:
    from .results import quotable

    return sum(1 for r in ctx.accepted() for f in quotable(ctx.tools[r["form_type"]])
               if ctx.masker.found(r["answers"].get(f.key) or ""))


def _details(doc: Doc, ctx: ReportContext) -> None:
    audit = ctx.audit
    doc.heading("Audit details", 1)
    rows = [("Audit", audit.title), ("Partnership", audit.partnership), ("Type", AUDIT_TYPES.get(audit.type, audit.type).capitalize())]
    if audit.theme:
        rows.append(("Theme", audit.theme))
    if (audit.terms_of_reference or "").strip():
        rows.append(("Terms of reference", audit.terms_of_reference.strip()))
    rows.append(("Period looked at", f"The {audit.lookback_months} months before the audit"))
    if audit.deadline:
        rows.append(("Deadline for returns", deadline_text(ctx)))
    rows.append(("Forms used", "; ".join(f"{ctx.titles[ft.name]} ({_per(ft.per)})" for ft in audit.form_types if ft.name in ctx.tools)))
    counts = ctx.counts
    if audit.cases:
        rows.append(("Cases", f"{counts.cases_sentence().capitalize()} ({', '.join(sorted(c.case_ref for c in audit.cases))}). "
                              "A case is audited once an agency has returned a complete form about it."))
    sel = audit.selection
    if sel and sel.method == "sample":
        how = f"A random sample of {sel.n}" + (f" per {sel.per}" if sel.per else "") + f" (seed {sel.seed}, so the draw can be repeated)"
        if sel.eligibility:
            how += ". Eligible: " + "; ".join(sel.eligibility)
        rows.append(("How cases were chosen", how))
    elif sel and sel.method == "nominations":
        rows.append(("How cases were chosen", "Nominated by agencies and accepted by the business unit"))
    else:
        rows.append(("Respondents", f"{counts.asked} asked; {counts.replied} replied"))
    rows.append(("Forms", counts.returns_sentence().capitalize()))
    doc.table(["Item", "Detail"], [list(r) for r in rows], [4.5, USABLE_CM - 4.5], caption="Audit details")
    doc.para()


def _per(per: str) -> str:
    return {"agency_case": "each agency, for each case it worked with", "agency": "each agency or respondent",
            "case": "one per case", "once": "one for the audit"}.get(per, per)


def _process(doc: Doc, ctx: ReportContext) -> None:
    p = ctx.participation
    doc.heading("The audit process", 1)
    doc.paragraphs(process_text(ctx))
    asked = [a for a in p.agencies if a.asked]
    if asked and len(asked) <= NAMED_LIMIT:
        rows = [[a.agency, a.asked, a.accepted, a.incomplete or "", a.late or "", _response(a)] for a in asked]
        doc.table(["Agency", "Forms sent", "Complete", "Incomplete", "Late", "Response"], rows, [5.5, 2.1, 2.1, 2.3, 1.6, 3.4],
                  caption="Returns by agency")
        doc.para()
        if max(a.asked for a in asked) > 1:  # with one form each, a bar per agency says no more than the table
            _chart(doc, ctx, lambda: charts.bar_chart("Returns by agency", [(a.agency, fig.Count(a.returned, a.asked)) for a in asked],
                                                      "of forms returned"))
    elif asked:
        _by_attribute(doc, ctx, asked)
    if p.late_returns:
        doc.heading("Late returns", 2)
        doc.para(f"A return is late when the returned file was saved after the deadline ({deadline_text(ctx)}).", style="Form guidance")
        rows = [[ctx.titles[x["form_type"]], x["agency"] or "", x["case_ref"] or "",
                 x["received"].strftime("%d/%m/%Y") if x["received"] else ""] for x in p.late_returns]
        doc.table(["Form", "Agency", "Case", "Received"], rows, [5.0, 5.5, 2.0, 4.5], caption="Late returns")
        doc.para()


def _response(a) -> str:
    if not a.returned:
        return "No response"
    if a.returned < a.asked:
        return "Partly"
    return "Complete" if a.accepted == a.asked else "Incomplete"


def _by_attribute(doc: Doc, ctx: ReportContext, asked) -> None:
    attrs = {a.name: a.attributes for a in ctx.audit.agencies}
    from .participation import grouping_attributes

    for attribute in grouping_attributes(ctx.audit):
        groups: dict[str, list[int]] = {}
        for a in asked:
            value = attrs.get(a.agency, {}).get(attribute) or "Not recorded"
            g = groups.setdefault(value, [0, 0])
            g[0] += 1
            g[1] += 1 if a.returned else 0
        rows = [[value, n, r, fig.percent(100 * r / n)] for value, (n, r) in sorted(groups.items())]
        doc.table([label(attribute), "Asked", "Replied", "Response rate"], rows, [7.0, 3.0, 3.0, 4.0], caption=f"Response by {label(attribute).lower()}")
        doc.para()


def _cases_or_respondents(doc: Doc, ctx: ReportContext) -> None:
    audit = ctx.audit
    doc.heading("The cases" if audit.cases else "The respondents", 1)
    doc.paragraphs(overview_text(ctx))
    if audit.cases:
        # A child's profile is never printed in one row of a shareable table: totals only, below.
        complete: dict[str, int] = {}
        for r in ctx.accepted():
            if r.get("case_ref"):
                complete[r["case_ref"]] = complete.get(r["case_ref"], 0) + 1
        asked: dict[str, int] = {}
        for entry in ctx.manifest.values():
            if entry.get("case_ref") and entry.get("form_type") in ctx.tools:
                asked[entry["case_ref"]] = asked.get(entry["case_ref"], 0) + 1
        header = ["Case", "Agencies involved", "Complete returns", "Audited"]
        rows = [[c.case_ref, len(c.agencies), f"{complete.get(c.case_ref, 0)} of {asked.get(c.case_ref, 0)}",
                 "Yes" if complete.get(c.case_ref) else "Not yet"] for c in sorted(audit.cases, key=lambda c: c.case_ref)]
        widths = [2.5, 4.5, 5.0, 5.0]
        doc.table(header, rows, widths, caption="The cases by reference")
        doc.para()
        for b in case_profile(audit, set(ctx.audited_cases)) if ctx.audited_cases else []:
            shown = breakdown_counts(b.counts, b.total, ctx.small)
            if all(v == HIDDEN for v in shown.values()):  # one sentence, not a list of every value present
                doc.para(f"Audited cases by {label(b.attribute).lower()}: not shown, as every count is below {ctx.small} "
                         "or would give one away.", style="Form guidance")
                continue
            rows = [[value, shown[value], "–" if shown[value] == HIDDEN else fig.percent(b.count(value).pct)] for value in b.counts]
            doc.caption(f"Audited cases by {label(b.attribute).lower()}")
            doc.table([label(b.attribute), "Cases", "%"], rows, [8.0, 4.5, 4.5], caption=f"Audited cases by {label(b.attribute).lower()}")
            doc.para()


def _themes(doc: Doc, ctx: ReportContext) -> None:
    themes = ctx.themes
    if not themes:
        return
    doc.heading("Themes across the audit", 1)
    for source, heading in (("case features", "Features of the cases"), ("grades across cases", "Areas judged weaker in more than one case")):
        chosen = [t for t in themes if t.source == source]
        if chosen:
            doc.heading(heading, 2)
            doc.bullets([t.sentence(ctx.small) for t in chosen])
    tags = [t for t in themes if t.source == "question themes"]
    if tags:
        doc.heading("By practice theme", 2)
        doc.para("Answers to every question tagged with a theme, pooled: yes/no questions answered Yes, and grades in the better half of the scale.")
        tags = ranked_for_print(ctx, tags, lambda t: t.count, sorted(tags, key=lambda t: t.label))
        rows = [[t.label, *count_cells(t.count, ctx.small)] for t in tags]
        table = doc.table(["Theme", "Met", "Answers", "%"], rows, [7.0, 3.0, 3.0, 4.0], caption="Themes, weakest first")
        for row, t in zip(table.rows[1:], tags, strict=True):
            if t.count.pct is not None and t.count.pct < 50 and not t.count.suppressed(ctx.small):
                shade(row.cells[3], FLAG_FILL)
                row.cells[3].paragraphs[0].add_run(" (below half)").italic = True  # never colour alone
        _ranking_note(doc, ctx, tags, lambda t: t.count)
