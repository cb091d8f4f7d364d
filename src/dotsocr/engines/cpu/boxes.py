"""Axis-aligned box arithmetic shared by the CPU engine's stages.

Boxes are ``(x1, y1, x2, y2)`` float tuples in page-image pixels until the very end,
where :func:`to_int_box` turns them into the clipped int lists the model stores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

Box = tuple[float, float, float, float]


def union(boxes: Iterable[Box]) -> Box:
    """Smallest box holding all ``boxes`` (which must not be empty)."""
    xs1, ys1, xs2, ys2 = zip(*boxes, strict=True)
    return (min(xs1), min(ys1), max(xs2), max(ys2))


def area(b: Box) -> float:
    return max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])


def intersection(a: Box, b: Box) -> float:
    """Area shared by two boxes."""
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def inside_ratio(inner: Box, outer: Box) -> float:
    """Share of ``inner``'s area that lies in ``outer`` (0 for a degenerate inner box)."""
    a = area(inner)
    return intersection(inner, outer) / a if a > 0 else 0.0


def iou(a: Box, b: Box) -> float:
    inter = intersection(a, b)
    total = area(a) + area(b) - inter
    return inter / total if total > 0 else 0.0


def v_overlap(a: Box, b: Box) -> float:
    """Vertical overlap of two boxes as a share of the shorter one's height."""
    inter = min(a[3], b[3]) - max(a[1], b[1])
    short = min(a[3] - a[1], b[3] - b[1])
    return inter / short if short > 0 else 0.0


def h_overlap(a: Box, b: Box) -> float:
    """Horizontal overlap of two boxes as a share of the narrower one's width."""
    inter = min(a[2], b[2]) - max(a[0], b[0])
    narrow = min(a[2] - a[0], b[2] - b[0])
    return inter / narrow if narrow > 0 else 0.0


def expand(b: Box, dx: float, dy: float) -> Box:
    return (b[0] - dx, b[1] - dy, b[2] + dx, b[3] + dy)


def to_int_box(b: Box, width: int, height: int) -> list[int]:
    """Clip to the page and round outwards to ints, keeping x1 <= x2 and y1 <= y2."""
    x1 = min(max(math.floor(b[0]), 0), width)
    y1 = min(max(math.floor(b[1]), 0), height)
    x2 = min(max(math.ceil(b[2]), 0), width)
    y2 = min(max(math.ceil(b[3]), 0), height)
    return [min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]
