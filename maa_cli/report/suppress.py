"""Small-number suppression for shareable outputs: which counts to hide, and how to print them.

With ``suppress_below`` set to *k*, no count from 1 to *k*-1 may be printed, nor be
worked out from what is printed. Hiding the small count alone is not enough:

* a row's total gives a hidden cell away when it is the only one hidden
  ("Inadequate: fewer than 5 | n 1"), so a second cell is hidden with it
  (*secondary suppression*), or the whole row when its total is itself small;
* a column of a breakdown adds up to a figure printed in the main table, so the
  same applies down each column;
* N/A and unanswered counts add up, with the answers, to the number of returns,
  which the report states, so they are cells of the same sum.

Every hidden cell of a table or list reads the same (:data:`HIDDEN`), whether it was
small or hidden to protect a small one, so the two cannot be told apart and the
hidden cells' sum says nothing about any one of them. Percentages of hidden cells
are not given. A single count with its denominator (met *n* of *d*) is hidden when
*n* or *d* − *n* is small, and reads "fewer than *k*" when *n* itself is small.
"""

from __future__ import annotations

from collections.abc import Sequence

from .figures import Count, Distribution, percent

HIDDEN = "not shown"
NO_PERCENT = "\u2013"


def fewer(small: int) -> str:
    return f"fewer than {small}"


def is_small(n: int, small: int | None) -> bool:
    return bool(small) and 0 < n < small


def number(n: int, small: int | None) -> str:
    """One count printed on its own (not part of a sum that is printed elsewhere)."""
    return fewer(small) if is_small(n, small) else str(n)


def hide(cells: Sequence[int], lines: Sequence[Sequence[int]], small: int | None,
         hidden: Sequence[bool] | None = None) -> list[bool]:
    """Which ``cells`` to hide.

    Args:
        lines: groups of cell indexes whose sum is printed or can be worked out (a row
            with its total, a column whose total is in another table). In each, no single
            hidden cell may be left for subtraction to find, and when the sum itself is
            small every cell of it is hidden, zeros too (else "all 3 said No" shows).
        hidden: cells already hidden (e.g. whole rows), kept hidden.
    """
    out = list(hidden) if hidden is not None else [False] * len(cells)
    if not small:
        return out
    for i, n in enumerate(cells):
        out[i] = out[i] or is_small(n, small)
    for line in lines:
        if is_small(sum(cells[i] for i in line), small):
            for i in line:
                out[i] = True
    changed = True
    while changed:
        changed = False
        for line in lines:
            inside = [i for i in line if out[i]]
            visible = [i for i in line if not out[i]]
            if len(inside) != 1 or not visible:
                continue
            nonzero = [i for i in visible if cells[i] > 0]
            out[min(nonzero or visible, key=lambda i: (cells[i], i))] = True
            changed = True
    return out


# -- one count and its denominator ------------------------------------------------------------------


def count_cells(c: Count, small: int | None) -> tuple[str, str, str]:
    """(n, of, percentage) as printed in a table row such as Met | Answered | %."""
    if not c.suppressed(small):
        return str(c.n), str(c.of), percent(c.pct)
    if is_small(c.of, small):
        return HIDDEN, fewer(small), NO_PERCENT
    return (fewer(small) if is_small(c.n, small) else HIDDEN), str(c.of), NO_PERCENT


# -- the answers to one question -----------------------------------------------------------------------


class ShownDistribution:
    """How one question's distribution is printed: each value's count and percentage, the
    number answered, and the N/A and unanswered counts that were left out.

    The answered, N/A and unanswered counts add up to the number of returns, which the
    report states, so they are suppressed together with the values.

    Args:
        multiple: more than one value could be chosen, so each value is its own yes-or-no
            count of those who answered.
    """

    def __init__(self, d: Distribution, small: int | None, multiple: bool = False):
        self.d, self.small = d, small
        values = list(d.values)
        counts = [d.counts.get(v, 0) for v in values]
        if multiple:
            left = hide([d.answered, d.not_applicable, d.unanswered], [[0, 1, 2]], small)
            self.answered_hidden, na_hidden, un_hidden = left
            value_hidden = [self.answered_hidden or Count(n, d.answered).suppressed(small) for n in counts]
        else:
            k = len(counts)
            cells = counts + [d.not_applicable, d.unanswered]
            mask = hide(cells, [list(range(k)), list(range(k + 2))], small)
            value_hidden, na_hidden, un_hidden = mask[:k], mask[k], mask[k + 1]
            self.answered_hidden = is_small(d.answered, small)
        self.hidden = dict(zip(values, value_hidden, strict=True))
        self.na_hidden, self.un_hidden = na_hidden, un_hidden

    @property
    def any_hidden(self) -> bool:
        return any(self.hidden.values()) or self.na_hidden or self.un_hidden or self.answered_hidden

    def count(self, value: str) -> str:
        return HIDDEN if self.hidden.get(value) else str(self.d.counts.get(value, 0))

    def pct(self, value: str) -> str:
        if self.hidden.get(value) or self.answered_hidden:
            return NO_PERCENT
        return percent(self.d.count(value).pct)

    def answered(self) -> str:
        return fewer(self.small) if self.answered_hidden else str(self.d.answered)

    def left_out(self) -> list[str]:
        """What was left out of the percentages, in words."""
        bits = []
        if self.na_hidden:
            bits.append(f"answers of N/A ({HIDDEN})")
        elif self.d.not_applicable:
            bits.append(f"{self.d.not_applicable} answered N/A")
        if self.un_hidden:
            bits.append(f"unanswered ({HIDDEN})")
        elif self.d.unanswered:
            bits.append(f"{self.d.unanswered} did not answer")
        return bits


# -- a breakdown: one row per group, one column per value ------------------------------------------


class ShownTable:
    """Which cells of a breakdown table to print.

    Rows are groups (an agency, a setting type …), columns are values; each row's total
    (``totals``) is printed, and each column adds up to a figure printed in the main table.

    Args:
        sums: the values of a row add up to its total (one answer each); False for
            multiple-choice rows, where each value is instead a count out of the total.
    """

    def __init__(self, rows: list[list[int]], totals: list[int], small: int | None, sums: bool = True):
        self.small = small
        n_cols = len(rows[0]) if rows else 0
        whole = [is_small(t, small) for t in totals]
        # The row totals add up to the number answered, which the main table prints.
        whole = hide(totals, [list(range(len(totals)))], small, whole) if small else whole
        cells = [v for row in rows for v in row]
        mask = [whole[r] for r, row in enumerate(rows) for _ in row]
        if not sums:
            mask = [m or Count(v, totals[i // max(1, n_cols)]).suppressed(small) for i, (v, m) in enumerate(zip(cells, mask, strict=True))]
        lines = [[r * n_cols + c for r in range(len(rows))] for c in range(n_cols)]
        if sums:
            lines += [[r * n_cols + c for c in range(n_cols)] for r in range(len(rows)) if not whole[r]]
        mask = hide(cells, lines, small, mask)
        self.rows, self.totals, self.whole = rows, totals, whole
        self.mask = [mask[r * n_cols:(r + 1) * n_cols] for r in range(len(rows))]

    def cell(self, r: int, c: int) -> str:
        return HIDDEN if self.mask[r][c] else str(self.rows[r][c])

    def row_hidden(self, r: int) -> bool:
        return any(self.mask[r])

    def total(self, r: int) -> str:
        if not self.whole[r]:
            return str(self.totals[r])
        return fewer(self.small) if is_small(self.totals[r], self.small) else HIDDEN


def breakdown_counts(counts: dict[str, int], total: int, small: int | None) -> dict[str, str]:
    """A profile (e.g. cases by gender), whose counts add up to a total that is printed."""
    values = list(counts)
    mask = hide([counts[v] for v in values], [list(range(len(values)))], small)
    return {v: HIDDEN if m else str(counts[v]) for v, m in zip(values, mask, strict=True)}
