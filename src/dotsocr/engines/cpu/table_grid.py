"""A table as a grid of cells that may span rows and columns, written as HTML.

Each row's cells are placed first; then a cell is joined with its neighbour below
or to its right where the table says nothing separates them (a rule that stops
short). Only rectangles are ever formed, so every HTML row's cells and spans add
up to the column count, as a reader of rowspan/colspan expects.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from dotsocr.engines.cpu.scripts import join_pieces

Cell = tuple[int, int, str]  # first column, column span, text

#: Superscripts and subscripts the text layer showed (footnote marks, indices)
#: stay markup in a cell; any other tag in cell text is text.
_SCRIPT_TAG = re.compile(r"&lt;(/?su[bp])&gt;")


@dataclass
class Span:
    """One cell of the grid: top-left slot, size in rows and columns, its texts."""

    row: int
    col: int
    rows: int
    cols: int
    texts: list[str]


class Grid:
    """Slots of a table, each owned by the cell covering it (or empty)."""

    def __init__(self, cells: list[list[Cell]], ncols: int) -> None:
        self.ncols = ncols
        self.owner: list[list[Span | None]] = [[None] * ncols for _ in cells]
        for r, row in enumerate(cells):
            self._place(r, row)

    def _place(self, r: int, row: list[Cell]) -> None:
        """A row's cells left to right; a cell overlapping the previous one goes after
        it, and one pushed past the last column joins the cell before it."""
        pos = 0
        last: Span | None = None
        for first, span, text in row:
            first = max(first, pos)
            if first >= self.ncols and last is not None:
                last.texts.append(text)
                continue
            end = min(first + span, self.ncols)
            last = Span(r, first, 1, end - first, [text])
            self._fill(last)
            pos = end

    def _fill(self, s: Span) -> None:
        for r in range(s.row, s.row + s.rows):
            for c in range(s.col, s.col + s.cols):
                self.owner[r][c] = s

    def _free(self, rows: range, cols: range) -> bool:
        return all(self.owner[r][c] is None for r in rows for c in cols)

    def merge_down(self, r: int, c: int, open_cols: set[int]) -> None:
        """Join the cells on either side of the boundary under row ``r`` at column
        ``c``, where no rule separates them (``open_cols``)."""
        a, b = self.owner[r][c], self.owner[r + 1][c]
        if a is b:
            return
        if a is not None and b is not None:
            stacked = (a.col, a.cols) == (b.col, b.cols) and a.row + a.rows == b.row
            if stacked and set(range(a.col, a.col + a.cols)) <= open_cols:
                a.texts.extend(b.texts)
                a.rows += b.rows
                self._fill(a)
        elif a is not None:
            cols = range(a.col, a.col + a.cols)
            if (
                a.row + a.rows == r + 1
                and set(cols) <= open_cols
                and self._free(range(r + 1, r + 2), cols)
            ):
                a.rows += 1
                self._fill(a)
        elif b is not None:
            cols = range(b.col, b.col + b.cols)
            if b.row == r + 1 and set(cols) <= open_cols and self._free(range(r, r + 1), cols):
                b.row, b.rows = r, b.rows + 1
                self._fill(b)

    def merge_right(self, r: int, c: int, open_rows: set[int]) -> None:
        """Join the cells on either side of the boundary right of column ``c`` in row
        ``r``, where no rule separates them (in the rows ``open_rows``)."""
        a, b = self.owner[r][c], self.owner[r][c + 1]
        if a is b:
            return
        if a is not None and b is not None:
            side_by_side = (a.row, a.rows) == (b.row, b.rows) and a.col + a.cols == b.col
            if side_by_side and set(range(a.row, a.row + a.rows)) <= open_rows:
                a.texts.extend(b.texts)
                a.cols += b.cols
                self._fill(a)
        elif a is not None:
            rows = range(a.row, a.row + a.rows)
            if (
                a.col + a.cols == c + 1
                and set(rows) <= open_rows
                and self._free(rows, range(c + 1, c + 2))
            ):
                a.cols += 1
                self._fill(a)
        elif b is not None:
            rows = range(b.row, b.row + b.rows)
            if b.col == c + 1 and set(rows) <= open_rows and self._free(rows, range(c, c + 1)):
                b.col, b.cols = c, b.cols + 1
                self._fill(b)

    def html(self) -> str:
        """``<table><tr><td>...`` with rowspan/colspan; a row wholly covered by
        cells from above is left out (and those cells span one row less)."""
        kept = [r for r, row in enumerate(self.owner) if any(s is None or s.row == r for s in row)]
        keep = set(kept)
        parts = ["<table>"]
        for r in kept:
            parts.append("<tr>")
            c = 0
            while c < self.ncols:
                s = self.owner[r][c]
                if s is None:
                    parts.append("<td></td>")
                    c += 1
                    continue
                if s.row == r:
                    rows = sum(1 for k in range(s.row, s.row + s.rows) if k in keep)
                    parts.append(_td(join_pieces(s.texts), rows, s.cols))
                c += s.cols
            parts.append("</tr>")
        parts.append("</table>")
        return "".join(parts)


def _td(text: str, rows: int, cols: int) -> str:
    attr = (f' rowspan="{rows}"' if rows > 1 else "") + (f' colspan="{cols}"' if cols > 1 else "")
    body = _SCRIPT_TAG.sub(r"<\1>", html.escape(text, quote=False))
    return f"<td{attr}>{body}</td>"
