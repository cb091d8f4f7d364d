"""Heading rows the layout model leaves out of a table box.

Financial statements put a spanning heading ("Year Ended December 31,", "Three
Months Ended June 30,") over the amount columns, a line above the years. The layout
model often draws the table box from the years down, and calls the spanning
heading a caption or a line of text. Such a line sits close on top of the table,
over its data columns and not over its label column, set in the table's type, and
is no sentence and no "Table 2: ..." caption, and it lies over two cells of the
table's top row or more: it is the table's first row, spanning the columns under
it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import h_overlap, union
from dotsocr.engines.cpu.page_roles import CAPTION
from dotsocr.engines.cpu.rows import text_rows_across
from dotsocr.engines.cpu.table_build import region_table_html

#: The heading's gap to the table, in its line heights, at most.
HEADING_GAP_LINES = 1.2
#: The heading starts right of this share of the table's width (the label column).
LABEL_SHARE = 0.25
MAX_HEADING_CHARS = 80
#: A column heading is set in the table's type, not this much larger.
HEADING_SIZE = 1.25
_CANDIDATES = ("Caption", "Text", "Section-header")


def _heading_over(block: Block, table: Block) -> bool:
    if block.category not in _CANDIDATES or not block.lines or len(block.lines) > 2:
        return False
    text = (block.text or "").strip()
    if not text or len(text) > MAX_HEADING_CHARS or text.endswith(".") or CAPTION.match(text):
        return False
    if block.size > HEADING_SIZE * table.size:
        return False  # display type over the table: its title, not a column heading
    height = max(ln.height for ln in block.lines)
    gap = table.box[1] - block.box[3]
    width = table.box[2] - table.box[0]
    return (
        -0.5 * height <= gap <= HEADING_GAP_LINES * height
        and block.box[0] >= table.box[0] + LABEL_SHARE * width
        and block.box[2] <= table.box[2] + height
        and h_overlap(block.box, table.box) > 0.9
        and _cells_under(block, table) >= 2
    )


def _cells_under(block: Block, table: Block) -> int:
    """How many cells of the table's top row lie under ``block``: a spanning
    heading spans columns; a line over one column is the text above, wrapped."""
    top = text_rows_across(table.lines)[0]
    return sum(1 for ln in top if min(ln.box[2], block.box[2]) > max(ln.box[0], block.box[0]))


def adopt_headings_above(
    blocks: Sequence[Block], image: np.ndarray | None, rtl: bool
) -> list[Block]:
    """``blocks`` with each spanning heading over a text-layer table taken into it."""
    taken: set[int] = set()
    out = list(blocks)
    for t, table in enumerate(out):
        if table.category != "Table" or not table.lines or rtl:
            continue
        for i, block in enumerate(out):
            if i not in taken and i != t and _heading_over(block, table):
                lines = [*block.lines, *table.lines]
                box = union([table.box, block.box])
                out[t] = Block("Table", box, lines, region_table_html(lines, rtl, box, image))
                taken.add(i)
                break
    return [b for i, b in enumerate(out) if i not in taken]
