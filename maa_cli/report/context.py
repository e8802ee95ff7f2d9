"""What every report needs, gathered once per ``maa report`` run.

The context reads the workspace (audit, tools, collected records, issued forms,
the names to mask) and then hands plain data to the writers, which lay it out.
It also carries :class:`TextGuard`, through which every piece of respondent text
passes on its way into a Word or Excel file.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from ..definitions.tool import Tool
from ..forms.manifest import live_forms, read_manifest
from ..intake.state import read_responses
from ..office.cells import EXCEL_LIMIT
from ..privacy.masking import Masker, masker_for
from ..setup.workspace import FINDINGS_FORM_TYPE, Workspace
from . import figures as fig
from .participation import Participation, grouping_attributes, participation

# The officer's findings form (form type FINDINGS_FORM_TYPE): issued by 'maa report', collected like any return.
FINDINGS_TOOL = "findings-form"
# Small-number suppression in shareable outputs: audit.yaml's 'suppress_below' (a count from 1 to that
# number minus one is not printed). 5 unless set: small counts about children can identify them. 0 turns
# it off, a decision for the partnership to record (a case audit of five cases may publish "4 of 5").
DEFAULT_SUPPRESS_BELOW = 5

_VERTICAL = re.compile(r"[\x0b\x0c]")  # Word's manual line break and page break, as pasted text carries them
_ILLEGAL = re.compile(r"[\x00-\x08\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


@dataclass
class TextGuard:
    """Makes respondent text safe to store in XML and logs every change it had to make.

    Vertical tab and form feed (Word's line and page breaks when text is pasted) become
    line breaks; other characters XML cannot hold become U+FFFD. Text longer than an
    Excel cell can hold is noted when it is cut there (Word keeps it whole).
    """

    changed: list[str] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)

    def xml(self, text: str, where: str = "") -> str:
        if not isinstance(text, str):
            return text
        fixed = _VERTICAL.sub("\n", text)
        fixed = _ILLEGAL.sub("\ufffd", fixed)
        if fixed != text and where and where not in self.changed:
            self.changed.append(where)
        return fixed

    def cell(self, value, where: str = ""):
        """A value for :func:`maa_cli.office.cells.put`, which keeps formulas as text and cuts at Excel's limit."""
        if not isinstance(value, str):
            return value
        value = self.xml(value, where)
        if len(value) > EXCEL_LIMIT and where and where not in self.cut:
            self.cut.append(where)
        return value

    def notes(self) -> list[str]:
        out = []
        if self.changed:
            out.append(f"characters that Word and Excel cannot hold were replaced in {len(self.changed)} answer(s): " + "; ".join(self.changed[:5]))
        if self.cut:
            out.append(f"{len(self.cut)} answer(s) longer than an Excel cell were cut in the workbooks and kept whole in the panel packs: " + "; ".join(self.cut[:5]))
        return out


@dataclass
class ReportContext:
    """Inputs of one report run. ``records`` are accepted and incomplete returns (not the findings form)."""

    ws: Workspace
    tools: dict[str, Tool]
    titles: dict[str, str]
    records: list[dict]
    findings: dict | None
    manifest: dict[str, dict]
    masker: Masker
    today: dt.date
    small: int | None
    guard: TextGuard = field(default_factory=TextGuard)
    notes: list[str] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # response records left out: (file name, why)

    @property
    def audit(self):
        return self.ws.audit

    @property
    def partnership(self) -> str:
        return self.ws.audit.partnership

    def accepted(self, form_type: str | None = None) -> list[dict]:
        return [r for r in self.records if r["status"] == "accepted" and (form_type is None or r["form_type"] == form_type)]

    def form_type(self, name: str):
        return self.ws.form_type(name)

    @cached_property
    def participation(self) -> Participation:
        return participation(self.audit, self.titles, self.manifest, self.records)

    def groups(self, form_type: str) -> dict[str, dict[str, str]]:
        """Breakdowns for a form type's results: by agency (agencies answering for several
        cases), and by each respondent attribute with a handful of values."""
        records = self.accepted(form_type)
        out: dict[str, dict[str, str]] = {}
        per = self.form_type(form_type).per
        if per == "agency_case":
            out["Agency"] = {r["form_id"]: r.get("agency") or "" for r in records}
        if per in ("agency", "agency_case"):
            attrs = {a.name: a.attributes for a in self.audit.agencies}
            for attribute in grouping_attributes(self.audit):
                out[attribute] = {r["form_id"]: attrs.get(r.get("agency") or "", {}).get(attribute, "") for r in records}
        return out

    @cached_property
    def figures(self) -> dict[str, list[fig.QuestionFigures]]:
        return {name: fig.question_figures(name, tool, self.records, self.groups(name)) for name, tool in self.tools.items()}

    @cached_property
    def themes(self) -> list[fig.Theme]:
        """Cross-cutting themes: case features across cases, weaker grades across cases, question tags."""
        out: list[fig.Theme] = []
        for name, tool in self.tools.items():
            if self.form_type(name).per in ("agency_case", "case"):
                out += fig.case_feature_themes(name, tool, self.records)
                out += fig.weaker_grade_themes(name, tool, self.records)
            out += fig.tag_themes(self.figures[name])
        return out

    @cached_property
    def counts(self):
        """Cases chosen and audited, forms sent, returned and complete: one source for every output."""
        from .counts import audit_counts

        return audit_counts(self)

    @property
    def interim(self) -> bool:
        """Whether the panel's conclusions are still to come (no findings form returned yet)."""
        return self.findings is None

    @cached_property
    def audited_cases(self) -> list[str]:
        refs = {r["case_ref"] for r in self.accepted() if r.get("case_ref")}
        return [c.case_ref for c in self.audit.cases if c.case_ref in refs]

    def mask(self, text: str, where: str = "") -> str:
        """Respondent text for a shareable output: names and dates of birth masked, XML-safe."""
        return self.guard.xml(self.masker.text(text), where)

    def where(self, record: dict, key: str) -> str:
        """A pointer to one answer for the officer's notes (no names: agency and case ref only)."""
        who = " / ".join(x for x in (record.get("case_ref") and f"case {record['case_ref']}", record.get("agency")) if x)
        return f"{record['form_id']} ({self.masker.text(who)}) {key}"


def build_context(ws: Workspace, today: dt.date | None = None, suppress_below: int | None = None) -> ReportContext:
    """Read everything the reports need from an opened audit folder."""
    responses = read_responses(ws, statuses=("accepted", "incomplete"))
    records = responses.records
    tools = {ft.name: ws.tools[ft.name] for ft in ws.audit.form_types if ft.name != FINDINGS_FORM_TYPE}
    findings = [r for r in records if r["form_type"] == FINDINGS_FORM_TYPE and r["status"] == "accepted"]
    small = suppress_below if suppress_below is not None else getattr(ws.audit, "suppress_below", DEFAULT_SUPPRESS_BELOW)
    manifest = read_manifest(ws)
    issued = live_forms(manifest)
    # A withdrawn form (its case replaced, say) counts nowhere: not as sent, not as returned, not in the results.
    gone = {form_id for form_id in manifest if form_id not in issued}
    ctx = ReportContext(
        ws=ws,
        tools=tools,
        titles={ft.name: ft.title or tools[ft.name].title for ft in ws.audit.form_types if ft.name in tools},
        records=[r for r in records if r["form_type"] in tools and r["form_id"] not in gone],
        findings=findings[-1] if findings else None,
        manifest=issued,
        masker=masker_for(ws),
        today=today or dt.date.today(),
        small=small or None,
    )
    ctx.unreadable = responses.unreadable
    for name, why in responses.unreadable:
        ctx.notes.append(f"the response record '{name}' in the restricted store's responses/ folder could not be read "
                         f"({why}), so that return is left out of every report and every figure. Run 'maa collect', "
                         "which sets it aside and writes it again from the return's record, then 'maa report' again")
    if gone:
        ctx.notes.append(f"{len(gone)} withdrawn {'form is' if len(gone) == 1 else 'forms are'} left out of every report "
                         "(see .maa/manifest.json for the reason)")
    return ctx


def reports_path(ws: Workspace, *parts: str) -> Path:
    return ws.reports_dir.joinpath(*parts)
