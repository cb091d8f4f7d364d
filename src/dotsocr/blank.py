"""Is a page image blank? Shared by the engines: the VLM hallucinates text on empty
pages, and the CPU engine need not run its models on them."""

from __future__ import annotations

import numpy as np
from PIL import Image

#: A pixel counts as ink when it differs this much (0-255) from the paper colour.
INK_CONTRAST = 48
#: Fewer ink pixels than this (at half resolution) and the page is blank; a single
#: page-number digit at 200 DPI has several hundred.
MIN_INK_PIXELS = 24


def is_blank(image: Image.Image) -> bool:
    """True when the page has (almost) no ink on its paper colour."""
    gray = image.convert("L")
    if min(gray.size) >= 4:
        gray = gray.reduce(2)
    pixels = np.asarray(gray)
    paper = int(np.bincount(pixels.ravel(), minlength=256).argmax())
    ink = np.count_nonzero(np.abs(pixels.astype(np.int16) - paper) > INK_CONTRAST)
    return int(ink) < MIN_INK_PIXELS
