"""Ruled tables the layout model calls Picture (or Formula), and charts it calls
Table.

The layout detector often boxes a small ruled table as a figure, and a figure's
text is taken for labels and dropped, so the table's text is lost. A picture is a
table when its own caption says so ("Table 2: ..."), or, with no caption, when
rules set off its rows (or run across and down it) and its text fills the grid.
A "Figure" caption keeps it a picture, and a chart never fills a grid: its tick
labels make one row and one column with empty space between them; a "table"
that is such a chart is a picture (:mod:`chart_axes`). A "formula" of words and
numbers in a grid is a table too.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from dotsocr.engines.cpu.boxes import Box, h_overlap
from dotsocr.engines.cpu.chart_axes import has_tick_axis, looks_like_chart
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.page_roles import CAPTION
from dotsocr.engines.cpu.rules import Rules, find_rules
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line
from dotsocr.render.table_cells import read_table_cells

#: A caption belongs to a picture when the gap between them is at most this many of
#: the caption's line heights, and they share this much of the narrower width.
CAPTION_GAP_LINES = 2.5
CAPTION_OVERLAP = 0.3
#: Share of the grid's cells holding text: with a "Table" caption, and with none.
FILL_CAPTIONED = 0.5
FILL_UNCAPTIONED = 0.7
#: A rule setting off a table's rows runs across this share of its width.
ACROSS = 0.8


def caption_beside(box: Box, candidates: Sequence[Line]) -> str:
    """Text of the caption line just above or below ``box`` ("" if none): the
    first line of a caption, which names what it captions."""
    best, best_gap = "", float("inf")
    for line in candidates:
        if not CAPTION.match(line.text) or h_overlap(line.box, box) < CAPTION_OVERLAP:
            continue
        gap = max(box[1] - line.box[3], line.box[1] - box[3], 0.0)
        if gap <= CAPTION_GAP_LINES * line.height and gap < best_gap:
            best, best_gap = line.text, gap
    return best


def _rows_set_off(box: Box, rules: Rules, lines: Sequence[Line]) -> int:
    """How many rules across (nearly) the whole box stand apart by at least a line
    of text: the rules of a table's rows, not the edges of one band (a slide's
    footer bar is drawn as several)."""
    width = box[2] - box[0]
    pitch = 2 * statistics.median(ln.height for ln in lines)
    ys = sorted(
        y
        for y, spans in zip(rules.ys, rules.h_spans, strict=True)
        if sum(b - a for a, b in spans) >= ACROSS * width
    )
    return sum(1 for i, y in enumerate(ys) if i == 0 or y - ys[i - 1] >= pitch)


def _says_table(caption: str) -> bool | None:
    """True for "Table ...", False for "Figure ..." and the like, None without one."""
    if not caption:
        return None
    return caption.lstrip().lower().startswith(("table", "tab.", "\u8868"))


def _grid_fill(html: str) -> tuple[int, int, float]:
    """Rows, columns and the share of grid positions holding text."""
    cells = read_table_cells(html)
    if not cells.n_rows or not cells.n_cols:
        return 0, 0, 0.0
    filled = sum(1 for row in cells.grid() for text in row if text.strip())
    return cells.n_rows, cells.n_cols, filled / (cells.n_rows * cells.n_cols)


def looks_like_table(
    box: Box, lines: Sequence[Line], caption: str, image: np.ndarray | None, rtl: bool
) -> bool:
    """Whether a picture region with these text lines is a table (see module doc)."""
    says = _says_table(caption)
    if says is False or len(lines) < 4 or any(ln.vertical for ln in lines):
        return False
    rules = find_rules(image, box)
    ruled = _rows_set_off(box, rules, lines) >= 3 or (len(rules.ys) >= 2 and len(rules.xs) >= 2)
    if says is None and (not ruled or has_tick_axis(lines)):
        # Without a caption only ruled rows or a ruled grid will do (the two edges of
        # a slide's footer band are no table), and no axis of ticks (gridlines of a
        # chart).
        return False
    rows, cols, fill = _grid_fill(table_html(lines, rtl, rules))
    if says:
        return rows >= 2 and cols >= 2 and fill >= FILL_CAPTIONED
    return rows >= 3 and cols >= 2 and fill >= FILL_UNCAPTIONED


def tables_among_pictures(
    regions: Sequence[Region],
    owned: dict[int, list[Line]],
    loose: Sequence[Line],
    image: np.ndarray | None,
    rtl: bool,
) -> list[Region]:
    """``regions`` with each Picture that is really a table relabelled "table", and
    each Table that is really a chart relabelled "figure"."""
    caption_lines = list(loose)
    for i, region in enumerate(regions):
        if region.category == "Caption":
            caption_lines.extend(owned[i])
    out = []
    for i, region in enumerate(regions):
        if region.category == "Picture" and looks_like_table(
            region.box, owned[i], caption_beside(region.box, caption_lines), image, rtl
        ):
            region = replace(region, label="table")
        elif region.category == "Table" and _is_chart(region.box, owned[i], image, rtl):
            region = replace(region, label="figure")
        elif region.category == "Formula" and _is_text_grid(region.box, owned[i], image, rtl):
            region = replace(region, label="table")
        out.append(region)
    return out


def _is_chart(box: Box, lines: Sequence[Line], image: np.ndarray | None, rtl: bool) -> bool:
    """Whether a table region is a chart (see :mod:`chart_axes`)."""
    if len(lines) < 4 or not has_tick_axis(lines):
        return False
    _, _, fill = _grid_fill(table_html(lines, rtl, find_rules(image, box)))
    return looks_like_chart(lines, fill)


#: Characters of mathematics; a grid of words and numbers has next to none.
_MATH = frozenset("=+\u2211\u222b\u221a^_{}\\\u2264\u2265\u00b1\u00d7\u2202\u221e")


def _is_text_grid(box: Box, lines: Sequence[Line], image: np.ndarray | None, rtl: bool) -> bool:
    """Whether a "formula" region is a table of words and numbers (the layout model
    boxes a results table on a slide as an equation): rows of cells filling a grid,
    and hardly a sign of mathematics."""
    if len(lines) < 6 or any(ln.vertical for ln in lines):
        return False
    if sum(any(c in _MATH for c in ln.text) for ln in lines) > 0.1 * len(lines):
        return False
    rows, cols, fill = _grid_fill(table_html(lines, rtl, find_rules(image, box)))
    return rows >= 3 and cols >= 2 and fill >= FILL_CAPTIONED
