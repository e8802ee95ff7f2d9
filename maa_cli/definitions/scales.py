"""Answer scales and choices that can say what they mean.

A level of a scale (or an option of a choice question) is written either as plain text
(``Good``) or with its meaning (``{value: Partly met, rag: amber, meets: false}``):

* ``rag`` — the colour reports give it: green, amber or red (always with the word too);
* ``meets`` — whether the answer meets the standard. An answer that does not
  (``meets: false``) *needs action*: with ``action_plan: true`` the respondent must say
  what they will do, and the answer appears in their own action plan.

Every tool can use the built-in scales (``scale: section11`` on a grade question); a tool
may define its own under ``scales:``, and a name defined there wins over a built-in one.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict
from pydantic_core import core_schema

Rag = Literal["green", "amber", "red"]
YES, NO, NA = "Yes", "No", "N/A"


class LevelSpec(BaseModel):
    """How a level is written in YAML when it carries a meaning."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    value: str
    rag: Rag | None = None
    meets: bool | None = None


class Level(str):
    """A level or option: the text itself (so it compares and hashes as text), plus its meaning.

    ``Level("Partly met", rag="amber", meets=False) == "Partly met"``. Plain text levels have
    no meaning (``rag`` and ``meets`` are None).
    """

    rag: Rag | None
    meets: bool | None

    def __new__(cls, value: str, rag: Rag | None = None, meets: bool | None = None):
        obj = super().__new__(cls, value)
        obj.rag, obj.meets = rag, meets
        return obj

    def __reduce__(self):
        return (Level, (str(self), self.rag, self.meets))

    @property
    def has_meaning(self) -> bool:
        return self.rag is not None or self.meets is not None

    @classmethod
    def __get_pydantic_core_schema__(cls, source, handler):
        spec = handler.generate_schema(LevelSpec)
        return core_schema.no_info_before_validator_function(
            _as_mapping,
            core_schema.no_info_after_validator_function(lambda s: cls(s.value, s.rag, s.meets), spec),
            serialization=core_schema.plain_serializer_function_ser_schema(_dump),
        )


def _as_mapping(value):
    """Plain text (or a number, or YAML's yes/no) as ``{value: ...}``; a mapping as it is."""
    if isinstance(value, Level):
        return {"value": str(value), "rag": value.rag, "meets": value.meets}
    if isinstance(value, bool):  # YAML reads an unquoted Yes / No as true / false
        return {"value": YES if value else NO}
    if isinstance(value, str | int | float):
        return {"value": str(value)}
    return value


def _dump(level: Level):
    if not level.has_meaning:
        return str(level)
    out: dict = {"value": str(level)}
    if level.rag is not None:
        out["rag"] = level.rag
    if level.meets is not None:
        out["meets"] = level.meets
    return out


def _scale(*levels: tuple[str, Rag, bool]) -> list[Level]:
    return [Level(v, rag, meets) for v, rag, meets in levels]


BUILT_IN_SCALES: dict[str, list[Level]] = {
    "ofsted": _scale(("Outstanding", "green", True), ("Good", "green", True),
                     ("Requires improvement", "amber", False), ("Inadequate", "red", False)),
    "section11": _scale(("Fully met", "green", True), ("Partly met", "amber", False), ("Not met", "red", False)),
    "rag": _scale(("Green", "green", True), ("Amber", "amber", False), ("Red", "red", False)),
}

#: Yes and No mean the same on every yes/no question: No needs action.
YES_NO_LEVELS: dict[str, Level] = {YES: Level(YES, "green", True), NO: Level(NO, "red", False)}


def meaning_of(levels, value) -> Level | None:
    """The level of ``levels`` whose text is ``value`` (None when it is not one of them)."""
    for level in levels:
        if level == value:
            return level if isinstance(level, Level) else Level(level)
    return None
