"""Running headers and footers: text that recurs at the same place across pages.

This needs the whole document (or a run of pages), so the pipeline calls
:func:`relabel_running_headers` after the pages are done; everything else in the
CPU engine works one page at a time.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict

from dotsocr.engines.cpu.page_roles import is_page_number
from dotsocr.model import Element, Page

#: Share of the page height at the top and bottom where running text lives.
MARGIN = 0.12
#: How far (share of page height) a recurring text may move between pages.
Y_TOLERANCE = 0.025
#: A heading at least this tall (share of page height) is display type, not a
#: running head (those are set in body size or smaller: about 1.5% of a page).
DISPLAY_HEIGHT = 0.03
_RELABEL = frozenset({"Text", "Section-header", "List-item", "Page-header", "Page-footer"})
_DIGITS = re.compile(r"\d+")


def _key(text: str) -> str:
    """Text with numbers masked and no heading marks, so 'Chapter 2 - page 14'
    matches on every page whatever level it was given."""
    text = unicodedata.normalize("NFKC", text).lstrip("#").casefold()
    return " ".join(_DIGITS.sub("#", text).split())


def _display_heading(el: Element, height: int) -> bool:
    """A heading set large (a slide's title, a chapter number "II"): it may repeat
    from page to page, but running heads are small print."""
    return el.category in ("Section-header", "Title") and (
        el.bbox[3] - el.bbox[1] >= DISPLAY_HEIGHT * height
    )


def relabel_running_headers(pages: list[Page]) -> None:
    """Mark text recurring near the top/bottom of several pages, and page numbers
    in those margins, as Page-header/Page-footer (in place)."""
    seen: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    spots = []
    for p_idx, page in enumerate(pages):
        if page.status == "failed" or page.height <= 0:
            continue
        for e_idx, el in enumerate(page.elements):
            if el.category not in _RELABEL or not el.text or _display_heading(el, page.height):
                continue
            cy = (el.bbox[1] + el.bbox[3]) / 2 / page.height
            if MARGIN < cy < 1 - MARGIN:
                continue
            zone = "top" if cy <= MARGIN else "bottom"
            key = _key(el.text)
            seen[(zone, key)].append((p_idx, cy))
            spots.append((p_idx, e_idx, zone, key, cy))
    for p_idx, e_idx, zone, key, cy in spots:
        el = pages[p_idx].elements[e_idx]
        others = {
            other for other, y in seen[(zone, key)] if other != p_idx and abs(y - cy) <= Y_TOLERANCE
        }
        if others or is_page_number(el.text or ""):
            el.category = "Page-header" if zone == "top" else "Page-footer"
