"""What a reader hands on: plain data that remembers where each answer came from.

Readers do not validate or normalise; they report what is in the file, as typed.
Validation (:mod:`maa_cli.intake.judging`) decides what the answers mean.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ...forms.identity import FormIdentity


@dataclass(frozen=True)
class RawAnswer:
    """One answer as found in a file.

    ``value`` is the text as typed (a list for multiple choice ticks; a
    ``datetime.date`` when the file held a real date), ``where`` a human
    pointer such as ``Form!C14`` or ``content control 'q3.a'``, ``how`` the
    locating strategy that found it (``name``, ``key_column``, ``tag``,
    ``alias``, ``bookmark``, ``row_number``).
    """

    key: str
    value: object
    where: str
    how: str


@dataclass
class RawReturn:
    """Everything a reader could get out of one returned file."""

    path: Path
    format: str
    identity: FormIdentity | None = None
    identity_source: str | None = None
    printed: FormIdentity | None = None  # the reference line printed on the form, if found (its seal is checked too)
    answers: dict[str, RawAnswer] = field(default_factory=dict)
    unreadable: list[str] = field(default_factory=list)
    tracked_changes: bool = False
    notes: list[str] = field(default_factory=list)
