"""Notes under a table and caption lines over it, taken out of the table's cells.

Statistical tables end in notes ("- Represents zero.", "Source: ...", "1 Except
...") set across the table's width, and the layout model's table box takes them in,
so they become a row of one wide cell. Its box also reaches up into the last line
of a long caption. Such lines are rows of a single line at the table's bottom (or
top) edge, not cells: notes become a Footnote after the table, and a caption's
last line goes back to the caption just above.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import union, v_overlap
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.table_build import region_table_html
from dotsocr.engines.cpu.textlines import Line

#: How a note opens: "Source:", "Note:", a dash or reference mark, "(a)", "1 Text".
_NOTE_START = re.compile(
    r"^\s*(?:(?:sources?|notes?|n\.b\.|footnotes?)\b"
    r"|[\u2013\u2014*\u2020\u2021\u00a7]\s*\S"
    r"|-\s+\S"
    r"|\([a-z\d]{1,2}\)\s"
    r"|\d{1,2}\s+[A-Z])",
    re.IGNORECASE,
)
#: A note starts within this many line sizes of the table's left edge.
NOTE_INDENT = 2.0
#: A caption's last line is taken back when it is this close above the table...
CAPTION_GAP_LINES = 1.5
#: ...and the line is this wide a share of the table.
WIDE_SHARE = 0.5


def _text_rows(lines: Sequence[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1] + ln.box[3]) / 2):
        if rows and any(v_overlap(line.box, o.box) >= 0.5 for o in rows[-1]):
            rows[-1].append(line)
        else:
            rows.append([line])
    return rows


def split_notes(lines: Sequence[Line]) -> tuple[list[Line], list[Line]]:
    """(cell lines, note lines) of a table: the notes are the rows of one line each
    at the bottom, from the first that opens like a note at the table's left edge
    (a bullet further right is a list in the last row's cell)."""
    rows = _text_rows(lines)
    k = len(rows)
    while k > 1 and len(rows[k - 1]) == 1:
        k -= 1
    left = min(ln.box[0] for ln in lines)
    start = next(
        (
            i
            for i in range(k, len(rows))
            if _NOTE_START.match(rows[i][0].text)
            and rows[i][0].box[0] <= left + NOTE_INDENT * rows[i][0].size
        ),
        None,
    )
    if start is None or start < 2:
        return list(lines), []
    return [ln for row in rows[:start] for ln in row], [ln for row in rows[start:] for ln in row]


def _rebuilt(table: Block, lines: list[Line], image: np.ndarray | None, rtl: bool) -> Block:
    box = union(ln.box for ln in lines)
    box = (min(box[0], table.box[0]), box[1], max(box[2], table.box[2]), box[3])
    return Block("Table", box, lines, region_table_html(lines, rtl, box, image))


def _caption_tail(table: Block, blocks: Sequence[Block]) -> tuple[Block, Line] | None:
    """The caption just above ``table`` and the table's first line when that line
    is the caption's last: alone in its row, wide, close under the caption."""
    rows = _text_rows(table.lines)
    if len(rows) < 3 or len(rows[0]) != 1:
        return None
    first = rows[0][0]
    if first.width < WIDE_SHARE * (table.box[2] - table.box[0]):
        return None
    for block in blocks:
        if block.category != "Caption" or not block.lines:
            continue
        gap = first.box[1] - block.box[3]
        aligned = abs(first.box[0] - block.box[0]) <= first.size
        if aligned and -0.5 * first.height <= gap <= CAPTION_GAP_LINES * first.height:
            return block, first
    return None


def tidy_table_edges(blocks: Sequence[Block], image: np.ndarray | None, rtl: bool) -> list[Block]:
    """``blocks`` with notes cut off the bottom of each text-layer table (a Footnote
    after it) and a caption's last line taken back from its top."""
    out: list[Block] = []
    for block in blocks:
        if block.category != "Table" or len(block.lines) < 4 or rtl:
            out.append(block)
            continue
        table = block
        tail = _caption_tail(table, blocks)
        if tail is not None:
            caption, line = tail
            caption.lines.append(line)
            caption.text = join_pieces([caption.text or "", line.text])
            caption.box = union([caption.box, line.box])
            table = _rebuilt(table, [ln for ln in table.lines if ln is not line], image, rtl)
        cells, notes = split_notes(table.lines)
        if notes:
            table = _rebuilt(table, cells, image, rtl)
        out.append(table)
        if notes:
            ordered = sorted(notes, key=lambda ln: (ln.box[1], ln.box[0]))
            text = join_pieces([ln.text for ln in ordered])
            out.append(Block("Footnote", union(ln.box for ln in notes), ordered, text))
    return out
