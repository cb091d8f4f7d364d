"""Reading vertical CJK lines (縦書き) one character cell at a time.

The recogniser reads horizontal strips. Turning a vertical line by 90 degrees lays
every upright glyph on its side, and the vertical forms of punctuation and small
kana sit elsewhere in their cell than in horizontal text (、。 top right instead of
bottom left), so such a reading loses nearly every 、。「」, small kana and ー.

Here the line is cut into character cells instead (gaps of the row ink profile,
with cuts chosen so that cells are about one pitch tall), the cells are laid
upright side by side into one horizontal strip, small glyphs moved from the top
right of their cell to the bottom left where horizontal text has them. The strip
is read once; the recogniser's CTC frames say which cell each character came from.
Cells read as nothing, or as a bar or hook (the rotated glyphs of vertical writing:
ー 「」 （） ～ …) are read again on their own, upright and turned back by 90
degrees, and the likelier reading is kept. Vertical presentation forms are mapped
to the characters they stand for.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

#: A row inked across this share of a crop's width is a rule, not a glyph.
_RULE = 0.9
#: Ink in fewer than this share of a pixel column's rows is not a column's own: a
#: rule or a neighbour's clipped strokes crossing it.
STRAY_INK = 0.03
#: Cells are cut where the profile has no ink; a cell much taller than one pitch
#: (glyphs that touch) is cut at its least inked rows.
_MAX_CELL = 1.25
#: A glyph whose ink is smaller than this share of the em in both directions is a
#: small glyph (、。 small kana), placed where horizontal text has it.
_SMALL = 0.72
#: Vertical forms of small kana and 、。 sit right of the column's middle (small
#: kana by about 0.1 em, 、。 by a third); a small glyph in the middle (a digit of
#: a label) is left in the middle.
_RIGHT_SHIFT = 0.05
#: Tile height and the blank between tiles, as shares of the em: the recogniser was
#: trained on line crops whose glyphs fill about three quarters of the height.
_TILE_HEIGHT = 1.5
_GAP = 0.0
#: Characters that, read from an upright cell, hint that the glyph was a rotated
#: form (ー 「」 （） ～ and friends turned 90 degrees in vertical writing).
_SUSPECT = set(":：“”〝〟一ー－-—―‐¬｜|丨│Ｉ1１Il!！'’\"^~～¯_=＝7ᄀ」「〕〔)(（）[]［］⌐ㄱ┐┘└┌ㄴ")

#: Characters whose vertical form is the horizontal one turned by 90 degrees: a
#: doubtful cell read as one of them when turned back is taken as it.
_TURNED = set("“”〝〟ー一－-—―‐～〜~…‥「」『』（）()〔〕［］[]【】〈〉《》｛｝<>＜＞=＝→←")
#: What turned readings stand for in vertical writing: a bar is ー (一 is never
#: turned), brackets are full width.
_TURNED_AS = {"一": "ー", "(": "（", ")": "）", "[": "［", "]": "］", "<": "〈", ">": "〉"}
#: An even arc (︵) turned back alone is often read as a C.
_ARC_READINGS = {"C", "c", "Ｃ", "ｃ"}
#: A cell set apart from its column is read alone, and taken as read when this sure.
_SURE_ALONE = 0.9
#: Ink this many times longer one way than the other marks a doubtful cell.
_ELONGATED = 1.6
#: Share of a flat glyph's ink that its mirror image covers for it to count as even.
_EVEN = 0.7

#: Vertical presentation forms (U+FE10-FE19, U+FE30-FE4F) and the rotated-glyph
#: stand-ins a recogniser can emit for them, mapped to the horizontal characters.
VERTICAL_FORMS: dict[str, str] = {
    "\ufe10": "，",
    "\ufe11": "、",
    "\ufe12": "。",
    "\ufe13": "：",
    "\ufe14": "；",
    "\ufe15": "！",
    "\ufe16": "？",
    "\ufe17": "〖",
    "\ufe18": "〗",
    "\ufe19": "…",
    "\ufe30": "‥",
    "\ufe31": "ー",
    "\ufe32": "－",
    "\ufe33": "＿",
    "\ufe34": "＿",
    "\ufe35": "（",
    "\ufe36": "）",
    "\ufe37": "｛",
    "\ufe38": "｝",
    "\ufe39": "〔",
    "\ufe3a": "〕",
    "\ufe3b": "【",
    "\ufe3c": "】",
    "\ufe3d": "《",
    "\ufe3e": "》",
    "\ufe3f": "〈",
    "\ufe40": "〉",
    "\ufe41": "「",
    "\ufe42": "」",
    "\ufe43": "『",
    "\ufe44": "』",
    "\ufe47": "［",
    "\ufe48": "］",
    "¬": "「",  # ﹁ seen upright
}

#: Bars a vertical ー is read as; they become ー between kana.
_BARS = set("丨|│｜Ｉl1１一−－-—―")


@dataclass(frozen=True)
class Column:
    """A vertical line crop cut into cells: row spans and the em (ink width)."""

    cells: list[tuple[int, int]]
    em: int
    x0: int
    x1: int


def _ink(gray: np.ndarray) -> np.ndarray:
    """Pixels of a line crop darker than paper by a third of the contrast: thin
    strokes (the bar of 十 in a light Mincho) come out grey, and a cell cut through
    them would halve the glyph."""
    lo, hi = float(np.percentile(gray, 1)), float(np.percentile(gray, 99))
    if hi - lo < 40:
        return np.zeros(gray.shape, dtype=bool)
    return gray < hi - (hi - lo) / 3


def _gray(crop: np.ndarray) -> np.ndarray:
    return crop.mean(axis=2) if crop.ndim == 3 else crop.astype(float)


def ink_mask(crop: np.ndarray) -> np.ndarray:
    """Which pixels of a BGR (or grey) crop are ink."""
    return _ink(_gray(crop))


def split_cells(crop: np.ndarray) -> Column | None:
    """Cut a vertical line crop (glyphs top to bottom) into character cells.

    Boundaries may go anywhere in a blank stretch between ink runs or, inside a run
    taller than a cell (glyphs that touch), at its least inked rows. They are chosen
    by dynamic programming so that each cell can span about one pitch: a stroke
    detached from its glyph (the top bar of ラ, the dots of 黒) stays with the glyph
    whose cell it completes, and 、 keeps the blank half of its cell.
    """
    ink = ink_mask(crop)
    extent = _column_extent(ink)
    if extent is None:
        return None
    x0, x1 = extent
    em = max(x1 - x0, 4)
    rows = ink.sum(axis=1)
    bounds = _boundaries(rows, em)
    pitch = _estimate_pitch(bounds, em)
    picks = _best_boundaries(bounds, pitch, em)
    cells = []
    for i, j in itertools.pairwise(picks):
        a, b = bounds[i][1], bounds[j][0]
        if b > a:
            cells.append((a, b))
    return Column(cells=cells, em=em, x0=x0, x1=x1)


def _column_extent(ink: np.ndarray) -> tuple[int, int] | None:
    """The x extent of the column a crop holds: the most inked run of pixel columns
    with ink in more than a few rows, widened to the ink that touches it.

    Left out: rules drawn across the crop (a table's borders) and, past a blank,
    the scattered ink of a neighbouring column the det box clipped. Either would
    make the column look wider than its em, and its cells too tall.
    """
    rules = ink.mean(axis=1) >= _RULE
    counts = ink[~rules].sum(axis=0)
    if not counts.any():
        return None
    core = counts > max(1.0, STRAY_INK * ink.shape[0])
    runs = true_runs(core) or true_runs(counts > 0)
    x0, x1 = max(runs, key=lambda r: int(counts[r[0] : r[1]].sum()))
    while x0 > 0 and counts[x0 - 1]:
        x0 -= 1
    while x1 < len(counts) and counts[x1]:
        x1 += 1
    return x0, x1


def true_runs(flags: np.ndarray) -> list[tuple[int, int]]:
    """Runs of True in a 1-D boolean array, as [start, end)."""
    padded = np.concatenate(([False], flags, [False])).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


#: A place a cell boundary may go: blank rows [lo, hi) (lo == hi inside ink) and
#: the ink a cut there crosses, as a share of the run's peak.
Boundary = tuple[int, int, float]


def _boundaries(rows: np.ndarray, em: int) -> list[Boundary]:
    """Blank stretches between ink runs, the crop's ends and, in runs taller than a
    cell, the local minima of the ink profile."""
    n = len(rows)
    out: list[Boundary] = []
    i = 0
    while i < n:
        j = i
        blank = rows[i] == 0
        while j < n and (rows[j] == 0) == blank:
            j += 1
        if blank:
            out.append((i, j, 0.0))
        elif j - i > _MAX_CELL * em:
            seg = rows[i:j].astype(float)
            peak = max(float(seg.max()), 1.0)
            margin = max(1, em // 3)
            for k in range(margin, len(seg) - margin):
                if seg[k] <= seg[k - 1] and seg[k] < seg[k + 1]:
                    out.append((i + k, i + k, seg[k] / peak))
        i = j
    if not out or out[0][0] > 0:
        out.insert(0, (0, 0, 0.0))
    if out[-1][1] < n:
        out.append((n, n, 0.0))
    return out


def _estimate_pitch(bounds: list[Boundary], em: int) -> float:
    """The column's character pitch: the typical distance between the middles of
    blank stretches that lies near one em, else the em itself."""
    mids = [(lo + hi) / 2 for lo, hi, _ in bounds[1:-1]]
    steps = [b - a for a, b in itertools.pairwise(mids)]
    near = [s for s in steps if 0.9 * em <= s <= 1.35 * em]
    return float(np.median(near)) if len(near) >= 3 else float(em) * 1.05


def _cell_cost(lo: Boundary, hi: Boundary, pitch: float, em: float) -> float:
    """How far a cell from boundary lo to boundary hi is from one pitch: its ink
    may not be taller than a glyph (the larger of pitch and em: two squeezed glyphs
    are), and its room (ink plus the blanks either side) should reach one pitch."""
    ink = hi[0] - lo[1]
    room = hi[1] - lo[0]
    over = max(0.0, ink - max(pitch, em)) / pitch
    short = max(0.0, pitch - room) / pitch
    return 100.0 * over**2 + 20.0 * max(0.0, ink / pitch - _MAX_CELL) + short**2 + 2.0 * hi[2]


def _best_boundaries(bounds: list[Boundary], pitch: float, em: float) -> list[int]:
    """Indices of the boundaries that cut the column into the likeliest cells."""
    n = len(bounds)
    best = [math.inf] * n
    prev = [-1] * n
    best[0] = 0.0
    for j in range(1, n):
        for i in range(j - 1, -1, -1):
            if bounds[j][0] - bounds[i][1] > 2.0 * pitch and i < j - 1:
                break
            c = best[i] + _cell_cost(bounds[i], bounds[j], pitch, em)
            if c < best[j]:
                best[j] = c
                prev[j] = i
    out = []
    k = n - 1
    while k >= 0:
        out.append(k)
        k = prev[k]
    return out[::-1]


def _tile(crop: np.ndarray, ink: np.ndarray, col: Column, cell: tuple[int, int]) -> np.ndarray:
    """One cell as an upright em square; small glyphs go from the top right of the
    cell (vertical forms) to the bottom left (horizontal forms)."""
    size = col.em + 2
    height = max(size, round(col.em * _TILE_HEIGHT))
    margin = (height - size) // 2
    tile = np.full((height, size, 3), 255, dtype=np.uint8)
    a, b = cell
    sub_ink = ink[a:b, col.x0 : col.x1]
    xs = np.flatnonzero(sub_ink.any(axis=0))
    if len(xs) == 0:
        return tile
    left, right = col.x0 + int(xs[0]), col.x0 + int(xs[-1]) + 1
    glyph = crop[a:b, left:right]
    if glyph.ndim == 2:
        glyph = np.repeat(glyph[:, :, None], 3, axis=2)
    h, w = min(glyph.shape[0], size), min(glyph.shape[1], size)
    glyph = glyph[:h, :w]
    off_centre = (left + right - col.x0 - col.x1) / 2 / col.em
    if max(h, w) < _SMALL * col.em and off_centre > _RIGHT_SHIFT:
        right_gap = col.x1 - right
        y = margin + size - h - max(1, size // 12)
        x = min(right_gap, size - w)
    else:
        y, x = (height - h) // 2, (size - w) // 2
    tile[y : y + h, x : x + w] = glyph
    return tile


def cell_tiles(crop: np.ndarray, col: Column) -> list[np.ndarray]:
    """Upright em-square tiles of a column's cells, top to bottom."""
    ink = ink_mask(crop)
    return [_tile(crop, ink, col, cell) for cell in col.cells]


def compose_strip(tiles: Sequence[np.ndarray]) -> tuple[np.ndarray, list[tuple[int, int]]]:
    """Lay tiles side by side with a small white gap; returns the strip and each
    tile's x span in it."""
    height, size = tiles[0].shape[:2]
    gap = max(1, round(size * _GAP))
    parts = [np.full((height, gap, 3), 255, dtype=np.uint8)]
    spans = []
    x = gap
    for tile in tiles:
        parts.append(tile)
        parts.append(np.full((height, gap, 3), 255, dtype=np.uint8))
        spans.append((x, x + size))
        x += size + gap
    return np.ascontiguousarray(np.concatenate(parts, axis=1)), spans


#: Reads BGR strips; per strip, each character with its confidence and its x centre
#: in strip pixels.
PositionReader = Callable[[Sequence[np.ndarray]], list[list[tuple[str, float, float]]]]
#: Reads BGR crops; per crop, its text and mean confidence.
LineReader = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]


def _assign(
    chars: list[tuple[str, float, float]], spans: list[tuple[int, int]]
) -> list[list[tuple[str, float]]]:
    """Give each recognised character to the tile its CTC frame lies in (or the
    nearest one)."""
    out: list[list[tuple[str, float]]] = [[] for _ in spans]
    centres = [(a + b) / 2 for a, b in spans]
    for ch, conf, x in chars:
        k = min(range(len(spans)), key=lambda i: abs(centres[i] - x))
        out[k].append((ch, conf))
    return out


def _among_digits(per_tile: list[list[tuple[str, float]]], t: int) -> bool:
    """A digit next to a digit or a per cent sign (14%, 2021) is an upright digit
    of a number, not a turned bar."""
    cell = per_tile[t]
    if len(cell) != 1 or not cell[0][0].isdigit():
        return False
    near = [per_tile[k] for k in (t - 1, t + 1) if 0 <= k < len(per_tile)]
    return any(ch.isdigit() or ch in "%％" for reading in near for ch, _ in reading)


def _set_apart(col: Column | None) -> list[int]:
    """Cells with more than an em of blank on both sides (or a blank and the end of
    the crop): a label the detector joined to a column, not part of its text."""
    if col is None:
        return []
    out = []
    n = len(col.cells)
    for t, (a, b) in enumerate(col.cells):
        before = a - col.cells[t - 1][1] if t > 0 else math.inf
        after = col.cells[t + 1][0] - b if t + 1 < n else math.inf
        if n > 1 and min(before, after) > col.em:
            out.append(t)
    return out


def _elongated(tile: np.ndarray) -> bool:
    """Whether a tile's ink is much wider than tall or much taller than wide: the
    shapes vertical writing gives its turned glyphs (︵ ﹁ are flat, ー ～ … tall)."""
    ink = ink_mask(tile)
    ys, xs = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(ys) == 0:
        return False
    h, w = ys[-1] - ys[0] + 1, xs[-1] - xs[0] + 1
    return bool(max(h, w) > _ELONGATED * min(h, w))


def _flat_and_even(tile: np.ndarray) -> bool:
    """Whether a tile's ink is flat and its own mirror image: an arc or bracket of
    vertical writing (︵ ︶ ︹ ︺), not へ, whose peak sits left of its middle."""
    ink = ink_mask(tile)
    ys, xs = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if len(ys) == 0 or xs[-1] - xs[0] + 1 <= _ELONGATED * (ys[-1] - ys[0] + 1):
        return False
    box = ink[ys[0] : ys[-1] + 1, xs[0] : xs[-1] + 1]
    both = np.logical_and(box, box[:, ::-1]).sum()
    either = np.logical_or(box, box[:, ::-1]).sum()
    return bool(either and both / either > _EVEN)


def _needs_second_look(reading: list[tuple[str, float]], tile: np.ndarray) -> bool:
    if not reading:
        return True
    if len(reading) == 1 and (reading[0][0] in _SUSPECT or _elongated(tile)):
        return True
    return min(c for _, c in reading) < 0.5


def read_columns(
    crops: Sequence[np.ndarray],
    read_positions: PositionReader,
    read_lines: LineReader,
    sideways: Sequence[bool] | None = None,
) -> list[tuple[str, float]]:
    """Read vertical line crops (BGR, glyphs top to bottom) cell by cell.

    ``sideways`` flags crops that may hold Latin letters or digits set sideways
    (their turned reading has some): those are also read turned, and where that
    reading has a run of Latin letters or digits, it replaces the cells it covers.
    Returns per crop its text and mean confidence; ("", 0.0) for a crop with no
    ink. Vertical forms are not yet mapped (see :func:`normalise_vertical`).
    """
    columns = [split_cells(c) for c in crops]
    strips, spans_of, tiles_of, which = [], [], [], []
    for k, (crop, col) in enumerate(zip(crops, columns, strict=True)):
        if col is None or not col.cells:
            continue
        tiles = cell_tiles(crop, col)
        strip, spans = compose_strip(tiles)
        strips.append(strip)
        spans_of.append(spans)
        tiles_of.append(tiles)
        which.append(k)
    out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
    if not strips:
        return out
    readings = [
        _assign(chars, spans) for chars, spans in zip(read_positions(strips), spans_of, strict=True)
    ]
    settled: set[tuple[int, int]] = set()
    turned_ones = [s for s, k in enumerate(which) if sideways is not None and sideways[k]]
    if turned_ones:
        turned = read_positions(
            [np.ascontiguousarray(np.rot90(crops[which[s]])) for s in turned_ones]
        )
        for s, chars in zip(turned_ones, turned, strict=True):
            col = columns[which[s]]
            assert col is not None
            for t in _put_sideways(readings[s], col, chars):
                settled.add((s, t))
    # Second look at doubtful cells: alone, upright and turned back by 90 degrees.
    apart = {(s, t) for s, k in enumerate(which) for t in _set_apart(columns[k])}
    doubtful = [
        (s, t)
        for s, per_tile in enumerate(readings)
        for t, reading in enumerate(per_tile)
        if (s, t) not in settled
        and ((s, t) in apart or _needs_second_look(reading, tiles_of[s][t]))
    ]
    if doubtful:
        singles = []
        for s, t in doubtful:
            tile = tiles_of[s][t]
            singles.append(tile)
            singles.append(np.ascontiguousarray(np.rot90(tile, 1)))
        again = read_lines(singles)
        for n, (s, t) in enumerate(doubtful):
            upright, turned = again[2 * n], again[2 * n + 1]
            if (s, t) in apart and upright[0] and upright[1] >= _SURE_ALONE:
                # Read without the column's context: a label's 0 is not 。.
                readings[s][t] = [(ch, upright[1]) for ch in upright[0]]
                continue
            if _among_digits(readings[s], t):
                continue
            even = _flat_and_even(tiles_of[s][t])
            readings[s][t] = _choose(readings[s][t], upright, turned, even)
    for s, per_tile in enumerate(readings):
        chars = [c for reading in per_tile for c in reading]
        text = "".join(ch for ch, _ in chars)
        score = float(np.mean([c for _, c in chars])) if chars else 0.0
        out[which[s]] = (text, score)
    return out


#: Inside a run of Latin set sideways, these join letters and digits.
_LATIN_JOINERS = set(".,:;-/'&%+_")


def _latin_runs(chars: list[tuple[str, float, float]]) -> list[list[tuple[str, float, float]]]:
    """Runs of ASCII letters and digits (two or more) in a turned reading."""
    runs, cur = [], []
    for c in [*chars, ("", 0.0, 0.0)]:
        ch = c[0]
        if ch.isascii() and (ch.isalnum() or (cur and ch in _LATIN_JOINERS)):
            cur.append(c)
            continue
        while cur and not cur[-1][0].isalnum():
            cur.pop()
        if sum(x[0].isalnum() for x in cur) >= 2:
            runs.append(cur)
        cur = []
    return runs


def _put_sideways(
    per_tile: list[list[tuple[str, float]]], col: Column, turned: list[tuple[str, float, float]]
) -> list[int]:
    """Let the turned reading's Latin runs replace the cells they cover (in a turned
    crop, x is the column's y). Returns the cells replaced."""
    done = []
    for run in _latin_runs(turned):
        lo, hi = run[0][2] - col.em / 2, run[-1][2] + col.em / 2
        covered = [t for t, (a, b) in enumerate(col.cells) if lo <= (a + b) / 2 <= hi]
        if not covered:
            continue
        per_tile[covered[0]] = [(ch, conf) for ch, conf, _ in run]
        for t in covered[1:]:
            per_tile[t] = []
        done += covered
    return done


def _choose(
    in_strip: list[tuple[str, float]],
    upright: tuple[str, float],
    turned: tuple[str, float],
    even: bool = False,
) -> list[tuple[str, float]]:
    """The likeliest reading of one doubtful cell.

    The turned reading wins only where it is one of the characters vertical writing
    turns (ー, brackets, dashes) and more confident than the cell read upright on
    its own (the strip's confidence is not comparable: its context props up a
    bracket read as 一). A flat, mirror-even cell (︵ read upright as へ) takes a
    turned form even when less sure of it.
    """
    text, conf = turned
    if even and text in _ARC_READINGS:
        text = "（"
    # A flat, even bar is the kanji 一, which vertical writing does not turn.
    arc = even and text not in _BARS
    if len(text) == 1 and text in _TURNED and (conf > upright[1] or (arc and conf > 0.3)):
        # A bar turned back reads as 一, which vertical writing never turns: it was ー.
        return [(_TURNED_AS.get(text, text), conf)]
    if in_strip:
        return in_strip
    if upright[0] and upright[1] >= 0.5:
        return [(ch, upright[1]) for ch in upright[0]]
    return []


def _is_kana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u30ff" and ch not in "・"


def normalise_vertical(text: str) -> str:
    """Map vertical presentation forms to their characters, and bars between kana
    (a vertical ー read as 丨 | 一 ...) to ー."""
    text = "".join(VERTICAL_FORMS.get(ch, ch) for ch in text)
    chars = list(text)
    for i, ch in enumerate(chars):
        if ch in _BARS and ch != "ー" and i > 0 and _is_kana(chars[i - 1]):
            after = chars[i + 1] if i + 1 < len(chars) else ""
            if ch != "一" or not after or _is_kana(after) or after in "、。」』":
                chars[i] = "ー"
    return "".join(chars)
