"""The audit definition (``audit.yaml``): who is asked what, about which cases, by when.

``audit.yaml`` never holds a child's name or date of birth: those live in the
restricted store (see :mod:`maa_cli.setup.restricted`). Cases appear here by reference
and non-identifying profile fields only.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

AuditType = Literal["case_audit", "thematic", "questionnaire"]
# Who answers a form type: each agency for each case it worked with, each agency
# (or questionnaire respondent), each case (e.g. the family's views), or once.
Per = Literal["agency_case", "agency", "case", "once"]
FileFormat = Literal["docx", "xlsx"]
SCHEMA_VERSION = 1


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Agency(_Strict):
    """An agency or questionnaire respondent (e.g. an early years setting)."""

    name: str = Field(min_length=1)
    contact_name: str | None = None
    email: str | None = None
    attributes: dict[str, str] = {}


class Case(_Strict):
    """A case by reference, with the agencies that worked with it and a non-identifying profile."""

    case_ref: str = Field(min_length=1, max_length=40)
    agencies: list[str] = []
    attributes: dict[str, str] = {}


class FormType(_Strict):
    """One kind of form in this audit: which tool, who answers it, default file format."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    tool: str
    per: Per
    format: FileFormat = "xlsx"
    title: str | None = None
    respondent: str | None = None  # for per=once: who answers (e.g. "Independent scrutineer")

    @field_validator("per", mode="before")
    @classmethod
    def _aliases(cls, value):
        aliases = {"respondent": "agency", "each_agency": "agency", "each_case": "case", "each_agency_case": "agency_case"}
        return aliases.get(value, value)


class Selection(_Strict):
    """How the cases were chosen, recorded so the choice can be reproduced and audited."""

    method: Literal["sample", "nominations", "listed"]
    source_file: str | None = None
    source_sha256: str | None = None
    n: int | None = None
    seed: int | None = None
    per: str | None = None
    eligibility: list[str] = []
    excluded: dict[str, str] = {}
    replacements: list[dict[str, str]] = []


class Audit(_Strict):
    """An audit, as written in ``audit.yaml``."""

    maa_version: int = SCHEMA_VERSION
    audit_id: str = Field(pattern=r"^[A-Za-z0-9-]{6,64}$")
    title: str = Field(min_length=1)
    partnership: str = Field(min_length=1)
    type: AuditType
    theme: str | None = None
    terms_of_reference: str | None = None
    lookback_months: int = Field(default=12, ge=1, le=120)
    deadline: dt.date | None = None
    created: dt.date | None = None
    return_to: str | None = None
    restricted_store: str = "restricted"
    # Every form carries a seal made with a key kept in the restricted store, and a return without
    # its form's seal is never accepted. False only for audits made before seals existed: decided
    # for the whole audit, never per file, so stripping a seal from a new form cannot pass it off.
    sealed_forms: bool = False
    # Printed in the header of every form and restricted output (the Government Security Classifications
    # marking most partnerships use for case material); forms with a child's details also say how to send them.
    protective_marking: str = Field(default="OFFICIAL-SENSITIVE", max_length=60)
    secure_email_hint: str = Field(default="secure e-mail (e.g. NHSmail, Egress or CJSM)", max_length=120)
    word_template: str | None = None
    names_to_mask: list[str] = []
    # Shareable reports hide counts from 1 to this minus one (small numbers can identify a child).
    # 5 unless the partnership decides otherwise; 0 turns it off (a decision to record, not a default).
    suppress_below: int = Field(default=5, ge=0, le=20)
    agencies: list[Agency] = []
    cases: list[Case] = []
    selection: Selection | None = None
    form_types: list[FormType] = Field(min_length=1)

    # -- e-mail ('maa send', 'maa chase') --------------------------------------------------------
    # Put before the subject of every message that carries a child's details, so the partnership's
    # secure e-mail encrypts it (NHSmail: "[secure]"). Not set: such messages are only ever written as
    # drafts; "" records a decision that no marker is needed (e.g. TLS enforced between the domains).
    secure_subject_marker: str | None = Field(default=None, max_length=40)
    # The e-mail domains an agency's contact may be written to, by agency name (subdomains included): when
    # listed, an address elsewhere is refused; when not, the roster's domain is taken at the first message
    # (see maa_cli.mail.domains). A return from a listed domain raises no sender warning in collect.
    agency_domains: dict[str, list[str]] = {}

    @field_validator("deadline", "created", mode="before")
    @classmethod
    def _uk_dates(cls, value):
        # Officers edit audit.yaml by hand and write dates day first (31/01/2027).
        if isinstance(value, str) and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value.strip()):
            from ..dates import parse_uk_date

            return parse_uk_date(value)
        return value

    @model_validator(mode="after")
    def _cross_checks(self):
        problems = []
        names: set[str] = set()
        for i, a in enumerate(self.agencies):
            if a.name.casefold() in names:
                problems.append((("agencies", i, "name"), f"the agency '{a.name}' is listed twice", "List each agency once."))
            names.add(a.name.casefold())
        refs: set[str] = set()
        for i, c in enumerate(self.cases):
            if c.case_ref.casefold() in refs:
                problems.append((("cases", i, "case_ref"), f"the case '{c.case_ref}' is listed twice", "Give each case its own reference."))
            refs.add(c.case_ref.casefold())
            for j, agency in enumerate(c.agencies):
                if agency.casefold() not in names:
                    problems.append(
                        (("cases", i, "agencies", j), f"case '{c.case_ref}' names agency '{agency}', which is not under 'agencies'", "Add the agency, or correct the name.")
                    )
        kinds: set[str] = set()
        for i, ft in enumerate(self.form_types):
            if ft.name in kinds:
                problems.append((("form_types", i, "name"), f"the form type '{ft.name}' is listed twice", "Give each form type its own name."))
            kinds.add(ft.name)
            if ft.per in ("agency_case", "case") and not self.cases and self.type == "case_audit":
                problems.append((("form_types", i, "per"), f"form type '{ft.name}' is answered per case, but the audit has no cases", "Add cases with 'maa new-audit --cases', or change 'per'."))
        if problems:
            raise PydanticCustomError("cross_check", "{detail}", {"detail": problems[0][1], "problems": problems})
        return self

    @field_validator("secure_subject_marker")
    @classmethod
    def _one_line_marker(cls, value):
        if value is not None and any(c in value for c in "\r\n"):
            raise ValueError("the marker must be on one line")
        return value

    @model_validator(mode="after")
    def _mail_checks(self):
        names = {a.name.casefold() for a in self.agencies}
        problems = []
        for agency, domains in self.agency_domains.items():
            if agency.casefold() not in names:
                problems.append((("agency_domains", agency), f"agency_domains names '{agency}', which is not under 'agencies'",
                                 "Use the agency's name exactly as under 'agencies'."))
            for i, domain in enumerate(domains):
                if not _DOMAIN.fullmatch(domain.strip()):
                    problems.append((("agency_domains", agency, i), f"'{domain}' is not an e-mail domain",
                                     "Give the part after the @, e.g. nhs.net."))
        if problems:
            raise PydanticCustomError("cross_check", "{detail}", {"detail": problems[0][1], "problems": problems})
        return self

    def agency(self, name: str) -> Agency:
        for a in self.agencies:
            if a.name.casefold() == name.casefold():
                return a
        raise KeyError(name)

    def listed_domains(self, agency: str) -> list[str]:
        """The e-mail domains ``agency_domains`` lists for an agency (casefolded; none when it lists none)."""
        for name, domains in self.agency_domains.items():
            if name.casefold() == agency.casefold():
                return [d.strip().casefold() for d in domains]
        return []

    def restricted_dir(self, audit_dir: Path) -> Path:
        """Where identifying details are kept (may be outside the audit folder)."""
        path = Path(self.restricted_store)
        return path if path.is_absolute() else audit_dir / path


# -- e-mail ('maa send', 'maa chase') ----------------------------------------------------------------
#: An e-mail domain as agency_domains lists it: labels of letters, digits and hyphens, at least two.
_DOMAIN = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
