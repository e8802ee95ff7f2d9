"""Words every definition module shares: answer types that can be judged, local terms, form limits.

Kept apart from :mod:`maa_cli.definitions.tool` so the checks (:mod:`maa_cli.definitions.checks`)
and conditions can use them without importing the tool model back.
"""

from __future__ import annotations

import re

#: Answer types that can be judged met or not met (the rest are words, numbers and dates).
CHOICE_TYPES = ("yes_no", "single_choice", "multiple_choice", "grade")
OTHER = "Other (please specify)"
#: A local term in a tool's text: {{procedures}} is replaced by the audit's wording (or the tool's default).
TERM = re.compile(r"\{\{\s*([A-Za-z0-9_-]+)\s*\}\}")
TERM_PATTERN = r"^[a-z][a-z0-9_]{0,39}$"
#: Settings whose text may hold local terms.
TERM_TEXT_KEYS = ("title", "instructions", "intro", "text", "guidance", "statutory_reference")
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


def terms_used(text: str | None) -> list[str]:
    """The local terms (``{{name}}``) a piece of tool text uses."""
    return TERM.findall(text or "")
