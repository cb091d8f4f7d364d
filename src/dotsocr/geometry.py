"""Image sizing: Qwen2-VL's smart_resize and the render pixel budget.

The server resizes every image with smart_resize before the model sees it, and the
model's boxes come back in that resized space; these functions let the client know
that space exactly.
"""

from __future__ import annotations

import math

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
