"""The audit tool: what a form asks. Pydantic models are the single source of truth.

An audit tool is a list of sections, each a list of questions. A question may have
sub-parts that are answered separately (3 a-c, or 9 a-b plus an unlettered closing
question). Everything downstream — Word and Excel forms, readers, validation,
reports — works from :meth:`Tool.fields`, the flat list of answer boxes, so the
shape of a form is defined here once.

How sub-parts roll up to their question is defined once, in :func:`roll_up`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import ErrorCode
from .scales import BUILT_IN_SCALES

QuestionType = Literal[
    "yes_no", "single_choice", "multiple_choice", "grade", "short_text", "long_text", "date", "number"
]
ToolKind = Literal["questionnaire", "case_audit", "reflection", "record", "family_views", "overview", "findings"]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
YES, NO, NA = "Yes", "No", "N/A"
OTHER = "Other (please specify)"
#: The most rows a tool's Excel form may take: ten times the largest built-in form (95 rows).
#: 'maa tools check' refuses a longer tool, and the Excel reader reads this many rows and more
#: (for rows a respondent inserts), so no answer of a tool that passed the check is ever lost.
#: The Word form of a tool at the limit stays well inside the XML element budget of a return
#: (maa_cli.intake.safety.MAX_PART_ELEMENTS), even after Word or LibreOffice saves it.
MAX_FORM_ROWS = 1000
#: Rows of every Excel form besides its questions, as forms/excel.py lays it out: two title
#: lines, who it is for, the child's details, the reference line, the headings, and the "How to
#: complete this form" block (heading, the tool's instructions, how to answer, how to return).
FORM_FRAME_ROWS = 10


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Link(_Strict):
    """A link to guidance shown beside a question."""

    title: str
    url: str


class Condition(_Strict):
    """``question`` (an id, or ``id.part``) has one of the answers in ``is``."""

    question: str
    is_: list[str] = Field(alias="is", min_length=1)

    @field_validator("is_", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value


class AppliesTo(_Strict):
    """Limit a question to respondents with (or without) an attribute value.

    Respondent attributes come from the agencies file (e.g. ``setting_type``).
    Where a question does not apply, the expected answer is N/A.
    """

    attribute: str
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.in_ is None) == (self.not_in is None):
            raise ValueError("give either 'in:' or 'not_in:' (one of them) for applies_to")
        return self

    def applies(self, attributes: dict[str, str]) -> bool:
        value = (attributes.get(self.attribute) or "").strip().casefold()
        if self.in_ is not None:
            return value in {v.casefold() for v in self.in_}
        return value not in {v.casefold() for v in self.not_in or []}


class _Answerable(_Strict):
    """Settings shared by questions and their sub-parts."""

    text: str
    type: QuestionType | None = None
    na: bool = False
    choices: list[str] | None = None
    other: bool = False
    scale: str | None = None
    min: int | None = None
    max: int | None = None
    required: bool | None = None
    urgent: bool = False
    urgent_values: list[str] | None = None
    identifying: bool = False
    # Filled in on the form from the restricted store, for the agencies that need it.
    prefill: Literal["child_name", "date_of_birth", "case_ref", "agency"] | None = None


class Part(_Answerable):
    """A sub-part answered separately. ``label`` is the visible letter; none for a closing part."""

    id: str = Field(pattern=r"^[a-z0-9_]{1,20}$")
    label: str | None = None


class Question(_Answerable):
    """One numbered question of an audit tool."""

    id: str = Field(pattern=ID_PATTERN)
    number: str | None = None
    parts: list[Part] = []
    guidance: str | None = None
    links: list[Link] = []
    statutory_reference: str | None = None
    themes: list[str] = []
    action_plan: bool = False
    required_when: Condition | None = None
    applies_to: AppliesTo | None = None
    why: bool = False


class Section(_Strict):
    """A titled group of questions; becomes a heading on the form."""

    id: str = Field(pattern=ID_PATTERN)
    title: str
    intro: str | None = None
    questions: list[Question] = Field(min_length=1)


@dataclass(frozen=True)
class AnswerField:
    """One answer box on a form: what :class:`Tool.fields` yields.

    ``key`` is how the answer is stored everywhere (``q3.a``, ``q1.action``).
    ``role`` is ``answer`` for the question (or part) itself, else ``other``,
    ``why``, ``action`` or ``when_who`` for the companion boxes.
    """

    key: str
    question: Question
    part: Part | None
    role: str
    type: str
    label: str
    choices: tuple[str, ...]
    required: bool

    @property
    def number(self) -> str:
        num = self.question.number or self.question.id
        if self.part is not None and self.part.label:
            return f"{num}{self.part.label}"
        return num


class Tool(_Strict):
    """An audit tool definition, as written in a tool YAML file."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,59}$")
    title: str
    version: str
    kind: ToolKind
    instructions: str | None = None
    scales: dict[str, list[str]] = {}
    sections: list[Section] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value):
        return str(value) if isinstance(value, int | float) else value

    # -- lookups ---------------------------------------------------------
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question:
        for q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def scale(self, name: str) -> list[str]:
        return self.scales.get(name) or BUILT_IN_SCALES[name]

    def fields(self) -> list[AnswerField]:
        """Every answer box of the form, in form order."""
        return list(self._fields)

    def field(self, key: str) -> AnswerField:
        return self._fields_by_key[key]

    @cached_property
    def _fields_by_key(self) -> dict[str, AnswerField]:
        return {f.key: f for f in self._fields}

    @cached_property
    def _fields(self) -> tuple[AnswerField, ...]:
        # Computed once per tool: every writer, reader and report walks these many times.
        out: list[AnswerField] = []
        for q in self.questions():
            if q.parts:
                for p in q.parts:
                    out.append(self._field(f"{q.id}.{p.id}", q, p, p))
            else:
                out.append(self._field(q.id, q, None, q))
            if (q.other and q.type in ("multiple_choice", "single_choice")) or any(p.other for p in q.parts):
                out.append(AnswerField(f"{q.id}.other", q, None, "other", "short_text", "Other, please specify", (), False))
            if q.why:
                out.append(AnswerField(f"{q.id}.why", q, None, "why", "long_text", "Why this judgement", (), True))
            if q.action_plan:
                out.append(AnswerField(f"{q.id}.action", q, None, "action", "long_text", "Action points", (), False))
                out.append(AnswerField(f"{q.id}.when_who", q, None, "when_who", "short_text", "When / who", (), False))
        return tuple(out)

    def _field(self, key: str, q: Question, part: Part | None, src: _Answerable) -> AnswerField:
        qtype = src.type or q.type
        return AnswerField(
            key=key,
            question=q,
            part=part,
            role="answer",
            type=qtype,
            label=src.text,
            choices=tuple(self.choices_for(src, q)),
            required=src.required if src.required is not None else (q.required if q.required is not None else True),
        )

    def form_rows(self) -> int:
        """The rows the Excel form of this tool takes at most; refused past :data:`MAX_FORM_ROWS`.

        One per section (two with an intro), one per answer box, and for a multiple-choice
        answer one per option plus a row for the question above them; a question with parts
        has a row of its own above its first part. tests/test_form_limits.py checks that the
        writer in forms/excel.py agrees.
        """
        rows = FORM_FRAME_ROWS + sum(2 if s.intro else 1 for s in self.sections)
        for f in self._fields:
            if f.type == "multiple_choice" and f.role == "answer":
                rows += 1 + len(f.choices)
            else:
                rows += 1 + (f.role == "answer" and f.part is not None and f.part is f.question.parts[0])
        return rows

    def choices_for(self, src: _Answerable, q: Question | None = None) -> list[str]:
        """The values a drop-down offers for a question or part (N/A last when allowed)."""
        qtype = src.type or (q.type if q else None)
        na = src.na or (q.na if q else False)
        if qtype == "yes_no":
            values = [YES, NO]
        elif qtype == "grade":
            values = list(self.scale(src.scale or (q.scale if q else None) or "ofsted"))
        elif qtype in ("single_choice", "multiple_choice"):
            values = list(src.choices or (q.choices if q else None) or [])
            if src.other or (q.other if q else False):
                values.append(OTHER)
        else:
            return []
        return values + [NA] if na else values

    # -- cross-checks ------------------------------------------------------
    @model_validator(mode="after")
    def _cross_checks(self):
        problems: list[tuple[tuple, str, str]] = []
        seen: dict[str, tuple] = {}
        scales = set(BUILT_IN_SCALES) | set(self.scales)
        all_keys = set()
        for si, s in enumerate(self.sections):
            if s.id in seen:
                problems.append((("sections", si, "id"), f"the id '{s.id}' is used more than once", "Give each section its own id."))
            seen[s.id] = ("sections", si)
            for qi, q in enumerate(s.questions):
                at = ("sections", si, "questions", qi)
                if q.id in seen:
                    problems.append((at + ("id",), f"the id '{q.id}' is used more than once", "Give each question its own id."))
                seen[q.id] = at
                all_keys.add(q.id)
                problems += _check_question(q, at, scales)
                part_ids = set()
                for pi, p in enumerate(q.parts):
                    if p.id in part_ids:
                        problems.append((at + ("parts", pi, "id"), f"part '{p.id}' of question '{q.id}' is used more than once", "Give each part its own id."))
                    part_ids.add(p.id)
                    all_keys.add(f"{q.id}.{p.id}")
                    problems += _check_answerable(p, q.type, at + ("parts", pi), scales, f"part '{p.id}' of question '{q.id}'")
        for si, s in enumerate(self.sections):
            for qi, q in enumerate(s.questions):
                if q.required_when and q.required_when.question not in all_keys:
                    problems.append(
                        (
                            ("sections", si, "questions", qi, "required_when", "question"),
                            f"question '{q.id}' depends on question '{q.required_when.question}', which this tool does not have",
                            "Use the id of a question in this tool.",
                        )
                    )
        if not problems and (rows := self.form_rows()) > MAX_FORM_ROWS:
            too_long = ErrorCode.FORM_TOO_LONG
            problems.append((("sections",), too_long.what.format(rows=rows, limit=MAX_FORM_ROWS), too_long.hint))
        if problems:
            raise PydanticCustomError("cross_check", "{detail}", {"detail": problems[0][1], "problems": problems})
        return self


def _check_question(q: Question, at: tuple, scales: set[str]) -> list:
    if q.parts:
        if q.type is None:
            return [(at + ("type",), f"question '{q.id}' has parts but no 'type'", "Give the type the parts share, e.g. 'type: yes_no'.")]
        return []
    if q.type is None:
        return [(at, f"question '{q.id}' has no 'type'", "Add 'type:', e.g. yes_no, grade or long_text.")]
    return _check_answerable(q, q.type, at, scales, f"question '{q.id}'")


def _check_answerable(src: _Answerable, inherited: str | None, at: tuple, scales: set[str], name: str) -> list:
    qtype = src.type or inherited
    out = []
    if qtype in ("single_choice", "multiple_choice") and not src.choices:
        out.append((at + ("choices",), f"{name} is a {qtype} but has no 'choices'", "List the choices under 'choices:'."))
    if src.scale is not None and src.scale not in scales:
        out.append((at + ("scale",), f"unknown scale '{src.scale}' in {name}", f"Use one of: {', '.join(sorted(scales))}, or define it under 'scales:'."))
    if src.urgent and qtype in ("single_choice", "multiple_choice", "grade") and not src.urgent_values:
        out.append((at + ("urgent",), f"{name} is urgent but does not say which answers signal a risk", "Add 'urgent_values: [...]'."))
    if src.other and qtype != "multiple_choice" and qtype != "single_choice":
        out.append((at + ("other",), f"{name} has 'other: true' but is not a choice question", "Remove 'other', or make it a choice."))
    return out


def answer_is_urgent(field: AnswerField, value) -> bool:
    """Whether an answer to ``field`` signals a current risk needing action now."""
    src = field.part or field.question
    if not src.urgent or value in (None, "", [], NA):
        return False
    if src.urgent_values:
        values = value if isinstance(value, list) else [value]
        return any(v in src.urgent_values for v in values)
    if field.type == "yes_no":
        return value == YES
    return True


def roll_up(values: list[str | None]) -> str | None:
    """Roll sub-part answers up to their question (yes/no questions).

    The rule, used by validation and every report:
      * parts answered N/A (or not applicable) leave the denominator;
      * if every remaining part is Yes, the question is Yes (compliant);
      * if any remaining part is No, the question is No;
      * if every part is N/A, the question is N/A;
      * otherwise (a part unanswered and none No) the question is unanswered (None).
    """
    applicable = [v for v in values if v != NA]
    if not values:
        return None
    if not applicable:
        return NA
    if NO in applicable:
        return NO
    if all(v == YES for v in applicable):
        return YES
    return None


_ID_CLEAN = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case id-like form of ``text``."""
    return _ID_CLEAN.sub("-", text.casefold()).strip("-")
