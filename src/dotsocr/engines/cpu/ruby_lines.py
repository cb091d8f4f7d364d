"""Ruby (furigana) in OCR lines: small kana lines hugging a base line.

OCR reads a reading as a line of its own, small, just above its base in
horizontal text (just right of it in vertical text), and the page text would
carry it inline (くちらのひげ鯨類は). Here such a line is taken out and tied to the
base characters under it, as the text layer's readings are (:mod:`ruby`). OCR
gives no glyph boxes, so a character's place along its line is estimated from
the line's box, CJK characters a full em and others half.

Sizes are compared by the ink where the page image is at hand: a det box is
padded by about the same few pixels whatever the type size, so box heights make
half-size ruby look three quarters the size of its base.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.ruby import ANCHOR, MAX_RATIO, SEPARATOR, TERMINATOR
from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.engines.cpu.textlines import Line
from dotsocr.engines.cpu.vertical_ocr import ink_mask, true_runs

#: Longest reading, in characters.
MAX_READING = 10
#: Least share of kana in a reading (OCR misreads a kana now and then: 5ろこ).
KANA_SHARE = 0.6


def _kana(ch: str) -> bool:
    cp = ord(ch)
    return 0x3041 <= cp <= 0x30FF


def _kanji(ch: str) -> bool:
    """A character that takes a reading: an ideograph (or 々), not kana."""
    return is_cjk(ch) and not _kana(ch) and unicodedata.category(ch) == "Lo"


def _reading_like(line: Line) -> bool:
    text = line.text.strip()
    if not 1 <= len(text) <= MAX_READING or "\ufff9" in text:
        return False
    return sum(1 for c in text if _kana(c)) >= KANA_SHARE * len(text)


def _hugs(r: Line, b: Line) -> bool:
    """``r`` sits just above horizontal ``b`` (or just right of vertical ``b``)
    and lies along it; OCR boxes are padded, so they may overlap a little."""
    rb, bb = r.box, b.box
    if b.vertical:
        width = rb[2] - rb[0]
        if rb[0] < (bb[0] + bb[2]) / 2 or rb[0] - bb[2] > 0.6 * width:
            return False
        return rb[1] >= bb[1] - 0.5 * r.size and rb[3] <= bb[3] + 0.5 * r.size
    height = rb[3] - rb[1]
    if rb[3] > (bb[1] + bb[3]) / 2 or bb[1] - rb[3] > 0.6 * height:
        return False
    return rb[0] >= bb[0] - 0.5 * r.size and rb[2] <= bb[2] + 0.5 * r.size


def _cells(line: Line) -> list[tuple[float, float]]:
    """Each character's estimated span along the line (CJK one em, others half)."""
    text = line.text
    weights = [1.0 if is_cjk(c) else 0.5 for c in text]
    total = sum(weights) or 1.0
    lo, hi = (line.box[1], line.box[3]) if line.vertical else (line.box[0], line.box[2])
    step = (hi - lo) / total
    out = []
    at = lo
    for w in weights:
        out.append((at, at + w * step))
        at += w * step
    return out


def _covered(base: Line, reading: Line) -> tuple[int, int] | None:
    """The first and last kanji of ``base`` that ``reading`` lies along; where it
    lies along no kanji, the first and last of any characters (ruby over a Latin
    word or katakana); or None."""
    lo, hi = (reading.box[1], reading.box[3]) if base.vertical else (reading.box[0], reading.box[2])
    under = [
        k
        for k, (a, b) in enumerate(_cells(base))
        if not base.text[k].isspace() and min(b, hi) - max(a, lo) >= 0.5 * (b - a)
    ]
    covered = [k for k in under if _kanji(base.text[k])] or under
    return (covered[0], covered[-1]) if covered else None


def _annotate(base: Line, readings: Sequence[Line]) -> tuple[Line, list[Line]]:
    """``base`` with each reading tied to the kanji it spans, and the readings
    used. All are placed from the plain text at once (a marked text's estimated
    character places would drift); one that overlaps an earlier one is not used."""
    spans = []
    for reading in readings:
        covered = _covered(base, reading)
        if covered is not None:
            spans.append((covered, reading))
    spans.sort(key=lambda span: span[0])
    text, at, used = base.text, 0, []
    parts = []
    for (first, last), reading in spans:
        if first < at:
            continue
        parts += [text[at:first], ANCHOR, text[first : last + 1], SEPARATOR]
        parts += [reading.text.strip(), TERMINATOR]
        at = last + 1
        used.append(reading)
    parts.append(text[at:])
    return replace(base, text="".join(parts)), used


def _glyph_size(line: Line, image: np.ndarray | None) -> float:
    """The glyphs' extent across a line: in the page image, the longest run of
    inked rows of its box (pixel columns for a vertical line; a neighbouring line
    the padded box overlaps is a shorter run); else the box's size estimate."""
    if image is None:
        return line.size
    x0, y0, x1, y1 = (round(v) for v in line.box)
    crop = image[max(y0, 0) : max(y1, 0), max(x0, 0) : max(x1, 0)]
    if crop.size == 0:
        return line.size
    inked = ink_mask(crop).any(axis=0 if line.vertical else 1)
    runs = true_runs(inked)
    return float(max(b - a for a, b in runs)) if runs else line.size


def attach_ocr_ruby(lines: Sequence[Line], image: np.ndarray | None = None) -> list[Line]:
    """OCR lines with readings tied to their bases and the reading lines gone;
    text-layer lines (they carry glyph boxes) are left alone. ``image`` is the
    page (H x W x C), to size glyphs by their ink."""
    ocr = [ln for ln in lines if not ln.glyphs and ANCHOR not in ln.text]
    small = [ln for ln in ocr if _reading_like(ln)]
    if not small:
        return list(lines)
    sizes: dict[int, float] = {}

    def size(line: Line) -> float:
        if id(line) not in sizes:
            sizes[id(line)] = _glyph_size(line, image)
        return sizes[id(line)]

    readings_of: dict[int, list[Line]] = {}
    taken: set[int] = set()  # lines given to a base as its reading
    for r in small:
        if id(r) in readings_of:
            continue  # already a base of a smaller line
        bases = [
            b
            for b in ocr
            if b is not r
            and id(b) not in taken
            and any(is_cjk(c) for c in b.text)
            and _hugs(r, b)
            and size(r) <= MAX_RATIO * size(b)
        ]
        if bases:
            base = min(bases, key=lambda b: _distance(r.box, b.box, b.vertical))
            readings_of.setdefault(id(base), []).append(r)
            taken.add(id(r))
    new: dict[int, Line] = {}
    gone: set[int] = set()
    for ln in lines:
        if id(ln) in readings_of:
            new[id(ln)], used = _annotate(ln, readings_of[id(ln)])
            gone.update(id(r) for r in used)
    return [new.get(id(ln), ln) for ln in lines if id(ln) not in gone]


def _distance(r: Box, b: Box, vertical: bool) -> float:
    return abs(r[0] - b[2]) if vertical else abs(b[1] - r[3])
