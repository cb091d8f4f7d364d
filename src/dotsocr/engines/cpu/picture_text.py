"""Text the layout model put inside a "picture" or "table": is the region text?

The layout model sometimes calls a block of vertical Japanese text, or a title
page set in large type, a Picture; a picture's small labels are dropped from the
page text, so the whole novel page went with them. Text is never dropped for that
name: a region whose lines fill it like a text block is text, and vertical CJK
lines inside a real picture are kept as page text too. Columns of vertical prose
called a Table would become one row of cells, each column a cell: they are text.
"""

from __future__ import annotations

from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box, area
from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.engines.cpu.textlines import Line

#: Share of a region that text lines cover when the region is a text block.
TEXT_COVER = 0.35


def _cjk_count(line: Line) -> int:
    return sum(1 for c in line.text if is_cjk(c))


def is_text_block(box: Box, lines: Sequence[Line]) -> bool:
    """Whether a region's ``lines`` make it a block of CJK text rather than a
    picture: two or more lines covering a good share of it, or vertical columns."""
    if len(lines) < 2:
        return False
    text = "".join(ln.text for ln in lines)
    if sum(1 for c in text if is_cjk(c)) * 2 < len(text):
        return False  # Latin pictures (code listings, charts) keep their own rules
    region = max(area(box), 1.0)
    covered = sum(area(ln.box) for ln in lines)
    if covered >= TEXT_COVER * region:
        return True
    columns = [ln for ln in lines if ln.vertical and _cjk_count(ln) >= 4]
    return len(columns) >= 2 and len(columns) * 2 >= len(lines)


def kept_lines(lines: Sequence[Line]) -> list[Line]:
    """Lines of a real picture that are page text all the same: vertical CJK text
    (a picture's labels are rarely set in columns of Japanese)."""
    return [ln for ln in lines if ln.vertical and _cjk_count(ln) >= 2]


def prose_columns(lines: Sequence[Line]) -> bool:
    """Whether a region's lines are columns of vertical CJK prose (three or more
    long columns holding nearly all its text), which no table is made of. Text is
    counted, not lines: the short lines of ruby beside the columns are prose too."""
    columns = [ln for ln in lines if ln.vertical and _cjk_count(ln) >= 8]
    in_columns = sum(len(ln.text) for ln in columns)
    return len(columns) >= 3 and in_columns >= 0.8 * sum(len(ln.text) for ln in lines)
