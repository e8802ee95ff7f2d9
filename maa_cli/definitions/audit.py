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

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
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


#: Words in a roster column's name that make it an identifier a respondent may give instead of its name.
_IDENTIFIER_WORDS = {"urn", "id", "ref", "reference", "number", "no", "code", "ukprn", "dfe", "ods", "laestab"}


def fold_identifier(text: str) -> str:
    """An identifier as compared: ' ey-123 456 ' → 'EY123456' (full-width characters as their plain forms)."""
    import unicodedata

    return re.sub(r"[^0-9A-Za-z]", "", unicodedata.normalize("NFKC", str(text))).upper()


def identifier_columns(agencies: list[Agency]) -> dict[str, dict[str, str]]:
    """The roster columns a respondent may name itself by instead of its name (an Ofsted URN, a DfE number):
    named like an identifier, and with a different value for each respondent that has one.

    Returns ``{column: {folded value: respondent's name}}``.
    """
    out: dict[str, dict[str, str]] = {}
    for column in sorted({k for a in agencies for k in a.attributes}):
        if not _IDENTIFIER_WORDS & set(re.split(r"[^0-9a-z]+", column.casefold())):
            continue
        values: dict[str, str] = {}
        unique = True
        for a in agencies:
            value = fold_identifier(a.attributes.get(column) or "")
            if value:
                unique = unique and value not in values
                values[value] = a.name
        if unique and values:
            out[column] = values
    return out


class Case(_Strict):
    """A case by reference, with the agencies that worked with it and a non-identifying profile."""

    case_ref: str = Field(min_length=1, max_length=40)
    agencies: list[str] = []
    attributes: dict[str, str] = {}


class ToolSnapshot(_Strict):
    """The audit's own copy of a form type's tool: what every command reads, wherever it is run from.

    Kept in the audit folder (``file``, e.g. ``tools/case-tool.yaml``) so that the audit does not
    change when the original file is edited or moved, or when maa is upgraded with a reworded
    built-in tool; ``maa tools update`` compares the copy with its original and takes the new
    version on request.
    """

    file: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    version: str
    source: str  # "built-in", or the absolute path of the file it was copied from
    taken: dt.date | None = None

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value):
        return str(value) if isinstance(value, int | float) else value


class FormType(_Strict):
    """One kind of form in this audit: which tool, who answers it, default file format."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")
    tool: str
    per: Per
    format: FileFormat = "xlsx"
    title: str | None = None
    respondent: str | None = None  # for per=once: who answers (e.g. "Independent scrutineer")
    # Written by maa (new-audit, or the first issue-forms of an older audit): the audit's copy of the tool.
    snapshot: ToolSnapshot | None = None

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
    _agency_index: tuple | None = PrivateAttr(default=None)
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
    # The partnership's own wording for terms tools leave open ({{procedures}} …), filled in when forms are issued.
    local_terms: dict[str, str] = {}
    # Shareable reports hide counts from 1 to this minus one (small numbers can identify a child).
    # Unset: 5, except for a few named agencies answering about themselves, whose answers the report
    # shows agency by agency anyway (see maa_cli.report.context.default_suppression); 0 turns it off.
    suppress_below: int | None = Field(default=None, ge=0, le=20)
    # Where the respondent x question matrix goes: unset lets maa choose (the findings report for
    # 20 or fewer agencies answering once each, else the data workbook); false keeps it out of the
    # shareable report (respondents named after a person, such as childminders).
    matrix_in_report: bool | None = None
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

    @property
    def about_cases(self) -> bool:
        """True when the audit looks at children's cases (cases listed, or a form answered per case)."""
        return bool(self.cases) or any(ft.per in ("agency_case", "case") for ft in self.form_types)

    def agency(self, name: str) -> Agency:
        # Looked up once per return, so by an index: a scan of 1,500 settings per return made collect quadratic.
        # Rebuilt whenever the list holds other objects (cheap to tell, in C), e.g. after an agency is replaced.
        held = tuple(map(id, self.agencies))
        if self._agency_index is None or self._agency_index[0] != held:
            names: dict[str, Agency] = {}
            for a in self.agencies:
                names.setdefault(a.name.casefold(), a)
            self._agency_index = (held, names)
        found = self._agency_index[1].get(name.casefold())
        if found is None or found.name.casefold() != name.casefold():  # a name changed in place: look again
            self._agency_index = None
            for a in self.agencies:
                if a.name.casefold() == name.casefold():
                    return a
            raise KeyError(name)
        return found

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
