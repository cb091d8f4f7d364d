"""Split text-layer lines that run from a large heading into a smaller neighbour.

A line ends where the gap to the next glyph is wider than about an em, measured
in the line's own size. When a 47 px heading ends near a gutter and the 26 px body
text of the next column sits on the same row, the gap is less than an em of the
heading but more than an em of the body text, so the two are read as one line
("General Instructions deduction. The deduction rate for"). Measured against the
smaller of the two sizes, the gap is what it is: the space between two things.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import replace

from dotsocr.engines.cpu.boxes import union
from dotsocr.engines.cpu.textlines import Line

#: A gap wider than this many ems of the smaller text ends a line (as in textlines).
GAP_EM = 1.1
#: Glyph heights on the two sides must differ by this ratio for a split.
SIZE_STEP = 1.25


def _heights(glyphs: Sequence[tuple[str, tuple[float, float, float, float]]]) -> float:
    return float(statistics.median(b[3] - b[1] for _, b in glyphs))


def _cut_text(text: str, glyph_count: int, glyphs: Sequence[tuple[str, object]]) -> int | None:
    """Index in ``text`` after the first ``glyph_count`` glyphs, matching the glyphs'
    characters in order (spaces skipped); None when the text does not follow the
    glyphs (a ligature spelled out, a repaired accent)."""
    pos = 0
    for ch, _ in glyphs[:glyph_count]:
        for c in ch:
            while pos < len(text) and text[pos].isspace() and not c.isspace():
                pos += 1
            if pos >= len(text) or text[pos] != c:
                return None
            pos += 1
    return pos


def _piece(line: Line, text: str, glyphs: list, whole: float) -> Line:
    box = union(b for _, b in glyphs)
    size = line.size * _heights(glyphs) / max(whole, 1.0)
    return replace(line, text=text.strip(), box=box, size=size, glyphs=glyphs)


def split_line(line: Line) -> list[Line]:
    """``line`` cut at each wide gap where the glyph size steps up or down."""
    glyphs = [g for g in line.glyphs if g[1][2] > g[1][0] and g[1][3] > g[1][1]]
    if line.vertical or len(glyphs) < 4 or len(glyphs) != len(line.glyphs):
        return [line]
    whole = _heights(glyphs)
    for k in range(2, len(glyphs) - 1):
        left, right = glyphs[:k], glyphs[k:]
        gap = right[0][1][0] - left[-1][1][2]
        if gap <= 0.3 * whole:
            continue  # letter and word spaces
        hl, hr = _heights(left[-4:]), _heights(right[:4])
        small, big = min(hl, hr), max(hl, hr)
        if gap <= GAP_EM * small or big < SIZE_STEP * small:
            continue
        cut = _cut_text(line.text, k, glyphs)
        if cut is None:
            return [line]
        head = _piece(line, line.text[:cut], left, whole)
        tail = _piece(line, line.text[cut:], right, whole)
        if not head.text or not tail.text:
            return [line]
        return [head, *split_line(tail)]
    return [line]


def split_mixed_lines(lines: Sequence[Line]) -> list[Line]:
    """Every line of the page, those joining two sizes across a gap cut in two."""
    out: list[Line] = []
    for line in lines:
        out.extend(split_line(line) if line.glyphs else [line])
    return out
