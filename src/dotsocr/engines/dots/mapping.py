"""Raw model elements -> validated Elements in page pixels.

The server resizes every page with smart_resize before the model sees it, so the
model's boxes are in that resized space (DESIGN.md §3); they are scaled back per axis,
rounded, clipped to the page and checked here, and every fix is counted so a page's
warnings say how much the model's answer had to be bent.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import cast

from dotsocr.engines.dots.repair import RawElement
from dotsocr.geometry import to_page_space
from dotsocr.model import Category, Element
from dotsocr.protocol import CATEGORIES

_SEPARATORS = re.compile(r"[\s_\-]+")


def _category_key(name: str) -> str:
    return _SEPARATORS.sub("", name).lower()


#: "section_header", "Section Header", "SECTION-HEADER" -> "Section-header".
_CATEGORY_BY_KEY: dict[str, str] = {_category_key(c): c for c in CATEGORIES}


@dataclass
class MappedElements:
    """Elements ready for a Page, and counted notes on what had to be fixed."""

    elements: list[Element]
    warnings: list[str] = field(default_factory=list)


def normalise_category(name: str) -> str | None:
    """The exact category spelling for a tolerant match, None when unknown."""
    return _CATEGORY_BY_KEY.get(_category_key(name))


def _count(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def map_elements(
    raw: list[RawElement], page_size: tuple[int, int], *, prompt_mode: str = "layout_all"
) -> MappedElements:
    """Map ``raw`` (model-input pixels) onto a page of ``page_size`` (width, height).

    Boxes are rounded and clipped to the page; corners given in the wrong order are
    swapped when both lie on the page, otherwise the element is dropped; boxes with
    no area left are dropped; an element without a box covers the whole page.
    """
    width, height = page_size
    if width <= 0 or height <= 0:
        raise ValueError(f"page size must be positive, got {width}x{height}")
    keep_text = prompt_mode != "layout_only"

    unknown: Counter[str] = Counter()
    clipped = swapped = inverted = no_area = invalid = full_page = 0
    elements: list[Element] = []
    for el in raw:
        category = normalise_category(el.category)
        if category is None:
            unknown[el.category] += 1
            category = "Text"

        if el.bbox is None:
            box = [0, 0, width, height]
            full_page += 1
        else:
            if len(el.bbox) != 4 or not all(math.isfinite(v) for v in el.bbox):
                invalid += 1
                continue
            x1, y1, x2, y2 = to_page_space(el.bbox, page_size)
            if x2 < x1 or y2 < y1:
                on_page = all(0 <= x <= width for x in (x1, x2)) and all(
                    0 <= y <= height for y in (y1, y2)
                )
                if not on_page:
                    inverted += 1
                    continue
                x1, x2 = min(x1, x2), max(x1, x2)
                y1, y2 = min(y1, y2), max(y1, y2)
                swapped += 1
            rounded = [round(x1), round(y1), round(x2), round(y2)]
            box = [
                min(max(rounded[0], 0), width),
                min(max(rounded[1], 0), height),
                min(max(rounded[2], 0), width),
                min(max(rounded[3], 0), height),
            ]
            if box != rounded:
                clipped += 1
            if box[2] <= box[0] or box[3] <= box[1]:
                no_area += 1
                continue

        text: str | None = None
        if keep_text and category != "Picture":
            text = (el.text or "").strip()
        elements.append(Element(bbox=box, category=cast(Category, category), text=text))

    warnings: list[str] = []
    if clipped:
        warnings.append(_count(clipped, "box", "boxes") + " outside the page clipped")
    if swapped:
        warnings.append(_count(swapped, "box", "boxes") + " with swapped corners fixed")
    if inverted:
        warnings.append(_count(inverted, "inverted box", "inverted boxes") + " dropped")
    if no_area:
        warnings.append(_count(no_area, "box", "boxes") + " with no area on the page dropped")
    if invalid:
        warnings.append(_count(invalid, "invalid box", "invalid boxes") + " dropped")
    if full_page:
        warnings.append(
            _count(full_page, "element", "elements") + " without a box given the full page"
        )
    for name, n in sorted(unknown.items()):
        label = _count(n, "unknown category", "unknown categories")
        warnings.append(f"{label} {name!r} kept as Text")
    return MappedElements(elements=elements, warnings=warnings)
