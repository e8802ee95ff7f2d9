"""The answer scales every tool can use without defining them (``scale: ofsted`` on a grade question).

A tool may define its own under ``scales:``; a name defined there wins over a built-in one.
"""

from __future__ import annotations

BUILT_IN_SCALES: dict[str, list[str]] = {
    "ofsted": ["Outstanding", "Good", "Requires improvement", "Inadequate"],
    "section11": ["Fully met", "Partly met", "Not met"],
    "rag": ["Green", "Amber", "Red"],
}
