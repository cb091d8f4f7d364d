"""Tables the layout model missed, found among the page's loose lines.

A grid without rules, or one the layout model took for part of a picture, reaches
assembly as loose lines, and each cell would become a paragraph of its own. A run
of rows that split at clear gaps into the same columns, with short cells, is a
table. Two-column body text (long lines), a list (a marker column and one text
column), a table of contents (dot leaders) and running heads (the page margins)
are not.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import union
from dotsocr.engines.cpu.rows import centre, text_rows_across
from dotsocr.engines.cpu.tables import find_rules, table_html
from dotsocr.engines.cpu.textlines import Line

#: Rows with several cells a table needs.
MIN_ROWS = 3
#: Cells of a row lie at least MIN_GAP ems apart.
MIN_GAP = 1.0
#: A line at least this many ems wide is body text: a gap with body text on both
#: sides and no line across it anywhere on the page is a gutter between page columns.
BODY_WIDTH = 15.0
#: Least distance (ems) from one row's middle to the next row's.
MIN_PITCH = 0.6
#: Most space (ems) between two rows of one table.
MAX_ROW_GAP = 2.5
#: Longest cell, and longest median cell of a column (characters): a table's cells
#: are short.
MAX_CELL_CHARS = 60
MAX_MEDIAN_CHARS = 25
#: A line this many times taller than the page's median line is display type.
DISPLAY = 2.0
#: Share of the page height at the top and bottom that holds running heads.
MARGIN = 0.06

_MARKER = re.compile(
    r"^(?:[\u2022\u25cf\u25cb\u25e6\u25aa\u25a0\u25a1\u2023\u2043\u2219\u00b7*\-\u2013\u2014"
    r"\uf0b7\uf0a7]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|\(?[ivxIVX]{1,4}[.)])$"
)
_LEADER = re.compile(r"\.{4,}|\u2026{2,}|(?:\. ){3,}|_{4,}")

Interval = tuple[float, float]


@dataclass
class _Run:
    """Rows of a table being found: its columns and the rows with several cells."""

    pieces: list[list[Line]]
    cols: list[Interval]
    size: float
    multi: list[list[Line]] = field(default_factory=list)

    @property
    def bottom(self) -> float:
        return max(ln.box[3] for ln in self.pieces[-1])

    @property
    def extent(self) -> Interval:
        return min(c[0] for c in self.cols), max(c[1] for c in self.cols)


def _hits(cols: list[Interval], line: Line) -> list[int]:
    return [k for k, (a, b) in enumerate(cols) if min(b, line.box[2]) - max(a, line.box[0]) > 0]


def _gutters(lines: Sequence[Line]) -> list[Interval]:
    """x ranges no line crosses, with body text on both sides: the gutters
    between the page's columns (between pages of a spread)."""
    size = statistics.median(ln.size for ln in lines)
    spans = sorted((ln.box[0], ln.box[2]) for ln in lines)
    free: list[Interval] = []
    reach = spans[0][1]
    for a, b in spans[1:]:
        if a - reach >= MIN_GAP * size:
            free.append((reach, a))
        reach = max(reach, b)
    wide = [ln.box for ln in lines if ln.width >= BODY_WIDTH * ln.size]
    return [
        (g1, g2)
        for g1, g2 in free
        if any(box[2] <= g1 for box in wide) and any(box[0] >= g2 for box in wide)
    ]


def _pieces(row: list[Line], gutters: list[Interval]) -> list[list[Line]]:
    """A page row cut at the page's gutters; each line is one cell."""
    out: list[list[Line]] = [[row[0]]]
    for line in row[1:]:
        left = out[-1][-1].box[2]
        if any(left <= g1 and g2 <= line.box[0] for g1, g2 in gutters):
            out.append([line])
        else:
            out[-1].append(line)
    return out


def _row_pieces(
    lines: Sequence[Line], page: Sequence[Line], height: float | None
) -> list[list[Line]]:
    """Candidate table rows top to bottom: horizontal lines outside the page
    margins, cut at the gutters between the ``page`` lines' columns. Display type
    (a letter several rows tall, set down the margin) stands in no row: its box
    would join the rows beside it into one."""
    tall = DISPLAY * statistics.median(ln.height for ln in page) if page else 0.0

    def inside(ln: Line) -> bool:
        return (
            not ln.vertical
            and ln.height <= tall
            and (height is None or MARGIN * height < centre(ln) < (1 - MARGIN) * height)
        )

    keep = [ln for ln in lines if inside(ln)]
    body = [ln for ln in page if inside(ln)]
    if not keep or not body:
        return []
    gutters = _gutters(body)
    pieces = [p for row in text_rows_across(keep) for p in _pieces(row, gutters)]
    return sorted(pieces, key=lambda p: min(ln.box[1] for ln in p))


def _cells_apart(piece: list[Line], size: float) -> bool:
    return all(b.box[0] - a.box[2] >= MIN_GAP * size for a, b in itertools.pairwise(piece))


def _joined_cols(cols: list[Interval], piece: list[Line]) -> list[Interval] | None:
    """The columns with a row's cells added, or None when a cell would bridge two
    columns or two cells would share one."""
    out = list(cols)
    taken: set[int] = set()
    for line in piece:
        hit = _hits(cols, line)
        if len(hit) > 1 or (hit and hit[0] in taken):
            return None
        if hit:
            taken.add(hit[0])
            a, b = out[hit[0]]
            out[hit[0]] = (min(a, line.box[0]), max(b, line.box[2]))
        else:
            out.append((line.box[0], line.box[2]))
    out.sort()
    if any(b[0] <= a[1] for a, b in itertools.pairwise(out)):
        return None
    return out


def _take(run: _Run, piece: list[Line]) -> bool:
    """Add ``piece`` to the run's columns when it is the run's next row (several
    cells in its columns) or a wrapped line inside one of its columns."""
    top = min(ln.box[1] for ln in piece)
    if top - run.bottom > MAX_ROW_GAP * run.size:
        return False
    # The next row lies below the last: OCR boxes of single-spaced rows overlap.
    if _row_centre(piece) - _row_centre(run.pieces[-1]) < MIN_PITCH * run.size:
        return False
    if any(_LEADER.search(ln.text) for ln in piece):
        return False
    if len(piece) == 1:
        line = piece[0]
        hit = _hits(run.cols, line)
        if len(hit) != 1:
            return False
        a, b = run.cols[hit[0]]
        return line.box[0] >= a - run.size and line.box[2] <= b + run.size
    if not _cells_apart(piece, run.size):
        return False
    cols = _joined_cols(run.cols, piece)
    if cols is None:
        return False
    run.cols = cols
    run.multi.append(piece)
    return True


def _row_centre(piece: list[Line]) -> float:
    return statistics.median(centre(ln) for ln in piece)


def _start(piece: list[Line]) -> _Run | None:
    size = float(statistics.median(ln.size for ln in piece))
    if len(piece) < 2 or not _cells_apart(piece, size):
        return None
    if any(_LEADER.search(ln.text) for ln in piece):
        return None
    cols = [(ln.box[0], ln.box[2]) for ln in piece]
    return _Run([piece], cols, size, [piece])


def _overlaps(run: _Run, piece: list[Line]) -> bool:
    a, b = run.extent
    return min(b, max(ln.box[2] for ln in piece)) - max(a, min(ln.box[0] for ln in piece)) > 0


def _runs(pieces: list[list[Line]]) -> list[_Run]:
    """Grow runs of rows top to bottom; a piece under a run that does not fit it
    ends that run."""
    open_runs: list[_Run] = []
    done: list[_Run] = []
    for piece in pieces:
        placed = False
        for run in [r for r in open_runs if _overlaps(r, piece)]:
            if not placed and _take(run, piece):
                run.pieces.append(piece)
                placed = True
            else:
                open_runs.remove(run)
                done.append(run)
        if not placed:
            run = _start(piece)
            if run is not None:
                open_runs.append(run)
    return done + open_runs


def _trimmed(run: _Run) -> list[list[Line]]:
    """The run's rows without the wrapped-looking single lines after its last row
    with several cells (those are the text under the table)."""
    last = max(i for i, p in enumerate(run.pieces) if len(p) > 1)
    return run.pieces[: last + 1]


def _marker_column(run: _Run, rtl: bool) -> bool:
    """Whether the first column (in reading order) holds only list markers, or
    counts 1, 2, 3 (item or line numbers)."""
    k = len(run.cols) - 1 if rtl else 0
    texts = [ln.text.strip() for p in run.multi for ln in p if _hits(run.cols, ln) == [k]]
    if not texts:
        return False
    if all(t.isdecimal() for t in texts):
        return all(int(b) == int(a) + 1 for a, b in itertools.pairwise(texts))
    return all(_MARKER.match(t) for t in texts)


def _short_cells(run: _Run) -> bool:
    cols: list[list[int]] = [[] for _ in run.cols]
    for ln in (ln for p in run.multi for ln in p):
        if len(ln.text) > MAX_CELL_CHARS:
            return False
        cols[_hits(run.cols, ln)[0]].append(len(ln.text))
    return all(statistics.median(c) <= MAX_MEDIAN_CHARS for c in cols if c)


def _is_table(run: _Run, rtl: bool) -> bool:
    """Enough rows, two real columns (a marker column does not count) each filled in
    half the rows, clear gaps between columns, short cells."""
    if len(run.multi) < MIN_ROWS:
        return False
    fill = [
        sum(1 for p in run.multi if any(k in _hits(run.cols, ln) for ln in p))
        for k in range(len(run.cols))
    ]
    columns = sum(1 for n in fill if 2 * n >= len(run.multi)) - _marker_column(run, rtl)
    if columns < 2:
        return False
    if any(b[0] - a[1] < MIN_GAP * run.size for a, b in itertools.pairwise(run.cols)):
        return False
    return _short_cells(run)


def loose_tables(
    lines: Sequence[Line],
    rtl: bool = False,
    image: np.ndarray | None = None,
    page: Sequence[Line] | None = None,
) -> tuple[list[Block], list[Line]]:
    """Table blocks found among the page's loose ``lines``, and the lines left over.
    ``image`` (the page, H x W x C) gives the page height and any ruling lines;
    ``page`` (all the page's lines; the loose ones by default) its column gutters."""
    height = float(image.shape[0]) if image is not None else None
    blocks: list[Block] = []
    used: set[int] = set()
    for run in _runs(_row_pieces(lines, page if page is not None else lines, height)):
        if not _is_table(run, rtl):
            continue
        table = [ln for p in _trimmed(run) for ln in p]
        box = union(ln.box for ln in table)
        blocks.append(Block("Table", box, table, table_html(table, rtl, find_rules(image, box))))
        used.update(id(ln) for ln in table)
    return blocks, [ln for ln in lines if id(ln) not in used]
