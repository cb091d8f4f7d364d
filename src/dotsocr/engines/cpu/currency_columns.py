"""Currency signs set in a column of their own, as financial statements print them.

A statement sets "$" flush left in a narrow column and the amount flush right in
the next, and centres the year heading over both. To a column finder that is two
columns of data and a third for the heading; PDFium even joins an amount with the
sign of the next column ("31,999 $"). The sign belongs to its amount: lines are cut
at a sign standing apart, and a column holding nothing but signs is joined with the
columns up to the amounts on its right, so the heading lines up with them too.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

from dotsocr.engines.cpu.cell_text import is_currency_sign, is_number
from dotsocr.engines.cpu.line_pieces import line_pieces
from dotsocr.engines.cpu.textlines import Line

#: A sign stands apart from the glyphs beside it by at least this many line sizes.
SIGN_GAP = 0.6
#: How many columns to the right of a sign column its amounts may be.
SIGN_REACH = 3

Column = tuple[float, float]


def split_signs(line: Line) -> list[Line]:
    """``line`` cut before and after each currency sign standing apart from its
    neighbours; the line itself when it has none (or its text and glyphs do not
    pair up one to one)."""
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    words = line.text.split()
    if line.vertical or len(glyphs) < 2 or sum(len(w) for w in words) != len(glyphs):
        return [line]
    if not any(is_currency_sign(w) for w in words) or len(words) < 2:
        return [line]
    gap = SIGN_GAP * line.size
    pieces: list[list[str]] = [[]]
    bounds: list[list[int]] = [[]]
    k = 0
    for word in words:
        first, last = k, k + len(word) - 1
        k += len(word)
        before = first == 0 or glyphs[first][1][0] - glyphs[first - 1][1][2] > gap
        after = last == len(glyphs) - 1 or glyphs[last + 1][1][0] - glyphs[last][1][2] > gap
        alone = is_currency_sign(word) and before and after
        if alone and pieces[-1]:
            pieces.append([])
            bounds.append([])
        pieces[-1].append(word)
        bounds[-1].extend(range(first, last + 1))
        if alone:
            pieces.append([])
            bounds.append([])
    parts = [(p, b) for p, b in zip(pieces, bounds, strict=True) if p]
    if len(parts) < 2:
        return [line]
    return line_pieces(line, glyphs, parts)


def _lines_in(rows: Sequence[Sequence[Line]], col: Column) -> list[Line]:
    """The lines lying within ``col`` (not a heading spanning it and others)."""
    return [ln for row in rows for ln in row if col[0] <= ln.box[0] and ln.box[2] <= col[1]]


def _column_of(line: Line, cols: list[Column]) -> int | None:
    mid = (line.box[0] + line.box[2]) / 2
    return next((j for j, (a, b) in enumerate(cols) if a <= mid <= b), None)


def _amounts_column(k: int, cols: list[Column], rows: Sequence[Sequence[Line]]) -> int | None:
    """The column of the amounts that follow the signs of column ``k`` in their
    rows (the next line to the right of each sign, when it is a number), if they
    all lie in one column within reach."""
    found = set()
    for row in rows:
        ordered = sorted(row, key=lambda ln: ln.box[0])
        for a, b in itertools.pairwise(ordered):
            if _column_of(a, cols) == k and is_currency_sign(a.text) and is_number(b.text):
                found.add(_column_of(b, cols))
    if len(found) != 1:
        return None
    j = found.pop()
    return j if j is not None and k < j <= k + SIGN_REACH else None


def join_sign_columns(cols: list[Column], rows: Sequence[Sequence[Line]]) -> list[Column]:
    """``cols`` with each column of bare currency signs joined to the columns on
    its right up to the one holding their amounts."""
    out: list[Column] = []
    k = 0
    while k < len(cols):
        here = _lines_in(rows, cols[k])
        signs = bool(here) and all(is_currency_sign(ln.text) for ln in here)
        amounts = _amounts_column(k, cols, rows) if signs else None
        if amounts is not None:
            out.append((cols[k][0], cols[amounts][1]))
            k = amounts + 1
        else:
            out.append(cols[k])
            k += 1
    return out
