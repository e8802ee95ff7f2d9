"""The audit tool: what a form asks. Pydantic models are the single source of truth.

An audit tool is a list of sections, each a list of questions. A question may have
sub-parts that are answered separately (3 a-c, or 9 a-b plus an unlettered closing
question). Everything downstream — Word and Excel forms, readers, validation,
reports — works from :meth:`Tool.fields`, the flat list of answer boxes, so the
shape of a form is defined here once.

Two rules are defined once, here, and used by validation and every report:

* how sub-parts roll up to their question (:func:`roll_up`);
* when an answer **needs action** (:func:`not_met`): a yes/no answered No, a grade whose
  level says ``meets: false``, a choice marked ``meets: false``. With ``action_plan: true``
  such an answer must come with action points, and it appears in the respondent's own
  action plan.

The checks that need the whole tool (ids, conditions, settings that do not fit a type)
live in :mod:`maa_cli.definitions.checks`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator
from pydantic_core import PydanticCustomError

from ..errors import ErrorCode
from .checks import LENIENT_CODES, tool_problems
from .conditions import Condition
from .scales import BUILT_IN_SCALES, NA, NO, YES, YES_NO_LEVELS, Level, meaning_of
from .vocabulary import (  # noqa: F401 - re-exported: the tool's vocabulary is imported from here everywhere
    CHOICE_TYPES,
    FORM_FRAME_ROWS,
    MAX_FORM_ROWS,
    OTHER,
    TERM,
    TERM_PATTERN,
    TERM_TEXT_KEYS,
    terms_used,
)

__all__ = ["NA", "NO", "YES", "OTHER", "Tool", "Question", "Part", "Section", "AnswerField", "Condition", "Level"]

QuestionType = Literal[
    "yes_no", "single_choice", "multiple_choice", "grade", "short_text", "long_text", "date", "number"
]
ToolKind = Literal["questionnaire", "case_audit", "reflection", "record", "family_views", "overview", "findings"]
ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"
PART_ID_PATTERN = r"^[a-z0-9_]{1,20}$"
TOOL_ID_PATTERN = r"^[a-z0-9][a-z0-9-]{0,59}$"
#: Validation context for a tool an audit already uses: see :data:`maa_cli.definitions.checks.LENIENT_CODES`.
LENIENT = {"lenient": True}


def _number_as_text(value):
    """YAML reads ``number: 1`` and ``label: 2`` as numbers; they are meant as text."""
    return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


class Link(_Strict):
    """A link to guidance shown beside a question."""

    title: str
    url: str


class AppliesTo(_Strict):
    """Limit a question to respondents with (or without) an attribute value.

    Respondent attributes come from the agencies file (e.g. ``setting_type``).
    Where a question does not apply, the expected answer is N/A. (``applies_when`` with
    ``attribute:`` says the same and more; this older form stays valid.)
    """

    attribute: str
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None

    @field_validator("in_", "not_in", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _exactly_one(self):
        if (self.in_ is None) == (self.not_in is None):
            raise PydanticCustomError("maa", "{code}", {"code": "APPLIES_TO_SHAPE"})
        return self

    def applies(self, attributes: dict[str, str]) -> bool:
        value = (attributes.get(self.attribute) or "").strip().casefold()
        if self.in_ is not None:
            return value in {v.casefold() for v in self.in_}
        return value not in {v.casefold() for v in self.not_in or []}

    def describe(self) -> str:
        values = self.in_ if self.in_ is not None else self.not_in or []
        listed = values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"
        verb = "is" if self.in_ is not None else "is not"
        return f"your {self.attribute.replace('_', ' ')} {verb} {listed}"


class _Answerable(_Strict):
    """Settings shared by questions and their sub-parts."""

    text: str
    type: QuestionType | None = None
    na: bool = False
    choices: list[Level] | None = None
    other: bool = False
    scale: str | None = None
    min: int | None = None
    max: int | None = None
    required: bool | None = None
    urgent: bool = False
    urgent_values: list[Level] | None = None
    identifying: bool = False
    # Filled in on the form from the restricted store, for the agencies that need it.
    prefill: Literal["child_name", "date_of_birth", "case_ref", "agency"] | None = None


class Part(_Answerable):
    """A sub-part answered separately. ``label`` is the visible letter; none for a closing part."""

    id: str = Field(pattern=PART_ID_PATTERN)
    label: str | None = None

    _label_text = field_validator("label", "id", mode="before")(_number_as_text)


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
    # A "Target date" box beside the action points (a real date, so plans can show what is overdue).
    action_date: bool = False
    required_when: Condition | None = None
    applies_when: Condition | None = None
    applies_to: AppliesTo | None = None
    why: bool = False

    _number_text = field_validator("number", "id", mode="before")(_number_as_text)

    @property
    def conditions(self) -> list[tuple[str, Condition]]:
        """The answer conditions of this question, by setting name."""
        return [(name, c) for name, c in (("required_when", self.required_when), ("applies_when", self.applies_when)) if c]


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
    ``why``, ``action``, ``when_who`` or ``due`` for the companion boxes.
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


#: The companion boxes ``action_plan`` (and ``action_date``) add, by role: (key suffix, type, label).
ACTION_BOXES = {"action": ("long_text", "Action points"), "when_who": ("short_text", "When / who"),
                "due": ("date", "Target date")}


class Tool(_Strict):
    """An audit tool definition, as written in a tool YAML file."""

    id: str = Field(pattern=TOOL_ID_PATTERN)
    title: str
    version: str
    kind: ToolKind
    instructions: str | None = None
    # Wording a partnership supplies (audit.yaml 'local_terms'), with the default used when it does not.
    local_terms: dict[str, str] = {}
    scales: dict[str, list[Level]] = {}
    sections: list[Section] = Field(min_length=1)

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, value):
        return str(value) if isinstance(value, int | float) else value

    @model_validator(mode="before")
    @classmethod
    def _numbered(cls, data):
        """A tool that numbers none of its questions is numbered 1, 2, 3 … in form order, so forms, messages
        and reports show a number a respondent understands, never an id such as 'dsl_named'."""
        if not isinstance(data, dict) or not isinstance(data.get("sections"), list):
            return data
        questions = [q for s in data["sections"] if isinstance(s, dict) and isinstance(s.get("questions"), list)
                     for q in s["questions"] if isinstance(q, dict)]
        if not questions or any(q.get("number") is not None for q in questions):
            return data
        count = iter(range(1, len(questions) + 1))
        sections = [dict(s, questions=[dict(q, number=str(next(count))) if isinstance(q, dict) else q for q in s["questions"]])
                    if isinstance(s, dict) and isinstance(s.get("questions"), list) else s for s in data["sections"]]
        return dict(data, sections=sections)

    # -- lookups ---------------------------------------------------------
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, qid: str) -> Question:
        for q in self.questions():
            if q.id == qid:
                return q
        raise KeyError(qid)

    def scale(self, name: str) -> list[Level]:
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
                for role in ("action", "when_who") + (("due",) if q.action_date else ()):
                    kind, label = ACTION_BOXES[role]
                    out.append(AnswerField(f"{q.id}.{role}", q, None, role, kind, label, (), False))
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
        values = self.levels_for(src, q)
        na = src.na or (q.na if q else False)
        if not values and (src.type or (q.type if q else None)) not in CHOICE_TYPES:
            return []
        return values + [NA] if na else values

    def levels_for(self, src: _Answerable, q: Question | None = None) -> list[Level]:
        """The answers a question or part offers, with their meanings (no N/A)."""
        qtype = src.type or (q.type if q else None)
        if qtype == "yes_no":
            return list(YES_NO_LEVELS.values())
        if qtype == "grade":
            return list(self.scale(src.scale or (q.scale if q else None) or "ofsted"))
        if qtype in ("single_choice", "multiple_choice"):
            values = list(src.choices or (q.choices if q else None) or [])
            if src.other or (q.other if q else False):
                values.append(Level(OTHER))
            return values
        return []

    def meaning(self, f: AnswerField, value) -> Level | None:
        """The level (with its meaning) an answer to ``f`` is, or None (N/A, blank, text)."""
        if f.role != "answer" or not isinstance(value, str):
            return None
        return meaning_of(self.levels_for(f.part or f.question, f.question), value)

    # -- local terms -------------------------------------------------------
    def with_terms(self, terms: dict[str, str] | None = None) -> Tool:
        """This tool with every ``{{term}}`` in its text replaced: the audit's wording, else the tool's default."""
        words = {**self.local_terms, **{k: v for k, v in (terms or {}).items() if k in self.local_terms}}
        if not words:
            return self
        data = _fill(self.model_dump(mode="python", by_alias=True, exclude_none=True), words)
        return Tool.model_validate(data, context=LENIENT)

    # -- cross-checks ------------------------------------------------------
    @model_validator(mode="after")
    def _cross_checks(self, info: ValidationInfo):
        problems = tool_problems(self)
        if info.context and info.context.get("lenient"):
            problems = [p for p in problems if p.code not in LENIENT_CODES]
        if problems:
            first = ErrorCode[problems[0].code].what.format(**problems[0].params)
            raise PydanticCustomError("cross_check", "{detail}", {"detail": first, "problems": problems})
        return self


def _fill(data, words: dict[str, str], key: str | None = None):
    if isinstance(data, dict):
        return {k: v if k in ("scales", "choices", "urgent_values", "required_when", "applies_when", "applies_to")
                else _fill(v, words, k) for k, v in data.items()}
    if isinstance(data, list):
        return [_fill(v, words, key) for v in data]
    if isinstance(data, str) and key in TERM_TEXT_KEYS:
        return TERM.sub(lambda m: words.get(m.group(1), m.group(0)), data)
    return data


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


@dataclass(frozen=True)
class NotMet:
    """One answer that does not meet the standard: the part it was given for (None for the question) and its level."""

    part: Part | None
    level: Level


def not_met(tool: Tool, q: Question, answers: dict) -> list[NotMet]:
    """The answers to ``q`` that **need action**, in form order (empty when none does).

    The rule, used by validation, respondent action plans, the data workbook and the
    respondent × question matrix:
      * a yes/no answer of No (so a yes/no question with parts needs action exactly when it
        rolls up to No, see :func:`roll_up`);
      * a grade whose level says ``meets: false`` (built in: Requires improvement and
        Inadequate; Partly met and Not met; Amber and Red);
      * a single or multiple choice where an option marked ``meets: false`` is chosen.
    N/A, blanks, words, numbers and dates never need action. A question with parts needs
    action when any of its parts does. An urgent question is not judged this way: its
    answers that signal a child at risk now are for acting on today (:func:`answer_is_urgent`).
    """
    if q.urgent or (q.type not in CHOICE_TYPES and not any(p.type in CHOICE_TYPES for p in q.parts)):
        return []
    out = []
    for part in q.parts or [None]:
        key = f"{q.id}.{part.id}" if part is not None else q.id
        try:
            f = tool.field(key)
        except KeyError:
            continue
        values = answers.get(key)
        for value in values if isinstance(values, list) else [values]:
            level = tool.meaning(f, value)
            if level is not None and level.meets is False:
                out.append(NotMet(part, level))
    return out


def not_met_levels(tool: Tool, q: Question) -> list[str]:
    """The answers that would make ``q`` need action (for a form: 'required if the answer is …')."""
    out: list[str] = []
    for src in q.parts or [q]:
        for level in tool.levels_for(src, q):
            if level.meets is False and level not in out:
                out.append(str(level))
    return out


def question_applies(q: Question, attributes: dict[str, str] | None, answer_of=None) -> bool:
    """Whether ``q`` applies to a respondent (``applies_to`` and ``applies_when``).

    Without ``answer_of`` (a form being issued), a condition on answers is not decided here:
    the question is shown, with the condition in words.
    """
    attributes = attributes or {}
    if q.applies_to is not None and not q.applies_to.applies(attributes):
        return False
    if q.applies_when is None:
        return True
    if answer_of is None:
        return q.applies_when.holds(lambda _ref: None, attributes) if q.applies_when.only_attributes else True
    return q.applies_when.holds(answer_of, attributes)


_ID_CLEAN = re.compile(r"[^a-z0-9]+")


def slug(text: str) -> str:
    """A lower-case id-like form of ``text``."""
    return _ID_CLEAN.sub("-", text.casefold()).strip("-")
