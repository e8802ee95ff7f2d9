"""The subject and text of each message, from jinja2 templates the partnership can edit.

``maa send`` and ``maa chase`` put maa's own ``mail-send.txt.j2`` and ``mail-chase.txt.j2`` in the
audit folder's ``templates/`` the first time (never over an edited copy), and render that copy. Its
first line is ``Subject: …``; the text follows a blank line. What the audit and roster hold is passed
as data, never rendered as a template, and the sandbox keeps a template away from Python's insides.

No child's name or date of birth may reach a subject or text: the templates are given none, and
:class:`ChildGuard` checks every rendered message against the restricted store, so a name typed into
the audit title or an edited template stops that message rather than going out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .. import atomic
from ..errors import ErrorCode, WorkspaceError, problem
from ..privacy.masking import Masker
from ..resources import bundled
from ..setup import restricted
from ..setup.workspace import Workspace

TEMPLATES = {"send": "mail-send.txt.j2", "chase": "mail-chase.txt.j2"}
_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")
_SUBJECT_MAX = 250


def template_path(ws: Workspace, kind: str) -> Path:
    return ws.root / "templates" / TEMPLATES[kind]


def ensure_template(ws: Workspace, kind: str) -> Path | None:
    """Copy maa's template for ``kind`` into the audit's ``templates/`` unless one is there; the new copy's path."""
    path = template_path(ws, kind)
    if path.exists():
        return None
    atomic.write_bytes(path, (bundled("templates") / TEMPLATES[kind]).read_bytes())
    return path


@dataclass
class Wording:
    """One kind of message's template, compiled once for a run."""

    kind: str
    path: Path
    template: object

    @classmethod
    def load(cls, ws: Workspace, kind: str) -> Wording:
        """The audit's copy of the template (maa's own if there is none).

        Raises:
            WorkspaceError: the template is not valid jinja2.
        """
        from jinja2 import StrictUndefined, TemplateSyntaxError
        from jinja2.sandbox import SandboxedEnvironment

        path = template_path(ws, kind)
        source = path if path.is_file() else bundled("templates") / TEMPLATES[kind]
        env = SandboxedEnvironment(autoescape=False, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                   keep_trailing_newline=False)
        try:
            template = env.from_string(source.read_text(encoding="utf-8-sig"))
        except TemplateSyntaxError as exc:
            raise WorkspaceError(problem(ErrorCode.MAIL_TEMPLATE, file=path, line=exc.lineno, detail=exc.message)) from None
        return cls(kind, path, template)

    def render(self, **data) -> tuple[str, str]:
        """``(subject, text)``.

        Raises:
            WorkspaceError: the template uses something it is not given, or has no subject line.
        """
        from jinja2 import TemplateError

        try:
            text = self.template.render(**data)
        except TemplateError as exc:
            raise WorkspaceError(problem(ErrorCode.MAIL_TEMPLATE, file=self.path, detail=str(exc))) from None
        lines = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\n").split("\n")
        first = lines[0]
        if not first.casefold().startswith("subject:"):
            raise WorkspaceError(problem(ErrorCode.MAIL_TEMPLATE, file=self.path, line=1,
                                         detail="its first line is not 'Subject: ...'"))
        subject = " ".join(_CONTROL.sub(" ", first[len("subject:"):]).split())[:_SUBJECT_MAX]
        return subject, _tidy(lines[1:])


def _tidy(lines: list[str]) -> str:
    """The text with trailing spaces gone and never more than one blank line in a row."""
    out: list[str] = []
    for line in lines:
        line = line.rstrip()
        if not line and (not out or not out[-1]):
            continue
        out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"


class ChildGuard:
    """Finds a child's name or date of birth (restricted store, children replaced in the sample too) in text."""

    def __init__(self, ws: Workspace):
        expected = [c.case_ref for c in ws.audit.cases]
        cases = [*restricted.read_cases(ws.restricted_dir, expected=expected).values(),
                 *restricted.read_replaced(ws.restricted_dir).values()]
        self.masker = Masker.for_names([c.child_name for c in cases], [c.date_of_birth for c in cases])

    def names_a_child(self, text: str, roster: tuple[str | None, ...] = ()) -> bool:
        """Whether ``text`` holds a child's name or date of birth.

        ``roster`` values (the respondent, its contact, addresses) are set aside first: a contact who shares a
        child's first name is not that child, and the roster never holds a child's details.
        """
        for value in sorted((v for v in roster if v), key=len, reverse=True):
            text = text.replace(value, " ")
        return self.masker.found(text)
