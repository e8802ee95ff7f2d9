"""Judging one return against its tool: every problem in the file, not just the first.

Input is a :class:`RawReturn` (what the reader found); output a :class:`Judgement`
with normalised answers, every issue named by question number and text, and any
answer that signals an urgent concern.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .normalise import Unreadable, normalise, other_chosen
from .readers.raw import RawReturn
from .tool import NA, NO, AnswerField, Tool, answer_is_urgent, roll_up


@dataclass(frozen=True)
class Issue:
    """One problem with one answer."""

    key: str
    number: str
    question: str
    message: str
    severity: str = "error"  # "error" makes the return incomplete; "warning" does not

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

    @property
    def complete(self) -> bool:
        return not any(i.severity == "error" for i in self.issues)


def judge(tool: Tool, raw: RawReturn, attributes: dict[str, str] | None = None) -> Judgement:
    """Normalise and check every answer of ``raw`` against ``tool``."""
    attributes = attributes or {}
    out = Judgement()
    fields = tool.fields()
    for f in fields:
        found = raw.answers.get(f.key)
        try:
            out.answers[f.key] = normalise(f, found.value if found else None)
        except Unreadable as exc:
            out.answers[f.key] = None
            out.issues.append(_issue(f, str(exc)))
    for f in fields:
        _check(f, out, attributes)
    for f in fields:
        if answer_is_urgent(f, out.answers.get(f.key)):
            out.urgent.append(_issue(f, "the answer signals a current concern that needs action now", "urgent"))
    return out


def question_value(tool: Tool, answers: dict, question_id: str):
    """A question's own value, rolling sub-parts up by :func:`maa_cli.tool.roll_up`."""
    q = tool.question(question_id)
    if q.parts:
        return roll_up([answers.get(f"{q.id}.{p.id}") for p in q.parts]) if q.type == "yes_no" else None
    return answers.get(q.id)


def _check(f: AnswerField, out: Judgement, attributes: dict) -> None:
    q = f.question
    value = out.answers.get(f.key)
    if any(i.key == f.key for i in out.issues):
        return
    applies = q.applies_to is None or q.applies_to.applies(attributes)
    if f.role == "answer" and not applies:
        if value not in (None, NA):
            out.issues.append(_issue(f, f"this question does not apply to you, so the answer should be N/A (it says {value})", "warning"))
        out.answers[f.key] = NA if NA in f.choices else None
        return
    needed = f.required if f.role == "answer" else False
    why = ""
    if f.role == "answer" and q.required_when is not None:
        other = out.answers.get(q.required_when.question)
        needed = other in q.required_when.is_
        why = f" because question {q.required_when.question} is {other}" if needed else ""
    if f.role == "why":
        needed = out.answers.get(q.id) not in (None, NA)
        why = " to explain the judgement"
    if f.role == "action":
        rolled = _rolled(q, out.answers)
        needed = rolled == NO
        why = " because the answer is No: say what will be done"
    if f.role == "other":
        needed = any(other_chosen(out.answers.get(k)) for k in [q.id] + [f"{q.id}.{p.id}" for p in q.parts])
        why = " because 'Other' was chosen"
    if needed and value in (None, [], ""):
        out.issues.append(_issue(f, f"no answer was given; one is needed{why}"))


def _rolled(q, answers):
    if q.parts:
        return roll_up([answers.get(f"{q.id}.{p.id}") for p in q.parts])
    return answers.get(q.id)


def _issue(f: AnswerField, message: str, severity: str = "error") -> Issue:
    text = f.label if f.role == "answer" else f"{f.label} for question {f.number}"
    return Issue(f.key, f.number, text, message, severity)


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
