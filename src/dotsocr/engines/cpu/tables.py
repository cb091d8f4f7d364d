"""Table text as a simple HTML ``<table>`` from the lines inside a table region.

Rows are clusters of vertically overlapping lines; columns come from gaps in the
x projection of the rows that have several cells, and a cell spanning several
columns gets a colspan. Real structure recognition is a later step: this keeps
every word, in reading order, in the HTML form the DotsOCR format wants.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.textlines import Line

Cell = tuple[int, int, str]  # first column, column span, text


def _rows(lines: Sequence[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    bands: list[Box] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        cy = (line.box[1] + line.box[3]) / 2
        if rows and bands[-1][1] <= cy <= bands[-1][3]:
            rows[-1].append(line)
            bands[-1] = union((bands[-1], line.box))
        else:
            rows.append([line])
            bands.append(line.box)
    return [sorted(r, key=lambda ln: ln.box[0]) for r in rows]


def _spans_several(line: Line, row: list[Line]) -> bool:
    """Whether ``line`` lies over two or more cells of another row (a header over
    several columns)."""
    hits = sum(1 for o in row if min(o.box[2], line.box[2]) - max(o.box[0], line.box[0]) > 0)
    return hits >= 2


def _columns(rows: list[list[Line]]) -> list[tuple[float, float]]:
    """Column x-ranges from the cells of rows with several cells, leaving out cells
    that span several cells of another row (they would merge columns)."""
    multi = [r for r in rows if len(r) > 1]
    spans = sorted(
        (ln.box[0], ln.box[2])
        for r in multi
        for ln in r
        if not any(_spans_several(ln, o) for o in multi if o is not r)
    )
    cols: list[tuple[float, float]] = []
    for x1, x2 in spans:
        if cols and x1 < cols[-1][1]:
            cols[-1] = (cols[-1][0], max(cols[-1][1], x2))
        else:
            cols.append((x1, x2))
    return cols


def _merge_cells(row: list[Line], cols: list[tuple[float, float]]) -> list[Cell]:
    """(first column, span, text) of each cell in one row."""
    found: dict[int, tuple[int, list[Line]]] = {}
    for line in row:
        hit = [k for k, (a, b) in enumerate(cols) if min(b, line.box[2]) - max(a, line.box[0]) > 0]
        if not hit:  # falls in a gap: nearest column
            cx = (line.box[0] + line.box[2]) / 2
            hit = [min(range(len(cols)), key=lambda k: abs((cols[k][0] + cols[k][1]) / 2 - cx))]
        first, last = hit[0], hit[-1]
        if first in found:
            span, group = found[first]
            found[first] = (max(span, last - first + 1), [*group, line])
        else:
            found[first] = (last - first + 1, [line])
    out = []
    for first in sorted(found):
        span, group = found[first]
        group.sort(key=lambda ln: (ln.box[1], ln.box[0]))
        out.append((first, span, join_pieces([ln.text for ln in group])))
    return out


def _mirrored(line: Line) -> Line:
    x1, y1, x2, y2 = line.box
    return Line(text=line.text, box=(-x2, y1, -x1, y2), size=line.size)


def _fold_continuations(rows: list[list[Line]], cells: list[list[Cell]]) -> list[list[Cell]]:
    """Fold a row with an empty first column into the row above when it follows
    closely: it holds the wrapped second lines of that row's cells."""
    out: list[list[Cell]] = []
    bottom = 0.0
    for row, row_cells in zip(rows, cells, strict=True):
        top = min(ln.box[1] for ln in row)
        height = max(ln.box[3] - ln.box[1] for ln in row)
        starts_empty = bool(row_cells) and row_cells[0][0] > 0
        if out and starts_empty and out[-1] and out[-1][0][0] == 0 and top - bottom < 1.5 * height:
            merged = {c[0]: c for c in out[-1]}
            for first, span, text in row_cells:
                if first in merged:
                    f, sp, old = merged[first]
                    merged[first] = (f, max(sp, span), join_pieces([old, text]))
                else:
                    merged[first] = (first, span, text)
            out[-1] = [merged[k] for k in sorted(merged)]
        else:
            out.append(list(row_cells))
        bottom = max(ln.box[3] for ln in row)
    return out


def _row_html(row_cells: list[Cell], ncols: int) -> str:
    parts = ["<tr>"]
    pos = 0
    for first, span, text in row_cells:
        first = max(first, pos)  # overlaps the previous cell: goes after it
        if first > pos:
            parts.append("<td></td>" * (first - pos))
        attr = f' colspan="{span}"' if span > 1 else ""
        parts.append(f"<td{attr}>{html.escape(text, quote=False)}</td>")
        pos = first + span
    if pos < ncols:
        parts.append("<td></td>" * (ncols - pos))
    parts.append("</tr>")
    return "".join(parts)


def table_html(lines: Sequence[Line], rtl: bool = False) -> str:
    """The lines of a table region as ``<table><tr><td>...`` HTML; cells of a
    right-to-left table start at the right, as HTML's logical order wants."""
    if rtl:
        lines = [_mirrored(ln) for ln in lines]
    rows = _rows(lines)
    cols = _columns(rows)
    if len(cols) < 2:
        cells = [[(i, 1, ln.text) for i, ln in enumerate(row)] for row in rows]
        return "<table>" + "".join(_row_html(c, 0) for c in cells) + "</table>"
    cells = _fold_continuations(rows, [_merge_cells(row, cols) for row in rows])
    return "<table>" + "".join(_row_html(c, len(cols)) for c in cells) + "</table>"
