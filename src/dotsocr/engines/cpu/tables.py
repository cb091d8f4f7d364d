"""Table text as a simple HTML ``<table>`` from the lines inside a table region.

Rows are clusters of vertically overlapping lines; columns come from gaps in the
x projection of the rows that have several cells, and a cell spanning several
columns gets a colspan. When the page image shows ruling lines inside the table
(a fully ruled grid), rows and columns come from the rules instead, so a cell
written on several lines stays one cell; a text line crossing a vertical rule
gets a colspan. Every word is kept, in reading order, in the HTML form the
DotsOCR format wants.
"""

from __future__ import annotations

import html
import itertools
from collections.abc import Sequence

import numpy as np

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.textlines import SPACE_GAP, Line

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


def _piece_text(glyphs: list[tuple[str, Box]], size: float) -> str:
    parts: list[str] = []
    prev: Box | None = None
    for text, box in glyphs:
        if prev is not None and box[0] - prev[2] > SPACE_GAP * size:
            parts.append(" ")
        parts.append(text)
        prev = box
    return " ".join("".join(parts).split())


def split_at_columns(line: Line, cols: list[tuple[float, float]]) -> list[Line]:
    """A text-layer line that runs over several columns (two cells PDFium joined,
    "simple complex") split at the column boundaries, when its glyphs fall cleanly
    on either side; else the line itself."""
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    if len(glyphs) < 2 or line.vertical:
        return [line]
    hit = [k for k, (a, b) in enumerate(cols) if min(b, line.box[2]) - max(a, line.box[0]) > 0]
    if len(hit) < 2:
        return [line]
    pieces: dict[int, list[tuple[str, Box]]] = {}
    for g in glyphs:
        cx = (g[1][0] + g[1][2]) / 2
        k = min(
            hit,
            key=lambda k: (
                0
                if cols[k][0] <= cx <= cols[k][1]
                else min(abs(cx - cols[k][0]), abs(cx - cols[k][1]))
            ),
        )
        pieces.setdefault(k, []).append(g)
    if len(pieces) < 2:
        return [line]
    order = sorted(pieces)
    # Glyphs of one piece must not lie between glyphs of another (clean split).
    for a, b in itertools.pairwise(order):
        if max(g[1][2] for g in pieces[a]) > min(g[1][0] for g in pieces[b]):
            return [line]
        gap = min(g[1][0] for g in pieces[b]) - max(g[1][2] for g in pieces[a])
        if gap < SPACE_GAP * line.size:
            return [line]
    out = []
    for k in order:
        gl = pieces[k]
        out.append(
            Line(
                text=_piece_text(gl, line.size),
                box=union(g[1] for g in gl),
                size=line.size,
                bold=line.bold,
                glyphs=gl,
            )
        )
    return out


def _split_row(row: list[Line], cols: list[tuple[float, float]]) -> list[Line]:
    return [piece for line in row for piece in split_at_columns(line, cols)]


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


#: A pixel darker than this (0-255, darkest channel) can belong to a ruling line.
RULE_DARK = 200
#: Share of the table's width a horizontal rule must cover; a thin dotted rule with
#: blank pixel rows around it needs only RULE_COVER_DOTTED.
RULE_COVER_H = 0.5
RULE_COVER_DOTTED = 0.25
#: Share of the table's height a vertical rule must cover.
RULE_COVER_V = 0.5


def _runs(profile: np.ndarray, offset: int) -> list[tuple[float, float]]:
    """(start, end) of each run of True in a 1-D profile, shifted by ``offset``."""
    out: list[tuple[float, float]] = []
    start = None
    for i, v in enumerate([*profile.tolist(), False]):
        if v and start is None:
            start = i
        elif not v and start is not None:
            out.append((float(offset + start), float(offset + i)))
            start = None
    return out


def _isolated(profile: np.ndarray, a: float, b: float) -> bool:
    """A thin run with (almost) blank pixel rows just above and below it: a rule,
    not a row of text."""
    lo, hi = int(a), int(b)
    if hi - lo > 4:
        return False
    above = profile[max(lo - 6, 0) : max(lo - 1, 0)]
    below = profile[hi + 1 : hi + 6]
    return bool(above.size and below.size and above.max() < 0.05 and below.max() < 0.05)


def find_rules(image: np.ndarray | None, box: Box) -> tuple[list[float], list[float]]:
    """Y positions of horizontal and x positions of vertical ruling lines inside
    ``box`` of a page image (H x W or H x W x C, uint8)."""
    if image is None:
        return [], []
    h, w = image.shape[:2]
    x1, y1 = max(int(box[0]) - 3, 0), max(int(box[1]) - 3, 0)
    x2, y2 = min(int(box[2]) + 3, w), min(int(box[3]) + 3, h)
    if x2 - x1 < 8 or y2 - y1 < 8:
        return [], []
    crop = image[y1:y2, x1:x2]
    if crop.ndim == 3:
        crop = crop.min(axis=2)
    dark = crop < RULE_DARK
    prof = dark.mean(axis=1)
    hs = [
        (a, b)
        for a, b in _runs(prof >= RULE_COVER_DOTTED, y1)
        if prof[int(a) - y1 : int(b) - y1].max() >= RULE_COVER_H or _isolated(prof, a - y1, b - y1)
    ]
    vs = _runs(dark.mean(axis=0) >= RULE_COVER_V, x1)
    # A thick run is a filled band (a shaded header row): its edges separate rows.
    thick = 0.005 * max(h, w)
    ys: list[float] = []
    for a, b in hs:
        ys.extend([(a + b) / 2] if b - a <= thick else [a, b])
    return ys, [(a + b) / 2 for a, b in vs if b - a <= thick]


def _ruled_rows(lines: Sequence[Line], ys: list[float], gridded: bool) -> list[list[Line]] | None:
    """Lines grouped by the horizontal rules between them, or None when the rules
    do not separate the table's text rows (only a header rule, booktabs style).
    In a ``gridded`` table (vertical rules too) every rule separates rows."""
    if len(ys) < 2:
        return None
    groups: dict[int, list[Line]] = {}
    for line in lines:
        cy = (line.box[1] + line.box[3]) / 2
        groups.setdefault(sum(1 for y in ys if y < cy), []).append(line)
    bands = len(_rows(lines))
    if len(groups) < 2 or (not gridded and len(groups) < 0.5 * bands):
        return None
    return [sorted(groups[k], key=lambda ln: ln.box[0]) for k in sorted(groups)]


def _ruled_columns(lines: Sequence[Line], xs: list[float]) -> list[tuple[float, float]] | None:
    if not xs:
        return None
    left = min(ln.box[0] for ln in lines)
    right = max(ln.box[2] for ln in lines)
    inner = [x for x in xs if left + 2 < x < right - 2]
    if not inner:
        return None
    edges = [min(left, inner[0]) - 1, *inner, max(right, inner[-1]) + 1]
    cols = [(a + 2, b - 2) for a, b in itertools.pairwise(edges) if b - a > 4]
    return cols if len(cols) >= 2 else None


def table_html(
    lines: Sequence[Line],
    rtl: bool = False,
    rules: tuple[list[float], list[float]] = ([], []),
) -> str:
    """The lines of a table region as ``<table><tr><td>...`` HTML; cells of a
    right-to-left table start at the right, as HTML's logical order wants.
    ``rules``: y positions of horizontal and x of vertical ruling lines."""
    ys, xs = rules
    if rtl:
        lines = [_mirrored(ln) for ln in lines]
        xs = sorted(-x for x in xs)
    ruled_cols = _ruled_columns(lines, sorted(xs))
    ruled = _ruled_rows(lines, sorted(ys), ruled_cols is not None)
    if ruled is not None:
        cols = ruled_cols or _columns(_rows(lines))
        if len(cols) >= 2:
            ruled = [_split_row(row, cols) for row in ruled]
            cells = [_merge_cells(row, cols) for row in ruled]
            return "<table>" + "".join(_row_html(c, len(cols)) for c in cells) + "</table>"
    rows = _rows(lines)
    cols = ruled_cols or _columns(rows)
    if len(cols) >= 2:
        rows = [_split_row(row, cols) for row in rows]
    if len(cols) < 2:
        cells = [[(i, 1, ln.text) for i, ln in enumerate(row)] for row in rows]
        return "<table>" + "".join(_row_html(c, 0) for c in cells) + "</table>"
    cells = _fold_continuations(rows, [_merge_cells(row, cols) for row in rows])
    return "<table>" + "".join(_row_html(c, len(cols)) for c in cells) + "</table>"
