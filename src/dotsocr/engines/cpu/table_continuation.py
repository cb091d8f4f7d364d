"""A table that runs on over a page break keeps its column headings.

The page after the break starts straight in with data rows, so read on its own
its table has no headings: a spreadsheet or a retriever gets columns of numbers
with no names. When a page ends in a table and the next one opens with a table
of as many columns whose first row is data, the headings of the first are
repeated on top of the second.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence

from dotsocr.engines.cpu.cell_text import is_number
from dotsocr.model import HEADER_FOOTER, Element, Page
from dotsocr.render.table_cells import TableCells, read_table_cells

#: At most this many heading rows are carried over.
MAX_HEADING_ROWS = 3
#: Elements that may sit between the table and the page break (or open the next
#: page before its table): running text, notes, a "Table 3 (continued)" caption.
_PASSED_OVER = HEADER_FOOTER | {"Footnote", "Caption"}
_ROW = re.compile(r"<tr\b.*?</tr>", re.DOTALL | re.IGNORECASE)


def _edge_table(elements: Sequence[Element]) -> Element | None:
    """The first element that is not passed over, if it is a table with text."""
    for element in elements:
        if element.category in _PASSED_OVER:
            continue
        return element if element.category == "Table" and element.text else None
    return None


def _heading_rows(cells: TableCells) -> int:
    """How many rows open the table before its first row holding a number (0 when
    there are none, too many, or a heading cell reaches down into the data)."""
    grid = cells.grid()
    first_data = next((i for i, row in enumerate(grid) if any(is_number(t) for t in row)), None)
    if not first_data or first_data > MAX_HEADING_ROWS:
        return 0
    if any(c.row < first_data < c.row + c.row_span for c in cells.cells):
        return 0
    return first_data


def carry_table_headings(pages: Sequence[Page]) -> None:
    """Repeat the headings of a table cut by a page break on top of its rest."""
    for before, after in itertools.pairwise(pages):
        head = _edge_table(list(reversed(before.elements)))
        tail = _edge_table(after.elements)
        if head is None or tail is None or head.text is None or tail.text is None:
            continue
        head_cells, tail_cells = read_table_cells(head.text), read_table_cells(tail.text)
        if head_cells.n_cols != tail_cells.n_cols or not tail_cells.n_rows:
            continue
        n = _heading_rows(head_cells)
        data_first = any(is_number(text) for text in tail_cells.grid()[0])
        if not n or not data_first:
            continue
        rows = _ROW.findall(head.text)[:n]
        opening = re.search(r"<table\b[^>]*>", tail.text, re.IGNORECASE)
        if len(rows) == n and opening:
            tail.text = tail.text[: opening.end()] + "".join(rows) + tail.text[opening.end() :]
