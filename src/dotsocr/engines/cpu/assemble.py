"""Lines + layout regions -> categorised blocks with text, in reading order.

The layout model says where tables, pictures, titles and paragraphs are; the
lines say what is written and how big. Each line goes to the region holding most
of it; lines in no region are grouped into paragraphs by geometry, so no text is
ever dropped (except small labels inside pictures). Categories the layout model
lacks come from the lines: List-item (bullets, numbering), Title (the biggest
heading on the first page), Footnote (small marked text at the bottom), and page
numbers in the margins (Page-header/Page-footer).
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from dotsocr.engines.cpu.boxes import Box, area, expand, inside_ratio, union, v_overlap
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.reading_order import reading_order
from dotsocr.engines.cpu.scripts import dominant_direction, is_cjk, join_pieces
from dotsocr.engines.cpu.tables import find_rules, table_html
from dotsocr.engines.cpu.textlines import Line

_BULLET = re.compile(
    r"^\s*(?:[\u2022\u25cf\u25cb\u25e6\u25aa\u25ab\u25a0\u25a1\u2023\u2043\u2219\u00b7"
    r"\u27a2\u27a4\u25ba\u25b6\u2713\u2714\u2756\u25c6\u25c7\uf0b7\uf0a7\uf0d8*\-\u2013\u2014]"
    r"(?:\s|$)"
    r"|\(?\d{1,3}[.)](?:\s|$)"
    r"|\([a-zA-Z]\)\s"
    r"|[a-z][.)]\s"
    r"|\(?[ivx]{1,4}[.)]\s"
    r"|[\u2460-\u2473\u2776-\u277f])"
)
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-\u2013(\[]?\s*(?:\d{1,4}|[ivxlc]{1,6})\s*[-\u2013)\]]?"
    r"(?:\s*(?:/|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)
_FOOTNOTE_MARK = re.compile(r"^\s*(?:\d{1,2}|[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2074-\u2079])")
#: A picture region larger than this share of the page keeps its text as page text.
BIG_PICTURE = 0.4
_CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|table|tab\.|chart|listing|scheme|plate|"
    r"\u56fe|\u8868|\u56f3|\u5716)\s*[\dA-Z][\d.\-:]*",
    re.IGNORECASE,
)
_SENTENCE_END = tuple(".!?:;\u3002\uff01\uff1f\uff1a")


@dataclass
class Block:
    """An element under construction: category, box, the lines it holds, its text."""

    category: str
    box: Box
    lines: list[Line] = field(default_factory=list)
    text: str | None = None

    @property
    def size(self) -> float:
        """Median font size of the block's lines (0 for a picture)."""
        return float(statistics.median(ln.size for ln in self.lines)) if self.lines else 0.0


def is_list_start(text: str) -> bool:
    """A bullet or item number followed by some text."""
    for form in (text[:24], unicodedata.normalize("NFKC", text[:24])):
        m = _BULLET.match(form)
        if m:
            return any(c.isalnum() for c in form[m.end() :])
    return False


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(unicodedata.normalize("NFKC", text).strip()))


def body_size(lines: Sequence[Line]) -> float:
    """The size most of the page's text is written in (weighted by characters)."""
    sizes: list[float] = []
    for ln in lines:
        sizes.extend([ln.size] * max(1, min(len(ln.text), 200)))
    return float(statistics.median(sizes)) if sizes else 0.0


# --- ordering and joining lines inside one block -----------------------------


def order_lines(lines: Sequence[Line], rtl: bool = False) -> list[Line]:
    """Lines of one block in reading order: rows top to bottom, or vertical
    columns right to left."""
    if not lines:
        return []
    if sum(1 for ln in lines if ln.vertical) * 2 > len(lines):
        return sorted(lines, key=lambda ln: (-ln.box[2], ln.box[1]))
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: ln.box[1]):
        for row in rows:
            if v_overlap(row[0].box, line.box) >= 0.5:
                row.append(line)
                break
        else:
            rows.append([line])
    rows.sort(key=lambda r: min(ln.box[1] for ln in r))
    out: list[Line] = []
    for row in rows:
        out.extend(sorted(row, key=lambda ln: -ln.box[2] if rtl else ln.box[0]))
    return out


def block_text(lines: Sequence[Line], rtl: bool = False) -> str:
    return join_pieces([ln.text for ln in order_lines(lines, rtl)])


# --- paragraphs from loose lines ---------------------------------------------


def _joins(par: list[Line], line: Line) -> bool:
    """Whether ``line`` continues paragraph ``par`` (whose lines are in order)."""
    last = par[-1]
    size = max(min(last.size, line.size), 1.0)
    if not 0.8 <= line.size / max(last.size, 1.0) <= 1.25:
        return False
    pbox = union(ln.box for ln in par)
    if line.vertical and last.vertical:
        gap = last.box[0] - line.box[2]
        return -0.3 * size <= gap <= 1.2 * size and v_overlap(pbox, line.box) > 0.3
    if line.vertical or last.vertical:
        return False
    # Another piece of the same row (a gap PDFium or OCR split on).
    if v_overlap(last.box, line.box) >= 0.5:
        gap = max(line.box[0] - last.box[2], last.box[0] - line.box[2])
        return gap <= 2.0 * size
    gap = line.box[1] - last.box[3]
    if not -0.3 * size <= gap <= 0.9 * size:
        return False
    overlap = min(pbox[2], line.box[2]) - max(pbox[0], line.box[0])
    if overlap <= 0.3 * min(pbox[2] - pbox[0], line.box[2] - line.box[0]):
        return False
    if is_list_start(line.text):
        return False
    # A short line ending a sentence closes its paragraph.
    width = pbox[2] - pbox[0]
    return not (
        len(par) >= 2
        and last.box[2] - last.box[0] < 0.6 * width
        and last.text.rstrip().endswith(_SENTENCE_END)
    )


def group_paragraphs(lines: Sequence[Line]) -> list[list[Line]]:
    """Group loose lines into paragraphs (columns kept apart)."""
    pars: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.box[1], ln.box[0])):
        best = None
        best_gap = float("inf")
        for par in pars:
            if _joins(par, line):
                gap = abs(line.box[1] - par[-1].box[3])
                if gap < best_gap:
                    best, best_gap = par, gap
        if best is None:
            pars.append([line])
        else:
            best.append(line)
    return pars


def split_list_items(lines: Sequence[Line], rtl: bool = False) -> list[list[Line]] | None:
    """Split a block into list items at bullet/number lines, or None if it is no list."""
    ordered = order_lines(lines, rtl)
    if not ordered or not is_list_start(ordered[0].text):
        return None
    left = min(ln.box[0] for ln in ordered)
    items: list[list[Line]] = []
    for line in ordered:
        starts = is_list_start(line.text) and line.box[0] - left < 2.5 * line.size
        if starts or not items:
            items.append([line])
        else:
            items[-1].append(line)
    return items


# --- regions and lines -------------------------------------------------------


def _drop_regions_in_pictures(regions: Sequence[Region]) -> list[Region]:
    """Text regions inside a figure are its labels, not page text."""
    pictures = [r for r in regions if r.category == "Picture"]
    out = []
    for r in regions:
        if r.category != "Picture" and any(
            inside_ratio(r.box, p.box) > 0.8 for p in pictures if p is not r
        ):
            continue
        out.append(r)
    return out


def assign_lines(
    lines: Sequence[Line], regions: Sequence[Region], pad: float
) -> tuple[dict[int, list[Line]], list[Line]]:
    """Give each line to the region holding most of it; the rest stay loose."""
    owned: dict[int, list[Line]] = {i: [] for i in range(len(regions))}
    loose: list[Line] = []
    padded = [expand(r.box, pad, pad) for r in regions]
    for line in lines:
        best, best_key = None, None
        for i, box in enumerate(padded):
            share = inside_ratio(line.box, box)
            if share < 0.5:
                continue
            key = (round(share, 1), regions[i].category != "Picture", -area(box))
            if best_key is None or key > best_key:
                best, best_key = i, key
        if best is None:
            loose.append(line)
        else:
            owned[best].append(line)
    return owned, loose


def _large_paragraph(par: Sequence[Line]) -> bool:
    text = "".join(ln.text for ln in par)
    cjk = sum(1 for c in text if is_cjk(c))
    words = sum(len(ln.text.split()) for ln in par)
    return len(par) >= 3 and (words >= 20 or cjk >= 40)


def _text_blocks(lines: Sequence[Line], category: str, rtl: bool) -> list[Block]:
    """One block of ``category``, or list items when the lines are a list."""
    if category == "Text":
        items = split_list_items(lines, rtl)
        if items is not None:
            return [
                Block("List-item", union(ln.box for ln in it), list(it), block_text(it, rtl))
                for it in items
            ]
    return [Block(category, union(ln.box for ln in lines), list(lines), block_text(lines, rtl))]


def _split_table_caption(lines: list[Line], rtl: bool) -> tuple[list[Line], list[Line]]:
    """A "Table 2-2 ..." title written as the first row inside a table region:
    (caption lines, table lines)."""
    ordered = order_lines(lines, rtl)
    if len(ordered) < 3 or not _CAPTION.match(ordered[0].text):
        return [], lines
    first = ordered[0]
    row = [ln for ln in ordered if v_overlap(ln.box, first.box) >= 0.5]
    if len(row) != 1:
        return [], lines
    return [first], [ln for ln in lines if ln is not first]


def _region_blocks(
    region: Region,
    lines: list[Line],
    rtl: bool,
    loose: list[Line],
    page_area: float,
    image: np.ndarray | None = None,
) -> list[Block]:
    """Blocks for one region; lines that must stay page text go to ``loose``."""
    cat = region.category
    if cat == "Picture":
        if area(region.box) > BIG_PICTURE * page_area:
            # A "picture" over most of the page is a drawing or a misdetected page:
            # its text is page text, not labels to drop.
            loose.extend(lines)
        else:
            for par in group_paragraphs(lines):
                if _large_paragraph(par):
                    loose.extend(par)
        return [Block("Picture", region.box)]
    if not lines:
        return []
    if cat == "Table":
        caption, lines = _split_table_caption(lines, rtl)
        out = []
        if caption:
            cap_box = union(ln.box for ln in caption)
            out.append(Block("Caption", cap_box, caption, block_text(caption, rtl)))
        box = union([region.box, *(ln.box for ln in lines)])
        if caption:
            box = (box[0], max(box[1], caption[0].box[3]), box[2], box[3])
        html = table_html(lines, rtl, find_rules(image, box))
        return [*out, Block("Table", box, lines, html)]
    if cat == "Section-header" and (len(lines) > 3 or sum(len(ln.text) for ln in lines) > 200):
        cat = "Text"
    return _text_blocks(lines, cat, rtl)


def _loose_blocks(lines: Sequence[Line], body: float, rtl: bool) -> list[Block]:
    blocks: list[Block] = []
    for par in group_paragraphs(lines):
        text = block_text(par, rtl)
        size = float(statistics.median(ln.size for ln in par))
        heading = len(par) <= 2 and len(text) <= 150 and body > 0 and size >= 1.2 * body
        bold_heading = (
            len(par) == 1
            and par[0].bold
            and 2 <= len(text) <= 80
            and not text.endswith((".", ","))
            and sum(c.isalpha() for c in text) >= 2
        )
        if (heading or bold_heading) and not is_list_start(text):
            blocks.append(Block("Section-header", union(ln.box for ln in par), par, text))
        else:
            blocks.extend(_text_blocks(par, "Text", rtl))
    return blocks


# --- page-level relabelling --------------------------------------------------


def _headings_in_the_header_band(blocks: list[Block], body: float) -> None:
    """A bold or large "header" the layout model found is usually the page's first
    heading, not a running head (those are small and plain); the document pass
    still marks it Page-header when it recurs across pages."""
    for b in blocks:
        if b.category != "Page-header" or not b.lines or not b.text or len(b.lines) > 3:
            continue
        if is_page_number(b.text):
            continue
        if all(ln.bold for ln in b.lines) or (body > 0 and b.size >= 1.15 * body):
            b.category = "Section-header"


def _mark_title(blocks: list[Block], body: float, height: int) -> None:
    """The biggest heading in the upper half of a first page becomes the Title."""
    heads = [
        b
        for b in blocks
        if b.category in ("Section-header", "Text")
        and b.lines
        and b.box[1] < 0.5 * height
        and len(b.lines) <= 3
        and b.text
        and len(b.text) <= 200
    ]
    if not heads:
        return
    top = max(heads, key=lambda b: b.size)
    others = [b.size for b in heads if b is not top and b.category == "Section-header"]
    if top.size >= 1.3 * body and (not others or top.size >= 1.1 * max(others)):
        top.category = "Title"


def _mark_margins(blocks: list[Block], body: float, height: int) -> None:
    """Page numbers in the top/bottom margins; small marked notes at the bottom."""
    for b in blocks:
        if b.category not in ("Text", "Section-header", "List-item") or not b.text:
            continue
        cy = (b.box[1] + b.box[3]) / 2
        if is_page_number(b.text) and (cy < 0.1 * height or cy > 0.9 * height):
            b.category = "Page-header" if cy < 0.5 * height else "Page-footer"
        elif (
            b.category in ("Text", "List-item")
            and b.box[1] > 0.7 * height
            and body > 0
            and b.size <= 0.85 * body
            and _FOOTNOTE_MARK.match(b.text)
        ):
            b.category = "Footnote"


def _mark_captions(blocks: list[Block], height: int) -> None:
    """Short "Figure 3-1 ..." / "Table 2 ..." text right above or below a picture or
    table is its caption (the layout model misses some)."""
    anchors = [b.box for b in blocks if b.category in ("Picture", "Table")]
    for b in blocks:
        if b.category != "Text" or not b.text or len(b.lines) > 6 or not _CAPTION.match(b.text):
            continue
        near = 0.03 * height
        for a in anchors:
            overlap = min(a[2], b.box[2]) - max(a[0], b.box[0])
            gap = max(b.box[1] - a[3], a[1] - b.box[3])
            if overlap > 0 and gap <= near:
                b.category = "Caption"
                break


def assemble(
    lines: Sequence[Line],
    regions: Sequence[Region],
    width: int,
    height: int,
    first_page: bool = False,
    image: np.ndarray | None = None,
) -> list[Block]:
    """Build the page's blocks in reading order; ``image`` (the page, H x W x C)
    shows the ruling lines of tables."""
    texts = [ln.text for ln in lines]
    rtl = dominant_direction(texts) == "rtl"
    vertical = sum(1 for ln in lines if ln.vertical) * 2 > max(len(lines), 1)
    regions = _drop_regions_in_pictures(regions)
    owned, loose = assign_lines(lines, regions, pad=0.004 * max(width, height))
    body = body_size(lines)
    blocks: list[Block] = []
    for i, region in enumerate(regions):
        blocks.extend(_region_blocks(region, owned[i], rtl, loose, float(width * height), image))
    blocks.extend(_loose_blocks(loose, body, rtl))
    blocks = [b for b in blocks if b.category == "Picture" or b.text]
    _headings_in_the_header_band(blocks, body)
    if first_page:
        _mark_title(blocks, body, height)
    _mark_margins(blocks, body, height)
    _mark_captions(blocks, height)
    order = reading_order([b.box for b in blocks], rtl=rtl or vertical)
    return [blocks[i] for i in order]
