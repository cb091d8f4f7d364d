"""Vertical lines that text detection ran together, told apart by their ink.

On a dense vertical page (the official gazette: 8 pt type, columns a third of an em
apart) detection at its working size often draws one box around two neighbouring
columns, or around one column and part of the next. Read as one line, such a box is
nonsense. Across a box that holds two columns the ink falls into two bands of about
one em each with blank pixels between them, so the box is cut there; a sliver of
the next column that the box's edge clips is trimmed off. A narrow band inside the
box (ruby beside its base) stays with the nearest column.
"""

from __future__ import annotations

import itertools

import numpy as np

from dotsocr.engines.cpu.vertical_ocr import STRAY_INK, ink_mask, true_runs

#: A band of ink narrower than this share of the page's column width is ruby or a
#: stray mark, not a column of its own.
_COLUMN_SHARE = 0.6
#: Blank pixel columns needed between two columns, as a share of the column width.
_GAP_SHARE = 0.1


def ink_bands(crop: np.ndarray) -> list[tuple[int, int]]:
    """Runs of pixel columns with ink in a crop, left to right, as [start, end).

    A pixel column with a few dots of ink in a tall crop counts as blank: the
    rules of a table cross the gap between two columns.
    """
    counts = ink_mask(crop).sum(axis=0)
    return true_runs(counts > max(1.0, STRAY_INK * crop.shape[0]))


def column_spans(crop: np.ndarray, em: float) -> list[tuple[int, int]]:
    """The x spans of the columns in a tall line crop, left to right, given the
    page's column width ``em`` in pixels.

    The em comes from the page, not the crop: inside one glyph (川, 八) the strokes
    leave blank pixel columns too, so only bands about an em wide, a tenth of an em
    apart, count as columns. A narrow band at the crop's edge, apart from the
    columns, is a sliver of the neighbouring column and is left out; other narrow
    bands (ruby, a stray mark) join the nearest column. A crop without any
    column-wide band is returned whole.
    """
    width = crop.shape[1]
    joined: list[tuple[int, int]] = []
    for a, b in ink_bands(crop):
        if joined and a - joined[-1][1] < _GAP_SHARE * em:
            joined[-1] = (joined[-1][0], b)
        else:
            joined.append((a, b))
    columns = [(a, b) for a, b in joined if b - a >= _COLUMN_SHARE * em]
    if not columns:
        return [(0, width)]
    for a, b in joined:
        if b - a >= _COLUMN_SHARE * em:
            continue
        if (a <= 1 and b <= columns[0][0]) or (b >= width - 1 and a >= columns[-1][1]):
            continue  # a sliver of the next column, cut by the box's edge
        k = min(range(len(columns)), key=lambda i: max(columns[i][0] - b, a - columns[i][1]))
        columns[k] = (min(columns[k][0], a), max(columns[k][1], b))
    left = [b for a, b in joined if b <= columns[0][0]]
    right = [a for a, b in joined if a >= columns[-1][1]]
    if len(columns) == 1 and not left and not right:
        return [(0, width)]
    # Cuts go in the middle of the blanks between the columns and what is left out.
    cuts = [(max(left) + columns[0][0]) // 2 if left else 0]
    cuts += [(a[1] + b[0]) // 2 for a, b in itertools.pairwise(columns)]
    cuts.append((columns[-1][1] + min(right) + 1) // 2 if right else width)
    return list(itertools.pairwise(cuts))


def column_width(crops: list[np.ndarray]) -> float:
    """A page's column width (the em) in pixels: the median over its tall line crops
    of the widest band of ink in each. Det boxes are padded by a varying margin, so
    their width says less."""
    widths = [max((b - a for a, b in ink_bands(crop)), default=0) for crop in crops]
    widths = [w for w in widths if w > 0]
    return float(np.median(widths)) if widths else 0.0


def split_quad(quad: np.ndarray, spans: list[tuple[int, int]]) -> list[np.ndarray]:
    """A det box's bounding rectangle cut at the given x spans (crop pixels), as
    quads right to left: the reading order of vertical columns."""
    x0, y0 = np.floor(quad.min(axis=0))
    y1 = float(np.ceil(quad[:, 1].max()))
    out = []
    for a, b in reversed(spans):
        left, right = float(x0 + a), float(x0 + b)
        out.append(np.array([[left, y0], [right, y0], [right, y1], [left, y1]], dtype=float))
    return out
