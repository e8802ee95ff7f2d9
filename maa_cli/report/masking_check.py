"""The masking check (restricted, ``reports/restricted/masking-check.txt``): words for the officer to look at.

Some masks may be over-masking: a child's name that is also an everyday word ("Day", "Will",
"Hope") masked where it may have been the word, initials standing alone ("E.M."), a name of
one or two letters. And a capitalised name-word left as a word ("Child" in "Child Protection
Plan") may, rarely, have been the child after all. The masker knows which (see
:meth:`maa_cli.privacy.masking.Masker.review`); this file lists them by question, so the officer
can look at those places in the shareable outputs before sharing them.

It is restricted because it shows the checked word as typed. It shows nothing more: each
word is given with a few words around it in which every other name and date of birth is
masked, and answers are pointed to by form reference, case reference and agency.
"""

from __future__ import annotations

from pathlib import Path

from .. import atomic
from ..privacy.masking import Check
from .context import ReportContext
from .results import quotable

FILE_NAME = "masking-check.txt"
TEXT_TYPES = ("long_text", "short_text")


def write_masking_check(ctx: ReportContext) -> Path:
    """Write the masking check and add a note to the run if there is anything to check."""
    sections, masked, left = [], 0, 0
    for name, tool in ctx.tools.items():
        records = ctx.accepted(name)
        for f in tool.fields():
            if f.type not in TEXT_TYPES or (f.part or f.question).identifying:
                continue
            lines = []
            for record in records:
                value = record["answers"].get(f.key)
                for check in ctx.masker.review(value) if isinstance(value, str) else []:
                    lines.append(_line(ctx, record, value, check))
                    masked, left = masked + check.masked, left + (not check.masked)
            if lines:
                sections.append([f"{ctx.titles[name]}, question {f.number}: {f.label}  ({_shown_in(tool, f)})", *lines])
    if ctx.findings is not None:
        lines = []
        for key, value in ctx.findings["answers"].items():
            for check in ctx.masker.review(value) if isinstance(value, str) else []:
                lines.append(_line(ctx, ctx.findings, value, check, key))
                masked, left = masked + check.masked, left + (not check.masked)
        if lines:
            sections.append(["Findings form  (in the 7-minute briefing and the partnership action plan)", *lines])
    path = ctx.ws.reports_dir / "restricted" / FILE_NAME
    atomic.write_text(path, _document(ctx, sections))
    if masked or left:
        ctx.notes.append(f"{masked} masked word(s) may be ordinary words and {left} capitalised word(s) that are also "
                         f"names were left as words: check them in the shareable reports (listed in restricted/{FILE_NAME})")
    return path


def _shown_in(tool, f) -> str:
    """Where the masked answer is printed: the shareable outputs first."""
    places = ["the findings report"] * (f in quotable(tool))
    places += ["the respondents' action plans"] * (f.role in ("action", "when_who"))
    return "in " + ", ".join([*places, "the data workbook (restricted)"])


def _line(ctx: ReportContext, record: dict, value: str, check: Check, key: str | None = None) -> str:
    where = ", ".join(x for x in (record["form_id"], record.get("case_ref") and f"case {record['case_ref']}",
                                  record.get("agency"), key) if x)
    what = "masked" if check.masked else "left as a word"
    return f"  {where}: {what} \u00ab{check.word}\u00bb ({check.reason})\n      {ctx.masker.context(value, check)}"


def _document(ctx: ReportContext, sections: list[list[str]]) -> str:
    head = [
        f"Masking check: {ctx.audit.title} ({ctx.partnership}), {ctx.today.strftime('%d/%m/%Y')}",
        "RESTRICTED: for the audit officer only. Keep it with the audit's restricted files; do not share it.",
        "",
        "Names that are also everyday words are masked only where they stand as a name. Before sharing the",
        "reports, look at each word below where the answer is quoted:",
        "  masked         - if it was the ordinary word, put the word back in the shareable output by hand;",
        "  left as a word - if it was in fact the child's name, mask it there by hand.",
        "Every other name and date of birth around a word is shown masked, as in the shareable outputs.",
        "",
    ]
    if not sections:
        return "\n".join([*head, "Nothing to check: no answer has a masked everyday word, initials or a very short name.", ""])
    body = [line for section in sections for line in (*section, "")]
    return "\n".join([*head, *body])
