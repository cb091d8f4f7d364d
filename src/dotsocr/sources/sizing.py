"""Whole-pixel sizes for pages and images within the model's pixel budget.

geometry.fit_scale gives the ideal factor; rounding to whole pixels can push the
area a little over the budget, and absurd aspect ratios (a page 2^31 pt tall) can
round a side to zero. This module settles both once, for PDFs and images alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from dotsocr.geometry import fit_scale


@dataclass(frozen=True)
class FittedSize:
    """The pixel size to produce and what it would have been without the budget."""

    width: int
    height: int
    scale: float  # applied to the natural size (1.0 when it fits)
    natural: tuple[int, int]

    @property
    def downscaled_from(self) -> tuple[int, int] | None:
        return self.natural if self.scale < 1.0 else None


def fit_size(width: float, height: float, max_pixels: int) -> FittedSize:
    """Round ``width`` x ``height`` (pixels, possibly fractional) to whole pixels,
    scaled down to at most ``max_pixels`` and at least 1 x 1."""
    if not (math.isfinite(width) and math.isfinite(height)) or width <= 0 or height <= 0:
        raise ValueError(f"size must be positive and finite, got {width} x {height}")
    budget = max(1, int(max_pixels))
    scale = fit_scale(width, height, budget)
    w = max(1, round(width * scale))
    h = max(1, round(height * scale))
    if w * h > budget:
        # Rounding (or a side held at 1 px) overshot: trim the longer side.
        if h >= w:
            h = max(1, budget // w)
        else:
            w = max(1, budget // h)
    natural = (max(1, _round_capped(width)), max(1, _round_capped(height)))
    return FittedSize(w, h, scale, natural)


def _round_capped(value: float) -> int:
    """round(), kept finite for sizes no real file has (2^31 pt at high DPI)."""
    return int(min(value, 2**62) + 0.5)
