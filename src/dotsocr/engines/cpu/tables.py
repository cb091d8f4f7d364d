"""Table text as a simple HTML ``<table>`` from the lines inside a table region.

Rows are clusters of vertically overlapping lines; columns come from gaps in the
x projection of the rows that have several cells, and a cell spanning several
columns gets a colspan. A row with an empty first column that sits at line (not
row) spacing under the row above holds that row's wrapped lines and is folded
into it. When the page image shows ruling lines inside the table (rules.py), rows
and columns come from the rules instead, so a cell written on several lines stays
one cell; a text line crossing a vertical rule gets a colspan, and a rule that
stops short of a column (or row) joins the cells on both sides into a rowspan
(colspan). Every word is kept, in reading order, in the HTML form the DotsOCR
format wants.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.rules import NO_RULES, Rules, Segment, find_rules
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.table_grid import Cell, Grid
from dotsocr.engines.cpu.textlines import SPACE_GAP, Line

__all__ = ["find_rules", "split_at_columns", "table_html"]


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


def _spaced_glyphs(line: Line) -> set[int]:
    """Indices of the line's (non-space) glyphs that its text puts a space before.
    The text layer's own spaces are narrower than any gap rule in tight scripts
    (Korean set with negative tracking), so they are read from the text; empty
    when text and glyphs do not pair up one to one (a ligature spelled out)."""
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    letters = [c for c in line.text if not c.isspace()]
    if len(letters) != len(glyphs) or any(
        len(g[0]) != 1 or g[0] != c for g, c in zip(glyphs, letters, strict=True)
    ):
        return set()
    out: set[int] = set()
    k = 0
    for i, ch in enumerate(line.text):
        if ch.isspace():
            continue
        if i > 0 and line.text[i - 1].isspace():
            out.add(k)
        k += 1
    return out


def _piece_text(glyphs: list[tuple[str, Box]], size: float, spaced: list[bool]) -> str:
    parts: list[str] = []
    prev: Box | None = None
    for (text, box), space in zip(glyphs, spaced, strict=True):
        if prev is not None and (space or box[0] - prev[2] > SPACE_GAP * size):
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
    spaced = _spaced_glyphs(line)
    hit = [k for k, (a, b) in enumerate(cols) if min(b, line.box[2]) - max(a, line.box[0]) > 0]
    if len(hit) < 2:
        return [line]
    pieces: dict[int, list[tuple[str, Box]]] = {}
    flags: dict[int, list[bool]] = {}
    for i, g in enumerate(glyphs):
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
        flags.setdefault(k, []).append(i in spaced)
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
                text=_piece_text(gl, line.size, flags[k]),
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


def _mirrored_rules(rules: Rules) -> Rules:
    """Rules of a right-to-left table in mirrored x (columns counted from the right)."""
    order = sorted(range(len(rules.xs)), key=lambda j: -rules.xs[j])
    return Rules(
        list(rules.ys),
        [-rules.xs[j] for j in order],
        [sorted((-b, -a) for a, b in spans) for spans in rules.h_spans],
        [rules.v_spans[j] for j in order],
    )


def _as_rules(rules: Rules | tuple[list[float], list[float]]) -> Rules:
    """Rules with extents; bare positions are taken as rules crossing the table."""
    if isinstance(rules, Rules):
        return rules
    ys, xs = sorted(rules[0]), sorted(rules[1])
    whole = [(-math.inf, math.inf)]
    return Rules(ys, xs, [whole] * len(ys), [whole] * len(xs))


def _row_gap(rows: list[list[Line]], cells: list[list[Cell]]) -> float | None:
    """The table's row spacing, which a wrapped line sits closer than: the median
    space above rows that start a new first-column entry (above all rows when
    fewer than two do)."""
    gaps = [
        (min(ln.box[1] for ln in row) - max(ln.box[3] for ln in prev), bool(c) and c[0][0] == 0)
        for prev, row, c in zip(rows, rows[1:], cells[1:], strict=False)
    ]
    heads = [g for g, starts in gaps if starts]
    pick = heads if len(heads) >= 2 else [g for g, _ in gaps]
    return float(statistics.median(pick)) if pick else None


def _continues(
    row: list[Line], row_cells: list[Cell], above: list[Cell], gap: float, row_gap: float | None
) -> bool:
    """Whether a row with an empty first column holds wrapped lines of the row
    ``above``: close under it (at line, not row, spacing where the table's rows are
    clearly spaced) and only in columns where that row has text."""
    height = max(ln.box[3] - ln.box[1] for ln in row)
    if not row_cells or row_cells[0][0] == 0 or not above or gap >= 1.5 * height:
        return False
    if row_gap is not None and row_gap >= 0.5 * height and gap >= row_gap - 0.25 * height:
        return False
    filled = {first for first, _, _ in above}
    return all(first in filled for first, _, _ in row_cells)


def _fold_continuations(rows: list[list[Line]], cells: list[list[Cell]]) -> list[list[Cell]]:
    """Fold each row that continues the row above into it (see ``_continues``)."""
    out: list[list[Cell]] = []
    row_gap = _row_gap(rows, cells)
    bottom = 0.0
    for row, row_cells in zip(rows, cells, strict=True):
        gap = min(ln.box[1] for ln in row) - bottom
        if out and _continues(row, row_cells, out[-1], gap, row_gap):
            merged = {c[0]: c for c in out[-1]}
            for first, span, text in row_cells:
                f, sp, old = merged[first]
                merged[first] = (f, max(sp, span), join_pieces([old, text]))
            out[-1] = [merged[k] for k in sorted(merged)]
        else:
            out.append(list(row_cells))
        bottom = max(ln.box[3] for ln in row)
    return out


def _ruled_rows(
    lines: Sequence[Line], ys: list[float], gridded: bool
) -> list[tuple[int, list[Line]]] | None:
    """Lines grouped by the horizontal rules between them, each group with its
    index among the gaps between rules (how many rules lie above it); None when the
    rules do not separate the table's text rows (only a header rule, booktabs
    style). In a ``gridded`` table (vertical rules too) every rule separates rows."""
    if len(ys) < 2:
        return None
    groups: dict[int, list[Line]] = {}
    for line in lines:
        cy = (line.box[1] + line.box[3]) / 2
        groups.setdefault(sum(1 for y in ys if y < cy), []).append(line)
    bands = len(_rows(lines))
    if len(groups) < 2 or (not gridded and len(groups) < 0.5 * bands):
        return None
    return [(k, sorted(groups[k], key=lambda ln: ln.box[0])) for k in sorted(groups)]


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


def _covers(spans: list[Segment], a: float, b: float) -> bool:
    """Whether a rule's extent covers most of the range a..b."""
    inside = sum(max(0.0, min(q, b) - max(p, a)) for p, q in spans)
    return inside >= 0.5 * (b - a)


def _drop_underlines(rules: Rules, lines: Sequence[Line]) -> Rules:
    """Leave out short horizontal rules that only underline one line of text."""

    def underline(spans: list[Segment], y: float) -> bool:
        if len(spans) != 1:
            return False
        a, b = spans[0]
        return any(
            abs(a - ln.box[0]) <= 0.5 * ln.size
            and abs(b - ln.box[2]) <= 0.5 * ln.size
            and (ln.box[1] + ln.box[3]) / 2 < y <= ln.box[3] + 0.3 * ln.size
            for ln in lines
        )

    keep = [i for i, y in enumerate(rules.ys) if not underline(rules.h_spans[i], y)]
    return rules._replace(ys=[rules.ys[i] for i in keep], h_spans=[rules.h_spans[i] for i in keep])


def _band_edges(groups: list[tuple[int, list[Line]]], ys: list[float]) -> list[tuple[float, float]]:
    """Top and bottom of each group's band: the rules around it, or its own text at
    the table's edge."""
    out = []
    for k, group in groups:
        top = ys[k - 1] if k > 0 else min(ln.box[1] for ln in group)
        bottom = ys[k] if k < len(ys) else max(ln.box[3] for ln in group)
        out.append((top, bottom))
    return out


def _spanned_grid(
    groups: list[tuple[int, list[Line]]], cols: list[tuple[float, float]], rules: Rules
) -> Grid:
    """The cells of a ruled table, joined into rowspans where the rules between two
    rows stop short of a column, and into colspans where a vertical rule stops short
    of a row."""
    cells = [_merge_cells(_split_row(group, cols), cols) for _, group in groups]
    grid = Grid(cells, len(cols))
    for i, ((k1, _), (k2, _)) in enumerate(itertools.pairwise(groups)):
        between = range(k1, k2)
        open_cols = {
            c
            for c, (a, b) in enumerate(cols)
            if not any(_covers(rules.h_spans[j], a, b) for j in between)
        }
        for c in sorted(open_cols):
            grid.merge_down(i, c, open_cols)
    bands = _band_edges(groups, rules.ys)
    for c, ((_, right), (left, _)) in enumerate(itertools.pairwise(cols)):
        here = [j for j, x in enumerate(rules.xs) if right <= x <= left]
        if not here:
            continue
        open_rows = {
            i
            for i, (top, bottom) in enumerate(bands)
            if not any(_covers(rules.v_spans[j], top, bottom) for j in here)
        }
        for i in sorted(open_rows):
            grid.merge_right(i, c, open_rows)
    return grid


def table_html(
    lines: Sequence[Line],
    rtl: bool = False,
    rules: Rules | tuple[list[float], list[float]] = NO_RULES,
) -> str:
    """The lines of a table region as ``<table><tr><td>...`` HTML; cells of a
    right-to-left table start at the right, as HTML's logical order wants.
    ``rules``: the table's ruling lines (or bare y and x positions of rules that
    cross it)."""
    if not lines:
        return "<table></table>"
    rules = _as_rules(rules)
    if rtl:
        lines = [_mirrored(ln) for ln in lines]
        rules = _mirrored_rules(rules)
    rules = _drop_underlines(rules, lines)
    ruled_cols = _ruled_columns(lines, rules.xs)
    groups = _ruled_rows(lines, rules.ys, ruled_cols is not None)
    if groups is not None:
        cols = ruled_cols or _columns(_rows(lines))
        if len(cols) >= 2:
            return _spanned_grid(groups, cols, rules).html()
    rows = _rows(lines)
    cols = ruled_cols or _columns(rows)
    if len(cols) < 2:
        cells = [[(i, 1, ln.text) for i, ln in enumerate(row)] for row in rows]
        return Grid(cells, max(len(row) for row in rows)).html()
    rows = [_split_row(row, cols) for row in rows]
    cells = _fold_continuations(rows, [_merge_cells(row, cols) for row in rows])
    return Grid(cells, len(cols)).html()
