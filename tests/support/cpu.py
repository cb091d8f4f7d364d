"""Helpers for the CPU engine tests: synthetic text-layer characters and lines,
page images, and pages rendered from PDFs. A plain module with a name no other
test folder uses, so test files import it directly."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from dotsocr.engines.cpu.boxes import union
from dotsocr.engines.cpu.rules import find_rules
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.sources import open_source
from dotsocr.sources.base import PageImage, TextChar, TextLayer

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"))


def line_chars(
    text: str,
    x: float,
    y: float,
    size: float = 20.0,
    advance: float | None = None,
    *,
    newline: bool = True,
) -> list[TextChar]:
    """Characters of one left-to-right line with its top at ``y``, each glyph
    ``advance`` wide (0.5 em by default; CJK glyphs 1 em), spaces included, and a
    generated line break after it as PDFium writes."""
    out = []
    for ch in text:
        step = advance or (size if ord(ch) > 0x2E80 else 0.5 * size)
        out.append(TextChar(ch, (x, y, x + step, y + size), font_size=size))
        x += step
    if newline:
        out.append(TextChar("\n", (x, y, x, y + size), font_size=size, generated=True))
    return out


def make_line(text: str, box: tuple[float, float, float, float], size: float = 20.0) -> Line:
    return Line(text=text, box=box, size=size)


def page_image(
    image: Image.Image | None,
    *,
    number: int = 1,
    layer: TextLayer | None = None,
    error: str | None = None,
) -> PageImage:
    return PageImage(
        source=Path("synthetic.pdf"),
        number=number,
        image=image,
        dpi=200.0,
        text_layer=layer,
        error=error,
    )


def rendered_pages(path: Path, pages: str | None = None, dpi: float = 200) -> list[PageImage]:
    """Pages of a PDF rendered by the project's own source, text layers included."""
    with open_source(path, pages=pages, dpi=dpi) as doc:
        return list(doc.pages())


def page_lines(path: Path) -> tuple[list[Line], np.ndarray]:
    """The text-layer lines of a one-page PDF and its rendered image (H x W x 3)."""
    (page,) = rendered_pages(path)
    assert page.text_layer is not None and page.image is not None
    return lines_from_chars(page.text_layer.chars), np.asarray(page.image.convert("RGB"))


def page_table_html(path: Path) -> str:
    """The table filling a one-page PDF, from its text-layer lines and the rules in
    its image, as assembly reads a Table region."""
    lines, image = page_lines(path)
    x1, y1, x2, y2 = union(ln.box for ln in lines)
    return table_html(lines, rules=find_rules(image, (x1 - 15, y1 - 15, x2 + 15, y2 + 15)))


def find_font() -> Path | None:
    """A TrueType font on this machine (DejaVu Sans preferred) for drawing text."""
    candidates: list[Path] = []
    for folder in FONT_DIRS:
        if folder.is_dir():
            candidates.extend(folder.rglob("*.ttf"))
    for path in candidates:
        if path.name == "DejaVuSans.ttf":
            return path
    return candidates[0] if candidates else None


def text_image(lines: list[str], size: int = 40) -> Image.Image:
    """A white page with ``lines`` of black text drawn with Pillow."""
    font_path = find_font()
    font = (
        ImageFont.truetype(str(font_path), size) if font_path else ImageFont.load_default(size=size)
    )
    image = Image.new("RGB", (1400, 200 + len(lines) * size * 2), "white")
    draw = ImageDraw.Draw(image)
    for i, text in enumerate(lines):
        draw.text((100, 100 + i * size * 2), text, fill="black", font=font)
    return image


class TableCells(HTMLParser):
    """Rows of (text, rowspan, colspan) from table HTML, as written (the table
    tests compare raw cell text and spans)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.rows: list[list[tuple[str, int, int]]] = []
        self._span: tuple[int, int] | None = None
        self._text = ""
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))
            self._text = ""

    def handle_data(self, data: str) -> None:
        self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._span is not None:
            self.rows[-1].append((self._text, *self._span))
            self._span = None
