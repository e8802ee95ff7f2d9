"""What goes in each message: who it is for, which forms, the checks on the address, the attachments.

**Known domains.** A message goes only to an address at one of its agency's known e-mail domains
(see :mod:`maa_cli.mail.domains`): those ``audit.yaml`` lists for it under ``agency_domains``, the
domains its messages already went to, or before the first message the roster's own (unless it looks
like a misspelling of a well-known mail domain).

**A child's details.** A form whose manifest entry has both a case and an agency carries the child's
name and date of birth (see :func:`maa_cli.forms.plan.plan_forms`); so does an annotated copy holding
identifying answers. A message with any such attachment is marked ``child_details``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .. import atomic
from ..setup.workspace import Workspace, is_email
from .domains import refusal


@dataclass
class Attachment:
    """One file attached to a message: its name as issued, and how to get its bytes (made when needed)."""

    name: str
    make: Callable[[], bytes]
    child_details: bool = False


@dataclass
class FormItem:
    """One form in a message, as the template shows it."""

    form_id: str
    form_type: str
    title: str
    case_ref: str | None
    file: str
    child_details: bool
    state: str = "issued"  # for reminders: outstanding, incomplete or rejected
    missing: list[dict] = field(default_factory=list)  # for an incomplete return: number, question, message
    reason: str = ""  # for a rejected return: why the file could not be used
    annotated: bool = False

    def template_data(self) -> dict:
        return {"form_id": self.form_id, "title": self.title, "case_ref": self.case_ref, "file": self.file,
                "state": self.state, "missing": self.missing, "reason": self.reason, "annotated": self.annotated}


@dataclass
class Letter:
    """One message to one respondent: ``refused`` says why it may not go at all; ``held`` that it carries a
    child's details and goes only as a draft."""

    kind: str
    respondent: str
    folder: str  # the respondent's folder in forms/: the draft's name starts with it
    contact_name: str | None
    to: str | None
    forms: list[FormItem]
    attachments: list[Attachment]
    resend: bool = False
    subject: str = ""
    text: str = ""
    refused: str | None = None
    held: bool = False

    @property
    def child_details(self) -> bool:
        return any(a.child_details for a in self.attachments)

    @property
    def draft_name(self) -> str:
        return f"{self.folder} - {'forms' if self.kind == 'send' else 'reminder'}.eml"

    @property
    def form_ids(self) -> list[str]:
        return [f.form_id for f in self.forms]


def carries_child(entry: dict) -> bool:
    """Whether an issued form (a manifest entry) carries a child's name and date of birth."""
    return bool(entry.get("case_ref") and entry.get("agency"))


def forms_reference(items: list[FormItem]) -> str:
    """'form MAA-7KQ2-M9XD' or '3 forms (MAA-…, MAA-…, MAA-…)', for the subject."""
    refs = [i.form_id for i in items]
    if len(refs) == 1:
        return f"form {refs[0]}"
    shown = ", ".join(refs[:4]) + (f" and {len(refs) - 4} more" if len(refs) > 4 else "")
    return f"{len(refs)} forms ({shown})"


# -- the address --------------------------------------------------------------------------------


def address(ws: Workspace, went: dict[str, set[str]], respondent: str) -> tuple[str | None, str | None, str | None]:
    """``(contact name, address, why it is refused or None)`` for an agency, by the known-domains rule above.

    ``went`` is :meth:`Ledger.domains`.
    """
    try:
        agency = ws.audit.agency(respondent)
    except KeyError:
        return None, None, "it is not under 'agencies' in audit.yaml, so there is no address to write to"
    to = (agency.email or "").strip()
    if not to:
        return agency.contact_name, None, "the roster gives no e-mail address for it: add one under 'agencies' in audit.yaml"
    if not is_email(to):
        return agency.contact_name, to, (f"'{to}' in the roster is not one e-mail address: correct it under 'agencies' "
                                         "in audit.yaml")
    why = refusal(agency.name, to.rpartition("@")[2].casefold(), went.get(respondent) or set(),
                  ws.audit.listed_domains(agency.name))
    return agency.contact_name, to, why


# -- the attachments -----------------------------------------------------------------------------


class IssuedFile:
    """An issued form's file in ``forms/``, checked to be that form before it is attached."""

    def __init__(self, ws: Workspace, form_id: str, entry: dict, fmt: str | None):
        files = entry.get("files") or {}
        self.fmt = fmt if fmt in files else next(iter(sorted(files)), None)
        info = files.get(self.fmt) or {}
        self.relpath = info.get("file")
        self.sha256 = info.get("sha256")
        self.path = ws.forms_dir / self.relpath if self.relpath else None
        self.form_id = form_id

    @property
    def name(self) -> str:
        return Path(self.relpath).name if self.relpath else ""

    def problem(self) -> str | None:
        """Why the file cannot be attached, or None."""
        if self.path is None:
            return f"form {self.form_id} has no file in forms/: run 'maa issue-forms'"
        if not self.path.is_file():
            return f"forms/{self.relpath} (form {self.form_id}) is missing: write it again with 'maa issue-forms --force'"
        if self.sha256 and atomic.sha256_file(self.path) == self.sha256:
            return None
        # Changed since it was issued (opened and saved?): attached only if it still is this form.
        if _form_id_of(self.path, self.fmt) != self.form_id:
            return (f"forms/{self.relpath} is no longer the form issued as {self.form_id} (replaced or changed): write "
                    "it again with 'maa issue-forms --force'")
        return None

    def read(self) -> bytes:
        return self.path.read_bytes()


def _form_id_of(path: Path, fmt: str | None) -> str | None:
    if fmt == "xlsx":
        from ..intake.readers.excel import excel_identity as identity
    else:
        from ..intake.readers.word import word_identity as identity
    try:
        found, _source = identity(path)
    except Exception:  # noqa: BLE001 - a file that cannot be read is simply not the form
        return None
    return found.form_id if found else None


def preferred_format(ws: Workspace, form_type: str) -> str | None:
    try:
        return ws.form_type(form_type).format
    except KeyError:
        return None


def form_title(ws: Workspace, form_type: str) -> str:
    try:
        ft = ws.form_type(form_type)
    except KeyError:
        return form_type
    return ft.title or ws.tools[form_type].title


def respondent_folders(manifest: dict[str, dict]) -> dict[str, str]:
    """Each respondent's folder in ``forms/`` (allocated by ``issue-forms``, so distinct), by agency name."""
    out: dict[str, str] = {}
    for entry in manifest.values():
        for info in (entry.get("files") or {}).values():
            rel = str(info.get("file") or "")
            if entry.get("agency") and "/" in rel:
                out.setdefault(entry["agency"], rel.split("/")[0])
    return out

