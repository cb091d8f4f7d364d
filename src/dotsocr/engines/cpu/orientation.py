"""Turned scans: find the page's orientation from how well OCR reads it.

A page scanned upside down or sideways reads as short, low-confidence garbage, or
(turned a quarter to the right) as Latin text standing in vertical lines. Only
then is the page read again turned by 180°, or by 90° and 270°, and the reading
that is most confident and lies in horizontal lines wins. Upright pages, and
vertical Japanese or Chinese, cost nothing extra.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.engines.cpu.textlines import Line

#: A page read with less confidence than this (per character) may be turned.
CONFIDENT = 0.85
#: A turned reading must beat the upright one by this much to be taken.
MARGIN = 0.08
#: Too little text to judge: keep the page as it is.
MIN_CHARS = 12

Reader = Callable[[np.ndarray], list[Line]]


@dataclass
class Reading:
    """The lines of a page read turned counter-clockwise by ``angle`` degrees."""

    angle: int
    lines: list[Line]

    @property
    def chars(self) -> int:
        return sum(len(ln.text) for ln in self.lines)

    @property
    def confidence(self) -> float:
        """Recognition score per character."""
        return sum(ln.score * len(ln.text) for ln in self.lines) / max(self.chars, 1)

    @property
    def standing_latin(self) -> float:
        """Share of the text in vertical lines that are not CJK (Latin turned 90°)."""
        standing = sum(
            len(ln.text) for ln in self.lines if ln.vertical and not any(map(is_cjk, ln.text))
        )
        return standing / max(self.chars, 1)

    def merit(self) -> float:
        return self.confidence - 0.5 * self.standing_latin


def rotate(image: np.ndarray, angle: int) -> np.ndarray:
    """The image turned counter-clockwise by ``angle`` (0, 90, 180, 270) degrees."""
    return np.ascontiguousarray(np.rot90(image, k=angle // 90))


def box_back(box: Box, angle: int, width: float, height: float) -> Box:
    """A box on the page turned by ``angle`` mapped back onto the upright page of
    ``width`` x ``height`` pixels."""
    x1, y1, x2, y2 = box
    if angle == 90:
        return (width - y2, x1, width - y1, x2)
    if angle == 180:
        return (width - x2, height - y2, width - x1, height - y1)
    if angle == 270:
        return (y1, height - x2, y2, height - x1)
    return box


def choose(upright: Sequence[Line], image: np.ndarray, read: Reader) -> Reading:
    """The best reading of the page: ``upright`` itself unless it looks turned and
    a turned reading (by ``read`` on the turned ``image``) is clearly better."""
    best = Reading(0, list(upright))
    if best.chars < MIN_CHARS:
        return best
    if best.confidence >= CONFIDENT and best.standing_latin < 0.5:
        return best
    angles = (90, 270) if best.standing_latin >= 0.5 else (180,)
    for angle in angles:
        turned = Reading(angle, read(rotate(image, angle)))
        if turned.chars >= MIN_CHARS and turned.merit() > best.merit() + MARGIN:
            best = turned
    return best
