"""List items inside a block of text lines.

A layout region (or a paragraph grouped from loose lines) often holds a lead-in
sentence, a few bulleted items and the paragraph after them. Readers and the
Markdown want those apart: the items as List-item elements, the prose around them
as Text. Where an item ends is told by the lines' geometry: a hanging indent
continues the item, and so does a line under a full-width line (the item wrapped);
a line back at the margin after a short line or a paragraph gap starts new prose.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.textlines import Line

_BULLET = re.compile(
    r"^\s*(?:[\u2022\u25cf\u25cb\u25e6\u25aa\u25ab\u25a0\u25a1\u2023\u2043\u2219\u00b7"
    r"\u27a2\u27a4\u25ba\u25b6\u2713\u2714\u2756\u25c6\u25c7\uf0b7\uf0a7\uf0d8*\-\u2013\u2014]"
    r"(?:\s|$)"
    r"|\(?\d{1,3}[.)](?:\s|$)"
    r"|\([a-zA-Z]\)\s"
    r"|[a-z][.)]\s"
    r"|\(?[ivx]{1,4}[.)]\s"
    r"|[\u2460-\u2473\u2776-\u277f])"
)
#: A row ending this far (share of the block width) before the block's right edge
#: did not wrap: the item or sentence ended there.
SHORT_ROW = 0.8
#: A vertical gap larger than this many line sizes separates paragraphs.
PARAGRAPH_GAP = 0.7
#: An indent of more than this many line sizes under an item's marker is a hanging
#: indent: the line belongs to the item.
HANGING_INDENT = 0.5

Segment = tuple[str, list[Line]]  # ("Text" | "List-item", lines in reading order)


def is_list_start(text: str) -> bool:
    """A bullet or item number followed by some text."""
    for form in (text[:24], unicodedata.normalize("NFKC", text[:24])):
        m = _BULLET.match(form)
        if m:
            return any(c.isalnum() for c in form[m.end() :])
    return False


def text_rows(ordered: Sequence[Line]) -> list[list[Line]]:
    """Consecutive lines sharing a text row (pieces PDFium or OCR split)."""
    rows: list[list[Line]] = []
    for line in ordered:
        if rows:
            last = rows[-1][-1]
            overlap = min(last.box[3], line.box[3]) - max(last.box[1], line.box[1])
            if overlap >= 0.5 * min(last.height, line.height):
                rows[-1].append(line)
                continue
        rows.append([line])
    return rows


def _size(lines: list[Line], head: Line) -> float:
    return max(min(lines[-1].size, head.size), 1.0)


def _gap_before(lines: list[Line], head: Line) -> bool:
    """Whether a paragraph gap lies between ``lines`` and the row starting at ``head``."""
    return head.box[1] - lines[-1].box[3] > PARAGRAPH_GAP * _size(lines, head)


def _short_last_row(lines: list[Line], head: Line, left: float, right: float) -> bool:
    """Whether the last row of ``lines`` stops short of the block's right edge (its
    sentence or item ended there rather than wrapping)."""
    top = lines[-1].box[1] - 0.5 * _size(lines, head)
    reach = max(ln.box[2] for ln in lines if ln.box[1] >= top)
    return reach < left + SHORT_ROW * (right - left)


def _continues(item: list[Line], row: list[Line], left: float, right: float) -> bool:
    """Whether ``row`` (not a list start) is more of the list item ``item``: no
    paragraph gap, and a hanging indent or an item line that wrapped."""
    head = row[0]
    if _gap_before(item, head):
        return False
    hanging = head.box[0] > item[0].box[0] + HANGING_INDENT * _size(item, head)
    return hanging or not _short_last_row(item, head, left, right)


def _ended(prose: list[Line], head: Line, left: float, right: float) -> bool:
    """Whether the prose before ``head`` ended: a paragraph gap or a short last row."""
    return _gap_before(prose, head) or _short_last_row(prose, head, left, right)


def segment_lists(ordered: Sequence[Line]) -> list[Segment]:
    """Split lines (already in reading order) into prose and list items.

    Returns the lines unchanged as one "Text" segment when no line starts an item.
    """
    if not any(is_list_start(ln.text) for ln in ordered):
        return [("Text", list(ordered))]
    left = min(ln.box[0] for ln in ordered)
    right = max(ln.box[2] for ln in ordered)
    segments: list[Segment] = []
    for row in text_rows(ordered):
        head = row[0]
        starts = is_list_start(head.text) and head.box[0] - left < 2.5 * head.size
        if starts and segments and segments[-1][0] == "Text":
            # A marker-like start ("3. The", "- and") right under a full line of
            # prose is the sentence wrapping, not a list.
            starts = _ended(segments[-1][1], head, left, right)
        if starts:
            segments.append(("List-item", list(row)))
        elif segments and segments[-1][0] == "List-item":
            if _continues(segments[-1][1], row, left, right):
                segments[-1][1].extend(row)
            else:
                segments.append(("Text", list(row)))
        elif segments:
            segments[-1][1].extend(row)
        else:
            segments.append(("Text", list(row)))
    return segments
