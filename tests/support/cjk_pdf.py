"""Japanese test PDFs made in code, without a CJK font on the machine.

The glyphs come from dotsocr's own glyphless font (the searchable-PDF writer's):
every character maps to an inkless cell one em wide (CJK) or half an em (Latin),
with a ToUnicode map, so PDFium reads the text and its boxes exactly as from a
typeset page, while the page itself renders blank. Each glyph is placed on its own,
so a test can set vertical columns, ruby, letter-spaced words and explicit spaces
where a typesetter would.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pikepdf
from pikepdf import Array, Dictionary

from dotsocr.render.searchable_pdf import CidFont, char_width
from dotsocr.sources import open_source
from dotsocr.sources.base import PageImage


@dataclass(frozen=True)
class Glyph:
    """One character at (x, y): its top-left corner in points from the page's top-left."""

    text: str
    x: float
    y: float
    size: float


def row(text: str, x: float, y: float, size: float, spacing: float = 0.0) -> list[Glyph]:
    """A horizontal line from (x, y); ``spacing`` adds that many points after each glyph."""
    out = []
    for ch in text:
        out.append(Glyph(ch, x, y, size))
        x += char_width(ch) * size / 1000 + spacing
    return out


def column(text: str, x: float, y: float, size: float, spacing: float = 0.0) -> list[Glyph]:
    """A vertical line (one glyph per em, top to bottom) whose top-left is (x, y)."""
    out = []
    for ch in text:
        out.append(Glyph(ch, x, y, size))
        y += size + spacing
    return out


def write_pdf(path: Path, glyphs: list[Glyph], size: tuple[float, float] = (595, 842)) -> Path:
    """A one-page PDF drawing ``glyphs`` in the order given (the content stream order)."""
    width, height = size
    font = CidFont.for_texts(g.text for g in glyphs)
    pdf = pikepdf.new()
    font_ref = font.make_pdf_font(pdf)
    ops = ["BT"]
    for g in glyphs:
        # Baseline 0.8 em below the glyph's top (the font's ascent).
        base = height - g.y - 0.8 * g.size
        ops.append(f"/F1 {g.size:.3f} Tf 1 0 0 1 {g.x:.3f} {base:.3f} Tm {font.encode(g.text)} Tj")
    ops.append("ET")
    page = pdf.add_blank_page(page_size=(width, height))
    page.obj.Resources = Dictionary(Font=Dictionary(F1=font_ref))
    page.obj.Contents = pdf.make_stream("\n".join(ops).encode("ascii"))
    page.obj.MediaBox = Array([0, 0, width, height])
    pdf.save(path)
    return path


def first_page(path: Path, dpi: float = 72) -> PageImage:
    """Page 1 of ``path`` rendered at ``dpi`` (72: pixels equal points), text layer included."""
    with open_source(path, dpi=dpi) as doc:
        return next(iter(doc.pages()))
