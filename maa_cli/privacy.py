"""Masking names before anything leaves the restricted side.

The real leak in audit outputs is not the case list but names typed into
narrative answers and the file names agencies choose. Every name the audit
knows (children in the restricted store, and ``names_to_mask`` in audit.yaml)
is replaced by a neutral marker in shareable text, in file paths shown in logs
and in ``--json`` output.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import restricted

MARK = "[name]"


@dataclass(frozen=True)
class Masker:
    """Replaces known names (whole words, any case) with :data:`MARK`."""

    pattern: re.Pattern | None

    @classmethod
    def for_names(cls, names) -> Masker:
        words: set[str] = set()
        for name in names:
            name = (name or "").strip()
            if not name:
                continue
            words.add(name)
            # Each part of a full name on its own ("Ellie" and "Smith" as well as "Ellie Smith").
            words.update(part for part in re.split(r"[\s\-]+", name) if len(part) >= 3)
        if not words:
            return cls(None)
        alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
        return cls(re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])", re.IGNORECASE))

    def text(self, text: str) -> str:
        if not self.pattern or not text:
            return text
        return self.pattern.sub(MARK, text)

    def path(self, path: str) -> str:
        # File names use _ and - for spaces, so mask word-parts there too.
        if not self.pattern:
            return path
        spaced = re.sub(r"[_.]", " ", path)
        if self.pattern.search(spaced) is None:
            return path
        masked = self.pattern.sub(MARK, re.sub(r"_", " ", path))
        return masked

    def found(self, text: str) -> bool:
        return bool(self.pattern and text and self.pattern.search(text))


def masker_for(ws) -> Masker:
    """The masker for an opened workspace: child names plus audit.yaml's names_to_mask."""
    names = [c.child_name for c in restricted.read_cases(ws.restricted_dir).values()]
    return Masker.for_names(names + list(ws.audit.names_to_mask))
