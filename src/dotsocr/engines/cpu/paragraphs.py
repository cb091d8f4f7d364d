"""Paragraphs and subheadings inside one layout region of text.

The layout model often draws one box over several paragraphs, or over a run of
notes each led by its own bold subheading (an annual report's notes to the
accounts). Read as one block, that is one long Markdown line. The lines show where
a reader sees breaks: a wider gap than the region's line spacing, a first-line
indent, a sentence ending on a short line with the next line starting at the
margin, and a short line set in bold or a larger size between plain lines (a
subheading).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from itertools import pairwise

from dotsocr.engines.cpu.heading_evidence import is_person_name
from dotsocr.engines.cpu.lists import text_rows
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.textlines import Line

#: A gap this many line sizes wider than the region's usual line gap is a break.
EXTRA_GAP = 0.5
#: A row whose right margin matches its left within this many ems is centred (a
#: two-line label), not a paragraph's indented first line.
CENTRED_SLACK = 0.5
#: A first line indented by this many ems (and at most MAX_INDENT) starts a paragraph.
MIN_INDENT = 0.8
MAX_INDENT = 6.0
#: A row ending before this share of the region's width did not wrap.
SHORT_ROW = 0.75
#: A row ending this many ems before the longest row did not wrap.
RAGGED_EM = 4.0
#: A styled row longer than this is emphasised text, not a subheading.
HEADING_CHARS = 90
_SENTENCE_END = (".", "!", "?", ":", "\u3002", "\uff01", "\uff1f", "\uff1a", '"', "\u201d", ")")
_CONTINUES = (",", ";", "-", "\u2010", "\u3001")

Segment = tuple[str, list[Line]]  # ("Text" | "Section-header", lines in order)


def _text(row: list[Line]) -> str:
    return " ".join(ln.text for ln in row).strip()


def _size(row: list[Line]) -> float:
    return max(statistics.median(ln.size for ln in row), 1.0)


def _styled(row: list[Line], body: float, body_bold: bool) -> bool:
    """A row set apart from the region's text by weight or size."""
    bold = all(ln.bold for ln in row)
    return (bold and not body_bold) or _size(row) >= 1.15 * body


def _subheading(rows: list[list[Line]], k: int, body: float, body_bold: bool, full: float) -> bool:
    """Whether row ``k`` is a subheading: styled, short, not ending mid-sentence,
    on a row of its own that did not wrap (a bold lead that runs on into its
    paragraph fills its row), with a plain row after it that starts a sentence."""
    row = rows[k]
    text = _text(row)
    if k + 1 >= len(rows) or not _styled(row, body, body_bold):
        return False
    nxt = rows[k + 1]
    if _styled(nxt, body, body_bold) or len(text) > HEADING_CHARS:
        return False
    if max(ln.box[2] for ln in row) >= full or _text(nxt)[:1].islower():
        return False
    if is_person_name(text):
        return False  # a quote's attribution or a signature, set in bold
    return sum(c.isalnum() for c in text) >= 2 and not text.endswith(_CONTINUES)


def split_paragraphs(ordered: Sequence[Line]) -> list[Segment]:
    """The region's lines (in reading order) cut into paragraphs ("Text") and the
    subheadings between them ("Section-header"); one segment when no break shows.
    Vertical text is left whole."""
    if len(ordered) < 2 or any(ln.vertical for ln in ordered):
        return [("Text", list(ordered))]
    rows = text_rows(ordered)
    if len(rows) < 2:
        return [("Text", list(ordered))]
    left = min(ln.box[0] for ln in ordered)
    right = max(ln.box[2] for ln in ordered)
    width = max(right - left, 1.0)
    body = statistics.median(_size(r) for r in rows)
    body_bold = sum(all(ln.bold for ln in r) for r in rows) * 2 > len(rows)
    gaps = [b[0].box[1] - max(ln.box[3] for ln in a) for a, b in pairwise(rows)]
    usual = statistics.median(gaps)
    at_margin = sum(1 for r in rows if r[0].box[0] - left < MIN_INDENT * body)
    indents_mean_paragraphs = at_margin * 2 >= len(rows)

    segments: list[Segment] = []
    for k, row in enumerate(rows):
        if _subheading(rows, k, body, body_bold, left + SHORT_ROW * width):
            segments.append(("Section-header", list(row)))
            continue
        if not segments or segments[-1][0] == "Section-header":
            segments.append(("Text", list(row)))
            continue
        prev = rows[k - 1]
        size = max(body, 1.0)
        gap = gaps[k - 1]
        indent = row[0].box[0] - left
        prev_end = max(ln.box[2] for ln in prev)
        breaks = gap > usual + EXTRA_GAP * size and gap > 0.6 * size
        row_end = max(ln.box[2] for ln in row)
        # a row set in by as much on the right as on the left is centred, not indented
        centred = abs(indent - (right - row_end)) <= CENTRED_SLACK * size
        indented = MIN_INDENT * size <= indent <= MAX_INDENT * size and not centred
        if indents_mean_paragraphs and indented:
            breaks = breaks or prev[0].box[0] - left < MIN_INDENT * size or len(segments[-1][1]) > 1
        short = prev_end < left + SHORT_ROW * width and _text(prev).endswith(_SENTENCE_END)
        starts = _text(row)[:1]
        if short and indent < MIN_INDENT * size and (starts.isupper() or starts.isdigit()):
            breaks = True
        if breaks:
            segments.append(("Text", list(row)))
        else:
            segments[-1][1].extend(row)
    return segments


def split_text_segments(segments: Sequence[Segment]) -> list[Segment]:
    """:func:`split_paragraphs` applied to each "Text" segment of a region (list
    items and other segments pass through)."""
    out: list[Segment] = []
    for k, (kind, lines) in enumerate(segments):
        after = segments[k + 1] if k + 1 < len(segments) else None
        if kind == "List-item" and after is not None and _numbered_subheading(lines, after):
            out.append(("Section-header", lines))
        else:
            out.extend(split_paragraphs(lines) if kind == "Text" else [(kind, lines)])
    return out


def _numbered_subheading(lines: list[Line], after: Segment) -> bool:
    """A numbered "item" of one short bold row over plain text ("2. Revenue" over
    its note) is a numbered subheading, not a list."""
    rows = text_rows(lines)
    text = _text(rows[0])
    if len(rows) != 1 or not all(ln.bold for ln in lines) or after[0] != "Text":
        return False
    plain = sum(not ln.bold for ln in after[1]) * 2 > len(after[1])
    return plain and len(text) <= HEADING_CHARS and not text.endswith((".", ",", ";"))


def _ragged(rows: list[list[Line]]) -> bool:
    """Whether most rows (the last aside) stop well short of the longest: lines set
    one by one (a list, a recipe, a note), not prose that wraps."""
    if len(rows) < 3:
        return False
    ends = [max(ln.box[2] for ln in r) for r in rows]
    em = statistics.median(_size(r) for r in rows)
    longest = max(ends)
    short = sum(1 for end in ends[:-1] if end < longest - RAGGED_EM * em)
    return short * 2 >= len(rows) - 1


def segment_text(lines: Sequence[Line]) -> str:
    """The text of one paragraph. OCR lines set one by one (short ragged rows of a
    typed or handwritten note) keep their line breaks and their end-of-line
    hyphens as read; other text is joined into running prose."""
    rows = text_rows(lines)
    if any(ln.glyphs for ln in lines) or any(ln.vertical for ln in lines) or not _ragged(rows):
        return join_pieces([ln.text for ln in lines])
    return "\n".join(join_pieces([ln.text for ln in row]) for row in rows)
