"""What the panel concluded, made fit to publish: the returned findings form, masked, figures put right.

The findings report's executive summary and the 7-minute briefing print the same
words, so both take them from :func:`conclusions`. Everything the officer typed is
masked again for every name the audit knows.

The figures maa prefilled on the findings form (the audit process, the overview and
the suggested areas for development) are checked again, since they may date from
before suppression was turned on or from older figures: an answer left as maa
prefilled it is printed as computed now (suppressed as this run says); a prefilled
sentence kept inside the officer's own text is suppressed where it stands; any
other number below the suppression threshold is pointed out to the officer in the
run's notes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from functools import cached_property

from .context import ReportContext
from .findings_form import Findings, flowing, prefill_paragraphs, was_prefilled


@dataclass(frozen=True)
class Action:
    """A recommendation as published: masked, with its lead agency, owner and due date."""

    ref: str
    action: str
    lead: str
    owner: str
    due: dt.date | None


@dataclass(frozen=True)
class Conclusions:
    audit_process: str
    overview: str
    worked_well: str
    development: str
    scrutineer: str
    practice: str
    recommendations: list[Action]
    checked: bool
    title: str
    contact: str


def conclusions(ctx: ReportContext, f: Findings) -> Conclusions:
    """The panel's record, every typed word masked and every prefilled figure as this run prints it."""
    figures = _Figures(ctx)

    def m(value: str, key: str) -> str:
        value = figures.again(key, value)
        return ctx.mask(value.strip(), f"findings form {key}") if value else ""

    return Conclusions(
        audit_process=m(f.audit_process, "audit_process"), overview=m(f.overview, "overview"),
        worked_well=m(f.worked_well, "worked_well"), development=m(f.development, "development"),
        scrutineer=m(f.scrutineer, "scrutineer"), practice=m(f.practice, "practice"),
        recommendations=[Action(r.ref, m(r.action, r.ref), ctx.mask(r.lead.strip()), ctx.mask(r.owner.strip()), r.due)
                         for r in f.recommendations],
        checked=f.checked, title=ctx.mask(f.title.strip()), contact=ctx.mask(f.contact.strip()),
    )


_NUMBER = re.compile(r"(?<![\w/.:-])(\d+)(?![\w/:%-]|\.\d)")


class _Figures:
    """Prefilled figures, put right for this run (see the module's notes)."""

    BOXES = {"audit_process": 1, "overview": 2, "development": 4}

    def __init__(self, ctx: ReportContext):
        self.ctx = ctx

    @cached_property
    def now(self) -> dict[str, list[str]]:
        return prefill_paragraphs(self.ctx)

    @cached_property
    def unsuppressed(self) -> dict[str, list[str]]:
        return prefill_paragraphs(dc_replace(self.ctx, small=None)) if self.ctx.small else self.now

    def again(self, key: str, value: str) -> str:
        if key not in self.BOXES or not value.strip():
            return value
        if was_prefilled(self.ctx, key, value):
            return " ".join(self.now.get(key, [])) or value
        if not self.ctx.small:
            return value
        text_ = flowing(value)
        for old, new in _changes(self.unsuppressed.get(key, []), self.now.get(key, [])):
            if old in text_:
                text_ = " ".join(text_.replace(old, new).split())
        out = text_ if text_ != flowing(value) else value
        ours = set(_NUMBER.findall(" ".join(self.now.get(key, []))))  # maa's own figures, as this run prints them
        small = sorted({n for n in _NUMBER.findall(out) if 0 < int(n) < self.ctx.small} - ours, key=int)
        if small:
            _note(self.ctx,
                f"7-minute briefing box {self.BOXES[key]} (as edited on the findings form) mentions "
                f"{', '.join(small)}: if any of these counts children or families, change it on the findings form "
                f"(counts below {self.ctx.small} are not published) before answering Yes to question 8")
        return out


def _changes(before: list[str], after: list[str]) -> list[tuple[str, str]]:
    """(text, replacement) pairs turning the unsuppressed prefill's lines into the suppressed ones:
    a run of changed lines as a whole first, then each line on its own, paired with the suppressed
    line that starts the same way ("Domestic abuse featured in …"), or dropped when there is none."""
    from difflib import SequenceMatcher

    out = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        old, new = before[i1:i2], after[j1:j2]
        if len(old) > 1:
            out.append((" ".join(old), " ".join(new)))
        free = list(new)
        for line in old:
            best = max(free, key=lambda n: _common_start(line, n), default=None)
            if best is not None and _common_start(line, best) >= min(12, len(line)):
                free.remove(best)
                out.append((line, best))
            else:
                out.append((line, ""))
    return [(a, b) for a, b in out if a]


def _common_start(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n




def _note(ctx: ReportContext, note: str) -> None:
    """A note for the officer, once: the report and the briefing both read the findings form."""
    if note not in ctx.notes:
        ctx.notes.append(note)
