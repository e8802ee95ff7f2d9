"""Fitting table headings to column widths, so no heading ever breaks mid-word.

Word (and LibreOffice) break a word that is wider than its column wherever the
column ends: "Domestic abuse" in a 1.1 cm column prints as "Dom / estic / abus / e".
The reports measure each heading's longest word with the metrics of Arial Bold
(Helvetica Bold, which Arial and Liberation Sans match width for width) and lay a
table out so every column is at least that wide: :func:`fit_widths` widens narrow
columns at the expense of roomy ones, and :func:`split_columns` tells a cross-tab
with more values than fit across the page how to turn or divide itself.
"""

from __future__ import annotations

import unicodedata

# Advance widths of Helvetica Bold, ASCII 32 to 126, in thousandths of an em (Adobe's AFM).
_BOLD = (
    278, 333, 474, 556, 556, 889, 722, 278, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556, 556, 556, 556, 556, 556,
    556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, 278, 556, 611, 556, 611, 556, 333, 611,
    611, 278, 278, 556, 278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
)
_WIDE = 1000  # anything unknown: as wide as an em, so a guess never makes a column too narrow
_PUNCTUATION = {"\u2018": 278, "\u2019": 278, "\u201c": 500, "\u201d": 500, "\u2013": 556, "\u2014": 1000, "\u2026": 1000, "\u00a0": 278}
CELL_PADDING_CM = 0.4  # Word's default cell margins, 0.19 cm left and right, and a little to spare
PT_CM = 2.54 / 72


def char_width(ch: str) -> int:
    if " " <= ch <= "~":
        return _BOLD[ord(ch) - 32]
    if ch in _PUNCTUATION:
        return _PUNCTUATION[ch]
    base = unicodedata.normalize("NFKD", ch)[:1]  # é is as wide as e
    return _BOLD[ord(base) - 32] if base and " " <= base <= "~" else _WIDE


def text_cm(text: str, size_pt: float) -> float:
    """The printed width of ``text`` in bold at ``size_pt`` (an upper bound for regular weight)."""
    return sum(char_width(ch) for ch in text) / 1000 * size_pt * PT_CM


def longest_word_cm(text: str, size_pt: float) -> float:
    """The width of the widest word of ``text``: what a column must hold for the text to wrap only between words."""
    words = str(text).split()
    return max((text_cm(w, size_pt) for w in words), default=0.0)


def needed_cm(text: str, size_pt: float) -> float:
    """The narrowest column that prints ``text`` without breaking a word."""
    return longest_word_cm(text, size_pt) + CELL_PADDING_CM


def fit_widths(headings: list[str], widths: list[float], size_pt: float) -> list[float]:
    """``widths`` with every column widened to hold its heading's longest word, taking the room from
    the columns with most to spare (the total stays the same). Columns that cannot all fit are left
    as wide as the room allows; :func:`split_columns` is for tables that would come to that."""
    need = [needed_cm(h, size_pt) for h in headings]
    out = list(widths)
    for i, _ in sorted(enumerate(out), key=lambda kv: need[kv[0]] - kv[1], reverse=True):
        short = need[i] - out[i]
        if short <= 0:
            continue
        for j in sorted(range(len(out)), key=lambda j: out[j] - need[j], reverse=True):
            spare = out[j] - max(need[j], 0.0)
            if j == i or spare <= 0:
                continue
            take = min(spare, short)
            out[j] -= take
            out[i] += take
            short -= take
            if short <= 1e-9:
                break
    return out


def split_columns(headings: list[str], room_cm: float, size_pt: float) -> list[list[int]]:
    """Groups of column indexes, in order, each fitting in ``room_cm`` with every heading whole.
    One group means the columns fit side by side."""
    groups: list[list[int]] = [[]]
    used = 0.0
    for i, heading in enumerate(headings):
        need = needed_cm(heading, size_pt)
        if groups[-1] and used + need > room_cm:
            groups.append([])
            used = 0.0
        groups[-1].append(i)
        used += need
    return groups


def share(room_cm: float, headings: list[str], size_pt: float) -> list[float]:
    """Widths for ``headings`` filling ``room_cm``: equal when that holds every heading, else each its
    need plus an equal share of what is left."""
    need = [needed_cm(h, size_pt) for h in headings]
    if not headings:
        return []
    equal = room_cm / len(headings)
    if equal >= max(need):
        return [equal] * len(headings)
    spare = max(0.0, room_cm - sum(need)) / len(headings)
    return [n + spare for n in need]


REGULAR = 0.93  # regular weight runs about this much narrower than bold


def text_lines(text: str, width_cm: float, size_pt: float, bold: bool = False, wider: float = 1.0) -> int:
    """How many lines ``text`` wraps to in a column ``width_cm`` wide (greedy, between words, as Word does).
    ``wider``: how much wider than Arial the font runs (see :func:`width_factor`)."""
    scale = (1.0 if bold else REGULAR) * wider
    space = char_width(" ") / 1000 * size_pt * PT_CM * scale
    lines, used = 1, 0.0
    for word in text.split():
        w = text_cm(word, size_pt) * scale
        if used and used + space + w > width_cm:
            lines += 1
            used = w
        else:
            used += (space if used else 0.0) + w
    return lines


ARIAL_METRICS = ("arial", "helvetica", "liberation sans", "arimo")
UNKNOWN_FONT = 1.15  # a font whose widths are not known (or not installed, and replaced) may run this much wider


def width_factor(font_name: str | None) -> float:
    """1 for fonts with Arial's widths, else a margin for a face of unknown width (a theme font, a serif)."""
    return 1.0 if (font_name or "").strip().casefold() in ARIAL_METRICS else UNKNOWN_FONT
