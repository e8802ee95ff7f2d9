"""Who was asked, who replied, who was late, and what the cases or respondents look like.

Pure functions on the issued forms (the manifest), the audit definition and the
collected records. "Replied" means an accepted or incomplete return: the agency
did respond, even if its answers are not yet complete enough to count.

A return's *received* date and whether it was *late* are decided once, by
``maa collect`` (the day the returned file was saved, against the deadline; see
:func:`maa_cli.intake.examine.received`), and stored on the record; reports read
them and never judge lateness by when collect happened to run. Records kept by
an older maa carry only the file's modification time, from which the same rule
gives the same answer.

A form withdrawn from the audit (its manifest entry has ``withdrawn``, e.g. the
case was replaced by ``maa replace-case``) is neither counted nor chased.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from ..definitions.audit import Audit
from ..forms.manifest import live_forms
from .figures import Count

RETURNED = ("accepted", "incomplete")
# Respondents are named in shareable outputs only when there are this few of them (the agencies of a
# case audit, a handful of services). Beyond it they are counted: a county's settings are many, and a
# childminder's setting often carries a person's name.
NAMED_LIMIT = 20


@dataclass
class AgencyParticipation:
    """One agency (or questionnaire respondent) across every form it was sent."""

    agency: str
    asked: int = 0
    accepted: int = 0
    incomplete: int = 0
    late: int = 0

    @property
    def returned(self) -> int:
        return self.accepted + self.incomplete


@dataclass
class FormTypeParticipation:
    form_type: str
    title: str
    per: str
    issued: int = 0
    accepted: int = 0
    incomplete: int = 0
    late: int = 0

    @property
    def rate(self) -> Count:
        return Count(self.accepted + self.incomplete, self.issued)


@dataclass
class Participation:
    form_types: list[FormTypeParticipation] = field(default_factory=list)
    agencies: list[AgencyParticipation] = field(default_factory=list)
    late_returns: list[dict] = field(default_factory=list)  # form_type, agency, case_ref, received

    @property
    def rate(self) -> Count:
        return Count(sum(f.accepted + f.incomplete for f in self.form_types), sum(f.issued for f in self.form_types))

    @property
    def not_responded(self) -> list[str]:
        """Agencies asked for at least one form that returned none, by name."""
        return [a.agency for a in self.agencies if a.asked and not a.returned]

    @property
    def partly_responded(self) -> list[str]:
        return [a.agency for a in self.agencies if 0 < a.returned < a.asked]

    @property
    def named(self) -> bool:
        """Whether shareable outputs may name each respondent (see :data:`NAMED_LIMIT`)."""
        return len([a for a in self.agencies if a.asked]) <= NAMED_LIMIT


def received_date(record: dict) -> dt.date | None:
    """The day the return was saved, as collect recorded it (``received``; else the file's modification time)."""
    stamp = record.get("received")
    try:
        if stamp:
            return dt.date.fromisoformat(stamp)
        modified = record.get("modified")
        if modified:  # a record from before 'received' was stored: the same rule, local day of the file's mtime
            when = dt.datetime.fromisoformat(modified)
            return (when.astimezone() if when.tzinfo else when).date()
    except (TypeError, ValueError):
        return None
    return None


def is_late(record: dict, deadline: dt.date | None) -> bool:
    """Whether collect judged the return late (``late``); for older records, the same rule on :func:`received_date`."""
    if isinstance(record.get("late"), bool):
        return record["late"]
    got = received_date(record)
    return bool(deadline and got and got > deadline)


def participation(audit: Audit, titles: dict[str, str], manifest: dict[str, dict], records: list[dict]) -> Participation:
    """Response figures per form type and per agency.

    Args:
        titles: form type name -> title to show; form types not in it are ignored
            (e.g. the findings form, which is the officer's, not a return).
        manifest: issued forms by form id (``form_type``, ``agency``, ``case_ref``); entries
            marked ``withdrawn`` are left out.
        records: collected records, any status; only accepted and incomplete count.
    """
    out = Participation()
    by_type = {ft.name: FormTypeParticipation(ft.name, titles[ft.name], ft.per) for ft in audit.form_types if ft.name in titles}
    order = [a.name for a in audit.agencies]
    by_agency: dict[str, AgencyParticipation] = {}
    latest = {r["form_id"]: r for r in records if r["status"] in RETURNED}
    issued = sorted(live_forms(manifest).items(),
                    key=lambda kv: (kv[1].get("form_type") or "", kv[1].get("agency") or "", kv[1].get("case_ref") or ""))
    for form_id, entry in issued:
        ftp = by_type.get(entry.get("form_type"))
        if ftp is None:
            continue
        agency = entry.get("agency")
        ap = by_agency.setdefault(agency, AgencyParticipation(agency)) if agency else None
        ftp.issued += 1
        if ap:
            ap.asked += 1
        record = latest.get(form_id)
        if record is None:
            continue
        status = record["status"]
        setattr(ftp, status, getattr(ftp, status) + 1)
        if ap:
            setattr(ap, status, getattr(ap, status) + 1)
        if is_late(record, audit.deadline):
            received = received_date(record)
            ftp.late += 1
            if ap:
                ap.late += 1
            out.late_returns.append({"form_type": ftp.form_type, "agency": agency, "case_ref": entry.get("case_ref"), "received": received})
    out.form_types = list(by_type.values())
    out.agencies = sorted(by_agency.values(), key=lambda a: (order.index(a.agency) if a.agency in order else len(order), a.agency))
    return out


@dataclass(frozen=True)
class Breakdown:
    """Counts of one attribute's values, e.g. gender: Female 3, Male 2 (of 5)."""

    attribute: str
    counts: dict[str, int]
    total: int

    def count(self, value: str) -> Count:
        return Count(self.counts.get(value, 0), self.total)


def label(attribute: str) -> str:
    """'setting_type' -> 'Setting type'."""
    text = attribute.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def case_profile(audit: Audit, audited: set[str] | None = None) -> list[Breakdown]:
    """Counts of each non-identifying case attribute, over the cases (or those ``audited``)."""
    cases = [c for c in audit.cases if audited is None or c.case_ref in audited]
    return _breakdowns([c.attributes for c in cases])


def respondent_profile(audit: Audit, names: list[str] | None = None) -> list[Breakdown]:
    """Counts of each respondent attribute (quadrant, setting type …) over the agencies named."""
    wanted = None if names is None else {n.casefold() for n in names}
    rows = [a.attributes for a in audit.agencies if wanted is None or a.name.casefold() in wanted]
    return _breakdowns(rows)


def _breakdowns(rows: list[dict[str, str]]) -> list[Breakdown]:
    keys: list[str] = []
    for row in rows:
        keys += [k for k in row if k not in keys]
    out = []
    for key in keys:
        counts = Counter((row.get(key) or "Not recorded") for row in rows)
        out.append(Breakdown(key, dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))), len(rows)))
    return out


def grouping_attributes(audit: Audit, max_values: int = 12) -> list[str]:
    """Respondent attributes worth breaking results down by: 2 to ``max_values`` distinct values,
    and not contact details or unique ids (e.g. an Ofsted URN)."""
    out = []
    for b in respondent_profile(audit):
        distinct = len(b.counts)
        if 2 <= distinct <= max_values and distinct < b.total:
            out.append(b.attribute)
    return out
