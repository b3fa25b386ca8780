"""Charts drawn in the terminal with plotext, for `crm report NAME --chart`.

plotext is imported inside the functions that draw, never on another command's path. A
chart fits the terminal; written to a pipe or a file it is drawn at a fixed width
(`COLUMNS`, else 100) in plain characters, like a table there. Colour follows the same
rules as tables (`--no-color`, `NO_COLOR`, `FORCE_COLOR`): without it, a heat map's cells
are shaded with block characters and every cell carries its figure, so nothing depends on
colour. Labels are stored text (names), shown through `present.text.visible`.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Sequence
from typing import Any

from crmcli.present.text import visible

#: The width of a chart written to a pipe or a file (`COLUMNS` overrides it).
PIPE_WIDTH = 100
#: Bars in one chart at most: the largest ones, by size.
MAX_BARS = 30
#: Shades of a heat map cell without colour, from the lowest value to the highest.
_SHADES = ("░", "▒", "▓", "█")


def width() -> int:
    """The terminal's width, or the fixed width of a chart that is not on one."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 20:
        return int(columns)
    if sys.stdout.isatty():
        return shutil.get_terminal_size((PIPE_WIDTH, 24)).columns
    return PIPE_WIDTH


def _start(height: int, title: str) -> Any:
    import plotext as plt

    plt.clf()
    plt.limitsize(False, False)  # as tall as the rows need, not the terminal's height
    plt.theme("clear")
    plt.plotsize(width(), height)
    plt.title(visible(title))
    return plt


def _finish(plt: Any, color: bool) -> str:
    text = plt.build()
    plt.clf()
    return text if color else plt.uncolorize(text)


def largest(labels: Sequence[str], values: Sequence[float]) -> tuple[list[str], list[float]]:
    """The `MAX_BARS` largest values by size, in their given order."""
    if len(values) <= MAX_BARS:
        return list(labels), list(values)
    keep = sorted(range(len(values)), key=lambda i: -abs(values[i]))[:MAX_BARS]
    chosen = sorted(keep)
    return [labels[i] for i in chosen], [values[i] for i in chosen]


def bars(title: str, labels: Sequence[str], values: Sequence[float], *, color: bool) -> str:
    """Horizontal bars, one line each, the first label on top (the `MAX_BARS` largest)."""
    shown, sizes = largest(labels, values)
    if len(shown) < len(labels):
        title = f"{title}: the {len(shown)} largest of {len(labels)}"
    plt = _start(len(shown) + 4, title)
    names = [visible(label) for label in shown]
    plt.bar(names[::-1], sizes[::-1], orientation="horizontal", width=0.4)
    return _finish(plt, color)


def heatmap(
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    cells: Sequence[Sequence[float | None]],
    *,
    color: bool,
) -> str:
    """A percentage grid (0-100), one line per row, each cell filled by its value and
    showing it; None is left blank (not observed yet)."""
    plt = _start(len(rows) + 4, title)
    for r, row in enumerate(cells):
        for c, value in enumerate(row):
            if value is None:
                continue
            level = max(0.0, min(1.0, value / 100))
            # A thin band around the row's line: plotext rounds a cell's edges onto lines.
            x, y = [c + 0.5, c + 1.5], [r + 0.9, r + 1.1]
            if color:
                fill = (int(235 - 205 * level), int(235 - 75 * level), int(235 - 175 * level))
                plt.rectangle(x, y, marker="sd", color=fill, fill=True)
                plt.text(
                    f"{value:g}", c + 1, r + 1, alignment="center", color="black", background=fill
                )
            else:
                shade = _SHADES[min(len(_SHADES) - 1, int(level * len(_SHADES)))]
                plt.rectangle(x, y, marker=shade, fill=True)
                plt.text(f" {value:g} ", c + 1, r + 1, alignment="center")
    plt.yreverse(True)
    plt.xlim(0.5, len(columns) + 0.5)
    plt.ylim(0.5, len(rows) + 0.5)
    plt.xticks(list(range(1, len(columns) + 1)), [visible(c) for c in columns])
    plt.yticks(list(range(1, len(rows) + 1)), [visible(r) for r in rows])
    return _finish(plt, color)
