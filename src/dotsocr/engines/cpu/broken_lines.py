"""Lines of a sound text layer that one broken font map garbles, read from the page.

A page's layer can be right but for one font. The official gazette's running head
comes out as 平成 ™— 年 › 月 ™œ 日 and its page number as ›: the digits of that font
map to Windows-1252 symbols. The page check lets the page through (a dozen strays
among 5,000 characters), so the symbols would stay. Here a horizontal line with
such strays among CJK (two or more), or nothing else, is read from its crop by the
recogniser alone, and the reading replaces the layer's text when it is confident
and has no strays of its own. The line keeps its box; its glyph boxes, which
belong to the garbled text, go.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.engines.cpu.textlayer_check import Recognizer, cut, stray_latin1
from dotsocr.engines.cpu.textlines import Line

#: Least confidence of a reading that replaces a line's text.
SURE = 0.8
#: Strays in a line that mark it garbled (a lone one may be a real symbol).
STRAYS = 2


def _garbled(line: Line) -> bool:
    """A horizontal line of CJK text with strays in it, or of nothing but strays (a
    page number in the broken font). Latin text keeps its guillemets and fractions."""
    chars = [c for c in line.text if not c.isspace()]
    strays = stray_latin1(chars)
    if line.vertical or not strays:
        return False
    return strays == len(chars) or (strays >= STRAYS and any(is_cjk(c) for c in chars))


def reread_garbled_lines(
    lines: Sequence[Line], bgr: np.ndarray, recognize: Recognizer
) -> tuple[list[Line], int]:
    """The lines with garbled ones read from the page image, and how many were."""
    suspects = [i for i, line in enumerate(lines) if _garbled(line)]
    if not suspects:
        return list(lines), 0
    readings = recognize([cut(bgr, lines[i].box) for i in suspects])
    out = list(lines)
    fixed = 0
    for i, (text, score) in zip(suspects, readings, strict=True):
        text = text.strip()
        if text and score >= SURE and stray_latin1([c for c in text if not c.isspace()]) == 0:
            out[i] = replace(lines[i], text=text, glyphs=[])
            fixed += 1
    return out, fixed
