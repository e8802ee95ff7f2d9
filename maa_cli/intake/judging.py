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

from ..definitions.tool import (
    NA,
    AnswerField,
    Question,
    Tool,
    answer_is_urgent,
    not_met,
    question_applies,
    roll_up,
)
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
    applies = applicability(tool, out.answers, attributes)
    for f in fields:
        _check(tool, f, out, attributes, applies)
    for f in fields:
        if answer_is_urgent(f, out.answers.get(f.key)):
            out.urgent.append(_issue(f, "the answer signals a current concern that needs action now", "urgent"))
    out.notes += _file_notes(tool, raw)
    return out


def applicability(tool: Tool, answers: dict, attributes: dict | None) -> dict[str, bool]:
    """Whether each question applies to this return (``applies_to`` and ``applies_when``), by question id.

    A condition on a question that does not apply itself sees no answer there ('maa tools check'
    refuses conditions that depend on each other in a circle; one met anyway counts as applying).
    """
    memo: dict[str, bool] = {}
    visiting: set[str] = set()

    def applies(qid: str) -> bool:
        if qid in memo:
            return memo[qid]
        if qid in visiting:
            return True
        visiting.add(qid)
        try:
            q = tool.question(qid)
        except KeyError:
            return True
        memo[qid] = question_applies(q, attributes, lambda ref: condition_answer(tool, answers, ref, applies))
        visiting.discard(qid)
        return memo[qid]

    return {q.id: applies(q.id) for q in tool.questions()}


def condition_answer(tool: Tool, answers: dict, ref: str, applies=None):
    """The answer a condition on ``ref`` tests (see :mod:`maa_cli.definitions.conditions`).

    A question id gives the question's own answer: a yes/no question with parts its rolled-up
    answer, another question with parts the list of its parts' answers. ``id.part`` and
    ``id.action`` (any answer box) give that box's answer. A question that does not apply has none.
    """
    qid = ref.split(".")[0]
    if applies is not None and not applies(qid):
        return None
    if "." in ref:
        return answers.get(ref)
    try:
        q = tool.question(qid)
    except KeyError:
        return None
    if q.parts and q.type != "yes_no":
        return [answers.get(f"{q.id}.{p.id}") for p in q.parts]
    return question_value(tool, answers, qid)


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
    """Whether the form showed this question as applying (decided by the respondent's attributes alone)."""
    return question_applies(f.question, attributes)


def _check(tool: Tool, f: AnswerField, out: Judgement, attributes: dict, applies: dict[str, bool]) -> None:
    q = f.question
    value = out.answers.get(f.key)
    if any(i.key == f.key and i.severity == "error" for i in out.issues):
        return
    if not applies.get(q.id, True):
        if f.role == "answer":
            if value not in (None, NA, []):
                out.issues.append(_issue(f, _not_applying(tool, q, attributes), "warning"))
            out.answers[f.key] = NA if NA in f.choices else None
        return
    needed, why = _needed(tool, f, out.answers, attributes)
    if needed and value in (None, [], ""):
        out.issues.append(_issue(f, f"no answer was given; one is needed{why}"))
    elif f.role == "answer" and not needed and value in (None, []) and q.required_when is None:
        out.issues.append(_issue(f, "optional; not answered", "warning"))
    elif f.role == "when_who" and value in (None, "") and out.answers.get(f"{q.id}.action") and not_met(tool, q, out.answers):
        out.issues.append(_issue(f, "the action points do not say when or who", "warning"))
    if f.type == "number" and isinstance(value, int):
        src = f.part or q
        if src.min is not None and value < src.min or src.max is not None and value > src.max:
            bounds = f"between {src.min} and {src.max}" if src.min is not None and src.max is not None else (
                f"at least {src.min}" if src.min is not None else f"at most {src.max}")
            out.issues.append(_issue(f, f"the number is out of range: the answer must be {bounds}"))


def _not_applying(tool: Tool, q: Question, attributes: dict) -> str:
    if q.applies_to is not None and not q.applies_to.applies(attributes):
        return "this question does not apply to you, so the answer should be N/A; N/A was recorded"
    if q.applies_when is not None and q.applies_when.only_attributes:
        return "this question does not apply to you, so the answer should be N/A; N/A was recorded"
    return (f"this question applies only if {q.applies_when.describe(tool, subject='question ')}, which it does not "
            "here, so the answer given was not used")


def _needed(tool: Tool, f: AnswerField, answers: dict, attributes: dict) -> tuple[bool, str]:
    """Whether an answer box must be filled in, and why (for the message)."""
    q = f.question
    if f.role == "answer":
        if q.required_when is not None:
            if q.required_when.holds(lambda ref: condition_answer(tool, answers, ref), attributes):
                return True, f" because {q.required_when.describe(tool, subject='question ')}"
            return False, ""
        if q.applies_when is not None and not q.applies_when.only_attributes:
            return f.required, f" because {q.applies_when.describe(tool, subject='question ')}"
        return f.required, ""
    if f.role == "why":
        return answers.get(q.id) not in (None, NA), " to explain the judgement"
    if f.role == "action":
        failing = not_met(tool, q, answers)
        return bool(failing), f" because the answer is {_not_met_text(q, failing)}: say what will be done"
    if f.role == "due":
        return bool(answers.get(f"{q.id}.action")), " for the action points: give the date they will be done by"
    if f.role == "other":
        keys = [q.id] + [f"{q.id}.{p.id}" for p in q.parts]
        return any(other_chosen(answers.get(k)) for k in keys), " because 'Other' was chosen"
    return False, ""


def not_met_text(tool: Tool, q: Question, answers: dict) -> str:
    """The answer that needs action, as an action plan shows it: 'No', 'No (b, c)', 'Partly met', 'Not met (a)'."""
    return _not_met_text(q, not_met(tool, q, answers))


def _not_met_text(q: Question, failing) -> str:
    if not failing:
        return ""
    values = list(dict.fromkeys(str(n.level) for n in failing))
    parts = [n.part.label or "closing part" for n in failing if n.part is not None]
    return f"{' / '.join(values)} ({', '.join(parts)})" if parts else " / ".join(values)


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


def _issue(f: AnswerField, message: str, severity: str = "error") -> Issue:
    text = f.label if f.role == "answer" else f"{f.label} for question {f.number}"
    return Issue(f.key, f.number, text, message, severity)


def _short(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
