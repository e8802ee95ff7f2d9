"""A form's identity: how a returned file says which issued form it is.

Identity is carried twice, because each copy can be lost on its own: as custom
document properties (Word's Document Inspector can strip them) and as a visible
reference line printed on the form (survives LibreOffice, copy-paste into a new
document, and the inspector). File names are never trusted: people rename files.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass

PROP_FORM_ID = "maa_form_id"
PROP_TOOL = "maa_tool"
PROP_TOOL_VERSION = "maa_tool_version"
PROP_AUDIT_ID = "maa_audit_id"
REF_PREFIX = "maa form ref"
# e.g. "maa form ref: MAA-7KQ2-M9XD · tool early-years-safeguarding 1.0"
_REF_RE = re.compile(
    r"maa\s+form\s+ref\s*:\s*(?P<id>MAA-[A-Z2-7]{4}-[A-Z2-7]{4})(?:\s*[·|-]\s*tool\s+(?P<tool>[a-z0-9-]+)\s+(?P<version>\S+))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class FormIdentity:
    """Which issued form a file is."""

    form_id: str
    tool_id: str | None = None
    tool_version: str | None = None
    audit_id: str | None = None

    def reference_line(self) -> str:
        return f"{REF_PREFIX}: {self.form_id} · tool {self.tool_id} {self.tool_version}"

    def properties(self) -> dict[str, str]:
        return {
            PROP_FORM_ID: self.form_id,
            PROP_TOOL: self.tool_id or "",
            PROP_TOOL_VERSION: self.tool_version or "",
            PROP_AUDIT_ID: self.audit_id or "",
        }

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> FormIdentity | None:
        form_id = (props.get(PROP_FORM_ID) or "").strip()
        if not _REF_RE.fullmatch(f"{REF_PREFIX}: {form_id}"):
            return None
        return cls(form_id, props.get(PROP_TOOL) or None, props.get(PROP_TOOL_VERSION) or None, props.get(PROP_AUDIT_ID) or None)


def find_reference(text: str) -> FormIdentity | None:
    """Find a form reference line anywhere in ``text`` (header, first rows, body)."""
    match = _REF_RE.search(text.replace("\u00a0", " "))
    if not match:
        return None
    return FormIdentity(match["id"].upper(), match["tool"], match["version"])


def make_form_id(audit_id: str, form_type: str, agency: str | None, case_ref: str | None) -> str:
    """A stable id for one issued form: the same inputs always give the same id,
    so a form issued in both formats, or re-issued, keeps its identity."""
    key = "\x1f".join([audit_id, form_type, (agency or "").casefold(), (case_ref or "").casefold()])
    digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
    return f"MAA-{digest[:4]}-{digest[4:8]}"
