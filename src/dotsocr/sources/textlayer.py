"""A PDF page's text layer, read with pdfium's raw API and mapped into the pixels of
the rendered page image.

The raw API (not pypdfium2's helpers) keeps this to a few C calls per character;
font size, boldness and visibility are looked up once per text object, and the
page-to-pixel transform is one affine applied with numpy to every box at once.
Like everything touching pdfium, call it from the thread that owns the document.
"""

from __future__ import annotations

import ctypes
import math
import re
from dataclasses import dataclass

import numpy as np
import pypdfium2.raw as pdfium_c

from dotsocr.sources.base import TextChar, TextLayer

_INVISIBLE_MODES = (pdfium_c.FPDF_TEXTRENDERMODE_INVISIBLE, pdfium_c.FPDF_TEXTRENDERMODE_CLIP)
_BOLD_WORDS = ("bold", "black", "heavy", "semibold", "demi")
#: TeX fonts say bold in their names' "bx" (CMBX10, SFBX1000, ECBX1200).
_TEX_BOLD = re.compile(r"^(cm|sf|ec|tc|lm)(ss|tt|r)?bx")
_FORCE_BOLD_FLAG = 1 << 18  # PDF font descriptor flag ForceBold
_SOFT_HYPHEN_MARK = 0x02  # pdfium's code for a hyphen that ends a line
_KEEP_CONTROLS = ("\t", "\n")


def device_transform(page: object, width: int, height: int) -> np.ndarray:
    """2x3 affine taking page points to pixels of a ``width`` x ``height`` render.

    Derived from pdfium itself (FPDF_DeviceToPage on three corners, which returns
    exact doubles), so /Rotate, crop-box offsets and user space quirks are applied
    exactly as the renderer applies them.
    """
    x, y = ctypes.c_double(), ctypes.c_double()
    points = []
    for dev_x, dev_y in ((0, 0), (width, 0), (0, height)):
        pdfium_c.FPDF_DeviceToPage(page, 0, 0, width, height, 0, dev_x, dev_y, x, y)
        points.append((x.value, y.value))
    p0, p1, p2 = (np.array(p, dtype=np.float64) for p in points)
    # page = p0 + basis @ device, so device = inv(basis) @ (page - p0).
    basis = np.column_stack(((p1 - p0) / width, (p2 - p0) / height))
    linear = np.linalg.inv(basis)
    return np.hstack([linear, (-linear @ p0)[:, None]])


def pixels_per_point(transform: np.ndarray) -> float:
    """Mean linear scale of ``transform``: how many pixels one point of text spans."""
    return math.sqrt(abs(float(np.linalg.det(transform[:, :2]))))


@dataclass(frozen=True)
class _Style:
    """What every character of one text object shares."""

    size: float  # points
    bold: bool
    invisible: bool


@dataclass
class _Columns:
    """Characters gathered column-wise so boxes can be transformed in one go."""

    texts: list[str]
    boxes: list[tuple[float, float, float, float]]  # left, bottom, right, top (points)
    styles: list[_Style]
    generated: list[bool]
    #: Characters of the file that came out as control codes (see TextLayer.unmapped).
    unmapped: int = 0


def extract_text_layer(page: object, transform: np.ndarray) -> TextLayer:
    """The text layer of a loaded raw pdfium ``page``, boxes in rendered pixels."""
    textpage = pdfium_c.FPDFText_LoadPage(page)
    if not textpage:
        return TextLayer()
    try:
        columns = _read_chars(textpage)
    finally:
        pdfium_c.FPDFText_ClosePage(textpage)
    return _to_layer(columns, transform)


def _read_chars(textpage: object) -> _Columns:
    count = pdfium_c.FPDFText_CountChars(textpage)
    columns = _Columns([], [], [], [])
    rect = pdfium_c.FS_RECTF()
    styles: dict[int | None, _Style] = {}
    style = _Style(0.0, False, False)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    index = 0
    while index < count:
        code = get_unicode(textpage, index)
        step = 1
        if 0xD800 <= code < 0xDC00 and index + 1 < count:
            code, step = _join_surrogates(code, get_unicode(textpage, index + 1))
        text = _char_text(code)
        if not text and _unmapped(code) and not pdfium_c.FPDFText_IsGenerated(textpage, index):
            columns.unmapped += 1
        if text:
            generated = bool(pdfium_c.FPDFText_IsGenerated(textpage, index))
            if not generated:
                style = _style_of(textpage, index, styles)
            pdfium_c.FPDFText_GetLooseCharBox(textpage, index, rect)
            columns.texts.append(text)
            columns.boxes.append((rect.left, rect.bottom, rect.right, rect.top))
            columns.styles.append(style)
            columns.generated.append(generated)
        index += step
    return columns


def _unmapped(code: int) -> bool:
    """A control code where a character should be: what a font without a Unicode
    mapping gives (its glyph ids read as character codes), not a line break."""
    return 0 < code < 0x20 and code not in (0x0A, 0x0D)


def _join_surrogates(high: int, low: int) -> tuple[int, int]:
    """One code point from a UTF-16 surrogate pair, if ``low`` completes it."""
    if 0xDC00 <= low < 0xE000:
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00), 2
    return 0xFFFD, 1


def _char_text(code: int) -> str:
    """The character to keep for a pdfium code, or "" to skip it."""
    if code == _SOFT_HYPHEN_MARK:
        return "-"
    if 0xD800 <= code < 0xE000 or code > 0x10FFFF:
        return "\ufffd"
    text = chr(code)
    if code < 0x20 and text not in _KEEP_CONTROLS:
        return ""  # NUL, '\r' (pdfium writes '\r\n'), and control codes
    return text


def _style_of(textpage: object, index: int, cache: dict[int | None, _Style]) -> _Style:
    obj = pdfium_c.FPDFText_GetTextObject(textpage, index)
    key = ctypes.cast(obj, ctypes.c_void_p).value
    style = cache.get(key)
    if style is None:
        style = _Style(
            size=_font_size(textpage, index),
            bold=_is_bold(obj) if key else False,
            invisible=bool(key)
            and pdfium_c.FPDFTextObj_GetTextRenderMode(obj) in _INVISIBLE_MODES,
        )
        cache[key] = style
    return style


def _font_size(textpage: object, index: int) -> float:
    """Em size in points: the Tf size times the vertical scale of the text matrix
    (many producers write ``1 Tf`` and put the size in the matrix)."""
    matrix = pdfium_c.FS_MATRIX()
    size = pdfium_c.FPDFText_GetFontSize(textpage, index)
    if not pdfium_c.FPDFText_GetMatrix(textpage, index, matrix):
        return float(size)
    return float(size) * math.hypot(matrix.c, matrix.d)


def _is_bold(obj: object) -> bool:
    font = pdfium_c.FPDFTextObj_GetFont(obj)
    if not font:
        return False
    if pdfium_c.FPDFFont_GetWeight(font) >= 600:
        return True
    if pdfium_c.FPDFFont_GetFlags(font) & _FORCE_BOLD_FLAG:
        return True
    buffer = ctypes.create_string_buffer(128)
    length = pdfium_c.FPDFFont_GetBaseFontName(font, buffer, len(buffer))
    name = buffer.value.decode("latin-1").lower() if length else ""
    name = name.split("+", 1)[-1]  # drop a subset tag such as "ABCDEF+"
    return any(word in name for word in _BOLD_WORDS) or bool(_TEX_BOLD.match(name))


def _to_layer(columns: _Columns, transform: np.ndarray) -> TextLayer:
    if not columns.texts:
        return TextLayer(unmapped=columns.unmapped)
    boxes = _map_boxes(np.asarray(columns.boxes, dtype=np.float64), transform)
    scale = pixels_per_point(transform)
    chars = [
        TextChar(
            text=text,
            box=tuple(box),  # type: ignore[arg-type]
            font_size=round(style.size * scale, 2),
            bold=style.bold,
            generated=generated,
            invisible=style.invisible,
        )
        for text, box, style, generated in zip(
            columns.texts, boxes.tolist(), columns.styles, columns.generated, strict=True
        )
    ]
    real = [c for c in chars if not c.generated]
    invisible = bool(real) and all(c.invisible for c in real)
    return TextLayer(chars=chars, invisible=invisible, unmapped=columns.unmapped)


def _map_boxes(boxes: np.ndarray, transform: np.ndarray) -> np.ndarray:
    """(left, bottom, right, top) page boxes -> (x1, y1, x2, y2) pixel boxes.

    Two opposite corners are enough: pdfium pages rotate by multiples of 90°.
    """
    linear, offset = transform[:, :2], transform[:, 2]
    corner_a = boxes[:, [0, 1]] @ linear.T + offset
    corner_b = boxes[:, [2, 3]] @ linear.T + offset
    x1 = np.minimum(corner_a[:, 0], corner_b[:, 0])
    x2 = np.maximum(corner_a[:, 0], corner_b[:, 0])
    y1 = np.minimum(corner_a[:, 1], corner_b[:, 1])
    y2 = np.maximum(corner_a[:, 1], corner_b[:, 1])
    return np.round(np.column_stack((x1, y1, x2, y2)), 2)
