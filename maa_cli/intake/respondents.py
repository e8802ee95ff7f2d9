"""Who a self-declared return says it is from, matched to the audit's roster — never silently.

A row of an online-form export, or the one open form sent to everyone, carries no seal naming its
respondent: the respondent names itself, by typing its name or an identifier such as its Ofsted
URN. This module matches what was typed to the roster (the agencies in ``audit.yaml``):

* **exactly first**: the same name or identifier once case, spacing, punctuation and '&'/'and' are
  set aside ('ACORN NURSERY', 'Acorn  Nursery.' and 'Acorn Nursery' are one name);
* **close matches are offered, never taken**: 'Acorn Nursry' is not on the roster, and the officer
  is told 'did you mean Acorn Nursery?' with the ``maa assign`` command that settles it;
* two columns that disagree (a URN of one setting, the name of another) match nobody.

The officer's answers (``maa assign``) are kept in ``.maa/assignments.json``, by the row of the
export (its form type and ID) or by the content of the file, so later runs keep them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..definitions.audit import Agency, fold_identifier, identifier_columns
from ..setup.workspace import Workspace

ASSIGNMENTS_FILE = "assignments.json"  # in .maa/
#: What a row gives instead of a respondent column, when the export has none: the e-mail it was sent from.
BY_EMAIL = "@email"
_CLOSE_NAMES = 0.8
_CLOSE_IDENTIFIERS = 0.8


def fold_name(text: str) -> str:
    """A name as compared: 'St Mary’s  Pre-School & Nursery.' → 'st marys pre school and nursery'."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("&", " and ")
    text = re.sub(r"[’'`´]", "", text)
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


@dataclass
class Match:
    """Who a self-declared return is from: ``agency`` when matched, else ``code`` says why not."""

    agency: str | None = None
    code: str | None = None  # respondent_missing, respondent_unknown, respondent_ambiguous, respondents_disagree
    typed: str = ""  # what was typed (shown to the officer, masked like any text)
    suggestions: list[str] = field(default_factory=list)
    how: str = ""  # 'name', an identifier attribute ('ofsted_urn'), 'email' (no respondent column), or 'assigned

    def explain(self, where: str, command: str) -> str:
        """The reason for the officer: ``where`` ('row 14 of …'), what is wrong, and ``command`` with RESPONDENT
        filled in when there is one suggestion."""
        if self.code == "respondent_missing":
            return (f"{where}: it does not say who it is from (the column naming the respondent is blank). If you know "
                    f"who sent it, run: {command.replace('RESPONDENT', _q('RESPONDENT'))}")
        if self.code == "respondents_disagree":
            return (f"{where}: what it gives to say who it is from points to different respondents ("
                    f"{_names(self.suggestions, 'and')}), so it was not used. Check with them, then run: "
                    f"{command.replace('RESPONDENT', _q('RESPONDENT'))}")
        if self.how == "email":
            return (f"{where}: no column names who it is from, and {self.typed} is no respondent's contact on the "
                    f"roster. If you know who sent it, run: {command.replace('RESPONDENT', _q('RESPONDENT'))}")
        what = "is on the roster twice over" if self.code == "respondent_ambiguous" else "is not on the roster"
        if len(self.suggestions) == 1:
            return (f"{where}: '{self.typed}' {what} — did you mean '{self.suggestions[0]}'? "
                    f"Run: {command.replace('RESPONDENT', _q(self.suggestions[0]))}")
        if self.suggestions:
            return (f"{where}: '{self.typed}' {what} — did you mean {_names(self.suggestions, 'or')}? "
                    f"Run: {command.replace('RESPONDENT', _q('RESPONDENT'))} with the right one")
        return (f"{where}: '{self.typed}' {what}, and no respondent's name is close. If it is one of them, run: "
                f"{command.replace('RESPONDENT', _q('RESPONDENT'))}; if it is new, add it to the agencies in "
                "audit.yaml and issue its form first")


def _names(names: list[str], joiner: str) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} {joiner} {quoted[-1]}"


def _q(text: str) -> str:
    return f'"{text}"'


def assign_command(root: Path, target: str) -> str:
    """The command that assigns ``target`` (a file as collect lists it, '#row N' for a row) to RESPONDENT."""
    return f"maa assign {_q(str(root))} {_q(target)} RESPONDENT"


class Roster:
    """The roster as a self-declared return is matched to it: names, and identifiers unique to one respondent."""

    def __init__(self, agencies: list[Agency]):
        self.agencies = {a.name: a for a in agencies}
        self.names: dict[str, list[str]] = {}
        for a in agencies:
            self.names.setdefault(fold_name(a.name), []).append(a.name)
        self.identifiers = identifier_columns(agencies)
        #: Contacts' e-mail addresses that belong to one respondent each, for an export that names no respondent.
        self.emails: dict[str, str] = {}
        shared: set[str] = set()
        for a in agencies:
            address = (a.email or "").strip().casefold()
            if address and address in self.emails:
                shared.add(address)
            elif address:
                self.emails[address] = a.name
        for address in shared:
            del self.emails[address]

    def match(self, given: list[tuple[str | None, object]]) -> Match:
        """Match what a return gives: ``(attribute, value)`` pairs, attribute None for the respondent's name."""
        typed = [(attr, " ".join(str(v).split())) for attr, v in given if v is not None and str(v).strip()]
        if not typed:
            return Match(code="respondent_missing")
        if typed[0][0] == BY_EMAIL:  # the address is personal: only its domain is ever shown
            address = typed[0][1].casefold()
            shown = f"the e-mail address at '{address.rpartition('@')[2]}' it was sent from"
            name = self.emails.get(address)
            return Match(name, how="email", typed=shown) if name else Match(code="respondent_unknown", typed=shown,
                                                                          how="email")
        found: dict[str, str] = {}  # agency -> how
        ambiguous: list[str] = []
        for attr, value in typed:
            if attr is None:
                names = self.names.get(fold_name(value), [])
                if len(names) == 1:
                    found.setdefault(names[0], "name")
                elif names:
                    ambiguous += names
            elif (name := self.identifiers.get(attr, {}).get(fold_identifier(value))) is not None:
                found.setdefault(name, attr)
        shown = " / ".join(dict.fromkeys(v for _, v in typed))
        if len(found) > 1:
            return Match(code="respondents_disagree", typed=shown, suggestions=list(found))
        if found:
            (agency, how), = found.items()
            return Match(agency, how=how, typed=shown)
        if ambiguous:
            return Match(code="respondent_ambiguous", typed=shown, suggestions=ambiguous)
        return Match(code="respondent_unknown", typed=shown, suggestions=self._close(typed))

    def _close(self, typed: list[tuple[str | None, str]]) -> list[str]:
        out: list[str] = []
        for attr, value in typed:
            if attr is None:
                folded = fold_name(value)
                for key in difflib.get_close_matches(folded, list(self.names), n=3, cutoff=_CLOSE_NAMES):
                    out += self.names[key]
                if len(folded) >= 4:  # the start of a name ('Acorn' for 'Acorn Day Nursery')
                    out += [n for key, names in self.names.items() if key.startswith(folded + " ") for n in names]
            elif attr in self.identifiers:
                ids = self.identifiers[attr]
                out += [ids[k] for k in difflib.get_close_matches(fold_identifier(value), list(ids), n=3,
                                                                  cutoff=_CLOSE_IDENTIFIERS)]
        return list(dict.fromkeys(out))[:3]

    def find(self, name: str) -> Agency | None:
        """The respondent called ``name`` (compared as names are), for ``maa assign``."""
        names = self.names.get(fold_name(name), [])
        return self.agencies[names[0]] if len(names) == 1 else None

    def close(self, name: str) -> list[str]:
        return self._close([(None, name)])


_ROSTERS: dict[int, tuple[object, Roster]] = {}


def roster_for(ws: Workspace) -> Roster:
    """The roster of an opened audit, built once per audit definition (a county has 1,500 respondents)."""
    cached = _ROSTERS.get(id(ws))
    if cached is None or cached[0] is not ws.audit:
        cached = (ws.audit, Roster(list(ws.audit.agencies)))
        _ROSTERS.clear()  # one audit at a time is plenty; do not keep old ones alive
        _ROSTERS[id(ws)] = cached
    return cached[1]


# -- the officer's assignments -----------------------------------------------------------------------


def file_key(sha256: str) -> str:
    """How an assignment names a whole file (a return of the open form): by its content, so renaming keeps it."""
    return f"file:{sha256}"


def assignments_path(ws: Workspace) -> Path:
    return ws.state_dir / ASSIGNMENTS_FILE


_READ: dict[str, tuple[tuple, dict]] = {}


def read_assignments(ws: Workspace) -> dict[str, dict]:
    """``{key: {"respondent": name, "file": as listed, "at": when}}``; empty when missing or unreadable.

    Read once per change of the file (a run asks for it once per self-declared return).
    """
    path = assignments_path(ws)
    try:
        st = path.stat()
        stamp = (st.st_size, st.st_mtime_ns)
    except OSError:
        return {}
    cached = _READ.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):
        data = {}
    data = {k: v for k, v in data.items() if isinstance(v, dict) and isinstance(v.get("respondent"), str)} \
        if isinstance(data, dict) else {}
    _READ[str(path)] = (stamp, data)
    return data


def write_assignments(ws: Workspace, data: dict[str, dict]) -> None:
    atomic.write_text(assignments_path(ws), json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n")


def assigned(ws: Workspace, key: str | None) -> str | None:
    """The respondent the officer assigned to ``key`` (a row's key, or :func:`file_key`), if any."""
    if not key:
        return None
    entry = read_assignments(ws).get(key)
    return entry["respondent"] if entry else None


def other_domain(address: str | None, known: str | None, listed: list[str] | tuple = ()) -> tuple[str, str] | None:
    """``(domain, usual domain)`` when ``address`` (an e-mail address, or '@domain') is outside the domain of
    ``known`` (the respondent's e-mail on the roster) and of the domains ``listed`` for it in audit.yaml
    (``agency_domains``), subdomains included; None when it is not, or the respondent's usual domain is unknown."""
    domain = (address or "").rpartition("@")[2].strip().casefold()
    expected = (known or "").rpartition("@")[2].strip().casefold()
    if not domain or not expected:
        return None
    if any(domain == usual or domain.endswith("." + usual) for usual in (expected, *listed) if usual):
        return None
    return domain, expected


def digest(*parts) -> str:
    """A short digest of what a judgement depended on besides the file (see ``Decision.basis``)."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()[:24]


def assignments_digest(ws: Workspace, prefixes: tuple[str, ...]) -> str:
    """A digest of the assignments whose keys start with one of ``prefixes``."""
    chosen = {k: v["respondent"] for k, v in read_assignments(ws).items() if k.startswith(prefixes)}
    return digest(sorted(chosen.items()))
