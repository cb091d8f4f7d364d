"""Lines + layout regions -> categorised blocks with text, in reading order.

The layout model says where tables, pictures, titles and paragraphs are; the
lines say what is written and how big. Each line goes to the region holding most
of it; lines in no region are grouped into paragraphs by geometry, so no text is
ever dropped (except small labels inside pictures). A text block is split where
its lines show a run-in heading or list items (:mod:`lists`); aligned loose lines
can form a table the layout model missed (:mod:`grid_tables`). The page-level
roles (title, captions, formulas, footnotes, page numbers) come from
:mod:`page_roles`, and the reading order from :mod:`reading_order`.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence

import numpy as np

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import area, expand, inside_ratio, union, v_overlap
from dotsocr.engines.cpu.chart_axes import has_tick_axis
from dotsocr.engines.cpu.furniture import (
    furniture_text,
    mark_single_page_furniture,
    visible_lines,
)
from dotsocr.engines.cpu.grid_tables import loose_tables
from dotsocr.engines.cpu.heading_evidence import check_headings
from dotsocr.engines.cpu.heading_levels import mark_heading_levels
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.letter_spaced_lines import join_letter_spaced_lines
from dotsocr.engines.cpu.list_continuations import join_list_continuations
from dotsocr.engines.cpu.lists import is_list_start, segment_lists
from dotsocr.engines.cpu.mixed_lines import split_mixed_lines
from dotsocr.engines.cpu.page_roles import (
    CAPTION,
    footnotes_last,
    headings_in_the_header_band,
    is_page_number,
    join_number_badges,
    mark_captions,
    mark_edge_furniture,
    mark_formulas,
    mark_margins,
    mark_title,
    promote_headings,
)
from dotsocr.engines.cpu.paragraphs import segment_text, split_text_segments
from dotsocr.engines.cpu.picture_tables import tables_among_pictures
from dotsocr.engines.cpu.picture_text import is_text_block, kept_lines, prose_columns
from dotsocr.engines.cpu.reading_order import reading_order
from dotsocr.engines.cpu.region_split import split_heading_region
from dotsocr.engines.cpu.rows import text_rows_across
from dotsocr.engines.cpu.ruby_lines import attach_ocr_ruby
from dotsocr.engines.cpu.scripts import dominant_direction, is_cjk, join_pieces
from dotsocr.engines.cpu.sup_sub import mark_scripts_in_lines
from dotsocr.engines.cpu.table_build import region_table_html
from dotsocr.engines.cpu.table_headers import adopt_headings_above
from dotsocr.engines.cpu.table_notes import tidy_table_edges
from dotsocr.engines.cpu.textlines import Line
from dotsocr.engines.cpu.vertical_order import (
    heading_columns,
    join_vertical_headings,
    mark_side_furniture,
    split_around_nested,
    split_columns,
    vertical_reading_order,
    with_vertical_paragraphs,
)

#: A picture region larger than this share of the page keeps its text as page text.
BIG_PICTURE = 0.4
#: A table region at least this share of the page tall is a form drawn over it.
FORM_TABLE = 0.6
#: Share of the page height at the top and at the foot that holds its margins.
MARGIN_BAND = 0.08
_SENTENCE_END = tuple(".!?:;\u3002\uff01\uff1f\uff1a")
#: Page furniture is read before or after the body, outside the column cut.
_FURNITURE = {"Page-header": "header", "Page-footer": "footer"}


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


def run_in_heading(ordered: Sequence[Line]) -> int:
    """How many lines at the start of a text block are a heading set apart by its
    style (bold over plain text, or a larger font than the even-sized rest): the
    layout model often boxes a heading together with its paragraph. 0 if none."""
    if len(ordered) < 2:
        return 0
    n = 1
    while n < len(ordered) and v_overlap(ordered[n].box, ordered[0].box) >= 0.5:
        n += 1
    head, rest = ordered[:n], ordered[n:]
    text = " ".join(ln.text for ln in head).strip()
    if not rest or len(text) > 100:
        return 0
    if text.endswith((",", ";")) or sum(c.isalnum() for c in text) < 2:
        return 0
    if CAPTION.match(text):
        return 0  # "Figure 1." in bold opens a caption, not a heading
    if _opens_a_paragraph(head, rest):
        return 0
    sizes = [ln.size for ln in rest]
    even = max(sizes) <= 1.02 * min(sizes)
    larger = even and min(ln.size for ln in head) >= 1.06 * max(sizes)
    bolder = all(ln.bold for ln in head) and not any(ln.bold for ln in rest)
    return len(head) if larger or bolder else 0


def _opens_a_paragraph(head: Sequence[Line], rest: Sequence[Line]) -> bool:
    """A first row set in like a paragraph's first line and running the full measure
    on into the next: the paragraph's opening line (a larger font for code or a
    formula inside it makes it look set apart), not a heading."""
    size = max(statistics.median(ln.size for ln in rest), 1.0)
    indent = min(ln.box[0] for ln in head) - min(ln.box[0] for ln in rest)
    short_of_measure = max(ln.box[2] for ln in rest) - max(ln.box[2] for ln in head)
    return 0.5 * size <= indent <= 3.0 * size and short_of_measure <= size


def _text_blocks(lines: Sequence[Line], category: str, rtl: bool) -> list[Block]:
    """One block of ``category``; a Text block is split into a leading heading,
    prose and list items where its lines show them."""
    if category == "Text":
        ordered = order_lines(lines, rtl)
        out: list[Block] = []
        n = run_in_heading(ordered) or heading_columns(ordered)
        if n:
            head = ordered[:n]
            box = union(ln.box for ln in head)
            out.append(Block("Section-header", box, head, block_text(head, rtl)))
            ordered = ordered[n:]
        out.extend(
            Block(kind, union(ln.box for ln in seg), seg, segment_text(seg))
            for kind, seg in split_text_segments(segment_lists(ordered))
        )
        return out
    return [Block(category, union(ln.box for ln in lines), list(lines), block_text(lines, rtl))]


def _split_table_caption(lines: list[Line], rtl: bool) -> tuple[list[Line], list[Line]]:
    """A "Table 2-2 ..." title written as the first row inside a table region:
    (caption lines, table lines)."""
    ordered = order_lines(lines, rtl)
    if len(ordered) < 3 or not CAPTION.match(ordered[0].text):
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
        if is_text_block(region.box, lines):
            loose.extend(lines)  # text the layout model called a picture (:mod:`picture_text`)
            return []
        if area(region.box) > BIG_PICTURE * page_area and not has_tick_axis(lines):
            # A "picture" over most of the page is a drawing or a misdetected page:
            # its text is page text, not labels to drop. A chart's stays its own.
            loose.extend(lines)
        else:
            kept = kept_lines(lines)
            loose.extend(kept)
            for par in group_paragraphs([ln for ln in lines if ln not in kept]):
                if _large_paragraph(par):
                    loose.extend(par)
        return [Block("Picture", region.box)]
    if not lines:
        # A formula drawn as paths has no text: keep its box so it is not lost.
        return [Block("Formula", region.box)] if cat == "Formula" else []
    if cat == "Table" and prose_columns(lines):
        cat = "Text"  # vertical prose the layout model boxed as a table
    if cat == "Table":
        caption, lines = _split_table_caption(lines, rtl)
        out = []
        if caption:
            cap_box = union(ln.box for ln in caption)
            out.append(Block("Caption", cap_box, caption, block_text(caption, rtl)))
        box = union([region.box, *(ln.box for ln in lines)])
        if caption:
            box = (box[0], max(box[1], caption[0].box[3]), box[2], box[3])
        html = region_table_html(lines, rtl, box, image)
        return [*out, Block("Table", box, lines, html)]
    if cat == "Section-header" and (len(lines) > 3 or sum(len(ln.text) for ln in lines) > 200):
        cat = "Text"
    if cat in ("Section-header", "Title"):
        return [b for part in split_heading_region(lines) for b in _text_blocks(part, cat, rtl)]
    return _text_blocks(lines, cat, rtl)


def _furniture_out_of_tables(
    regions: Sequence[Region], owned: dict[int, list[Line]], loose: list[Line], height: int
) -> None:
    """A table region drawn over the whole page (a form) also takes in what the page
    margins hold: the page number, and the form's foot or head line (catalogue
    number, version, the publisher's web address). Those lines are furniture, not
    cells: a page number in the top or bottom band of any table, and, in a table
    most of the page tall, a row in those bands in which a line says what
    furniture says."""
    for i, region in enumerate(regions):
        if region.category != "Table":
            continue
        lines = owned[i]
        out = [ln for ln in lines if is_page_number(ln.text) and _in_margin(ln, height)]
        if region.box[3] - region.box[1] >= FORM_TABLE * height:
            for row in text_rows_across([ln for ln in lines if ln not in out]):
                if _in_margin(row[0], height) and any(furniture_text(ln.text) for ln in row):
                    out += row
        if out and len(out) < len(lines):
            owned[i] = [ln for ln in lines if ln not in out]
            loose.extend(out)


def _in_margin(line: Line, height: int) -> bool:
    return not MARGIN_BAND * height < (line.box[1] + line.box[3]) / 2 < (1 - MARGIN_BAND) * height


def _loose_blocks(lines: Sequence[Line], body: float, rtl: bool) -> list[Block]:
    blocks: list[Block] = []
    for par in with_vertical_paragraphs(lines, group_paragraphs):
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


# --- the page -------------------------------------------------------------------


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
    lines = mark_scripts_in_lines(split_mixed_lines(visible_lines(lines, width, height)))
    lines = attach_ocr_ruby(join_letter_spaced_lines(lines), image)
    texts = [ln.text for ln in lines]
    rtl = dominant_direction(texts) == "rtl"
    vertical = sum(1 for ln in lines if ln.vertical) * 2 > max(len(lines), 1)
    regions = _drop_regions_in_pictures(regions)
    owned, loose = assign_lines(lines, regions, pad=0.004 * max(width, height))
    body = body_size(lines)
    _furniture_out_of_tables(regions, owned, loose, height)
    regions = tables_among_pictures(regions, owned, loose, image, rtl)
    blocks: list[Block] = []
    for i, region in enumerate(regions):
        blocks.extend(_region_blocks(region, owned[i], rtl, loose, float(width * height), image))
    columns, loose = split_columns(loose)
    table_blocks, loose = loose_tables(loose, rtl, image, lines)
    loose.extend(columns)
    blocks.extend(table_blocks)
    blocks.extend(_loose_blocks(loose, body, rtl))
    blocks = [b for b in blocks if b.category in ("Picture", "Formula") or b.text]
    blocks = join_list_continuations(blocks)
    blocks = adopt_headings_above(blocks, image, rtl)
    blocks = tidy_table_edges(blocks, image, rtl)
    blocks = join_number_badges(blocks, body)
    headings_in_the_header_band(blocks, body)
    mark_margins(blocks, body, height)
    mark_edge_furniture(blocks, height, body)
    mark_single_page_furniture(blocks, body, width, height)
    mark_captions(blocks, height, body)
    promote_headings(blocks, body)
    blocks = check_headings(blocks)
    if first_page:
        mark_title(blocks, body, height)
    mark_formulas(blocks)
    if vertical:
        blocks = join_vertical_headings(blocks)
        blocks = split_around_nested(blocks, lambda part: block_text(part, rtl))
    mark_side_furniture(blocks, width)
    furniture = [_FURNITURE.get(b.category, "") for b in blocks]
    if vertical:
        order = vertical_reading_order([b.box for b in blocks], furniture)
    else:
        order = reading_order([b.box for b in blocks], rtl=rtl, furniture=furniture)
    ordered = [blocks[i] for i in order]
    mark_heading_levels(ordered)
    return footnotes_last(ordered)
