"""Letter-spaced (均等割り) CJK words: glyphs of one word spread with wide, even gaps.

Japanese forms and headings stretch a short word over its cell (合　　計, 居宅介護
spread over a label column). The gaps are far wider than any gap inside a line, so
a line finder cuts the word into single glyphs, and whatever orders pieces later
(cells, XY-cut) can scramble them (計合). What sets such a word apart from single
glyphs in neighbouring cells is its evenness: consecutive glyphs in stream order,
one size, one row (or one column), each the same distance from the next, few of
them, and letters, not marks such as ○ or ×.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.scripts import is_cjk

#: Widest gap between the glyphs of a letter-spaced word, in ems.
MAX_GAP = 4.0
#: A two-glyph word has no evenness to show; its gap must be narrower than this.
MAX_PAIR_GAP = 3.0
#: Most glyphs a letter-spaced word has (a row of seven single glyphs is a calendar).
MAX_GLYPHS = 5
#: How far two pitches of one word may differ: this share of an em.
GAP_TOLERANCE = 0.2

#: One piece of text: its text, box, em size.
Piece = tuple[str, Box, float]


def _letter(text: str) -> bool:
    """A single CJK letter (kanji or kana), not a symbol or punctuation."""
    return len(text) == 1 and is_cjk(text) and unicodedata.category(text).startswith("L")


def _gap(a: Box, b: Box, vertical: bool) -> float | None:
    """The gap from ``a`` on to ``b`` along the line, or None if ``b`` is not next
    in line (another row or column, or behind ``a``)."""
    if vertical:
        width = min(a[2] - a[0], b[2] - b[0])
        overlap = min(a[2], b[2]) - max(a[0], b[0])
        if width <= 0 or overlap < 0.8 * width or b[1] < a[3] - 0.1 * width:
            return None
        return b[1] - a[3]
    height = min(a[3] - a[1], b[3] - b[1])
    overlap = min(a[3], b[3]) - max(a[1], b[1])
    if height <= 0 or overlap < 0.8 * height or b[0] < a[2] - 0.1 * height:
        return None
    return b[0] - a[2]


def _middle(box: Box, vertical: bool) -> float:
    return (box[1] + box[3]) / 2 if vertical else (box[0] + box[2]) / 2


def _extend(
    pieces: Sequence[Piece], start: int, vertical: bool, min_gap: float, loose: bool
) -> int:
    """End (exclusive) of the evenly spaced word starting at ``start``: glyph
    middles one pitch apart (OCR boxes hug glyphs of different widths, so pitch,
    not the gaps between boxes, is what stays even)."""
    size = pieces[start][2]
    size_tolerance, pitch_tolerance = (0.2, 0.3) if loose else (0.05, GAP_TOLERANCE)
    first_pitch: float | None = None
    end = start + 1
    while end < len(pieces):
        nxt_text, nxt_box, nxt_size = pieces[end]
        if not _letter(nxt_text) or abs(nxt_size - size) > size_tolerance * size:
            break
        prev_box = pieces[end - 1][1]
        gap = _gap(prev_box, nxt_box, vertical)
        if gap is None or not min_gap * size < gap <= MAX_GAP * size:
            break
        pitch = _middle(nxt_box, vertical) - _middle(prev_box, vertical)
        if first_pitch is None:
            first_pitch = pitch
        elif abs(pitch - first_pitch) > pitch_tolerance * size:
            break
        end += 1
    return end


def letter_spaced_words(
    pieces: Sequence[Piece], min_gap: float, loose: bool = False
) -> list[tuple[int, int, bool]]:
    """Runs of consecutive ``pieces`` that are one letter-spaced word: (start, end,
    vertical), end exclusive. ``min_gap`` is the gap (ems) at which a line finder
    already cuts: narrower gaps are no concern here. ``loose``: sizes and pitch
    from OCR boxes, which vary more than a text layer's."""
    out: list[tuple[int, int, bool]] = []
    i = 0
    while i < len(pieces):
        text, _, size = pieces[i]
        if not _letter(text) or size <= 0:
            i += 1
            continue
        best = (i + 1, False)
        for vertical in (False, True):
            end = _extend(pieces, i, vertical, min_gap, loose)
            if end > best[0]:
                best = (end, vertical)
        end, vertical = best
        count = end - i
        if 2 <= count <= MAX_GLYPHS and (count > 2 or _pair_ok(pieces, i, vertical)):
            out.append((i, end, vertical))
            i = end
        else:
            i = end if count > MAX_GLYPHS else i + 1  # a row of many: all apart
    return out


def _pair_ok(pieces: Sequence[Piece], i: int, vertical: bool) -> bool:
    gap = _gap(pieces[i][1], pieces[i + 1][1], vertical)
    return gap is not None and gap <= MAX_PAIR_GAP * pieces[i][2]
