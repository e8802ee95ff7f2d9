"""Conditions: when a question is required (``required_when``) or applies at all (``applies_when``).

A condition tests one answer of the form, or one attribute of the respondent, in one of six ways::

    required_when: {question: q2_1, is: Not met}             # also a list: is: [Partly met, Not met]
    required_when: {question: q2_1, in: [Partly met, Not met]}
    required_when: {question: q2_1, is_not: Not applicable}  # answered, with anything else
    required_when: {question: q2_1, not_in: [Fully met, Not applicable]}
    required_when: {question: q2_1.action, answered: true}   # any answer box: a part, action points …
    applies_when:  {question: q4, not_answered: true}
    applies_when:  {attribute: setting_type, is_not: Childminder}

and conditions combine with ``all:`` (every one holds) or ``any:`` (at least one does), to any depth.

What counts, for answers: N/A is not an answer (``answered`` is false for it, and ``is_not``
and ``not_in`` need a real answer); ``is: N/A`` tests for it. A yes/no question with parts is
tested by its rolled-up answer (:func:`maa_cli.definitions.tool.roll_up`), another question
with parts by any of its parts, and a multiple-choice question by any option ticked. Case and
spacing do not matter. For a respondent's attribute, one that is blank is not any value, so
``is_not`` and ``not_in`` hold for it (as ``applies_to: {not_in: …}`` always has).

Shapes that cannot work (two tests in one condition, none at all) are refused here; whether the
question exists and the values are among its answers is checked with the whole tool
(:mod:`maa_cli.definitions.checks`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from .scales import NA, NO, YES


class Tool(Protocol):
    """What describing a condition needs of :class:`maa_cli.definitions.tool.Tool` (not imported: it imports this)."""

    def question(self, qid: str): ...

    def field(self, key: str): ...

#: The tests a condition can make, as written in YAML.
TESTS = ("is", "is_not", "in", "not_in", "answered", "not_answered")
VALUE_TESTS = ("is", "is_not", "in", "not_in")


def maa_error(code: str, **params) -> PydanticCustomError:
    """A validation error carrying a catalog code (:class:`maa_cli.errors.ErrorCode`) and its parameters."""
    return PydanticCustomError("maa", "{code}", {"code": code, **params})


class Condition(BaseModel):
    """One test of an answer or attribute, or ``all:`` / ``any:`` of several conditions."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True, populate_by_name=True)

    question: str | None = None
    attribute: str | None = None
    is_: list[str] | None = Field(default=None, alias="is")
    is_not: list[str] | None = None
    in_: list[str] | None = Field(default=None, alias="in")
    not_in: list[str] | None = None
    answered: bool | None = None
    not_answered: bool | None = None
    all_: list[Condition] | None = Field(default=None, alias="all")
    any_: list[Condition] | None = Field(default=None, alias="any")

    @field_validator("is_", "is_not", "in_", "not_in", mode="before")
    @classmethod
    def _one_or_many(cls, value):
        values = value if isinstance(value, list) else [value]
        # YAML reads an unquoted Yes / No as true / false, and 2 as a number: they mean the text.
        return [(YES if v else NO) if isinstance(v, bool) else str(v) if isinstance(v, int | float) else v
                for v in values] if value is not None else None

    @field_validator("question", "attribute", mode="before")
    @classmethod
    def _text(cls, value):
        return str(value) if isinstance(value, int | float) and not isinstance(value, bool) else value

    @model_validator(mode="after")
    def _shape(self):
        group = [name for name, v in (("all", self.all_), ("any", self.any_)) if v is not None]
        subjects = [name for name in ("question", "attribute") if getattr(self, name) is not None]
        tests = [name for name in TESTS if self.given(name) is not None]
        if group:
            if len(group) > 1:
                raise maa_error("CONDITION_TWO_GROUPS")
            beside = subjects + tests
            if beside:
                raise maa_error("CONDITION_GROUP_MIXED", group=group[0], key=beside[0])
            if not (self.all_ or self.any_):
                raise maa_error("CONDITION_EMPTY_GROUP", group=group[0])
            return self
        if not subjects:
            raise maa_error("CONDITION_NO_SUBJECT")
        if len(subjects) > 1:
            raise maa_error("CONDITION_TWO_SUBJECTS")
        if not tests:
            raise maa_error("CONDITION_NO_TEST")
        if len(tests) > 1:
            raise maa_error("CONDITION_TWO_TESTS", first=tests[0], second=tests[1])
        if self.given(tests[0]) == []:
            raise maa_error("CONDITION_NO_VALUES", test=tests[0])
        return self

    # -- reading it ------------------------------------------------------------------------------
    def given(self, test: str):
        """The value written for ``test`` ('is', 'not_in', 'answered' …), or None."""
        return getattr(self, {"is": "is_", "in": "in_"}.get(test, test))

    @property
    def is_group(self) -> bool:
        return self.all_ is not None or self.any_ is not None

    @property
    def test(self) -> str:
        """The test of a single condition, as written ('is', 'not_answered' …)."""
        return next(t for t in TESTS if self.given(t) is not None)

    @property
    def values(self) -> list[str]:
        """The answers a value test names (``is`` / ``in`` / ``is_not`` / ``not_in``), else []."""
        return list(self.given(self.test) or []) if self.test in VALUE_TESTS else []

    @property
    def wants_answer(self) -> bool:
        """Whether an ``answered`` / ``not_answered`` test holds for an answered question."""
        test = self.test
        return bool(self.answered) if test == "answered" else not self.not_answered

    def leaves(self, path: tuple = ()) -> Iterator[tuple[Condition, tuple]]:
        """Every single test inside this condition, with its path below the condition."""
        if not self.is_group:
            yield self, path
            return
        name = "all" if self.all_ is not None else "any"
        for i, child in enumerate(self.all_ or self.any_ or []):
            yield from child.leaves(path + (name, i))

    def questions(self) -> set[str]:
        """Question ids this condition depends on (the part before any '.')."""
        return {leaf.question.split(".")[0] for leaf, _ in self.leaves() if leaf.question}

    @property
    def only_attributes(self) -> bool:
        """True when every test is about the respondent, so a form can be decided when it is issued."""
        return all(leaf.attribute is not None for leaf, _ in self.leaves())

    # -- judging it ------------------------------------------------------------------------------
    def holds(self, answer_of: Callable[[str], object], attributes: dict[str, str]) -> bool:
        """Whether the condition holds, given how to find an answer by key and the respondent's attributes.

        ``answer_of(ref)`` returns the answer to a question, part or box: text, a list (ticked
        options, or the parts of a question whose parts do not roll up) or None.
        """
        if self.all_ is not None:
            return all(c.holds(answer_of, attributes) for c in self.all_)
        if self.any_ is not None:
            return any(c.holds(answer_of, attributes) for c in self.any_)
        if self.attribute is not None:
            return self._attribute_holds((attributes or {}).get(self.attribute))
        given = _given(answer_of(self.question))
        real = [v for v in given if v != _fold(NA)]
        test = self.test
        if test in ("answered", "not_answered"):
            return bool(real) == self.wants_answer
        wanted = {_fold(v) for v in self.values}
        if test in ("is", "in"):
            return any(v in wanted for v in given)
        return bool(real) and not any(v in wanted for v in given)

    def _attribute_holds(self, value) -> bool:
        value = _fold(value) if isinstance(value, str) else ""
        test = self.test
        if test in ("answered", "not_answered"):
            return bool(value) == self.wants_answer
        wanted = {_fold(v) for v in self.values}
        return (value in wanted) == (test in ("is", "in"))

    # -- saying it ---------------------------------------------------------------------------------
    def describe(self, tool: Tool, top: bool = True, subject: str = "") -> str:
        """The condition in words: '2.1 is Partly met or Not met' (for a form), or with ``subject``
        'question ' before each question's number (for a message about a return)."""
        if self.is_group:
            children = self.all_ or self.any_ or []
            word = " and " if self.all_ is not None else " or "
            shared = self._shared_test(children)
            if self.any_ is not None and shared is not None and not any(_is_multiple(tool, c.question) for c in children):
                # '1.1, 2.1 or 3.1 is Not met'
                subjects = [c.describe(tool, subject=subject).removesuffix(shared) for c in children]
                text = f"{_or(subjects)}{shared}"
                return text if top else f"({text})"
            text = word.join(c.describe(tool, top=False, subject=subject) for c in children)
            return text if top or len(children) == 1 else f"({text})"
        if self.attribute is not None:
            subject = f"your {self.attribute.replace('_', ' ')}"
        else:
            named = _subject(tool, self.question)
            subject = named if named.startswith("the ") else f"{subject}{named}"
        test = self.test
        if test in ("answered", "not_answered") and subject.startswith("the "):  # a companion box: 'the action points for 2.1'
            verb = "are" if subject.split(" for ")[0].endswith("s") else "is"
            return f"{subject} {verb} {'given' if self.wants_answer else 'left blank'}"
        if test in ("answered", "not_answered"):
            return f"{subject} is {'answered' if self.wants_answer else 'left blank'}"
        listed = _or(self.values)
        ticks = self.question is not None and _is_multiple(tool, self.question)
        if test in ("is", "in"):
            return f"{subject} {'includes' if ticks else 'is'} {listed}"
        return f"{subject} is {'answered, without' if ticks else 'anything but'} {listed}"


    @staticmethod
    def _shared_test(children: list[Condition]) -> str | None:
        """' is Not met' when every child tests a question the same way (so the words can be shared)."""
        if len(children) < 2 or any(c.is_group or c.question is None or c.test not in ("is", "in") for c in children):
            return None
        if len({(c.test if c.test != "in" else "is", tuple(v.casefold() for v in c.values)) for c in children}) != 1:
            return None
        return f" is {_or(children[0].values)}"


def _or(values: list[str]) -> str:
    return values[0] if len(values) == 1 else f"{', '.join(values[:-1])} or {values[-1]}"


def _subject(tool: Tool, ref: str) -> str:
    """How a condition names the answer it tests: '2.1', '3a', 'the action points for 2.1'."""
    qid, _, box = ref.partition(".")
    try:
        q = tool.question(qid)
    except KeyError:
        return ref
    number = q.number or q.id
    if not box:
        return number
    try:
        field = tool.field(ref)
    except KeyError:
        return ref
    if field.role == "answer":
        return field.number
    return f"the {field.label[:1].lower()}{field.label[1:]} for {number}"


def _is_multiple(tool: Tool, ref: str) -> bool:
    try:
        return tool.field(ref).type == "multiple_choice"
    except KeyError:
        return False


def _given(value) -> list[str]:
    values = value if isinstance(value, list | tuple) else [value]
    return [_fold(v) for v in values if isinstance(v, str) and v.strip()] + [
        str(v) for v in values if v is not None and not isinstance(v, str | list)]


def _fold(text: str) -> str:
    return " ".join(text.split()).casefold()
