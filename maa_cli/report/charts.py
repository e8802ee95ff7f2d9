"""Charts for the findings report, drawn with matplotlib as PNG, each with alt text.

Colour is never the only carrier of meaning: every bar is labelled with its
count, grade segments carry hatching as well as colour, and the alt text states
the same figures in words. matplotlib is imported inside each function (it takes
about half a second), and the charts are simply left out, with a note, where it
is not installed.
"""

from __future__ import annotations

import io
import textwrap
from dataclasses import dataclass

from .figures import Count, QuestionFigures, percent

# Colour-blind-safe (Okabe-Ito) with a hatch per position, best grade first.
GRADE_COLOURS = ("#009E73", "#56B4E9", "#E69F00", "#D55E00", "#CC79A7", "#999999")
GRADE_HATCHES = ("", "//", "..", "xx", "\\\\", "--")
BAR = "#1F3864"
WIDTH_IN = 6.3  # 16 cm


@dataclass(frozen=True)
class Chart:
    png: bytes
    title: str
    alt: str


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no screen on a server; never pick an interactive backend
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 8, "font.family": "DejaVu Sans", "svg.fonttype": "none"})
    return plt


def _png(fig, plt) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(text: str, width: int = 38) -> str:
    return "\n".join(textwrap.wrap(text, width)[:2]) + ("…" if len(textwrap.wrap(text, width)) > 2 else "")


def bar_chart(title: str, items: list[tuple[str, Count]], what: str, small: int | None = None) -> Chart | None:
    """Horizontal bars of percentages, each labelled 'n of d (p%)'; suppressed counts are left out."""
    items = [(label, c) for label, c in items if c.of and not c.suppressed(small)]
    if not items:
        return None
    plt = _pyplot()
    height = 0.9 + 0.32 * len(items)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, height))
    labels = [_wrap(label) for label, _ in items][::-1]
    values = [c.pct for _, c in items][::-1]
    bars = ax.barh(labels, values, color=BAR, height=0.6)
    for bar, (_, c) in zip(bars, items[::-1], strict=True):
        inside = (c.pct or 0) > 70
        ax.text(bar.get_width() - 1 if inside else bar.get_width() + 1, bar.get_y() + bar.get_height() / 2,
                f"{c.n} of {c.of} ({percent(c.pct)})", va="center", ha="right" if inside else "left",
                color="white" if inside else "black")
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"% {what}")
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    alt = f"Bar chart: {title}. " + "; ".join(f"{label}: {c.text()}" for label, c in items) + "."
    return Chart(_png(fig, plt), title, alt)


def grade_chart(title: str, figures: list[QuestionFigures], small: int | None = None) -> Chart | None:
    """One stacked bar per graded question: how many of each grade, best grade on the left.

    With suppression, a question with any count held back is left out of the chart: a bar's
    length would show the count its label hides.
    """
    from .suppress import ShownDistribution

    rows = [qf for qf in figures if qf.kind == "grade" and qf.distribution and qf.distribution.answered]
    kept = [qf for qf in rows if not _held_back(ShownDistribution(qf.distribution, small))]
    left_out = len(rows) - len(kept)
    rows = kept
    if not rows:
        return None
    scale = rows[0].distribution.values
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 1.2 + 0.36 * len(rows)))
    labels = [_wrap(f"{qf.number} {qf.question.text}") for qf in rows][::-1]
    left = [0.0] * len(rows)
    for i, grade in enumerate(scale):
        shares = [100.0 * qf.distribution.counts.get(grade, 0) / qf.distribution.answered for qf in rows][::-1]
        counts = [qf.distribution.counts.get(grade, 0) for qf in rows][::-1]
        bars = ax.barh(labels, shares, left=left, color=GRADE_COLOURS[i % 6], hatch=GRADE_HATCHES[i % 6],
                       edgecolor="white", linewidth=0.5, label=grade, height=0.6)
        for bar, n in zip(bars, counts, strict=True):
            if n and bar.get_width() >= 6:
                ax.text(bar.get_x() + bar.get_width() / 2, bar.get_y() + bar.get_height() / 2, str(n),
                        ha="center", va="center", fontsize=8, fontweight="bold",
                        bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85})
        left = [a + b for a, b in zip(left, shares, strict=True)]
    ax.set_xlim(0, 100)
    ax.set_xlabel("% of judgements (N/A left out); numbers in the bars are counts")
    ax.set_title(title, loc="left", fontsize=9, fontweight="bold")
    ax.legend(ncol=len(scale), loc="upper center", bbox_to_anchor=(0.5, -0.22 if len(rows) > 3 else -0.45), frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    parts = []
    for qf in rows:
        d = qf.distribution
        counted = ", ".join(f"{g} {d.counts.get(g, 0)}" for g in scale if d.counts.get(g, 0))
        parts.append(f"{qf.number} {qf.question.text}: {counted} (of {d.answered})")
    alt = f"Stacked bar chart: {title}. " + "; ".join(parts) + "."
    if left_out:
        alt += f" {left_out} {'question is' if left_out == 1 else 'questions are'} left out because small counts are not shown."
    return Chart(_png(fig, plt), title, alt)


def _held_back(shown) -> bool:
    return shown.answered_hidden or any(shown.hidden.values())

