"""Superscripts and subscripts in text-layer lines, written as <sup>/<sub>.

A footnote mark or an affiliation number is set smaller and raised ("Shaffer¹"),
a chemical index smaller and lowered ("H₂O"); the text layer only gives the
characters, so they read "Shaffer1" and "H2O". The glyph boxes tell: PDFium's
loose boxes span the font's em at its baseline, so a glyph of a smaller font whose
middle sits well above (or below) the middle of the line's main glyphs was set as
a superscript (or subscript). Small capitals and a smaller font on the same
baseline move their middle far less. Only text-layer lines have glyph boxes; OCR
lines are left as they are.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence
from dataclasses import replace

from dotsocr.engines.cpu.textlines import Line

#: A glyph at most this share of the main glyph height is small enough.
SMALL = 0.8
#: ... and it is raised or lowered when its middle is off the main middle by this
#: share of the main height.
SHIFT = 0.15
#: Signs set raised or lowered besides letters and digits (footnote marks,
#: charges); a full stop or comma is one only between two of them ("4,5"),
#: whatever its box (a decimal point's box sits low).
SCRIPT_SIGNS = frozenset("*+-=()\u2020\u2021\u00a7\u2212")
_SPACE_BEFORE_SUP = re.compile(r"\s+(<sup>)")


def _kinds(line: Line) -> list[str] | None:
    """Per glyph: "sup", "sub" or ""; None when nothing is raised or lowered."""
    glyphs = line.glyphs
    heights = [b[3] - b[1] for _, b in glyphs]
    main = statistics.median(heights)
    if main <= 0:
        return None
    full = [b for (_, b), h in zip(glyphs, heights, strict=True) if h >= 0.9 * main]
    if len(full) < 2:
        return None
    middle = statistics.median((b[1] + b[3]) / 2 for b in full)
    kinds = []
    for (ch, b), h in zip(glyphs, heights, strict=True):
        kind = ""
        if (ch.isalnum() or ch in SCRIPT_SIGNS) and h <= SMALL * main:
            offset = (b[1] + b[3]) / 2 - middle
            if offset < -SHIFT * main:
                kind = "sup"
            elif offset > SHIFT * main:
                kind = "sub"
        kinds.append(kind)
    for i in range(1, len(kinds) - 1):
        # "4,5" raised: the comma between two raised digits is raised with them.
        if not kinds[i] and glyphs[i][0] in ",." and kinds[i - 1] and kinds[i - 1] == kinds[i + 1]:
            kinds[i] = kinds[i - 1]
    return kinds if any(kinds) else None


def _tagged(text: str, glyphs: Sequence[tuple[str, object]], kinds: list[str]) -> str | None:
    """``text`` with each run of raised/lowered glyphs wrapped in its tag; None when
    the text does not follow the glyphs one by one (spaces aside)."""
    out: list[str] = []
    pos = 0
    mode = ""
    for (ch, _), kind in zip(glyphs, kinds, strict=True):
        spaces = ""
        while pos < len(text) and text[pos].isspace() and not ch.isspace():
            spaces += text[pos]
            pos += 1
        if text[pos : pos + len(ch)] != ch:
            return None
        if kind != mode:
            if mode:
                out.append(f"</{mode}>")
            out.append(spaces)
            spaces = ""
            if kind:
                out.append(f"<{kind}>")
            mode = kind
        out.append(spaces + ch)
        pos += len(ch)
    if mode:
        out.append(f"</{mode}>")
    out.append(text[pos:])
    return _SPACE_BEFORE_SUP.sub(r"\1", "".join(out))


def mark_scripts(line: Line) -> Line:
    """``line`` with its superscripts and subscripts tagged (itself if none)."""
    if line.vertical or len(line.glyphs) < 3 or "<" in line.text:
        return line
    kinds = _kinds(line)
    if kinds is None or all(kinds):
        return line
    text = _tagged(line.text, line.glyphs, kinds)
    return line if text is None else replace(line, text=text)


def mark_scripts_in_lines(lines: Sequence[Line]) -> list[Line]:
    """Every line of the page with its raised and lowered glyphs tagged."""
    return [mark_scripts(ln) if ln.glyphs else ln for ln in lines]
