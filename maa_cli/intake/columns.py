"""Which column of an online-form export answers which question: matched by text, kept in an editable map.

An export has one column per question, headed by the question as the form showed it. A column is
matched to an answer box of the audit tool (:meth:`~maa_cli.definitions.tool.Tool.fields`) by its
heading, with case, spacing, punctuation and a leading number set aside ('3a. The steps to take…'
is part a of question 3), by the answer box's key ('q3.a', for a CSV made by hand), or by number
alone ('3a'). 'Action points', 'When / who', 'Why this judgement' and 'Other' columns belong to the
question they name ('Action points for question 4', '4. Action points') or else to the question of
the column before them. The columns every online form adds (ID, Start time, Completion time, Email,
Name) and the column that says who answered (the setting's name, or an identifier such as its
Ofsted URN) are recognised by their headings.

What was matched is written to ``column-map.csv`` in the audit folder, one row per column, for the
officer to check; a row the officer changes is used from then on (the file is only ever added to).
A column that matches nothing is left blank there and reported until the officer writes the key of
its question, or ``ignore``.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..definitions.tool import AnswerField, Tool
from ..setup.workspace import Workspace
from .readers.table import column_letter, decode_text
from .respondents import digest

MAP_FILE = "column-map.csv"
MAP_HEADINGS = ("form type", "export column", "maps to", "how", "question")
#: What a column can be besides an answer: who answered (the roster name, or 'respondent:<attribute>'),
#: the export's own columns, or nothing the audit needs.
ROLES = {
    "respondent": "the respondent's name, matched to the roster",
    "id": "the response's ID: a newer export's row with the same ID replaces it",
    "started": "when the response was started",
    "completed": "when the response was sent (decides lateness, and which version of a response is newest)",
    "modified": "when the response was last changed",
    "email": "the respondent's e-mail (personal: only its domain is compared with the roster, never kept)",
    "name": "the name of the person who answered (personal: never kept)",
    "ignore": "not needed",
}
_META = {
    "id": "id", "response id": "id", "start time": "started", "started": "started", "completion time": "completed",
    "completed": "completed", "submitted": "completed", "submission time": "completed", "timestamp": "completed",
    "last modified time": "modified", "email": "email", "email address": "email", "e mail": "email",
    "e mail address": "email", "name": "name", "your name": "name", "full name": "name", "total points": "ignore",
    "quiz feedback": "ignore", "grade posted to learners": "ignore", "language": "ignore",
}  # fmt: skip
_RESPONDENT = {
    "setting", "setting name", "name of setting", "name of the setting", "name of your setting", "your setting",
    "agency", "agency name", "name of agency", "name of your agency", "organisation", "organisation name",
    "name of organisation", "name of your organisation", "organization", "organization name", "respondent",
    "provider", "provider name", "name of provider", "school", "school name", "name of school", "name of your school",
}  # fmt: skip
_URN = {"urn", "ofsted urn", "unique reference number", "ofsted number", "ofsted registration number", "urn number",
        "ofsted urn number", "registration number"}
_COMPANIONS = {"action points": "action", "when who": "when_who", "why this judgement": "why",
               "other please specify": "other", "other": "other"}
_LEADING = re.compile(r"^\s*(?:q(?:uestion)?\s*\.?\s*)?(\d+(?:\.\d+)*)([a-z])?(?:\s*[.):\-]\s*|\s+|$)", re.IGNORECASE)
_ABOUT = re.compile(r"^(?:(.+?)\s+)?(?:for\s+)?(?:question|q)\s*(\d+[a-z]?)$")


def fold(text: str) -> str:
    """A heading as compared: lower case, punctuation as spaces, spacing collapsed."""
    text = unicodedata.normalize("NFKC", str(text)).casefold().replace("&", " and ").replace("’", "").replace("'", "")
    return " ".join(re.sub(r"[^\w]+|_", " ", text).split())


def split_number(heading: str) -> tuple[str | None, str]:
    """('3a', 'the steps to take …') for '3a. The steps to take …'; (None, folded heading) without a number."""
    match = _LEADING.match(heading)
    if not match:
        return None, fold(heading)
    number = match[1] + (match[2] or "")
    return number.casefold(), fold(heading[match.end():])


@dataclass
class Column:
    """One column of an export and what it was taken to be."""

    index: int  # 0-based
    heading: str
    label: str  # the heading, with ' [2]' on the second of two columns headed the same
    maps_to: str | None = None  # an answer key, a role (ROLES), 'respondent:<attribute>', or None: matches nothing
    how: str = ""
    problem: str | None = None  # why it matches nothing, for the officer

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class Plan:
    """How one export's columns are read for one form type."""

    form_type: str
    tool: Tool
    columns: list[Column]
    officer: int = 0  # columns whose meaning came from the officer's map

    @property
    def answers(self) -> list[tuple[Column, AnswerField]]:
        keys = {f.key: f for f in self.tool.fields()}
        return [(c, keys[c.maps_to]) for c in self.columns if c.maps_to in keys]

    @property
    def score(self) -> int:
        """How many questions were found: what decides which of an audit's tools an export is of."""
        return sum(1 for _c, f in self.answers if f.role == "answer")

    @property
    def respondent(self) -> list[tuple[Column, str | None]]:
        """The columns that say who answered, identifiers first: (column, attribute or None for the name)."""
        out = []
        for c in self.columns:
            if c.maps_to == "respondent":
                out.append((c, None))
            elif c.maps_to and c.maps_to.startswith("respondent:"):
                out.insert(0, (c, c.maps_to.split(":", 1)[1]))
            elif (src := field_of(self.tool, c.maps_to)) is not None and src.role == "answer" \
                    and (src.part or src.question).prefill == "agency":
                out.append((c, None))  # the tool asks for the respondent's name itself
        return out

    def role(self, name: str) -> Column | None:
        return next((c for c in self.columns if c.maps_to == name), None)

    @property
    def unmatched(self) -> list[Column]:
        return [c for c in self.columns if c.maps_to is None]

    @property
    def missing(self) -> list[AnswerField]:
        """Answer boxes with no column: every row lacks their answers."""
        have = {f.key for _c, f in self.answers}
        return [f for f in self.tool.fields() if f.role == "answer" and f.key not in have and not (f.part or f.question).prefill]


def field_of(tool: Tool, key: str | None) -> AnswerField | None:
    """The answer box ``key`` of ``tool``, or None (a role, or nothing)."""
    try:
        return tool.field(key) if key else None
    except KeyError:
        return None


# -- matching ----------------------------------------------------------------------------------------


class _Index:
    """The texts, numbers and keys of one tool's answer boxes, folded once."""

    def __init__(self, tool: Tool):
        self.tool = tool
        self.keys = {f.key.casefold(): f.key for f in tool.fields()}
        self.texts: dict[str, list[str]] = {}
        self.numbers: dict[str, str] = {}
        self.companions: dict[tuple[str, str], str] = {}
        self.described: dict[str, str] = {}  # answer key -> '3a: The steps …' for the map's last column
        for f in tool.fields():
            number = fold(f.number).replace(" ", "")
            if f.role == "answer":
                texts = [f.part.text, f"{f.question.text} {f.part.text}"] if f.part else [f.question.text]
                if f.part and f.part.label:
                    texts.append(f"{f.part.label} {f.part.text}")
                for text in texts:
                    self.texts.setdefault(fold(text), []).append(f.key)
                self.numbers.setdefault(number, f.key)
                self.described[f.key] = f"{f.number}: {f.part.text if f.part else f.question.text}"
            else:
                self.companions[(fold(f.question.number or f.question.id).replace(" ", ""), f.role)] = f.key
                self.described[f.key] = f"{f.number}: {f.label}"

    def by_text(self, text: str) -> str | None:
        keys = self.texts.get(text, [])
        return keys[0] if len(set(keys)) == 1 else None

    def question_of(self, key: str) -> str:
        q = self.tool.field(key).question
        return fold(q.number or q.id).replace(" ", "")

    def closest(self, text: str) -> str | None:
        found = difflib.get_close_matches(text, list(self.texts), n=1, cutoff=0.6)
        return self.texts[found[0]][0] if found else None


def _auto(heading: str, index: _Index, identifiers: list[str], previous: str | None) -> tuple[str | None, str, str | None]:
    """(maps to, how, problem) for one heading; ``previous`` is the answer key of the last answer column."""
    whole = fold(heading)
    if whole in _META:
        return _META[whole], "online form column", None
    if whole.startswith(("points ", "feedback ")):
        return "ignore", "online form column (quiz)", None
    if heading.strip().casefold() in index.keys:
        return index.keys[heading.strip().casefold()], "answer key", None
    attribute = _identifier(whole, identifiers)
    if attribute:
        return f"respondent:{attribute}", "heading", None
    if whole in _RESPONDENT:
        return "respondent", "heading", None
    number, rest = split_number(heading)
    for text in (rest, whole):
        key = index.by_text(text)
        if key is not None:
            return key, "same text" if number is None else "number and text", None
    if number is not None and not rest and number in index.numbers:
        return index.numbers[number], "question number", None
    companion = _companion(rest, number, index, previous)
    if companion:
        return companion
    if _names_respondent(whole):
        return "respondent", "heading", None
    attribute = _identifier_within(whole, identifiers)
    if attribute:
        return f"respondent:{attribute}", "heading", None
    close = index.closest(rest)
    hint = f" The closest question is {index.described[close]} ({close})." if close else ""
    return None, "no match", f"its heading matches no question of the tool.{hint}"


def _companion(rest: str, number: str | None, index: _Index, previous: str | None):
    about = _ABOUT.fullmatch(rest)
    if about and about[1] in _COMPANIONS:  # 'action points for question 4'
        rest, number = about[1], about[2]
    for label in _COMPANIONS:
        if rest == label:
            break
        if rest.endswith(" " + label) and (key := index.by_text(rest[: -len(label) - 1])):  # '<question text> Action points'
            number = index.question_of(key)
            break
    else:
        return None
    role = _COMPANIONS[label]
    if number is not None:
        key = index.companions.get((number, role))
        return (key, "question number", None) if key else (None, "no match", f"question {number} has no '{label}' box")
    if previous is not None:
        q_number = index.question_of(previous)
        key = index.companions.get((q_number, role))
        if key:
            return key, f"follows question {q_number}", None
    return None, "no match", f"a '{label}' column that names no question, and no question's column comes before it"


_WHO = {"setting", "settings", "provider", "organisation", "organization", "agency", "school", "nursery", "service",
        "childminder", "preschool", "academy", "practice", "team"}


_YES_NO_QUESTION = {"does", "do", "is", "are", "has", "have", "how", "when", "why", "can", "will", "did", "was"}


def _names_respondent(whole: str) -> bool:
    """A short heading asking which setting or organisation answered: 'Name of childcare provider', 'Which setting
    are you from', 'Your nursery’s name'. Only asked of headings that match no question."""
    words = [w[:-1] if w[:-1] in _WHO else w for w in whole.replace("pre school", "preschool").split()]
    if len(words) > 8 or not _WHO & set(words) or words[0] in _YES_NO_QUESTION:
        return False
    if "name" in words:
        return True
    asks = re.match(r"(?:which|what)(?: is)?(?: your| the)? (\w+)", " ".join(words))  # 'which setting are you from'
    return bool(asks and asks[1] in _WHO) or (len(words) <= 3 and words[0] in ("your", "my"))


def _identifier(whole: str, identifiers: list[str]) -> str | None:
    for attribute in identifiers:
        name = fold(attribute)
        if whole == name or ("urn" in name.split() and whole in _URN):
            return attribute
    return None


def _identifier_within(whole: str, identifiers: list[str]) -> str | None:
    if len(whole.split()) > 8:
        return None
    for attribute in identifiers:
        name = fold(attribute)
        if f" {name} " in f" {whole} " or ("urn" in name.split() and " urn" in f" {whole}"):
            return attribute
    return None


def plan_columns(headings: list[str], tool: Tool, form_type: str, identifiers: list[str],
                 officer: dict[str, str] | None = None) -> Plan:
    """How to read columns headed ``headings`` as answers to ``tool``.

    Args:
        identifiers: the roster attributes a respondent may give instead of its name (e.g. ``ofsted_urn``).
        officer: ``{export column: maps to}`` from the officer's map for this form type; those win.
    """
    officer = officer or {}
    index = _Index(tool)
    columns: list[Column] = []
    seen: dict[str, int] = {}
    previous: str | None = None
    for i, heading in enumerate(headings):
        if not heading:
            continue
        seen[heading] = seen.get(heading, 0) + 1
        label = heading if seen[heading] == 1 else f"{heading} [{seen[heading]}]"
        if label in officer:
            maps_to, how, problem = _officer(officer[label], index, identifiers)
        else:
            maps_to, how, problem = _auto(heading, index, identifiers, previous)
        column = Column(i, heading, label, maps_to, how, problem)
        columns.append(column)
        if (f := field_of(tool, maps_to)) is not None and f.role == "answer":
            previous = maps_to
    _one_each(columns, index)
    return Plan(form_type, tool, columns, officer=sum(1 for c in columns if c.label in officer))


def _officer(value: str, index: _Index, identifiers: list[str]) -> tuple[str | None, str, str | None]:
    text = value.strip()
    folded = text.casefold()
    if not text:
        return None, "no match", "it is left blank in column-map.csv"
    if folded in index.keys:
        return index.keys[folded], "column map", None
    if folded in ROLES:
        return folded, "column map", None
    if folded.startswith("respondent:"):
        attribute = text.split(":", 1)[1].strip()
        if attribute in identifiers:
            return f"respondent:{attribute}", "column map", None
        return None, "column map", (f"column-map.csv says '{text}', but '{attribute}' is not a roster column that names "
                                    f"one respondent each ({', '.join(identifiers) or 'the roster has none'})")
    return None, "column map", (f"column-map.csv says '{text}', which is neither a question's key (e.g. "
                                f"{next(iter(index.keys.values()))}) nor one of: {', '.join(ROLES)}")


def _one_each(columns: list[Column], index: _Index) -> None:
    """Two columns may not both be one answer (or the ID, or one identifier): the later one is left unmatched."""
    taken: dict[str, Column] = {}
    for c in columns:
        if c.maps_to is None or c.maps_to in ("ignore", "respondent"):
            continue
        if c.maps_to in taken:
            first = taken[c.maps_to]
            what = index.described.get(c.maps_to, c.maps_to)
            c.maps_to, c.how = None, "no match"
            c.problem = f"column {first.letter} ('{first.heading}') already gives {what}"
        else:
            taken[c.maps_to] = c


# -- the map file ------------------------------------------------------------------------------------


@dataclass
class ColumnMap:
    """``column-map.csv`` as read: the officer's meaning of each export column, by form type."""

    rows: dict[str, dict[str, str]] = field(default_factory=dict)  # form type -> {export column: maps to}
    lines: list[list[str]] = field(default_factory=list)  # every row as written, to add to it
    problem: str | None = None  # the file could not be read


def map_path(ws: Workspace) -> Path:
    return ws.root / MAP_FILE


_READ: dict[str, tuple[tuple, ColumnMap]] = {}


def read_map(ws: Workspace) -> ColumnMap:
    """The column map (read once per change of the file; saved by Excel in any of its CSV encodings)."""
    path = map_path(ws)
    try:
        st = path.stat()
    except OSError:
        return ColumnMap()
    stamp = (st.st_size, st.st_mtime_ns)
    cached = _READ.get(str(path))
    if cached and cached[0] == stamp:
        return cached[1]
    out = ColumnMap()
    try:
        decoded = decode_text(path.read_bytes()[: 8 * 1024 * 1024])
    except OSError as exc:
        decoded, out.problem = None, f"it cannot be opened ({exc.strerror or type(exc).__name__})"
    if decoded is not None:
        text = decoded[0]
        separator = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
        for cells in csv.reader(io.StringIO(text, newline=""), delimiter=separator):
            cells = [c.strip() for c in cells] + [""] * (len(MAP_HEADINGS) - len(cells))
            if not any(cells) or tuple(c.casefold() for c in cells[:3]) == MAP_HEADINGS[:3]:
                continue
            out.lines.append(cells[: len(MAP_HEADINGS)])
            out.rows.setdefault(cells[0], {}).setdefault(cells[1], cells[2])
    elif out.problem is None:
        out.problem = "it is not text"
    _READ[str(path)] = (stamp, out)
    return out


def map_digest(ws: Workspace, form_type: str) -> str:
    """A digest of the officer's map for one form type: when it changes, that form type's exports are read again."""
    return digest(sorted(read_map(ws).rows.get(form_type, {}).items()))


def add_to_map(ws: Workspace, plan: Plan) -> str | None:
    """Add the columns of ``plan`` the map does not have yet; None when done, else why it could not be written.

    Rows already in the map are never changed: they are the officer's.
    """
    current = read_map(ws)
    known = current.rows.get(plan.form_type, {})
    index = _Index(plan.tool)
    new = [[plan.form_type, c.label, c.maps_to or "", c.how, _explain(c, index)] for c in plan.columns if c.label not in known]
    if not new:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(MAP_HEADINGS)
    writer.writerows(current.lines + new)
    try:
        # A byte-order mark, so Excel opens it as UTF-8 (headings hold curly quotes and accents).
        atomic.write_bytes(map_path(ws), b"\xef\xbb\xbf" + buffer.getvalue().encode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - open in Excel (Windows locks it), or read-only: the run goes on
        return (f"column-map.csv could not be updated ({getattr(exc, 'strerror', None) or type(exc).__name__}; is it "
                "open in Excel?): close it, and the next 'maa collect' adds the new columns")
    return None


def _explain(c: Column, index: _Index) -> str:
    if c.maps_to is None:
        return f"MATCHES NOTHING: {c.problem}" if c.problem else "MATCHES NOTHING"
    if c.maps_to in index.described:
        return index.described[c.maps_to]
    role = c.maps_to.split(":", 1)[0]
    if role == "respondent" and ":" in c.maps_to:
        return f"the respondent's {c.maps_to.split(':', 1)[1]}, matched to the roster"
    return ROLES.get(role, "")
