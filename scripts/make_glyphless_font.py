#!/usr/bin/env python3
"""Write the glyphless TrueType font behind the searchable PDF's invisible text.

Why: an invisible text layer (render mode 3) still needs a font that PDF readers can
load, and embedding a real font for every script a page may hold (Latin, CJK,
Hangul, characters outside the BMP) would cost megabytes. OCR tools solve this with
a "glyphless" font: glyphs without ink that every character code maps to, widths
given in the PDF (/W) and the text given by a ToUnicode CMap. This script builds
that font with fontTools; the output (a few hundred bytes) is checked in as package
data at src/dotsocr/render/fonts/glyphless.ttf, so run it only to change the font:

    .venv/bin/python scripts/make_glyphless_font.py [OUTPUT]

Glyphs: 0 is .notdef (empty); 1 ("narrow", advance 500), 2 ("wide", advance 1000,
for East Asian wide characters) and 3 ("space", advance 250) are the glyphs every
CID maps to, by its width. Each is a
single two-point contour, a diagonal of its cell: it encloses no area, so nothing
would be painted even by a reader that ignored render mode 3, yet the glyph has a
bounding box. That box matters: PDFium drops a text object whose glyphs all have
empty boxes when it holds a single character (a page number "1" would vanish from
the text), and it gives each character's tight box (FPDFText_GetCharBox) from it.
Metrics: 1000 units per em, ascent 800 and descent -200, so a character's cell is
one em tall from 0.2 em below the baseline (dotsocr.render.searchable_pdf relies on
these numbers); the glyphs' boxes sit just inside it (see GLYPH_BOTTOM).
"""

from __future__ import annotations

import argparse
import sys
from io import BytesIO
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

UNITS_PER_EM = 1000
ASCENT = 800
DESCENT = -200
#: The glyphs' vertical extent, a little inside the em: PDFium widens a glyph's box
#: (by about 1 unit down and 12 up, measured with PDFium 5.15), so this keeps its
#: character boxes within [DESCENT, ASCENT] and its loose boxes exactly on them.
GLYPH_BOTTOM = -180
GLYPH_TOP = 780
#: Glyph name -> advance width (1/1000 em); the order is the glyph order (GIDs).
GLYPHS = {".notdef": 500, "narrow": 500, "wide": 1000, "space": 250}
FAMILY = "GlyphLessFont"
FIXED_TIMESTAMP = 3786912000
DEFAULT_OUTPUT = Path(__file__).resolve().parents[1] / "src/dotsocr/render/fonts/glyphless.ttf"


def build_font() -> bytes:
    """The font file: two empty glyphs, minimal tables, deterministic bytes."""
    fb = FontBuilder(UNITS_PER_EM, isTTF=True)
    fb.setupGlyphOrder(list(GLYPHS))
    # A cmap is not used through Identity-H + CIDToGIDMap, but FreeType and font
    # validators expect one.
    fb.setupCharacterMap({0x20: "space"})
    glyphs = {".notdef": TTGlyphPen(None).glyph()}
    glyphs.update((name, _diagonal(GLYPHS[name])) for name in list(GLYPHS)[1:])
    fb.setupGlyf(glyphs)
    fb.setupHorizontalMetrics({name: (advance, 0) for name, advance in GLYPHS.items()})
    fb.setupHorizontalHeader(ascent=ASCENT, descent=DESCENT)
    fb.setupOS2(
        sTypoAscender=ASCENT,
        sTypoDescender=DESCENT,
        sTypoLineGap=0,
        usWinAscent=ASCENT,
        usWinDescent=-DESCENT,
        fsType=0,  # installable embedding: no licence restriction
    )
    fb.setupNameTable({"familyName": FAMILY, "styleName": "Regular"})
    fb.setupPost()
    # Timestamps fixed (2024-01-01, seconds since 1904): the same bytes every run.
    fb.setupHead(created=FIXED_TIMESTAMP, modified=FIXED_TIMESTAMP)
    fb.font["head"].fontRevision = 1.0
    buffer = BytesIO()
    fb.save(buffer)
    return buffer.getvalue()


def _diagonal(advance: int) -> object:
    """A contour of two points, corner to corner of the glyph's cell: no area, so no
    ink, but a bounding box."""
    pen = TTGlyphPen(None)
    pen.moveTo((0, GLYPH_BOTTOM))
    pen.lineTo((advance, GLYPH_TOP))
    pen.closePath()
    return pen.glyph()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("output", nargs="?", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    data = build_font()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_bytes(data)
    print(f"{args.output}: {len(data)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
