"""A form's identity: how a returned file says which issued form it is, and proves it.

Identity is carried twice, because each copy can be lost on its own: as custom
document properties (Word's Document Inspector can strip them) and as a visible
reference line printed on the form (survives LibreOffice, copy-paste into a new
document, and the inspector). File names are never trusted: people rename files.

A form id is derived from public facts (audit, form type, agency, case), so anyone
could write another agency's id into a file. Each form therefore also carries a
**seal**: an HMAC of its form id under the audit's form key, which is made at
``maa new-audit`` and kept only in the restricted store. A return whose seal does not
match the form it claims to be was not issued to its sender as that form.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PROP_FORM_ID = "maa_form_id"
PROP_TOOL = "maa_tool"
PROP_TOOL_VERSION = "maa_tool_version"
PROP_AUDIT_ID = "maa_audit_id"
PROP_SEAL = "maa_form_seal"
REF_PREFIX = "maa form ref"
#: Bytes of random key per audit; the seal shows 60 bits of the HMAC (12 base32 characters).
KEY_BYTES = 32
_SEAL_CHARS = 12
_SEAL = r"[A-Z2-7]{4}-[A-Z2-7]{4}-[A-Z2-7]{4}"
# e.g. "maa form ref: MAA-7KQ2-M9XD · tool early-years-safeguarding 1.0 · seal ABCD-EFGH-JKLM"
_REF_RE = re.compile(
    r"maa\s+form\s+ref\s*:\s*(?P<id>MAA-[A-Z2-7]{4}-[A-Z2-7]{4})"
    r"(?:\s*[·|-]\s*tool\s+(?P<tool>[a-z0-9-]+)\s+(?P<version>[^\s·|]+))?"
    rf"(?:\s*[·|-]\s*seal\s+(?P<seal>{_SEAL})(?![A-Za-z0-9]))?",
    re.IGNORECASE,
)
_SEAL_RE = re.compile(_SEAL, re.IGNORECASE)


@dataclass(frozen=True)
class FormIdentity:
    """Which issued form a file is."""

    form_id: str
    tool_id: str | None = None
    tool_version: str | None = None
    audit_id: str | None = None
    seal: str | None = None  # see make_seal; None on forms of audits made before seals

    def reference_line(self) -> str:
        line = f"{REF_PREFIX}: {self.form_id} · tool {self.tool_id} {self.tool_version}"
        return f"{line} · seal {self.seal}" if self.seal else line

    def properties(self) -> dict[str, str]:
        props = {
            PROP_FORM_ID: self.form_id,
            PROP_TOOL: self.tool_id or "",
            PROP_TOOL_VERSION: self.tool_version or "",
            PROP_AUDIT_ID: self.audit_id or "",
        }
        if self.seal:
            props[PROP_SEAL] = self.seal
        return props

    @classmethod
    def from_properties(cls, props: dict[str, str]) -> FormIdentity | None:
        form_id = (props.get(PROP_FORM_ID) or "").strip()
        if not _REF_RE.fullmatch(f"{REF_PREFIX}: {form_id}"):
            return None
        seal = (props.get(PROP_SEAL) or "").strip().upper()
        return cls(form_id, props.get(PROP_TOOL) or None, props.get(PROP_TOOL_VERSION) or None, props.get(PROP_AUDIT_ID) or None,
                   seal if _SEAL_RE.fullmatch(seal) else None)


def find_reference(text: str) -> FormIdentity | None:
    """Find a form reference line anywhere in ``text`` (header, first rows, body)."""
    match = _REF_RE.search(text.replace("\u00a0", " "))
    if not match:
        return None
    return FormIdentity(match["id"].upper(), match["tool"], match["version"], seal=(match["seal"] or "").upper() or None)


def new_form_key() -> bytes:
    """A fresh random key for an audit's seals (kept only in the restricted store)."""
    return secrets.token_bytes(KEY_BYTES)


def make_seal(key: bytes, form_id: str) -> str:
    """The seal of ``form_id`` under the audit's form key: 'ABCD-EFGH-JKLM'.

    Without the key nobody can work out the seal of a form they were not sent, so a file
    carrying another form's id cannot carry its seal too.
    """
    mac = hmac.new(key, f"maa-form-seal\x1f{form_id.upper()}".encode(), hashlib.sha256).digest()
    text = base64.b32encode(mac).decode()[:_SEAL_CHARS]
    return "-".join(text[i:i + 4] for i in range(0, _SEAL_CHARS, 4))


def seal_matches(key: bytes, form_id: str, seal: str | None) -> bool:
    """Whether ``seal`` is ``form_id``'s seal (compared in constant time)."""
    return bool(seal) and hmac.compare_digest(make_seal(key, form_id), seal.strip().upper())


def make_form_id(audit_id: str, form_type: str, agency: str | None, case_ref: str | None) -> str:
    """A stable id for one issued form: the same inputs always give the same id,
    so a form issued in both formats, or re-issued, keeps its identity."""
    key = "\x1f".join([audit_id, form_type, (agency or "").casefold(), (case_ref or "").casefold()])
    digest = base64.b32encode(hashlib.sha256(key.encode()).digest()).decode()
    return f"MAA-{digest[:4]}-{digest[4:8]}"
