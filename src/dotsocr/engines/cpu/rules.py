"""Ruling lines of a table in the page image: where they are and how far they run.

Rows and columns of a ruled table come from its rules, and a rule that stops short
of a column marks a cell spanning rows there, so each rule keeps its extent. A
rule is a long unbroken run of dark pixels; a row of text never is one, even when
a dense line darkens half of a pixel row in short pieces (that once split a
wrapped cell into two rows), and neither is a column of glyphs stacked row over
row in a dense table, dark over half the height but only in pieces a glyph tall
(that once made every row one cell). A rule drawn along the edge of a filled
column is found as a thin run darker than the fill.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from dotsocr.engines.cpu.boxes import Box

#: A pixel darker than this (0-255, darkest channel) can belong to a ruling line.
RULE_DARK = 200
#: Share of the table's width an unbroken horizontal rule must cover; a thin dotted
#: rule with blank pixel rows around it needs only RULE_COVER_DOTTED in all.
RULE_COVER_H = 0.5
RULE_COVER_DOTTED = 0.25
#: Share of the table's height a vertical rule must cover, drawn in pieces of at
#: least RULE_PIECE of the height each (a rule broken by a spanning row still counts).
RULE_COVER_V = 0.5
RULE_PIECE = 0.15
#: How much darker (share of the height) than a filled column a rule along its
#: edge is.
RULE_OVER_FILL = 0.25
#: An unbroken horizontal rule this long (share of the width) that does not cross
#: the whole table (a rule under a spanning header) counts in a ruled table.
RULE_PARTIAL = 0.15

Segment = tuple[float, float]


class Rules(NamedTuple):
    """Ruling lines of one table, in page pixels."""

    #: y of each horizontal rule, top to bottom
    ys: list[float]
    #: x of each vertical rule, left to right
    xs: list[float]
    #: the x ranges each horizontal rule covers (one list per ``ys`` entry)
    h_spans: list[list[Segment]]
    #: the y ranges each vertical rule covers (one list per ``xs`` entry)
    v_spans: list[list[Segment]]


NO_RULES = Rules([], [], [], [])


def _runs(mask: np.ndarray, offset: int) -> list[Segment]:
    """(start, end) of each run of True in a 1-D mask, shifted by ``offset``."""
    padded = np.concatenate(([False], mask.astype(bool), [False]))
    edges = np.flatnonzero(padded[1:] != padded[:-1])
    return [
        (float(offset + a), float(offset + b)) for a, b in zip(edges[::2], edges[1::2], strict=True)
    ]


def _bridged(segments: list[Segment], gap: float) -> list[Segment]:
    """Long pieces of a rule (glyph bits touching it are short) with small gaps
    between them closed."""
    out: list[Segment] = []
    for a, b in segments:
        if b - a < 3 * gap:
            continue
        if out and a - out[-1][1] <= gap:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Length of the longest run of True in each row of a 2-D mask."""
    idx = np.arange(mask.shape[1])
    last_false = np.maximum.accumulate(np.where(mask, -1, idx), axis=1)
    return (idx - last_false).max(axis=1)


def _darkest(crop: np.ndarray) -> np.ndarray:
    """The darkest channel of each pixel (channel by channel: a reduction over the
    last axis of a uint8 image is many times slower)."""
    if crop.ndim == 2:
        return crop
    out = crop[..., 0]
    for c in range(1, crop.shape[2]):
        out = np.minimum(out, crop[..., c])
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


def _horizontal(dark: np.ndarray) -> list[tuple[int, int, bool, bool]]:
    """(first row, end row, full, dotted) of each horizontal rule in a crop: rows
    with a long unbroken dark run (full ones apart from partial ones, so a shaded
    column does not swallow the rules crossing it), or a thin dotted run set apart
    by blank rows."""
    width = dark.shape[1]
    prof = dark.mean(axis=1)
    longest = np.zeros(len(prof), dtype=np.int64)
    rows = np.flatnonzero(prof >= RULE_PARTIAL)  # a shorter dark share holds no long run
    if rows.size:
        longest[rows] = _longest_runs(dark[rows])
    full = longest >= RULE_COVER_H * width
    solid = longest >= RULE_PARTIAL * width
    out = [(int(a), int(b), True, False) for a, b in _runs(full, 0)]
    out += [(int(a), int(b), False, False) for a, b in _runs(solid & ~full, 0)]
    for a, b in _runs(prof >= RULE_COVER_DOTTED, 0):
        if not solid[int(a) : int(b)].any() and _isolated(prof, a, b):
            out.append((int(a), int(b), True, True))
    return sorted(out)


def _extent(dark: np.ndarray, offset: int, gap: float, dotted: bool) -> list[Segment]:
    """Where along its length a rule (its pixel rows or columns, flattened to one
    mask) is drawn: one range for a dotted rule, else its unbroken pieces."""
    pieces = _runs(dark, offset)
    if dotted:
        return [(pieces[0][0], pieces[-1][1])] if pieces else []
    return _bridged(pieces, gap)


def find_rules(image: np.ndarray | None, box: Box) -> Rules:
    """Horizontal and vertical ruling lines inside ``box`` of a page image (H x W or
    H x W x C, uint8). Rules that do not cross the table are kept only when it has
    at least two that do. A thick run is a filled band (a shaded header row): its
    edges separate rows."""
    if image is None:
        return NO_RULES
    h, w = image.shape[:2]
    x1, y1 = max(int(box[0]) - 3, 0), max(int(box[1]) - 3, 0)
    x2, y2 = min(int(box[2]) + 3, w), min(int(box[3]) + 3, h)
    if x2 - x1 < 8 or y2 - y1 < 8:
        return NO_RULES
    dark = _darkest(image[y1:y2, x1:x2]) < RULE_DARK
    thick = 0.005 * max(h, w)
    gap = max(2.0, 0.0025 * max(h, w))
    found = _horizontal(dark)
    ruled = sum(1 for rule in found if rule[2]) >= 2
    rules = Rules([], [], [], [])
    for a, b, full, dotted in found:
        if not (full or ruled):
            continue
        extent = _extent(dark[a:b].any(axis=0), x1, gap, dotted)
        for y in [(a + b) / 2] if b - a <= thick else [a, b]:
            rules.ys.append(float(y + y1))
            rules.h_spans.append(extent)
    cover = dark.mean(axis=0)
    for a, b in _runs(cover >= RULE_COVER_V, 0):
        for c1, c2 in _thin_runs(cover, int(a), int(b), thick):
            extent = _extent(_vertical_mask(dark, c1, c2), y1, gap, False)
            if _drawn_length(extent, y2 - y1) >= RULE_COVER_V * (y2 - y1):
                rules.xs.append(float((c1 + c2) / 2 + x1))
                rules.v_spans.append(extent)
    return rules


def _thin_runs(cover: np.ndarray, a: int, b: int, thick: float) -> list[tuple[int, int]]:
    """The pixel columns a..b, dark over most of the height, as vertical rules: the
    run itself when thin; in a wide run (a filled column) the thin runs darker than
    the fill, which are rules drawn along its edges."""
    if b - a <= thick:
        return [(a, b)]
    base = float(np.median(cover[a:b]))
    peaks = _runs(cover[a:b] >= base + RULE_OVER_FILL, a)
    return [(int(p), int(q)) for p, q in peaks if q - p <= thick]


def _drawn_length(extent: list[Segment], height: int) -> float:
    """How much of the table's height a vertical rule is drawn over, counting only
    pieces long against the table (a glyph stroke is short; a column of glyphs
    stacked row over row is dark over half the height, but never drawn)."""
    piece = max(RULE_PIECE * height, 1.0)
    return sum(q - p for p, q in extent if q - p >= piece)


def _vertical_mask(dark: np.ndarray, a: int, b: int) -> np.ndarray:
    """Pixel rows where a vertical rule (crop columns a..b) separates: drawn dark,
    or left light between dark fill on both sides (a shaded header row)."""
    drawn = dark[:, a:b].any(axis=1)
    left = dark[:, max(a - 4, 0) : max(a - 1, 0)]
    right = dark[:, b + 1 : b + 4]
    if not left.shape[1] or not right.shape[1]:
        return drawn
    return drawn | (left.all(axis=1) & right.all(axis=1))
