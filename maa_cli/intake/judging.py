"""Judging one return against its tool: every problem in the file, not just the first.

Input is a :class:`RawReturn` (what the reader found); output a :class:`Judgement`
with normalised answers, every issue named by question number and text, any
answer that signals an urgent concern, and notes about the file as a whole
(an older tool version, tracked changes, parts that could not be read).

Errors make a return *incomplete*; warnings (an optional question left blank,
a comment typed beside an answer, an answer given where N/A was expected) are
reported but do not. Messages never repeat what was typed (it may name a child,
and messages are kept in the state, the run log and ``--json`` output); they say
what was expected instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..definitions.tool import NA, NO, AnswerField, Tool, answer_is_urgent, roll_up
from .normalise import Unreadable, is_blank, normalise_with_note, other_chosen
from .readers.raw import RawReturn

#: Longer answers are kept whole, but an Excel cell (and so the data workbook) holds no more.
LONG_ANSWER = 32_767


@dataclass(frozen=True)
class Issue:
    """One problem with one answer."""

    key: str
    number: str
    question: str
    message: str
    severity: str = "error"  # "error" makes the return incomplete; "warning" and "urgent" do not

    def __str__(self) -> str:
        return f"Question {self.number} ({_short(self.question)}): {self.message}"

    def to_dict(self) -> dict:
        return {"key": self.key, "number": self.number, "question": _short(self.question, 80),
                "message": self.message, "severity": self.severity}


@dataclass
class Judgement:
    answers: dict[str, object] = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)
    urgent: list[Issue] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # about the file as a whole
    comments: dict[str, str] = field(default_factory=dict)  # text typed after a choice, by answer key
    given: int = 0  # answers the respondent gave (not prefilled on the form)

    @property
    def complete(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)

    @property
    def blank(self) -> bool:
        """Nothing answered at all: most likely the blank form sent back by mistake."""
        return self.given == 0

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]


def judge(tool: Tool, raw: RawReturn, attributes: dict[str, str] | None = None) -> Judgement:
    """Normalise and check every answer of ``raw`` against ``tool``.

    Args:
        tool: the tool the form was issued from.
        raw: what the reader found in the file.
        attributes: the respondent's attributes (``setting_type`` …), for
            questions that apply only to some respondents.
    """
    attributes = attributes or {}
    out = Judgement()
    fields = tool.fields()
    for f in fields:
        _read(f, raw, out, attributes)
    for f in fields:
        _check(tool, f, out, attributes)
    for f in fields:
        if answer_is_urgent(f, out.answers.get(f.key)):
            out.urgent.append(_issue(f, "the answer signals a current concern that needs action now", "urgent"))
    out.notes += _file_notes(tool, raw)
    return out


def question_value(tool: Tool, answers: dict, question_id: str):
    """A question's own value, rolling sub-parts up by :func:`maa_cli.definitions.tool.roll_up`."""
    q = tool.question(question_id)
    if q.parts:
        return roll_up([answers.get(f"{q.id}.{p.id}") for p in q.parts]) if q.type == "yes_no" else None
    return answers.get(q.id)


def identifying_keys(tool: Tool) -> set[str]:
    """Answer keys whose values identify someone and live only in the restricted store."""
    return {f.key for f in tool.fields() if (f.part or f.question).identifying}


def _read(f: AnswerField, raw: RawReturn, out: Judgement, attributes: dict) -> None:
    found = raw.answers.get(f.key)
    value = found.value if found else None
    src = f.part or f.question
    try:
        out.answers[f.key], comment = normalise_with_note(f, value)
    except Unreadable as exc:
        out.answers[f.key], comment = None, None
        out.issues.append(_issue(f, exc.private if src.identifying else str(exc)))  # neither repeats the value
    if is_blank(value) or src.prefill or (f.role == "answer" and not _applies(f, attributes)):
        pass  # prefilled or set to N/A on the form: not something the respondent gave
    else:
        out.given += 1
    if comment:
        out.comments[f.key] = comment
        out.issues.append(_issue(f, "text typed after the answer was kept as a comment", "warning"))
    answer = out.answers[f.key]
    if isinstance(answer, str) and len(answer) > LONG_ANSWER:
        out.issues.append(_issue(f, f"the answer is very long ({len(answer):,} characters); it is kept in full, "
                                    "but Excel reports show only the first 32,767", "warning"))


def _applies(f: AnswerField, attributes: dict) -> bool:
    return f.question.applies_to is None or f.question.applies_to.applies(attributes)


def _check(tool: Tool, f: AnswerField, out: Judgement, attributes: dict) -> None:
    q = f.question
    value = out.answers.get(f.key)
    if any(i.key == f.key and i.severity == "error" for i in out.issues):
        return
    if f.role == "answer" and not _applies(f, attributes):
        if value not in (None, NA):
            out.issues.append(_issue(f, "this question does not apply to you, so the answer should be N/A; N/A was recorded", "warning"))
        out.answers[f.key] = NA if NA in f.choices else None
        return
    needed, why = _needed(tool, f, out.answers)
    if needed and value in (None, [], ""):
        out.issues.append(_issue(f, f"no answer was given; one is needed{why}"))
    elif f.role == "answer" and not needed and value in (None, []) and q.required_when is None:
        out.issues.append(_issue(f, "optional; not answered", "warning"))
    elif f.role == "when_who" and value in (None, "") and _rolled(q, out.answers) == NO and out.answers.get(f"{q.id}.action"):
        out.issues.append(_issue(f, "the action points do not say when or who", "warning"))
    if f.type == "number" and isinstance(value, int):
        src = f.part or q
        if src.min is not None and value < src.min or src.max is not None and value > src.max:
            bounds = f"between {src.min} and {src.max}" if src.min is not None and src.max is not None else (
                f"at least {src.min}" if src.min is not None else f"at most {src.max}")
            out.issues.append(_issue(f, f"the number is out of range: the answer must be {bounds}"))


def _needed(tool: Tool, f: AnswerField, answers: dict) -> tuple[bool, str]:
    """Whether an answer box must be filled in, and why (for the message)."""
    q = f.question
    if f.role == "answer":
        if q.required_when is not None:
            met = _condition_met(tool, q.required_when, answers)
            if met is not None:
                return True, f" because question {_number(tool, q.required_when.question)} is {met}"
            return False, ""
        return f.required, ""
    if f.role == "why":
        return answers.get(q.id) not in (None, NA), " to explain the judgement"
    if f.role == "action":
        return _rolled(q, answers) == NO, " because the answer is No: say what will be done"
    if f.role == "other":
        keys = [q.id] + [f"{q.id}.{p.id}" for p in q.parts]
        return any(other_chosen(answers.get(k)) for k in keys), " because 'Other' was chosen"
    return False, ""


def _condition_met(tool: Tool, condition, answers: dict) -> str | None:
    """The value of ``condition.is_`` that the answer to ``condition.question`` has (case does not
    matter), or None. A yes/no question with parts is judged by its rolled-up value
    (:func:`maa_cli.definitions.tool.roll_up`), other questions with parts by any part; a part by its own."""
    ref = condition.question
    try:
        q = tool.question(ref)
    except KeyError:  # "question.part"
        value = answers.get(ref)
    else:
        value = question_value(tool, answers, ref)
        if q.parts and q.type != "yes_no":  # no roll-up: any part with the value
            value = [answers.get(f"{q.id}.{p.id}") for p in q.parts]
    given = {_fold(v) for v in (value if isinstance(value, list) else [value]) if isinstance(v, str)}
    return next((wanted for wanted in condition.is_ if _fold(wanted) in given), None)


def _number(tool: Tool, ref: str) -> str:
    """How a question (or 'question.part') is numbered on the form, for messages."""
    try:
        return tool.question(ref).number or ref
    except KeyError:
        pass
    try:
        return tool.field(ref).number
    except KeyError:
        return ref


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()


def _file_notes(tool: Tool, raw: RawReturn) -> list[str]:
    notes = []
    ident = raw.identity
    if ident and ident.tool_version and ident.tool_version != tool.version:
        notes.append(f"this form was issued with version {ident.tool_version} of the tool '{tool.id}'; the audit now uses "
                     f"version {tool.version}, so answers were read against the current questions")
    if ident and ident.tool_id and ident.tool_id != tool.id:
        notes.append(f"the form says it was made from the tool '{ident.tool_id}', but this form type now uses '{tool.id}'")
    if raw.tracked_changes:
        notes.append("the file has tracked changes; the accepted view (insertions in, deletions out) was used")
    notes += list(raw.notes)
    if raw.answers:
        notes += list(raw.unreadable)
    return notes


def _rolled(q, answers):
    if q.parts:
        return roll_up([answers.get(f"{q.id}.{p.id}") for p in q.parts])
    return answers.get(q.id)


def _issue(f: AnswerField, message: str, severity: str = "error") -> Issue:
    text = f.label if f.role == "answer" else f"{f.label} for question {f.number}"
    return Issue(f.key, f.number, text, message, severity)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
