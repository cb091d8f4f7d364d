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


@lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.ImageFont | ImageFont.FreeTypeFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # Pillow < 10.1 has no sized default font
        return ImageFont.load_default()


def draw_overlay(image: Image.Image, elements: list[Element]) -> Image.Image:
    """A copy of ``image`` with each element's box, reading-order number and category."""
    canvas = image.convert("RGB")
    tint = Image.new("RGBA", canvas.size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(tint)
    width = max(2, round(min(canvas.size) / 600))
    font = _font(max(12, round(min(canvas.size) / 70)))
    for number, element in enumerate(elements, start=1):
        colour = CATEGORY_COLOURS.get(element.category, (0, 0, 0))
        box = tuple(element.bbox)
        draw.rectangle(box, fill=(*colour, 28), outline=(*colour, 255), width=width)
        label = f"{number} {element.category}"
        x, y = box[0], max(0, box[1] - font.size - 2) if hasattr(font, "size") else box[1]
        text_box = draw.textbbox((x, y), label, font=font)
        draw.rectangle(text_box, fill=(*colour, 220))
        draw.text((x, y), label, fill=(255, 255, 255, 255), font=font)
    return Image.alpha_composite(canvas.convert("RGBA"), tint).convert("RGB")


def overlay_jpeg(image: Image.Image, elements: list[Element], quality: int = 85) -> bytes:
    buffer = io.BytesIO()
    draw_overlay(image, elements).save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
