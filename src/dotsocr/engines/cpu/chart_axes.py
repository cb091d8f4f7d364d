"""Charts the layout model calls tables: an axis of evenly spaced tick labels.

A chart's text is its axis ticks, its category labels and its legend. Set out on a
grid, they fill one column and one row of it and leave the rest empty, and the
ticks give the chart away: numbers in a column (or a row) at equal steps, rising
or falling by the same amount each time (600, 500, ..., 0; 2.60, 2.40, ...). A
table with a column of years at an even row pitch has its other cells filled, so
an axis alone does not make a chart: the grid must be mostly empty too.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from dotsocr.engines.cpu.textlines import Line

#: At least this many ticks make an axis.
MIN_TICKS = 4
#: Steps between ticks may differ by this share of the median step (on the page)...
PITCH_SLACK = 0.15
#: ...and their values by this share of the value step.
VALUE_SLACK = 0.01
#: A grid whose cells hold text in less than this share of positions is no table.
CHART_FILL = 0.4
_TICK = re.compile(r"^[-\u2212+]?[$\u20ac\u00a3\u00a5]?(\d[\d,]*(?:\.\d+)?)%?$")


def _value(text: str) -> float | None:
    """A tick label's number ("1,000" -> 1000, "2.60" -> 2.6, "-5%" -> -5)."""
    match = _TICK.match(text.strip())
    if not match:
        return None
    number = float(match.group(1).replace(",", ""))
    return -number if text.strip()[0] in "-\u2212" else number


def _even(values: Sequence[float], slack: float) -> bool:
    steps = [b - a for a, b in itertools.pairwise(values)]
    if not steps or any(s == 0 for s in steps):
        return False
    mid = sorted(abs(s) for s in steps)[len(steps) // 2]
    same_sign = all(s > 0 for s in steps) or all(s < 0 for s in steps)
    return same_sign and all(abs(abs(s) - mid) <= slack * mid for s in steps)


def _axis(ticks: list[tuple[float, float]]) -> bool:
    """Whether (position, value) pairs, in position order, are evenly spaced ticks."""
    if len(ticks) < MIN_TICKS:
        return False
    positions = [p for p, _ in ticks]
    values = [v for _, v in ticks]
    return _even(positions, PITCH_SLACK) and _even(values, VALUE_SLACK)


def has_tick_axis(lines: Sequence[Line]) -> bool:
    """Whether some numbers among ``lines`` line up as a chart axis: right edges
    aligned in a column (a value axis), or middles on one row (a category or value
    axis along the bottom)."""
    numbers = [(ln, v) for ln in lines if (v := _value(ln.text)) is not None]
    for line, _ in numbers:
        size = line.size
        column = sorted(
            ((ln.box[1] + ln.box[3]) / 2, v)
            for ln, v in numbers
            if abs(ln.box[2] - line.box[2]) <= 0.5 * size
        )
        row = sorted(
            ((ln.box[0] + ln.box[2]) / 2, v)
            for ln, v in numbers
            if abs((ln.box[1] + ln.box[3]) / 2 - (line.box[1] + line.box[3]) / 2) <= 0.5 * size
        )
        if _axis(column) or _axis(row):
            return True
    return False


def looks_like_chart(lines: Sequence[Line], fill: float) -> bool:
    """Whether a "table" with these lines, whose grid is ``fill`` full, is a chart."""
    return fill < CHART_FILL and has_tick_axis(lines)
