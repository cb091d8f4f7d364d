"""Text rows across a table or a page: lines whose middles lie together.

A line joins a row when its middle lies within half a typical line height of the
middle of the row's lines. The other way, a band grown by each member's box,
chains rows together where OCR pads its boxes (single-spaced typewritten rows
overlap by a third of their height) or a tall cell hangs into the next row.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

from dotsocr.engines.cpu.textlines import Line

#: How far (share of the median line height) a line's middle may lie from its
#: row's.
REACH = 0.5


def centre(line: Line) -> float:
    return (line.box[1] + line.box[3]) / 2


def text_rows_across(lines: Sequence[Line]) -> list[list[Line]]:
    """The lines grouped into rows, top to bottom, each row left to right."""
    if not lines:
        return []
    reach = REACH * statistics.median(ln.height for ln in lines)
    rows: list[list[Line]] = []
    middles: list[float] = []
    for line in sorted(lines, key=centre):
        if rows and abs(centre(line) - statistics.fmean(middles)) <= reach:
            rows[-1].append(line)
            middles.append(centre(line))
        else:
            rows.append([line])
            middles = [centre(line)]
    return [sorted(r, key=lambda ln: ln.box[0]) for r in rows]
