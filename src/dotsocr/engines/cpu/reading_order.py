"""Reading order of a page's elements by recursive XY-cut.

At each level the elements are first split into columns (gaps in the x
projection), else into bands (gaps in the y projection). Bands that share a column
gutter are put back together first, so a two-column page under a full-width title
reads down the left column before the right one, even where paragraph gaps in the
two columns happen to line up. Right-to-left pages (and vertical CJK) take columns
from the right.

Page furniture (running heads, page numbers, printer slugs, a vertical stamp in the
side margin) is ordered apart: headers first, footers last. Left in the cut, a
footer line spanning two columns or a stamp beside them joins every column into
one band, and the page falls back to row order (column 2, 3, 1 on a Federal
Register page). Where a group still cannot be cut, the smallest box that blocks
the cut is set aside and put back by its height, so one odd box does not turn a
three-column page into rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import pairwise

from dotsocr.engines.cpu.boxes import Box, area, inside_ratio

#: Narrowest gap between columns that counts as a gutter, in pixels.
MIN_COLUMN_GAP = 6.0
_MAX_DEPTH = 64
#: A box blocking every cut is set aside only if it holds at most this share of
#: the group's area; groups larger than _MAX_BLOCKER_TRIES are not searched.
_BLOCKER_SHARE = 0.1
_MAX_BLOCKER_TRIES = 120

Interval = tuple[float, float]


def projection_groups(
    boxes: Sequence[Box], idxs: list[int], axis: int, min_gap: float
) -> list[list[int]]:
    """Split ``idxs`` where the projection on ``axis`` (0: x, 1: y) has a gap."""
    lo, hi = (0, 2) if axis == 0 else (1, 3)
    order = sorted(idxs, key=lambda i: (boxes[i][lo], boxes[i][hi]))
    groups: list[list[int]] = []
    end = float("-inf")
    for i in order:
        if not groups or boxes[i][lo] - end >= min_gap:
            groups.append([i])
            end = boxes[i][hi]
        else:
            groups[-1].append(i)
            end = max(end, boxes[i][hi])
    return groups


def _gutters(boxes: Sequence[Box], idxs: list[int]) -> list[Interval]:
    """The x gaps between the columns of a band."""
    cols = projection_groups(boxes, idxs, 0, MIN_COLUMN_GAP)
    out = []
    for a, b in pairwise(cols):
        right = max(boxes[i][2] for i in a)
        left = min(boxes[i][0] for i in b)
        out.append((right, left))
    return out


def _intersect(a: list[Interval], b: list[Interval]) -> list[Interval]:
    out = []
    for x1, x2 in a:
        for y1, y2 in b:
            lo, hi = max(x1, y1), min(x2, y2)
            if hi - lo >= MIN_COLUMN_GAP:
                out.append((lo, hi))
    return out


def _crosses(boxes: Sequence[Box], band: list[int], gutters: list[Interval]) -> bool:
    """Whether a box of ``band`` lies over one of the ``gutters``."""
    return any(boxes[i][0] < hi and boxes[i][2] > lo for i in band for lo, hi in gutters)


def _merge_column_bands(boxes: Sequence[Box], bands: list[list[int]]) -> list[list[int]]:
    """Rejoin neighbouring bands whose columns share a gutter. A band standing in
    one column only (where the other column has a gap) joins them too when the
    band after it shares the gutter: it is the middle of a column, not a row."""
    gutters = [_gutters(boxes, band) for band in bands]
    merged: list[list[int]] = []
    common: list[Interval] = []
    for k, band in enumerate(bands):
        if merged and common and gutters[k]:
            shared = _intersect(common, gutters[k])
            if shared:
                merged[-1] = merged[-1] + band
                common = shared
                continue
        if (
            merged
            and common
            and not gutters[k]
            and not _crosses(boxes, band, common)
            and _bridged(boxes, bands[k + 1 :], gutters[k + 1 :], common)
        ):
            merged[-1] = merged[-1] + band
            continue
        merged.append(list(band))
        common = gutters[k]
    return merged


def _bridged(
    boxes: Sequence[Box],
    bands: list[list[int]],
    gutters: list[list[Interval]],
    common: list[Interval],
) -> bool:
    """Whether the columns go on below: a later band shares the gutter before any
    band lies over it."""
    for band, gaps in zip(bands, gutters, strict=True):
        if gaps:
            return bool(_intersect(common, gaps))
        if _crosses(boxes, band, common):
            return False
    return False


def _fallback(boxes: Sequence[Box], idxs: list[int], rtl: bool) -> list[int]:
    return sorted(idxs, key=lambda i: (boxes[i][1], -boxes[i][2] if rtl else boxes[i][0]))


def _in_rows(boxes: Sequence[Box], idxs: list[int], rtl: bool) -> list[int]:
    """Furniture by rows (boxes whose heights overlap), top to bottom, each row
    left to right (right to left): a page number set a little lower than the title
    beside it still comes first."""
    rows = projection_groups(boxes, idxs, 1, 0.0)
    across = (lambda i: -boxes[i][2]) if rtl else (lambda i: boxes[i][0])
    return [i for row in rows for i in sorted(row, key=across)]


def _cuttable(boxes: Sequence[Box], idxs: list[int]) -> bool:
    """Whether ``idxs`` splits into columns, or into bands that stay bands."""
    if len(projection_groups(boxes, idxs, 0, MIN_COLUMN_GAP)) > 1:
        return True
    bands = projection_groups(boxes, idxs, 1, 0.5)
    return len(bands) > 1 and len(_merge_column_bands(boxes, bands)) > 1


def _side_by_side(boxes: Sequence[Box], idxs: list[int]) -> bool:
    """Whether two boxes share rows with a gap between them: columns a cut should
    find. A plain stack of boxes is read top to bottom as it is."""
    for a in idxs:
        for b in idxs:
            gap = boxes[b][0] - boxes[a][2]
            rows = min(boxes[a][3], boxes[b][3]) - max(boxes[a][1], boxes[b][1])
            if gap >= MIN_COLUMN_GAP and rows > 0:
                return True
    return False


def _blocker(boxes: Sequence[Box], idxs: list[int]) -> int | None:
    """The smallest box whose removal lets ``idxs`` be cut, if it is small beside
    the rest (a stamp, a label): the cut then holds for everything else."""
    if len(idxs) < 3 or len(idxs) > _MAX_BLOCKER_TRIES or not _side_by_side(boxes, idxs):
        return None
    total = sum(area(boxes[i]) for i in idxs)
    for i in sorted(idxs, key=lambda k: area(boxes[k])):
        if area(boxes[i]) > _BLOCKER_SHARE * total:
            return None
        if _cuttable(boxes, [k for k in idxs if k != i]):
            return i
    return None


def _put_back(boxes: Sequence[Box], order: list[int], i: int) -> list[int]:
    """Insert box ``i`` after the last ordered box that starts above its foot."""
    for k in range(len(order) - 1, -1, -1):
        if boxes[order[k]][1] < boxes[i][3]:
            return [*order[: k + 1], i, *order[k + 1 :]]
    return [i, *order]


def _order(boxes: Sequence[Box], idxs: list[int], rtl: bool, depth: int) -> list[int]:
    if len(idxs) <= 1:
        return list(idxs)
    if depth > _MAX_DEPTH:
        return _fallback(boxes, idxs, rtl)
    cols = projection_groups(boxes, idxs, 0, MIN_COLUMN_GAP)
    if len(cols) > 1:
        if rtl:
            cols.reverse()
        return [i for c in cols for i in _order(boxes, c, rtl, depth + 1)]
    bands = projection_groups(boxes, idxs, 1, 0.5)
    if len(bands) > 1:
        bands = _merge_column_bands(boxes, bands)
        if len(bands) > 1:
            return [i for b in bands for i in _order(boxes, b, rtl, depth + 1)]
    odd = _blocker(boxes, idxs)
    if odd is not None:
        rest = _order(boxes, [i for i in idxs if i != odd], rtl, depth + 1)
        return _put_back(boxes, rest, odd)
    return _fallback(boxes, idxs, rtl)


def _containers(boxes: Sequence[Box]) -> dict[int, list[int]]:
    """Boxes that hold other boxes (a picture over its labels, a misdetected
    page-sized region): index -> indices of the boxes mostly inside it."""
    out: dict[int, list[int]] = {}
    for i, outer in enumerate(boxes):
        held = [
            j
            for j, inner in enumerate(boxes)
            if j != i and inside_ratio(inner, outer) > 0.8 and area(inner) < area(outer)
        ]
        if held:
            out[i] = held
    return out


def reading_order(
    boxes: Sequence[Box], rtl: bool = False, furniture: Sequence[str] = ()
) -> list[int]:
    """Indices of ``boxes`` in reading order.

    A box that contains others would block every cut, so it is left out of the
    XY-cut and placed just before the first box it contains. ``furniture`` marks
    boxes ``"header"`` or ``"footer"`` (by index; missing or "" for the body): they
    are read before and after the body, top to bottom.
    """
    role = {i: r for i, r in enumerate(furniture) if r in ("header", "footer")}
    containers = {c: held for c, held in _containers(boxes).items() if c not in role}
    rest = [i for i in range(len(boxes)) if i not in containers and i not in role]
    heads = _in_rows(boxes, [i for i, r in role.items() if r == "header"], rtl)
    feet = _in_rows(boxes, [i for i, r in role.items() if r == "footer"], rtl)
    order = [*heads, *_order(boxes, rest, rtl, 0), *feet]
    position = {i: k for k, i in enumerate(order)}
    placed: list[tuple[float, int, int]] = [(float(k), 0, i) for k, i in enumerate(order)]
    for c, held in containers.items():
        firsts = [position[j] for j in held if j in position]
        placed.append((min(firsts) - 0.5 if firsts else len(order) + c, 1, c))
    return [i for _, _, i in sorted(placed)]
