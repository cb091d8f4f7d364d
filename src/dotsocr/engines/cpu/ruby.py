"""Ruby (furigana): small readings set over (or, in vertical text, beside) their base.

A PDF's text layer holds ruby as ordinary glyphs, in stream order wherever the
typesetter wrote them, so a line finder reads them into the text (いきおジョバンニは
勢いよく). Here they are taken out before lines are formed, by geometry alone: a
kana glyph markedly smaller than a CJK glyph it hugs, just above a horizontal base
line or just right of a vertical one, overlapping it along the line. Each group of
readings is tied to the base glyphs it spans.

Inside dotsocr a reading travels in the line's text as Unicode's interlinear
annotation characters, ANCHOR base SEPARATOR reading TERMINATOR (U+FFF9..U+FFFB),
made for exactly this, so it survives joining lines and cells; :func:`render`
turns them into the chosen output (base only, HTML ``<ruby>``, or a parenthesis)
and :func:`readings` lists them for the JSON.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.options import RubyMode
from dotsocr.engines.cpu.scripts import is_cjk
from dotsocr.model import RubyReading
from dotsocr.sources.base import TextChar

ANCHOR, SEPARATOR, TERMINATOR = "\ufff9", "\ufffa", "\ufffb"
_ANNOTATION = re.compile(f"{ANCHOR}([^{SEPARATOR}]*){SEPARATOR}([^{TERMINATOR}]*){TERMINATOR}")

#: Ruby is at most this share of its base's size (furigana are about half).
MAX_RATIO = 0.7
#: Widest gap between a reading and its base, in the reading's size.
MAX_GAP = 0.6
#: Share of a base glyph a reading must span to be its reading.
COVER = 0.6
#: How far a reading's middle may reach into its base's box, as a share of the
#: base box's height (width, beside vertical text); loose boxes overlap.
MAX_OVERLAP = 0.25


@dataclass
class RubyGroup:
    """One reading: its glyphs (in reading order) and the base glyphs it spans."""

    reading: list[TextChar]
    base: list[int]  # indices into the page's characters
    vertical: bool


def _is_kana(ch: str) -> bool:
    cp = ord(ch[0]) if ch else 0
    return 0x3041 <= cp <= 0x30FF or 0x31F0 <= cp <= 0x31FF or 0xFF66 <= cp <= 0xFF9D


def _base_glyph(text: str) -> bool:
    """A glyph that can carry ruby: a CJK character, or a letter (kana over Latin
    words, as in ほげ over foo)."""
    return len(text) == 1 and (is_cjk(text) or text.isalpha())


def _size(ch: TextChar) -> float:
    """A CJK glyph's em: the larger side of its box (loose boxes are an em square)."""
    return max(ch.box[2] - ch.box[0], ch.box[3] - ch.box[1])


def _above(r: Box, b: Box, rs: float, bs: float) -> bool:
    """``r`` sits just above ``b`` and overlaps it across: its middle no lower than
    a little below the base's top (loose boxes, sized by the font's bounding box,
    overlap), its bottom above the base's middle."""
    if b[1] - r[3] > MAX_GAP * rs or r[3] >= (b[1] + b[3]) / 2:
        return False
    if (r[1] + r[3]) / 2 > b[1] + MAX_OVERLAP * (b[3] - b[1]):
        return False
    return min(r[2], b[2]) - max(r[0], b[0]) > 0.3 * rs


def _right_of(r: Box, b: Box, rs: float, bs: float) -> bool:
    """``r`` sits just right of ``b`` and overlaps it down the column (the same
    tests as :func:`_above`, turned)."""
    if r[0] - b[2] > MAX_GAP * rs or r[0] <= (b[0] + b[2]) / 2:
        return False
    if (r[0] + r[2]) / 2 < b[2] - MAX_OVERLAP * (b[2] - b[0]):
        return False
    return min(r[3], b[3]) - max(r[1], b[1]) > 0.3 * rs


class _Grid:
    """Glyph indices bucketed by position, to find neighbours without an n² scan."""

    def __init__(self, chars: Sequence[TextChar], cell: float) -> None:
        self.cell = max(cell, 1.0)
        self.cells: dict[tuple[int, int], list[int]] = defaultdict(list)
        for i, ch in enumerate(chars):
            x1, y1, x2, y2 = ch.box
            for gx in range(int(x1 // self.cell), int(x2 // self.cell) + 1):
                for gy in range(int(y1 // self.cell), int(y2 // self.cell) + 1):
                    self.cells[(gx, gy)].append(i)

    def near(self, box: Box, reach: float) -> set[int]:
        x1, y1, x2, y2 = box
        out: set[int] = set()
        for gx in range(int((x1 - reach) // self.cell), int((x2 + reach) // self.cell) + 1):
            for gy in range(int((y1 - reach) // self.cell), int((y2 + reach) // self.cell) + 1):
                out.update(self.cells.get((gx, gy), ()))
        return out


def _overlap_along(r: Box, b: Box, vertical: bool) -> float:
    if vertical:
        return min(r[3], b[3]) - max(r[1], b[1])
    return min(r[2], b[2]) - max(r[0], b[0])


def _nearest(chars: Sequence[TextChar], grid: _Grid, i: int, vertical: bool) -> float | None:
    """The gap to glyph ``i``'s nearest same-size neighbour along a line of that
    direction, None if it has none within half an em."""
    b, bs = chars[i].box, _size(chars[i])
    best: float | None = None
    for j in grid.near(b, bs):
        if j == i or abs(_size(chars[j]) - bs) > 0.15 * bs or not chars[j].text.strip():
            continue
        o = chars[j].box
        if vertical:  # glyph boxes in a column differ in width: compare the narrower
            across = min(o[2], b[2]) - max(o[0], b[0])
            narrow = min(o[2] - o[0], b[2] - b[0])
            gap = max(o[1] - b[3], b[1] - o[3])
        else:
            across = min(o[3], b[3]) - max(o[1], b[1])
            narrow = min(o[3] - o[1], b[3] - b[1])
            gap = max(o[0] - b[2], b[0] - o[2])
        if across > 0.7 * narrow > 0 and -0.2 * bs <= gap <= 0.5 * bs:
            best = gap if best is None else min(best, gap)
    return best


def _in_line(chars: Sequence[TextChar], grid: _Grid, i: int, vertical: bool) -> bool:
    """Whether glyph ``i`` is part of a line of that direction: it has a same-size
    neighbour along it, nearer than any across (rows set with tight leading stack
    as closely as a column, but a row's own glyphs stand closer still)."""
    along = _nearest(chars, grid, i, vertical)
    if along is None:
        return False
    across = _nearest(chars, grid, i, not vertical)
    return across is None or along <= across


def find_ruby(chars: Sequence[TextChar]) -> tuple[list[int], list[RubyGroup]]:
    """Split a page's glyphs: (indices of the glyphs that are not ruby, the ruby
    groups). A page without ruby comes back whole with no groups."""
    cjk = [i for i, c in enumerate(chars) if len(c.text) == 1 and is_cjk(c.text)]
    if len(cjk) < 4:
        return list(range(len(chars))), []
    sizes = sorted(_size(chars[i]) for i in cjk)
    grid = _Grid(chars, sizes[len(sizes) // 2])
    owner: dict[int, tuple[int, bool]] = {}
    for i in cjk:
        r = chars[i]
        if not _is_kana(r.text):
            continue
        rs = _size(r)
        best: tuple[float, int, bool] | None = None
        for j in sorted(grid.near(r.box, 2 * rs)):
            b = chars[j]
            if j == i or not _base_glyph(b.text):
                continue
            bs = _size(b)
            if rs > MAX_RATIO * bs:
                continue
            for vertical in (False, True):
                fits = _right_of if vertical else _above
                if fits(r.box, b.box, rs, bs) and _in_line(chars, grid, j, vertical):
                    overlap = _overlap_along(r.box, b.box, vertical)
                    if best is None or overlap > best[0]:
                        best = (overlap, j, vertical)
        if best is not None:
            owner[i] = (best[1], best[2])
    if not owner:
        return list(range(len(chars))), []
    groups = _group(chars, owner)
    return [i for i in range(len(chars)) if i not in owner and not _seam(chars, i, owner)], groups


def _seam(chars: Sequence[TextChar], i: int, owner: dict[int, tuple[int, bool]]) -> bool:
    """A line break or space PDFium made up around a reading: with the reading
    gone it would cut its base line in two."""
    ch = chars[i]
    if not ch.generated:
        return False
    return (i - 1) in owner or (i + 1) in owner


def _group(chars: Sequence[TextChar], owner: dict[int, tuple[int, bool]]) -> list[RubyGroup]:
    """Readings in stream order, one group per run of ruby glyphs that touch each
    other along the line; each tied to the base glyphs it spans."""
    groups: list[RubyGroup] = []
    current: list[int] = []

    def close() -> None:
        if current:
            groups.append(_tie(chars, current, owner))
            current.clear()

    for i in sorted(owner):
        if current and not _next_in_reading(chars, current[-1], i, owner[i][1]):
            close()
        current.append(i)
    close()
    return groups


def _next_in_reading(chars: Sequence[TextChar], a: int, b: int, vertical: bool) -> bool:
    pa, pb = chars[a].box, chars[b].box
    size = _size(chars[a])
    if vertical:
        return abs(pa[0] - pb[0]) < 0.5 * size and -0.3 * size <= pb[1] - pa[3] <= 0.5 * size
    return abs(pa[1] - pb[1]) < 0.5 * size and -0.3 * size <= pb[0] - pa[2] <= 0.5 * size


def _tie(
    chars: Sequence[TextChar], reading: list[int], owner: dict[int, tuple[int, bool]]
) -> RubyGroup:
    """The base glyphs under a reading: those of its base line that the reading's
    span covers for the most part (a reading may overhang its neighbours a little)."""
    vertical = owner[reading[0]][1]
    boxes = [chars[i].box for i in reading]
    lo = min(b[1] if vertical else b[0] for b in boxes)
    hi = max(b[3] if vertical else b[2] for b in boxes)
    bases = sorted({owner[i][0] for i in reading})
    ref = chars[bases[0]].box
    span: set[int] = set()
    # Neighbours of the first base on its line, whose middle lies under the reading.
    for j, ch in enumerate(chars):
        if j in owner or not _base_glyph(ch.text):
            continue
        b = ch.box
        if vertical:
            same = min(b[2], ref[2]) - max(b[0], ref[0]) > 0.5 * (ref[2] - ref[0])
            start, end = b[1], b[3]
        else:
            same = min(b[3], ref[3]) - max(b[1], ref[1]) > 0.5 * (ref[3] - ref[1])
            start, end = b[0], b[2]
        # A reading may overhang the glyphs beside its base by up to half of them.
        covered = min(end, hi) - max(start, lo) >= COVER * (end - start)
        if same and covered and abs(_size(ch) - _size(chars[bases[0]])) < 0.2 * _size(ch):
            span.add(j)
    if not span:  # a reading narrower than the middle of any base: its nearest base
        span = set(bases[:1])
    if not vertical and any(chars[j].text.isascii() for j in span):
        span = _whole_words(chars, span, owner)
    along = 1 if vertical else 0
    glyphs = sorted((chars[i] for i in reading), key=lambda c: c.box[along])
    return RubyGroup(glyphs, sorted(span), vertical)


def _whole_words(
    chars: Sequence[TextChar], span: set[int], owner: dict[int, tuple[int, bool]]
) -> set[int]:
    """A reading over Latin letters belongs to the whole word they are part of."""
    out = set(span)
    grown = True
    while grown:
        grown = False
        for j, ch in enumerate(chars):
            if j in out or j in owner or not (ch.text.isascii() and ch.text.isalpha()):
                continue
            b = ch.box
            for k in list(out):
                o = chars[k].box
                h = o[3] - o[1]
                gap = max(b[0] - o[2], o[0] - b[2])
                if (
                    chars[k].text.isascii()
                    and -0.1 * h <= gap <= 0.05 * h
                    and (min(b[3], o[3]) - max(b[1], o[1]) > 0.7 * h)
                ):
                    out.add(j)
                    grown = True
                    break
    return out


# --- carrying readings in text ---------------------------------------------------


def annotate(base: str, reading: str) -> str:
    """``base`` with its ``reading`` as interlinear annotation characters."""
    return f"{ANCHOR}{base}{SEPARATOR}{reading}{TERMINATOR}"


def render(text: str, mode: RubyMode, html_text: bool = False) -> str:
    """The text as written out: base only (drop), ``<ruby>勢<rt>いきお</rt></ruby>``
    (html) or 勢(いきお) (paren). ``html_text``: the text is already HTML (a table),
    so base and reading are not escaped again."""
    if ANCHOR not in text:
        return text

    def one(m: re.Match[str]) -> str:
        base, reading = m.group(1), m.group(2)
        if mode == "html":
            if not html_text:
                base, reading = escape(base, quote=False), escape(reading, quote=False)
            return f"<ruby>{base}<rt>{reading}</rt></ruby>"
        if mode == "paren":
            return f"{base}({reading})"
        return base

    return _ANNOTATION.sub(one, text)


def element_text(category: str, text: str | None, mode: RubyMode) -> dict[str, Any]:
    """An element's ``text`` (and ``ruby``) fields: the text written in ``mode``,
    the readings listed whatever the mode (none for a picture)."""
    if category == "Picture" or text is None:
        return {"text": None}
    if ANCHOR not in text:
        return {"text": text}
    found = [RubyReading(base=b, reading=r, offset=o) for b, r, o in readings(text)]
    return {"text": render(text, mode, html_text=category == "Table"), "ruby": found}


def readings(text: str) -> list[tuple[str, str, int]]:
    """Each (base, reading, offset of the base in the text written with ``drop``)."""
    out: list[tuple[str, str, int]] = []
    shift = 0
    for m in _ANNOTATION.finditer(text):
        base, reading = m.group(1), m.group(2)
        out.append((base, reading, m.start() - shift))
        shift += len(m.group(0)) - len(base)
    return out
