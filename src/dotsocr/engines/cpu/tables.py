"""Table text as a simple HTML ``<table>`` from the lines inside a table region.

Rows are lines whose middles lie together (:mod:`rows`: neither padded OCR boxes
nor a box much taller than the table's lines, OCR's merged column of numbers, run
the rows together); columns come from gaps in the x projection of the rows that
have several cells, a column bridged by a single cell (a header centred over two
columns) is split there, and a cell spanning several columns gets a colspan. A text
row continues the row above only with its words in columns that row fills: with an
empty first column at line (not row) spacing, or with the other columns empty on
that line and a first word that would not have fitted on the cell's line above (a
wrapped label).

When the page image shows ruling lines inside the table (rules.py), columns come
from the vertical rules, each split further where the text between two rules
shows columns of its own, and the horizontal rules set off bands of rows. When the
rules separate the table's rows (most bands hold one row), each band is one row and
its lines are wrapped cells. When they only set off groups (a dense grid ruled
under its header, every five rows, above a total), a band holds a row for each text
row that starts new cells in two columns, or in the first; a line under a header
that spans several columns starts a row of sub-headers either way. A text line
crossing a vertical rule gets a colspan, and a rule that stops short of a column (or
row) joins the cells on both sides into a rowspan (colspan). Every word is kept, in
reading order, in the HTML form the DotsOCR format wants.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.cell_text import is_number
from dotsocr.engines.cpu.currency_columns import join_sign_columns, split_signs
from dotsocr.engines.cpu.leaders import drop_leaders
from dotsocr.engines.cpu.rows import text_rows_across
from dotsocr.engines.cpu.rules import NO_RULES, Rules, Segment, find_rules
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.table_grid import Cell, Grid
from dotsocr.engines.cpu.textlines import SPACE_GAP, Line

__all__ = ["find_rules", "split_at_columns", "table_html"]


def _spans_several(line: Line, row: list[Line]) -> bool:
    """Whether ``line`` lies over two or more cells side by side in another row (a
    header over several columns); cells stacked in one column do not count."""
    hits = sorted(
        (o.box[0], o.box[2]) for o in row if o.box[0] < line.box[2] and line.box[0] < o.box[2]
    )
    return any(b[0] >= a[1] for a, b in itertools.pairwise(hits))


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
    return [part for col in cols for part in _split_at_bridges(col, spans)]


def _text_columns(rows: list[list[Line]]) -> list[tuple[float, float]]:
    """Columns of a table without vertical rules: where its cells lie, with a
    column of bare currency signs joined to its amounts."""
    return join_sign_columns(_columns(rows), rows)


def _split_at_bridges(
    col: tuple[float, float], spans: list[tuple[float, float]]
) -> list[tuple[float, float]]:
    """A column merged from cells, split where only one cell bridges it (a header
    centred over two columns, overlapping both) while at least two cells keep
    apart on either side."""
    inside = [s for s in spans if col[0] <= s[0] and s[1] <= col[1]]
    edges = sorted({x for s in inside for x in s})
    out: list[tuple[float, float]] = []
    start = col[0]
    for a, b in itertools.pairwise(edges):
        if a < start or sum(1 for x1, x2 in inside if x1 <= a and b <= x2) > 1:
            continue
        left = [s for s in inside if start <= s[0] and s[1] <= a]
        right = [s for s in inside if s[0] >= b]
        if len(left) >= 2 and len(right) >= 2:
            out.append((start, max(s[1] for s in left)))
            start = min(s[0] for s in right)
    out.append((start, col[1]))
    return out


def _col_hits(line: Line, cols: list[tuple[float, float]]) -> list[int]:
    """The columns a line lies over; the nearest one when it falls in a gap."""
    x1, x2 = line.box[0], line.box[2]
    hit = [k for k, (a, b) in enumerate(cols) if a < x2 and x1 < b]
    if not hit:
        cx = (line.box[0] + line.box[2]) / 2
        hit = [min(range(len(cols)), key=lambda k: abs((cols[k][0] + cols[k][1]) / 2 - cx))]
    return hit


def _merge_cells(row: list[Line], cols: list[tuple[float, float]]) -> list[Cell]:
    """(first column, span, text) of each cell in one row."""
    found: dict[int, tuple[int, list[Line]]] = {}
    for line in row:
        hit = _col_hits(line, cols)
        first, last = hit[0], hit[-1]
        if first in found:
            span, group = found[first]
            found[first] = (max(span, last - first + 1), [*group, line])
        else:
            found[first] = (last - first + 1, [line])
    out = []
    for first in sorted(found):
        span, group = found[first]
        out.append((first, span, join_pieces([ln.text for ln in _reading_order(group)])))
    return out


def _reading_order(lines: list[Line]) -> list[Line]:
    """The lines of one cell in reading order: text rows top to bottom, each left
    to right."""
    return [ln for row in text_rows_across(lines) for ln in row] if len(lines) > 1 else lines


def spaced_glyphs(line: Line) -> set[int]:
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


#: Two cells joined into one line lie this many line sizes apart, or at least
#: this many of the line's narrowest word spaces; a heading spanning two columns
#: has only word spaces between its words.
CELL_GAP = 0.8
CELL_OVER_WORD_GAP = 1.8


def _word_gap(glyphs: list[tuple[str, Box]], size: float) -> float:
    """The narrowest space between words of a line (0 with fewer than three
    words, where it cannot be told from a gap between two cells)."""
    gaps = [
        b[1][0] - a[1][2]
        for a, b in itertools.pairwise(glyphs)
        if b[1][0] - a[1][2] > SPACE_GAP * size
    ]
    return min(gaps) if len(gaps) >= 2 else 0.0


def split_at_columns(
    line: Line, cols: list[tuple[float, float]], alone: bool = False
) -> list[Line]:
    """A text-layer line that runs over several columns (two cells PDFium joined,
    "simple complex") split at the column boundaries, when its glyphs fall cleanly
    on either side; else the line itself."""
    x1, x2 = line.box[0], line.box[2]
    hit = [k for k, (a, b) in enumerate(cols) if a < x2 and x1 < b]
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    if len(hit) < 2 or len(glyphs) < 2 or line.vertical:
        return [line]
    spaced = spaced_glyphs(line)
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
    word_gap = _word_gap(glyphs, line.size)
    # Glyphs of one piece must not lie between glyphs of another (clean split);
    # a line ``alone`` in its row (a heading spanning columns, or two cells run
    # together) is split only where it has more than a word space.
    for a, b in itertools.pairwise(order):
        if max(g[1][2] for g in pieces[a]) > min(g[1][0] for g in pieces[b]):
            return [line]
        gap = min(g[1][0] for g in pieces[b]) - max(g[1][2] for g in pieces[a])
        cell_gap = min(CELL_OVER_WORD_GAP * word_gap, CELL_GAP * line.size) if alone else 0.0
        if gap < max(SPACE_GAP * line.size, cell_gap):
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
    return [piece for line in row for piece in split_at_columns(line, cols, len(row) == 1)]


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


def _row_gap(rows: list[_TextRow]) -> float | None:
    """The table's row spacing, which a wrapped line sits closer than: the median
    space above rows that start a new first-column entry (above all rows when
    fewer than two do)."""
    gaps = [
        (min(ln.box[1] for ln in row.lines) - max(ln.box[3] for ln in prev.lines), 0 in row.pieces)
        for prev, row in itertools.pairwise(rows)
    ]
    heads = [g for g, starts in gaps if starts]
    pick = heads if len(heads) >= 2 else [g for g, _ in gaps]
    return float(statistics.median(pick)) if pick else None


#: The room a column's text has: from the text (or rule) of the column on its left
#: to that of the column on its right (the most), and its widest line (the least).
_Room = tuple[float, float, float]


def _rooms(cols: list[tuple[float, float]], rows: list[list[Line]]) -> list[_Room]:
    """The room of each column (the table's edges outside the first and last)."""
    lines = [ln for row in rows for ln in row]
    left = min(min(ln.box[0] for ln in lines), cols[0][0])
    right = max(max(ln.box[2] for ln in lines), cols[-1][1])
    widest = [0.0] * len(cols)
    for ln in lines:
        hit = _col_hits(ln, cols)
        if len(hit) == 1:
            widest[hit[0]] = max(widest[hit[0]], ln.box[2] - ln.box[0])
    return [
        (
            cols[k - 1][1] if k > 0 else left,
            cols[k + 1][0] if k + 1 < len(cols) else right,
            widest[k],
        )
        for k in range(len(cols))
    ]


def _first_word_width(line: Line) -> float:
    words = line.text.split()
    if not words:
        return 0.0
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    if len(glyphs) == sum(len(w) for w in words):
        first = glyphs[: len(words[0])]
        return first[-1][1][2] - first[0][1][0]
    return line.width * len(words[0]) / max(len(line.text.strip()), 1)


#: The text of one column in one text row: left, right, size, last column it
#: lies over, words, whether it is a number.
_Tail = tuple[float, float, float, int, int, bool]


@dataclass
class _TextRow:
    """One row of text lines in a table, read against its columns."""

    lines: list[Line]
    #: the lines by the first column each lies over, left to right
    pieces: dict[int, list[Line]]
    #: the extent of the text in each of those columns (all the pieces PDFium cut
    #: a justified line of a cell into)
    tails: dict[int, _Tail]

    @classmethod
    def of(cls, row: list[Line], cols: list[tuple[float, float]]) -> _TextRow:
        pieces: dict[int, list[Line]] = {}
        last: dict[int, int] = {}
        for ln in sorted(row, key=_left):
            hit = _col_hits(ln, cols)
            pieces.setdefault(hit[0], []).append(ln)
            last[hit[0]] = max(last.get(hit[0], 0), hit[-1])
        tails = {
            c: (
                g[0].box[0],
                max(ln.box[2] for ln in g),
                g[0].size,
                last[c],
                sum(len(ln.text.split()) for ln in g),
                all(is_number(ln.text) for ln in g),
            )
            for c, g in pieces.items()
        }
        return cls(row, pieces, tails)


def _wrapped(tail: _Tail, line: Line, rooms: list[_Room], col: int, numbers: bool = False) -> bool:
    """Whether ``line`` (the leftmost piece of its text row in column ``col``) reads
    as the rest of the cell whose last line is ``tail``: it does not start left of
    that line (a new entry after a hanging indent), and its first word would not
    have fitted on that line: not within the most room of the columns that line
    lies over, or, going on in lower case under a line of several words (a run of
    text, not one short item of a list), not within the column's widest line.
    With ``numbers``, a number under a number is never wrapped (numbers do not
    wrap; where the rules set off groups of rows, two stacked numbers can instead
    be one cell, so there :func:`_band_rows` decides)."""
    left, right, size, last, words, number = tail
    if line.box[0] < left - 0.5 * size or (numbers and number and is_number(line.text)):
        return False
    need = right - left + SPACE_GAP * size + _first_word_width(line)
    if need > rooms[max(last, col)][1] - rooms[col][0] - 0.5 * size:
        return True
    first = line.text.lstrip()[:1]
    lower = not (first.isupper() or first.isdigit())
    return last == col and words >= 2 and lower and need > rooms[col][2]


def _continues(
    row: _TextRow,
    tails: dict[int, _Tail],
    rooms: list[_Room],
    gap: float,
    row_gap: float | None,
) -> bool:
    """Whether the text row ``row`` holds wrapped lines of the table row above,
    whose lowest text in each column is ``tails``. Only in columns where that row
    has text, close under it, and either with an empty first column at line (not
    row) spacing, or where the other columns are empty on this line and each of its
    pieces starts with a word that did not fit on the cell's line above."""
    height = max(ln.box[3] - ln.box[1] for ln in row.lines)
    if gap >= 1.5 * height or not set(row.pieces) <= set(tails):
        return False
    if 0 not in row.pieces and not (
        row_gap is not None and row_gap >= 0.5 * height and gap >= row_gap - 0.25 * height
    ):
        return True
    if len(row.pieces) >= len(tails):
        return False
    return all(
        _wrapped(tails[c], group[0], rooms, c, numbers=True) for c, group in row.pieces.items()
    )


def _fold_continuations(rows: list[list[Line]], cols: list[tuple[float, float]]) -> list[list[int]]:
    """The text rows (indices into ``rows``) of each table row: a text row that
    continues the row above (see ``_continues``) is folded into it."""
    out: list[list[int]] = []
    if not rows:
        return out
    rooms = _rooms(cols, rows)
    text_rows = [_TextRow.of(row, cols) for row in rows]
    row_gap = _row_gap(text_rows)
    tails: dict[int, _Tail] = {}
    bottom = 0.0
    for i, row in enumerate(text_rows):
        gap = min(ln.box[1] for ln in row.lines) - bottom
        if out and _continues(row, tails, rooms, gap, row_gap):
            out[-1].append(i)
            tails.update(row.tails)
        else:
            out.append([i])
            tails = dict(row.tails)
        bottom = max(ln.box[3] for ln in row.lines)
    return out


#: How a band between rules is split into rows: only under a spanning line, also
#: where two columns start new cells, also where the first column does.
SPANS, STARTS, LABELS = 0, 1, 2


def _band_rows(rows: list[_TextRow], rooms: list[_Room], split: int) -> list[int]:
    """The text rows of one band between rules that start table rows. A text row
    starts a new row where it has pieces in two columns under one line of the row
    that spans them (a header over its sub-columns); with ``split`` >= STARTS where
    it starts a new cell (a line that is not the rest of a full line above it) in
    two columns that already hold text in the row; with LABELS where it does so in
    the first column. A number under a number starts a row with LABELS, or
    whatever ``split`` when every text row of the band fills the same columns (a
    cell centred over two lines of the others, as a row span is set, marks lines
    of one row). Whatever the rules, a new label under a line holding only a label
    (a heading row inside the table, "Items that will not be reclassified")
    starts a row too. Its other
    lines are wrapped lines, or cells of columns still empty in the row (a label
    set in the middle of a tall row)."""
    out = [0]
    tails = dict(rows[0].tails)
    used = {c for row in rows for c in row.pieces}
    full = len(rows) > 1 and all(set(row.pieces) == used for row in rows)
    for i, row in enumerate(rows[1:], 1):
        under_span = False
        for first, tail in tails.items():
            under = [c for c in row.pieces if first <= c <= tail[3]]
            if tail[3] > first and len(under) >= 2:
                under_span |= not _wrapped(tail, row.pieces[under[0]][0], rooms, under[0])
        starts = [
            c
            for c, group in row.pieces.items()
            if c in tails and not _wrapped(tails[c], group[0], rooms, c)
        ]
        numbers = [c for c in row.pieces if c in tails and tails[c][5] and row.tails[c][5]]
        after_label = 0 in starts and set(rows[i - 1].pieces) == {0}
        if (
            under_span
            or after_label
            or (split >= STARTS and len(starts) >= 2)
            or (split >= LABELS and 0 in starts)
            or ((split >= LABELS or full) and numbers)
        ):
            out.append(i)
            tails = dict(row.tails)
        else:
            tails.update(row.tails)
    return out


def _text_rows_in_bands(
    groups: list[tuple[int, list[Line]]], cols: list[tuple[float, float]]
) -> list[tuple[int, list[Line]]]:
    """The rows of a ruled table. When its rules separate its rows, each band
    between rules is one row (split only under a spanning header whose rule the
    page does not show) and its lines are wrapped cells, even a label the author
    broke over two lines. Else the rules only set off groups of rows (under the
    header, every five rows, above a total) and a band holds the rows its text
    shows (``_band_rows``). The rules do not separate the rows when half the rows
    or more share their band with others, starting new cells in two columns at
    once."""
    bands = [
        (k, [_TextRow.of(_split_row(row, cols), cols) for row in text_rows_across(group)])
        for k, group in groups
    ]
    rooms = _rooms(cols, [row.lines for _, rows in bands for row in rows])
    found = [len(_band_rows(rows, rooms, STARTS)) for _, rows in bands]
    split = SPANS if sum(n == 1 for n in found) > 0.5 * sum(found) else LABELS
    out: list[tuple[int, list[Line]]] = []
    for k, rows in bands:
        starts = _band_rows(rows, rooms, split)
        for a, b in itertools.pairwise([*starts, len(rows)]):
            out.append((k, sorted((ln for row in rows[a:b] for ln in row.lines), key=_left)))
    return out


def _left(line: Line) -> float:
    return line.box[0]


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
    bands = len(text_rows_across(lines))
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


def _sub_columns(
    ruled: list[tuple[float, float]], lines: Sequence[Line]
) -> list[tuple[float, float]]:
    """The ruled columns, each split into the text columns it holds where most of
    its rows show them (a table ruled only after its label column)."""
    pieces = [p for ln in lines for p in split_at_columns(ln, ruled)]
    out: list[tuple[float, float]] = []
    for a, b in ruled:
        inside = [ln for ln in pieces if a <= (ln.box[0] + ln.box[2]) / 2 <= b]
        rows = text_rows_across(inside)
        multi = sum(1 for r in rows if len(r) > 1)
        sub = _columns(rows) if multi >= 2 and 2 * multi >= len(rows) else []
        # A column is text aligned over several rows, not one word set apart.
        sub = [c for c in sub if sum(any(_centred_in(ln, c) for ln in r) for r in rows) >= 2]
        if len(sub) < 2:
            out.append((a, b))
            continue
        out.append((a, sub[0][1]))
        out.extend(sub[1:-1])
        out.append((sub[-1][0], b))
    return out


def _centred_in(line: Line, col: tuple[float, float]) -> bool:
    return col[0] <= (line.box[0] + line.box[2]) / 2 <= col[1]


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
    the table's edge; between two rows of one band, halfway between their text."""
    out = []
    for i, (k, group) in enumerate(groups):
        top = ys[k - 1] if k > 0 else min(ln.box[1] for ln in group)
        bottom = ys[k] if k < len(ys) else max(ln.box[3] for ln in group)
        if i > 0 and groups[i - 1][0] == k:
            above = max(ln.box[3] for ln in groups[i - 1][1])
            top = (above + min(ln.box[1] for ln in group)) / 2
        if i + 1 < len(groups) and groups[i + 1][0] == k:
            below = min(ln.box[1] for ln in groups[i + 1][1])
            bottom = (max(ln.box[3] for ln in group) + below) / 2
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
        if k1 == k2:
            continue  # rows of one band, apart by their text
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
    lines = [sign for ln in lines for piece in drop_leaders(ln) for sign in split_signs(piece)]
    if not lines:
        return "<table></table>"
    ruled_cols = _ruled_columns(lines, rules.xs)
    groups = _ruled_rows(lines, rules.ys, ruled_cols is not None)
    if ruled_cols is not None:
        ruled_cols = _sub_columns(ruled_cols, lines)
    if groups is not None:
        cols = ruled_cols or _text_columns(text_rows_across(lines))
        if len(cols) >= 2:
            return _spanned_grid(_text_rows_in_bands(groups, cols), cols, rules).html()
    rows = text_rows_across(lines)
    cols = ruled_cols or _text_columns(rows)
    if len(cols) < 2:
        cells = [[(i, 1, ln.text) for i, ln in enumerate(row)] for row in rows]
        return Grid(cells, max(len(row) for row in rows)).html()
    rows = [_split_row(row, cols) for row in rows]
    folded = [[ln for i in idx for ln in rows[i]] for idx in _fold_continuations(rows, cols)]
    return Grid([_merge_cells(row, cols) for row in folded], len(cols)).html()
