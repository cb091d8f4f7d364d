"""Vertical (縦書き) pages: reading order, whole headings, furniture in the margins.

A vertical page reads its columns right to left, but a two-tier (二段組) page
reads the whole upper tier before the lower one: tiers come before columns. So the
cut here tries horizontal gaps (tiers, bands) first and columns second, the other
way round from a horizontal page. A vertical heading the layout model or the line
finder cut in two (第一章 | 銀河ステーション) is put back together, a block drawn
over the columns either side of another is cut there, and short vertical lines
standing in the side margins, outside the body's block, are running heads (柱) or
chapter tabs: page furniture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import Box, area, inside_ratio, union
from dotsocr.engines.cpu.reading_order import projection_groups
from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.engines.cpu.textlines import Line

#: Narrowest gap (pixels) between tiers or columns that the cut takes.
MIN_GAP = 6.0
#: Tiers may overlap by this much (pixels): a rule parts the official gazette's
#: tiers with hardly any space, and OCR boxes are padded past their glyphs.
TIER_OVERLAP = 6.0
#: Share of the page width at either side where running heads and tabs stand.
SIDE_BAND = 0.1
#: Longest text a running head or side tab has.
FURNITURE_CHARS = 40
_HEADINGS = frozenset({"Section-header", "Title"})
_TEXT = frozenset({"Text", "Section-header", "Title", "List-item"})


def _order(boxes: Sequence[Box], idxs: list[int], depth: int) -> list[int]:
    if len(idxs) <= 1 or depth > 64:
        return sorted(idxs, key=lambda i: (-boxes[i][2], boxes[i][1]))
    tiers = projection_groups(boxes, idxs, 1, -TIER_OVERLAP)
    if len(tiers) > 1:
        return [i for t in tiers for i in _order(boxes, t, depth + 1)]
    cols = projection_groups(boxes, idxs, 0, MIN_GAP)
    if len(cols) > 1:
        # Pieces of a horizontal line (the gazette's dateline) read left to right.
        if not all(_wide(boxes[i]) for i in idxs):
            cols.reverse()
        return [i for c in cols for i in _order(boxes, c, depth + 1)]
    return sorted(idxs, key=lambda i: (-boxes[i][2], boxes[i][1]))


def _wide(box: Box) -> bool:
    return box[2] - box[0] > box[3] - box[1]


def vertical_reading_order(boxes: Sequence[Box], furniture: Sequence[str] = ()) -> list[int]:
    """Indices of ``boxes`` in the reading order of a vertical page: tiers top to
    bottom, columns right to left within each. ``furniture`` ("header"/"footer" by
    index) is read before and after the body; a box holding others (a picture over
    its labels) goes just before the first of them."""
    role = {i: r for i, r in enumerate(furniture) if r in ("header", "footer")}
    held_by: dict[int, list[int]] = {}
    for i, outer in enumerate(boxes):
        if i in role:
            continue
        inner = [
            j
            for j, b in enumerate(boxes)
            if j != i and inside_ratio(b, outer) > 0.8 and area(b) < area(outer)
        ]
        if inner:
            held_by[i] = inner
    rest = [i for i in range(len(boxes)) if i not in role and i not in held_by]
    side = sorted(
        (i for i, r in role.items() if r == "header"), key=lambda i: (boxes[i][1], -boxes[i][2])
    )
    feet = sorted(
        (i for i, r in role.items() if r == "footer"), key=lambda i: (boxes[i][1], -boxes[i][2])
    )
    order = [*side, *_order(boxes, rest, 0), *feet]
    position = {i: k for k, i in enumerate(order)}
    placed = [(float(k), 0, i) for k, i in enumerate(order)]
    for c, inner in held_by.items():
        firsts = [position[j] for j in inner if j in position]
        placed.append((min(firsts) - 0.5 if firsts else len(order) + c, 1, c))
    return [i for _, _, i in sorted(placed)]


def _cjk_column(line: Line) -> bool:
    return line.vertical and any(is_cjk(c) for c in line.text)


def vertical_paragraphs(lines: Sequence[Line]) -> list[list[Line]]:
    """Vertical CJK lines grouped into paragraphs, columns right to left: a column
    joins the paragraph whose last column stands just right of it, top-aligned
    with it, in about the same size; a short last column ending a sentence closes
    its paragraph (the next one starts a new column, indented)."""
    pars: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (-ln.box[2], ln.box[1])):
        best, best_gap = None, float("inf")
        for par in pars:
            gap = _column_gap(par, line)
            if gap is not None and gap < best_gap:
                best, best_gap = par, gap
        if best is None:
            pars.append([line])
        else:
            best.append(line)
    return pars


def _column_gap(par: list[Line], line: Line) -> float | None:
    """The gap from ``par``'s last column to ``line`` if ``line`` goes on with it."""
    last = par[-1]
    size = max(min(last.size, line.size), 1.0)
    if not 0.8 <= line.size / max(last.size, 1.0) <= 1.25:
        return None
    gap = last.box[0] - line.box[2]
    if not -0.3 * size <= gap <= 1.2 * size:
        return None
    top = min(ln.box[1] for ln in par)
    bottom = max(ln.box[3] for ln in par)
    if abs(line.box[1] - top) > 1.5 * size or line.box[1] > bottom:
        return None
    height = bottom - top
    ended = last.text.rstrip().endswith(("。", "」", "！", "？", "』"))
    if ended and last.box[3] - last.box[1] < 0.8 * height:
        return None
    return gap


def split_columns(lines: Sequence[Line]) -> tuple[list[Line], list[Line]]:
    """(vertical CJK lines, the rest): columns of Japanese are prose, never the
    rows of a table the layout model missed."""
    columns = [ln for ln in lines if _cjk_column(ln)]
    return columns, [ln for ln in lines if not _cjk_column(ln)]


def with_vertical_paragraphs(
    lines: Sequence[Line], group: Callable[[Sequence[Line]], list[list[Line]]]
) -> list[list[Line]]:
    """Paragraphs of a page's loose lines: vertical CJK columns by
    :func:`vertical_paragraphs`, the rest by ``group`` (the horizontal grouping)."""
    columns = [ln for ln in lines if _cjk_column(ln)]
    if not columns:
        return group(lines)
    rest = [ln for ln in lines if not _cjk_column(ln)]
    return [*vertical_paragraphs(columns), *(group(rest) if rest else [])]


def heading_columns(ordered: Sequence[Line]) -> int:
    """How many columns at the start of a vertical block (right to left) are a
    heading: columns of one size, larger than the column after them (a title
    beside its author), 0 if none; the layout model often boxes them together."""
    if len(ordered) < 2 or not all(ln.vertical for ln in ordered):
        return 0
    first = ordered[0].size
    n = 1
    while n < len(ordered) and abs(ordered[n].size - first) <= 0.1 * first:
        n += 1
    if n == len(ordered) or first < 1.2 * ordered[n].size:
        return 0
    head = "".join(ln.text for ln in ordered[:n])
    return n if len(head) <= 40 else 0


def _vertical(block: Block) -> bool:
    """Vertical lines, or single glyphs stacked in a column (第|4|章: PDFium breaks
    the line at a digit set upright in vertical text)."""
    if not block.lines:
        return False
    if all(ln.vertical for ln in block.lines):
        return True
    x1, y1, x2, y2 = block.box
    stacked = len(block.lines) >= 2 and all(len(ln.text) <= 2 for ln in block.lines)
    return stacked and y2 - y1 >= 2 * (x2 - x1)


def join_vertical_headings(blocks: list[Block]) -> list[Block]:
    """One heading for side-by-side vertical heading blocks of about one size
    (a chapter number in one column, its title in the next): right one first."""
    out = list(blocks)
    merged = True
    while merged:
        merged = False
        for a in out:
            if a.category not in _HEADINGS or not _vertical(a):
                continue
            for b in out:
                if b is a or b.category not in _HEADINGS or not _vertical(b):
                    continue
                if not _side_by_side(a, b):
                    continue
                right, left = (a, b) if a.box[2] >= b.box[2] else (b, a)
                right.lines = [*right.lines, *left.lines]
                right.box = union([right.box, left.box])
                right.text = f"{right.text or ''}{left.text or ''}"
                if "Title" in (a.category, b.category):
                    right.category = "Title"
                out.remove(left)
                merged = True
                break
            if merged:
                break
    return out


def split_around_nested(blocks: list[Block], text_of: Callable[[list[Line]], str]) -> list[Block]:
    """Vertical text blocks cut where another text block stands among their columns.

    The layout model may draw one text region over a heading column and the body
    columns either side of it (the official gazette's 政令 number, title, then the
    preamble). Read as one block, the heading would come after all of its columns.
    The columns right of the nested block and those left of it become two blocks,
    so that it is read between them, where it stands. ``text_of`` joins a block's
    lines into its text.
    """
    out = list(blocks)
    changed = True
    while changed:
        changed = False
        for k, outer in enumerate(out):
            if outer.category not in _TEXT or not _vertical(outer):
                continue
            for inner in out:
                if inner is outer or inner.category not in _TEXT or not inner.lines:
                    continue
                if inside_ratio(inner.box, outer.box) <= 0.8 or area(inner.box) >= area(outer.box):
                    continue
                middle = (inner.box[0] + inner.box[2]) / 2
                right = [ln for ln in outer.lines if (ln.box[0] + ln.box[2]) / 2 > middle]
                left = [ln for ln in outer.lines if (ln.box[0] + ln.box[2]) / 2 <= middle]
                if right and left:
                    out[k : k + 1] = [
                        Block(outer.category, union(ln.box for ln in part), part, text_of(part))
                        for part in (right, left)
                    ]
                    changed = True
                    break
            if changed:
                break
    return out


def _side_by_side(a: Block, b: Block) -> bool:
    size = max(min(a.size, b.size), 1.0)
    if max(a.size, b.size) > 1.6 * size:
        return False
    gap = max(a.box[0] - b.box[2], b.box[0] - a.box[2])
    overlap = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    shorter = min(a.box[3] - a.box[1], b.box[3] - b.box[1])
    return -0.2 * size <= gap <= 1.0 * size and overlap > 0.3 * shorter


def mark_side_furniture(blocks: list[Block], width: int) -> None:
    """Short vertical text in a side margin, apart from the body's block, is a
    running head or a chapter tab: Page-header (in place)."""
    body = [
        b
        for b in blocks
        if b.category in ("Text", "List-item") and len((b.text or "").strip()) >= 15
    ]
    if not body or width <= 0:
        return
    frame = union(b.box for b in body)
    size = max(sorted(b.size for b in body)[len(body) // 2], 1.0)
    for b in blocks:
        if b in body or b.category not in _TEXT or not _vertical(b):
            continue
        if not any(is_cjk(c) for c in b.text or ""):
            continue  # turned Latin at a margin (an arXiv stamp) is left as it was
        if len((b.text or "").strip()) > FURNITURE_CHARS:
            continue
        left_margin = b.box[2] <= frame[0] - 0.5 * size and b.box[2] <= SIDE_BAND * width
        right_margin = b.box[0] >= frame[2] + 0.5 * size and b.box[0] >= (1 - SIDE_BAND) * width
        if left_margin or right_margin:
            b.category = "Page-header"
