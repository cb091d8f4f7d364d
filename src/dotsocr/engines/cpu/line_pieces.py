"""Pieces of a text-layer line cut at word boundaries, each a line of its own.

Tables cut lines where PDFium ran cells together: at a currency sign standing
apart, around dot leaders. A piece keeps the glyph boxes of its words, so it can
be cut again and placed in its column.
"""

from __future__ import annotations

from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.textlines import Line


def line_pieces(
    line: Line,
    glyphs: Sequence[tuple[str, Box]],
    parts: Sequence[tuple[Sequence[str], Sequence[int]]],
) -> list[Line]:
    """One line per (words, glyph indices) part of ``line`` (``glyphs``: its glyphs
    without spaces); parts with no glyph are left out."""
    return [
        Line(
            text=" ".join(words),
            box=union(glyphs[i][1] for i in idx),
            size=line.size,
            bold=line.bold,
            glyphs=[glyphs[i] for i in idx],
        )
        for words, idx in parts
        if idx
    ]
