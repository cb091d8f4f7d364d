"""Image sizing: Qwen2-VL's smart_resize and the render pixel budget.

The server resizes every image with smart_resize before the model sees it, and the
model's boxes come back in that resized space; these functions let the client know
that space exactly.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from dotsocr.protocol import IMAGE_FACTOR, MAX_PIXELS, MIN_PIXELS


def smart_resize(
    height: int,
    width: int,
    factor: int = IMAGE_FACTOR,
    min_pixels: int = MIN_PIXELS,
    max_pixels: int = MAX_PIXELS,
) -> tuple[int, int]:
    """(height, width) the server will feed the model: sides multiples of ``factor``,
    area within [min_pixels, max_pixels], aspect ratio kept as well as possible."""
    if height <= 0 or width <= 0:
        raise ValueError(f"image size must be positive, got {width}x{height}")
    h_bar = max(factor, round(height / factor) * factor)
    w_bar = max(factor, round(width / factor) * factor)
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


def fit_scale(width: float, height: float, max_pixels: int = MAX_PIXELS) -> float:
    """Factor (<= 1) that brings a width x height picture within ``max_pixels``.

    Used instead of the reference's drop to 72 DPI: the page keeps as much
    resolution as the model can take.
    """
    area = width * height
    if area <= max_pixels or area <= 0:
        return 1.0
    return math.sqrt(max_pixels / area)


def model_input_size(page_size: tuple[int, int]) -> tuple[int, int]:
    """(width, height) of the image the model sees for a page of ``page_size`` (width,
    height): the space its boxes are in."""
    width, height = page_size
    h_bar, w_bar = smart_resize(height, width)
    return w_bar, h_bar


def to_model_space(box: Sequence[float], page_size: tuple[int, int]) -> list[int]:
    """A page-pixel box in the model's input pixels (rounded, clipped to that image):
    what the grounding_ocr prompt expects, since the server resizes the page first."""
    width, height = page_size
    w_bar, h_bar = model_input_size(page_size)
    sx, sy = w_bar / width, h_bar / height
    x1, y1, x2, y2 = box
    return [
        min(max(round(x1 * sx), 0), w_bar),
        min(max(round(y1 * sy), 0), h_bar),
        min(max(round(x2 * sx), 0), w_bar),
        min(max(round(y2 * sy), 0), h_bar),
    ]


def to_page_space(box: Sequence[float], page_size: tuple[int, int]) -> list[float]:
    """A box from the model (its input pixels) in page pixels, unrounded and unclipped:
    the inverse of :func:`to_model_space`, scaled per axis."""
    width, height = page_size
    w_bar, h_bar = model_input_size(page_size)
    sx, sy = width / w_bar, height / h_bar
    x1, y1, x2, y2 = box
    return [x1 * sx, y1 * sy, x2 * sx, y2 * sy]
