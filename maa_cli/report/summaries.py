"""Short computed paragraphs shared by the findings report, findings form and briefing.

Only figures, agency names and case references go in here, never respondent
narrative, so these texts need no masking. Wording lives in ``templates/``.
"""

from __future__ import annotations

from dataclasses import dataclass

from . import figures as fig
from . import text
from .context import ReportContext
from .participation import case_profile, label, respondent_profile
from .suppress import HIDDEN, breakdown_counts

SELECTION = {
    "sample": "chosen at random from the cases that met the audit's criteria",
    "nominations": "nominated by the agencies taking part",
    "listed": "",
}


def deadline_text(ctx: ReportContext) -> str:
    d = ctx.audit.deadline
    return d.strftime("%d %B %Y").lstrip("0") if d else ""


def process_text(ctx: ReportContext) -> str:
    """How the audit was done and who took part (briefing box 1)."""
    p = ctx.participation
    form_types = [
        {"title": f.title, "issued": f.issued, "returned": f.accepted + f.incomplete, "rate": fig.percent(f.rate.pct)}
        for f in p.form_types if f.issued
    ]
    selection = SELECTION.get(ctx.audit.selection.method, "") if ctx.audit.selection else ""
    return text.render(
        "audit-process.txt.j2", ctx.ws.root,
        audit=ctx.audit, counts=ctx.counts, cases=ctx.counts.chosen, selection=selection, asked=ctx.counts.asked,
        form_types=form_types, named=p.named, responded=[a.agency for a in p.agencies if a.returned],
        not_responded=p.not_responded, partly=p.partly_responded, late=len(p.late_returns), deadline=deadline_text(ctx),
    )


def _counts(breakdown, small: int | None) -> dict[str, str]:
    """A profile's counts as printed: they add up to a total that is printed, so small ones are
    hidden together with a second one (see :mod:`maa_cli.report.suppress`)."""
    return breakdown_counts(breakdown.counts, breakdown.total, small)


def overview_text(ctx: ReportContext) -> str:
    """The cases (or respondents) in figures (briefing box 2): the audited cases only, as counted in :attr:`ReportContext.counts`."""
    counts = ctx.counts
    if ctx.audit.cases:
        audited = set(ctx.audited_cases)
        breakdowns = _shown([{"label": label(b.attribute), "counts": _counts(b, ctx.small)} for b in case_profile(ctx.audit, audited)]) \
            if audited else []
        features = [t.sentence(ctx.small) for t in ctx.themes if t.source == "case features"][:5]
        return text.render("overview.txt.j2", ctx.ws.root, case_audit=True, counts=counts, cases=counts.audited,
                           breakdowns=breakdowns, features=features)
    p = ctx.participation
    replied = [a.agency for a in p.agencies if a.returned]
    breakdowns = _shown([{"label": label(b.attribute), "counts": _counts(b, ctx.small)} for b in respondent_profile(ctx.audit, replied)
                         if b.attribute in _grouping(ctx)])
    return text.render("overview.txt.j2", ctx.ws.root, case_audit=False, counts=counts, cases=0, responded=counts.replied,
                       asked=counts.asked, breakdowns=breakdowns, features=[])


def _shown(breakdowns: list[dict]) -> list[dict]:
    """Breakdowns with at least one count printed: one with every count held back is left out
    (listing its values would still say which are present)."""
    return [b for b in breakdowns if any(v != HIDDEN for v in b["counts"].values())]


def _grouping(ctx: ReportContext) -> set[str]:
    from .participation import grouping_attributes

    return set(grouping_attributes(ctx.audit))


@dataclass(frozen=True)
class WeakLine:
    text: str
    count: str


def weakest_lines(ctx: ReportContext, limit: int = 5) -> list[WeakLine]:
    """The lowest-scoring questions across form types (below 100%), for the findings form's suggestions."""
    ranked = []
    for name, figures in ctx.figures.items():
        for qf in fig.weakest_first(figures):
            if qf.headline.n < qf.headline.of:
                ranked.append((qf.headline.n / qf.headline.of, name, qf))
    ranked.sort(key=lambda t: t[0])
    out = []
    for _share, _name, qf in ranked[:limit]:
        what = "met" if qf.kind == "yes_no" else f"graded {qf.positive_label}"
        out.append(WeakLine(f"{qf.number} {qf.question.text}", f"{what} in {qf.headline.text(ctx.small, 'answers')}"))
    return out


def key_figures(ctx: ReportContext) -> list[str]:
    """A few sentences of figures for the briefing when there was no scrutineer."""
    p = ctx.participation
    out = [f"Forms returned: {ctx.counts.rate.text()}."]
    if ctx.counts.chosen:
        out.insert(0, f"Cases: {ctx.counts.cases_sentence()}.")
    if p.not_responded:
        out.append(f"No response from {text.join_names(p.not_responded)}." if p.named else
                   f"No response from {len(p.not_responded)} of {len([a for a in p.agencies if a.asked])} respondents.")
    for line in weakest_lines(ctx, 3):
        out.append(f"{line.text}: {line.count}.")
    out += [t.sentence(ctx.small) for t in ctx.themes if t.source == "case features"][:2]
    return out
