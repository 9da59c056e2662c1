"""Horizontal bar charts for the report: labels in the interface language, readable in print (PNG, 200 dpi).

Bars come in the order given, top to bottom: the report passes its tables' natural order
(codebook order, terms in time order), so a chart reads like the table beside it.

A suppressed count ('*') gets no bar and no number, only the mark "*" (färre än N): a bar's
length would give the hidden value away.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from pathlib import Path

from qualcode.analysis.suppression import STAR
from qualcode.core.files import atomic_write
from qualcode.core.i18n import _

DPI = 200
BAR_COLOUR = "#1f4e79"  # dark blue: prints well in greyscale too


def chart_rows(
    labels: Sequence[str], values: Sequence[int | str], min_cell: int = 5, largest_first: bool = False
) -> list[tuple[str, int, str]]:
    """(label, bar length, text beside the bar) in the given order (or largest first); a
    suppressed value has no bar."""
    items = list(zip((str(x) for x in labels), values))
    if largest_first:
        # suppressed ones after the shown ones, zeros last
        items.sort(key=lambda lv: (0 if isinstance(lv[1], int) and lv[1] > 0 else 1 if lv[1] == STAR else 2,
                                   -(lv[1] if isinstance(lv[1], int) else 0), lv[0]))
    hidden = f"{STAR} (" + _("fewer than {n}").format(n=min_cell) + ")"
    return [(lab, v, str(v)) if isinstance(v, int) else (lab, 0, hidden) for lab, v in items]


def bar_chart(
    labels: Sequence[str],
    values: Sequence[int | str],
    path: str | Path,
    title: str,
    xlabel: str | None = None,
    min_cell: int = 5,
    largest_first: bool = False,
) -> Path:
    """Write a horizontal bar chart of `values` (ints or '*') per label, the first on top."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    path = Path(path)
    rows = chart_rows(labels, values, min_cell, largest_first)
    rows.reverse()  # barh draws bottom-up: the first on top
    names = [textwrap.fill(lab, 44) for lab, _, _ in rows]
    shown = [length for _, length, _ in rows]
    height = max(2.2, 0.42 * len(rows) + 1.3)
    fig, ax = plt.subplots(figsize=(7.5, height))
    try:
        bars = ax.barh(range(len(rows)), shown, color=BAR_COLOUR, height=0.65)
        ax.set_yticks(range(len(rows)))
        ax.set_yticklabels(names, fontsize=9)
        top = max(shown, default=0) or 1
        ax.set_xlim(0, top * 1.15)
        for bar, (_label, length, text) in zip(bars, rows):
            y = bar.get_y() + bar.get_height() / 2
            colour = "#444444" if text.startswith(STAR) else "black"
            ax.text(length + top * 0.01, y, text, va="center", fontsize=8, color=colour)
        ax.set_title(textwrap.fill(title, 70), fontsize=11, loc="left")
        ax.set_xlabel(_("Count") if xlabel is None else xlabel, fontsize=9)
        ax.spines[["top", "right"]].set_visible(False)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.tick_params(axis="x", labelsize=8)
        fig.tight_layout()
        with atomic_write(path) as tmp:
            fig.savefig(tmp, dpi=DPI)
    finally:
        plt.close(fig)
    return path
