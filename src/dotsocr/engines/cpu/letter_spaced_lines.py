"""Letter-spaced words in OCR lines: the recogniser boxes each glyph of 居　宅　介　護
on its own, so the word would land in four table cells. The evenness test is the
text layer's (:mod:`letter_spacing`), applied to one-glyph lines of a row."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.letter_spacing import letter_spaced_words
from dotsocr.engines.cpu.textlines import Line


def _core(text: str) -> str:
    """The letter a piece holds: its text, less a leading check box or bullet
    (□居 宅 介 護)."""
    text = text.strip()
    if len(text) == 2 and not unicodedata.category(text[0]).startswith("L"):
        text = text[1:]
    return text


def _same_row(a: Box, b: Box) -> bool:
    return min(a[3], b[3]) - max(a[1], b[1]) >= 0.6 * min(a[3] - a[1], b[3] - b[1])


def _piece(line: Line) -> tuple[str, Box, float]:
    """(letter, box, size) of a one-glyph line; a marker's share of the box is cut
    off so that the glyph's middle keeps the word's pitch."""
    x1, y1, x2, y2 = line.box
    size = max(y2 - y1, 1.0)
    text = _core(line.text)
    if text != line.text.strip():
        x1 = max(x1, x2 - size)
    return text, (x1, y1, x2, y2), size


def join_letter_spaced_lines(lines: Sequence[Line]) -> list[Line]:
    """OCR reads a letter-spaced word as one box per glyph: join such boxes on one
    row (single CJK letters, one size, even gaps) into one line, in x order."""
    singles = [ln for ln in lines if not ln.vertical and len(ln.text.strip()) <= 2]
    if len(singles) < 2:
        return list(lines)
    rows: list[list[Line]] = []
    for ln in sorted(singles, key=lambda ln: ln.box[1]):
        for row in rows:
            if any(_same_row(other.box, ln.box) for other in row):
                row.append(ln)
                break
        else:
            rows.append([ln])
    replaced: dict[int, Line | None] = {}
    for row in rows:
        row.sort(key=lambda ln: ln.box[0])
        pieces = [_piece(ln) for ln in row]
        for start, end, _ in letter_spaced_words(pieces, min_gap=0.5, loose=True):
            word = row[start:end]
            text = "".join(ln.text.strip() for ln in word)
            box = (
                min(ln.box[0] for ln in word),
                min(ln.box[1] for ln in word),
                max(ln.box[2] for ln in word),
                max(ln.box[3] for ln in word),
            )
            size = sum(ln.size for ln in word) / len(word)
            score = min(ln.score for ln in word)
            replaced[id(word[0])] = Line(text=text, box=box, size=size, score=score)
            for ln in word[1:]:
                replaced[id(ln)] = None
    if not replaced:
        return list(lines)
    out: list[Line] = []
    for ln in lines:
        new = replaced.get(id(ln), ln)
        if new is not None:
            out.append(new)
    return out
