"""What goes on one form, whatever its file format.

The planner (:mod:`maa_cli.forms.plan`) builds a :class:`FormContent` for each
form to issue; the Word and Excel writers only lay it out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from ..definitions.tool import AnswerField, Question, Tool, not_met_levels, question_applies
from .identity import FormIdentity


@dataclass(frozen=True)
class FormContent:
    """Everything a writer needs for one form.

    ``identifying`` holds the case's identifying details (child's name, date of
    birth) and is filled only on forms for agencies involved with that case.
    ``prefill`` maps answer keys to values already known (e.g. an ``identifying``
    question answered from the restricted store).
    """

    tool: Tool
    identity: FormIdentity
    partnership: str
    audit_title: str
    form_title: str
    for_whom: str
    case_ref: str | None = None
    identifying: tuple[tuple[str, str], ...] = ()
    prefill: dict[str, object] = field(default_factory=dict)
    deadline: dt.date | None = None
    return_to: str | None = None
    respondent_attributes: dict[str, str] = field(default_factory=dict)
    word_template: Path | None = None
    marking: str | None = "OFFICIAL-SENSITIVE"  # protective marking printed in the header
    secure_email_hint: str = "secure e-mail"

    def deadline_text(self) -> str:
        return self.deadline.strftime("%d %B %Y").lstrip("0") if self.deadline else "the date your co-ordinator gave you"

    def how_to_return(self) -> str:
        where = self.return_to or "the audit business unit"
        text = (
            f"Save this file (any file name is fine) and send it to {where} by {self.deadline_text()}. "
            "Keep the form reference line: it tells us which form this is."
        )
        if self.identifying:  # the child's name and date of birth are on it
            text += (f" This form names a child: send it only by {self.secure_email_hint}, never by ordinary "
                     "e-mail, and do not keep copies once it is returned.")
        return text

    def header_line(self) -> str:
        """What each page's header says: the protective marking, then the form reference."""
        ref = self.identity.reference_line()
        return f"{self.marking} · {ref}" if self.marking else ref

    def applies(self, question) -> bool:
        """Whether a question applies to this respondent (else its answer is N/A).

        Decided by the respondent's attributes; a condition on other answers is printed in words instead
        (:func:`condition_notes`)."""
        return question_applies(question, self.respondent_attributes)


def condition_notes(tool: Tool, question: Question) -> list[str]:
    """When a question must be answered, in words for the form: 'Required if 2.1 is Partly met or Not met.'"""
    notes = []
    if question.applies_when is not None and not question.applies_when.only_attributes:
        notes.append(f"Answer only if {question.applies_when.describe(tool)}; otherwise leave it blank.")
    if question.required_when is not None:
        notes.append(f"Required if {question.required_when.describe(tool)}.")
    return notes


def companion_note(tool: Tool, f: AnswerField) -> str | None:
    """When a companion box (action points, target date) must be filled in, in words for the form."""
    if f.role == "action":
        levels = not_met_levels(tool, f.question)
        if levels:
            listed = levels[0] if len(levels) == 1 else f"{', '.join(levels[:-1])} or {levels[-1]}"
            return f"required if the answer above is {listed}"
    if f.role == "due":
        return "required when you give action points"
    return None
