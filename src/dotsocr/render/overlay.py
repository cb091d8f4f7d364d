"""The page picture with numbered, colour-coded boxes, for checking a result by eye."""

from __future__ import annotations

import io
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from dotsocr.model import Element

#: One colour per category (RGB), chosen to stay distinct on white paper.
CATEGORY_COLOURS: dict[str, tuple[int, int, int]] = {
    "Caption": (255, 140, 0),
    "Footnote": (128, 128, 0),
    "Formula": (148, 0, 211),
    "List-item": (0, 128, 128),
    "Page-footer": (112, 112, 112),
    "Page-header": (112, 112, 112),
    "Picture": (220, 20, 60),
    "Section-header": (0, 0, 205),
    "Table": (34, 139, 34),
    "Text": (30, 144, 255),
    "Title": (139, 0, 139),
}


#: How strongly a box's area is tinted with its category colour.
TINT = 0.11


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def draw_overlay(image: Image.Image, elements: list[Element]) -> Image.Image:
    """A copy of ``image`` with each element's box, reading-order number and category.

    Boxes are tinted one at a time (only their own pixels are blended), which is
    several times cheaper than compositing a full-page RGBA layer.
    """
    canvas = image.convert("RGB") if image.mode != "RGB" else image.copy()
    for element in elements:
        box = _clipped(element.bbox, canvas.size)
        if box is None:
            continue
        colour = CATEGORY_COLOURS.get(element.category, (0, 0, 0))
        region = canvas.crop(box)
        canvas.paste(Image.blend(region, Image.new("RGB", region.size, colour), TINT), box)
    draw = ImageDraw.Draw(canvas)
    width = max(2, round(min(canvas.size) / 600))
    font = _font(max(12, round(min(canvas.size) / 70)))
    for number, element in enumerate(elements, start=1):
        colour = CATEGORY_COLOURS.get(element.category, (0, 0, 0))
        x1, y1, x2, y2 = element.bbox
        draw.rectangle((x1, y1, x2, y2), outline=colour, width=width)
        label = f"{number} {element.category}"
        left, top, right, bottom = draw.textbbox((0, 0), label, font=font)
        y = max(0, y1 - (bottom - top) - 4)
        draw.rectangle((x1, y, x1 + right - left + 4, y + bottom - top + 4), fill=colour)
        draw.text((x1 + 2 - left, y + 2 - top), label, fill=(255, 255, 255), font=font)
    return canvas


def _clipped(bbox: list[int], size: tuple[int, int]) -> tuple[int, int, int, int] | None:
    x1, y1 = max(0, bbox[0]), max(0, bbox[1])
    x2, y2 = min(size[0], bbox[2]), min(size[1], bbox[3])
    return (x1, y1, x2, y2) if x2 > x1 and y2 > y1 else None


#: JPEG cannot store a side longer than this.
JPEG_MAX_SIDE = 65_500


def overlay_jpeg(image: Image.Image, elements: list[Element], quality: int = 85) -> bytes:
    """The overlay as JPEG bytes; absurdly long pages are shrunk to fit the format."""
    overlay = draw_overlay(image, elements)
    longest = max(overlay.size)
    if longest > JPEG_MAX_SIDE:
        scale = JPEG_MAX_SIDE / longest
        size = (max(1, int(overlay.width * scale)), max(1, int(overlay.height * scale)))
        overlay = overlay.resize(size)
    buffer = io.BytesIO()
    overlay.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
