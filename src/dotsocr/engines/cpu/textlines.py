"""PDF text-layer characters -> text lines with boxes and a font size.

PDFium hands characters in content-stream order with its own line breaks; this
module keeps that order (it is the logical order, right-to-left scripts included)
and only uses geometry to split where a run of characters jumps (a new row, a
column gutter, a table cell) and to rejoin pieces of one row that PDFium split
(superscripts). Spaces follow the script: none between CJK characters, unless
the PDF itself writes one (a name such as 情報 太郎, a full-width space after a list
marker); a space is only guessed from a gap between Latin words.
"""

from __future__ import annotations

import re
import statistics
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from dotsocr.engines.cpu.boxes import Box, h_overlap, union, v_overlap
from dotsocr.engines.cpu.hygiene import clean_text
from dotsocr.engines.cpu.letter_spacing import letter_spaced_words
from dotsocr.engines.cpu.ruby import ANCHOR, SEPARATOR, TERMINATOR, RubyGroup, find_ruby
from dotsocr.engines.cpu.scripts import is_cjk, is_rtl
from dotsocr.engines.cpu.vertical_forms import horizontal_forms
from dotsocr.sources.base import TextChar

#: A gap wider than this many line sizes ends a line (column gutters, table cells).
MAX_GAP = 1.1
#: A gap wider than this many line sizes between glyphs means a missing space.
SPACE_GAP = 0.22
#: Widest gap (ems) inside one vertical CJK line, as between a chapter number and its
#: title; the gap between the tiers of a two-tier page is wider.
VERTICAL_PIECE_GAP = 1.5
#: Widest gap (in ems) between a list marker and its item's text on the same row.
MARKER_GAP = 4.0
_MARKER = re.compile(
    r"^(?:[-*\u2022\u25cf\u25cb\u25e6\u25aa\u25a0\u25a1\u2023\u2043\u2219\u00b7"
    r"\u2013\u2014\u27a2\u25ba\u25b6\uf0b7\uf0a7]|\(?\d{1,3}[.)]|\(?[a-z][.)])$"
)

_ALEFS = frozenset("اأإآ")
_LAM = "ل"


@dataclass
class Line:
    """One line of text on a page, from the text layer or from OCR."""

    text: str
    box: Box
    #: Font size estimate in pixels (em height); comparable within one page.
    size: float
    bold: bool = False
    vertical: bool = False
    score: float = 1.0
    #: Boxes of the glyphs (text layer only); used to crop lines for checking.
    glyphs: list[tuple[str, Box]] = field(default_factory=list, repr=False)

    @property
    def height(self) -> float:
        return self.box[3] - self.box[1]

    @property
    def width(self) -> float:
        return self.box[2] - self.box[0]


@dataclass
class _Run:
    """Characters gathered for one line while scanning the stream."""

    #: Trust the layer's font sizes (else estimate the em from glyph heights).
    use_fs: bool = False
    chars: list[TextChar] = field(default_factory=list)
    #: Index in ``chars`` of glyphs followed by a space: the space the PDF wrote
    #: (" " or U+3000), or "" where one is only inferred (a gap, a PDFium space).
    spaces: dict[int, str] = field(default_factory=dict)
    box: Box | None = None
    vertical: bool | None = None
    _fs_sum: float = 0.0
    _fs_count: int = 0
    _tallest: float = 0.0

    @property
    def last(self) -> TextChar:
        return self.chars[-1]

    def add(self, ch: TextChar) -> None:
        self.chars.append(ch)
        self.box = ch.box if self.box is None else union((self.box, ch.box))
        if ch.font_size > 0:
            self._fs_sum += ch.font_size
            self._fs_count += 1
        side = ch.box[2] - ch.box[0] if self.vertical else ch.box[3] - ch.box[1]
        self._tallest = max(self._tallest, side)

    def size(self) -> float:
        """Em size so far: the mean font size, or the tallest glyph (~0.72 em)."""
        if self.use_fs and self._fs_count:
            return self._fs_sum / self._fs_count
        return max(self._tallest / 0.72, 1.0)


def _em(boxes: Sequence[Box]) -> float:
    """Font size from glyph heights: the tall glyphs (capitals, ascenders) are ~0.7 em."""
    hs = sorted(b[3] - b[1] for b in boxes if b[3] > b[1])
    if not hs:
        return 1.0
    tall = hs[int(0.8 * (len(hs) - 1))]
    return max(tall / 0.72, 1.0)


def _is_space(ch: TextChar) -> bool:
    return ch.text.isspace() or ch.text in ("\x00", "\ufffe")


def _has_area(ch: TextChar) -> bool:
    b = ch.box
    return b[2] > b[0] and b[3] > b[1]


def _same_row(a: Box, b: Box, size: float, need: float = 0.4) -> bool:
    """Whether two boxes share a text row; small glyphs (commas, dots, superscripts)
    only need to sit within the row's band."""
    if v_overlap(a, b) >= need:
        return True
    small, big = (a, b) if a[3] - a[1] < b[3] - b[1] else (b, a)
    if small[3] - small[1] >= 0.6 * size:
        return False
    pad = 0.35 * size
    return small[1] >= big[1] - pad and small[3] <= big[3] + pad


def _continues(run: _Run, ch: TextChar, spanned: float = 0.0) -> bool:
    """Whether ``ch`` carries on ``run`` geometrically (same row or same column);
    ``spanned`` is the width of the full-width spaces the PDF wrote in between
    (第１章　　総則: two full-width spaces are text, not a gutter)."""
    assert run.box is not None
    size = run.size()
    last = run.last.box
    b = ch.box
    horizontal_ok = _same_row(b, run.box, size)
    if horizontal_ok and v_overlap(b, last) < 0.4 and h_overlap(b, last) >= 0.5:
        horizontal_ok = False  # stacked on the last glyph: a column, not a row
    if run.vertical is not True and horizontal_ok:
        gap = max(b[0] - last[2], last[0] - b[2])
        if gap <= MAX_GAP * size + spanned and not _jumps_back(run, ch, size):
            return True
    if run.vertical is not False and len(ch.text) == 1:
        # A column of glyphs: vertical CJK (top to bottom) or text turned 90 degrees.
        inter = min(b[2], last[2]) - max(b[0], last[0])
        narrow = min(b[2] - b[0], last[2] - last[0])
        gap = max(b[1] - last[3], last[1] - b[3])
        if narrow > 0 and inter / narrow >= 0.5 and -0.3 * size <= gap <= 0.6 * size + spanned:
            return True
    return False


def _jumps_back(run: _Run, ch: TextChar, size: float) -> bool:
    """A glyph that lands back inside the run's span (overprinting, a new row)."""
    assert run.box is not None
    b, box = ch.box, run.box
    if len(run.chars) < 2:
        return False
    rtl = is_rtl(ch.text)
    if rtl:
        return b[2] > box[2] + 0.5 * size
    # LTR: moving left past the last glyph by more than a glyph means a new segment.
    return b[2] < run.last.box[0] - 0.5 * size


def _run_direction(run: _Run) -> None:
    if run.vertical is None and len(run.chars) >= 2:
        a, b = run.chars[-2].box, run.chars[-1].box
        run.vertical = not _same_row(a, b, run.size())


def _split_runs(chars: Sequence[TextChar], use_fs: bool) -> list[_Run]:
    runs: list[_Run] = []
    run: _Run | None = None
    pending_break = False
    spanned = 0.0
    for ch in chars:
        if ch.text in ("\r", "\n"):
            pending_break = True
            continue
        if _is_space(ch) or not _has_area(ch) or not ch.text:
            if run is not None and run.chars and not _is_space(ch) and ch.text:
                # A visible character without a box (rare): keep its text.
                run.chars.append(ch)
            elif run is not None and run.chars:
                _note_space(run, ch)
                if ch.text == "\u3000" and not ch.generated:
                    # Only full-width spaces: ASCII ones also align code and justify
                    # lines, where a wide gap must still split.
                    spanned += max(ch.box[2] - ch.box[0], ch.box[3] - ch.box[1])
            continue
        if run is None or pending_break or not _continues(run, ch, spanned):
            if run is not None and run.chars:
                runs.append(run)
            run = _Run(use_fs=use_fs)
        run.add(ch)
        _run_direction(run)
        pending_break = False
        spanned = 0.0
    if run is not None and run.chars:
        runs.append(run)
    return runs


def _note_space(run: _Run, ch: TextChar) -> None:
    """Record a space after the run's last glyph; one the PDF wrote wins over a
    guessed one, and full-width spaces add up (two U+3000 stay two)."""
    at = len(run.chars) - 1
    if ch.generated or ch.text not in (" ", "\u3000", "\u00a0"):
        run.spaces.setdefault(at, "")
        return
    wrote = "\u3000" if ch.text == "\u3000" else " "
    before = run.spaces.get(at, "")
    if wrote == "\u3000":
        run.spaces[at] = before.replace(" ", "") + wrote
    elif not before:
        run.spaces[at] = wrote


def _is_marker(run: _Run) -> bool:
    """A run that is only a list bullet or item number, set apart from its text."""
    return bool(_MARKER.match("".join(c.text for c in run.chars).strip()))


def _merge_row_pieces(runs: list[_Run]) -> list[_Run]:
    """Rejoin consecutive runs that sit on one row next to each other (superscripts,
    PDFium line breaks inside a row)."""
    out: list[_Run] = []
    for run in runs:
        if out and not out[-1].vertical and not run.vertical:
            prev = out[-1]
            assert prev.box is not None and run.box is not None
            size = max(prev.size(), run.size())
            gap = max(run.box[0] - prev.box[2], prev.box[0] - run.box[2])
            reach = MARKER_GAP if _is_marker(prev) else 0.6
            if _same_row(prev.box, run.box, size, 0.5) and -0.2 * size <= gap <= reach * size:
                if gap > SPACE_GAP * size:
                    prev.spaces.setdefault(len(prev.chars) - 1, "")
                offset = len(prev.chars)
                for ch in run.chars:
                    prev.add(ch)
                prev.spaces.update({offset + i: sp for i, sp in run.spaces.items()})
                continue
        out.append(run)
    return out


def _join_stacked_glyphs(runs: list[_Run]) -> list[_Run]:
    """Make one column of CJK glyphs that the stream writes one by one, each on a
    line of its own (a gazette's vertical text): a one-glyph run (or a short
    stack, such as ）」) right under the last glyph of the run before it, in
    stream order, carries that run on."""
    out: list[_Run] = []
    for run in runs:
        piece = len(run.chars) == 1 or (len(run.chars) <= 3 and _columnar(run))
        if out and piece and _stacks_under(out[-1], run.chars[0]):
            for ch in run.chars:
                out[-1].add(ch)
            out[-1].vertical = True
            continue
        out.append(run)
    return out


def _stacks_under(run: _Run, ch: TextChar) -> bool:
    if run.vertical is False or not (is_cjk(ch.text) and is_cjk(run.last.text)):
        return False
    if len(run.chars) > 1 and not run.vertical:
        return False
    a, b = run.last.box, ch.box
    size = max(a[2] - a[0], b[2] - b[0], 1.0)
    narrow = min(a[2] - a[0], b[2] - b[0])
    overlap = min(a[2], b[2]) - max(a[0], b[0])
    # Squeezed punctuation (。）」 set in one cell) overlaps the glyph before it.
    return narrow > 0 and overlap >= 0.8 * narrow and -0.45 * size <= b[1] - a[3] <= 0.6 * size


def _join_letter_spaced(runs: list[_Run]) -> list[_Run]:
    """Make each letter-spaced word (均等割り: 合　　計) one run again; the line
    finder cut it into single glyphs at its wide gaps."""
    pieces = []
    for run in runs:
        assert run.box is not None
        b = run.box
        one = len(run.chars) == 1
        pieces.append((run.chars[0].text if one else "", b, max(b[2] - b[0], b[3] - b[1])))
    words = letter_spaced_words(pieces, min_gap=0.6)
    if not words:
        return runs
    out: list[_Run] = []
    done = 0
    for start, end, vertical in words:
        out.extend(runs[done:start])
        word = runs[start]
        for other in runs[start + 1 : end]:
            word.add(other.chars[0])
        word.vertical = vertical
        out.append(word)
        done = end
    out.extend(runs[done:])
    return out


def _upward(run: _Run) -> bool:
    """Whether a vertical run reads bottom to top (text turned 90° to the left)."""
    return len(run.chars) >= 2 and run.chars[-1].box[1] < run.chars[0].box[1]


def _merge_column_pieces(runs: list[_Run]) -> list[_Run]:
    """Rejoin pieces of one turned line of text (a rotated table heading that the
    producer wrote as "QI" + "BM_DB_SECADM"): vertical runs in one narrow column,
    end to end, joined in the direction they read."""
    vertical = [r for r in runs if _columnar(r)]
    if len(vertical) < 2:
        return runs
    absorbed: set[int] = set()
    for a in vertical:
        if id(a) in absorbed:
            continue
        merged = True
        while merged:
            merged = False
            for b in vertical:
                if b is a or id(b) in absorbed or not _end_to_end(a, b):
                    continue
                assert a.box is not None and b.box is not None
                up = _upward(a) or _upward(b)
                first_is_a = (a.box[1] > b.box[1]) if up else (a.box[1] < b.box[1])
                head, tail = (a, b) if first_is_a else (b, a)
                shift = len(head.chars)
                spaces = {**head.spaces, **{shift + i: sp for i, sp in tail.spaces.items()}}
                chars = [*head.chars, *tail.chars]
                a.chars, a.box = [], None
                for ch in chars:
                    a.add(ch)
                a.spaces, a.vertical = spaces, True
                absorbed.add(id(b))
                merged = True
                break
    return [r for r in runs if id(r) not in absorbed]


def _columnar(run: _Run) -> bool:
    """A vertical run, or a short one whose glyphs stack in one column (two
    glyphs of turned text can look like a row to the row test)."""
    if run.box is None:
        return False
    if run.vertical:
        return True
    if len(run.chars) == 1 and is_cjk(run.chars[0].text):
        return True  # one glyph of a column, cut off by a break (around ruby, a digit)
    x1, y1, x2, y2 = run.box
    if len(run.chars) < 2 or y2 - y1 <= x2 - x1:
        return False
    return all(min(c.box[2], x2) - max(c.box[0], x1) >= 0.7 * (x2 - x1) for c in run.chars)


def _end_to_end(a: _Run, b: _Run) -> bool:
    """Two runs one after the other in one column. Vertical CJK of one size may
    leave up to ``VERTICAL_PIECE_GAP`` ems (a heading's 第一章 and its title)."""
    assert a.box is not None and b.box is not None
    if min(len(a.chars), len(b.chars)) == 1 and not (a.vertical or b.vertical):
        return False  # two lone glyphs stacked are two rows, not a column
    size = max(a.size(), b.size(), 1.0)
    inter = min(a.box[2], b.box[2]) - max(a.box[0], b.box[0])
    narrow = min(a.box[2] - a.box[0], b.box[2] - b.box[0])
    gap = max(b.box[1] - a.box[3], a.box[1] - b.box[3])
    reach = 0.6
    wa, wb = a.box[2] - a.box[0], b.box[2] - b.box[0]
    if _cjk_column(a) and _cjk_column(b) and abs(wa - wb) <= 0.1 * max(wa, wb):
        reach = VERTICAL_PIECE_GAP
    return narrow > 0 and inter >= 0.7 * narrow and -0.3 * size <= gap <= reach * size


def _cjk_column(run: _Run) -> bool:
    """A top-to-bottom run of CJK text (not Latin turned on its side)."""
    return bool(run.vertical) and not _upward(run) and any(is_cjk(c.text) for c in run.chars)


def _fix_lam_alef(chars: list[TextChar]) -> list[TextChar]:
    """PDFium splits the lam-alef ligature into alef then lam; logical order is lam first."""
    out = list(chars)
    for i in range(len(out) - 1):
        a, b = out[i], out[i + 1]
        if a.text in _ALEFS and b.text == _LAM and abs(a.box[0] - b.box[0]) < 1.0:
            out[i], out[i + 1] = b, a
    return out


def _glyph_text(ch: TextChar, first: bool) -> str:
    """A glyph's text; private-use symbols (Wingdings bullets, checkboxes) become a
    bullet at the start of a line and are dropped elsewhere."""
    text = horizontal_forms(ch.text.replace("\x02", "-").replace("\u00ad", ""))
    if text and unicodedata.category(text[0]) == "Co":
        return "\u2022" if first else ""
    return text


#: Ruby by its base: id of the first base glyph -> (id of the last one, reading).
RubyNotes = dict[int, tuple[int, str]]


def _ruby_notes(chars: Sequence[TextChar], groups: list[RubyGroup]) -> RubyNotes:
    notes: RubyNotes = {}
    for g in groups:
        reading = "".join(c.text for c in g.reading)
        if g.base and reading:
            notes[id(chars[g.base[0]])] = (id(chars[g.base[-1]]), reading)
    return notes


def _ruby_marks(run: _Run, notes: RubyNotes) -> tuple[set[int], dict[int, str]]:
    """Where readings open and close in the run: (indices of first base glyphs,
    index of last base glyph -> reading); a base the run does not hold whole gets none."""
    if not notes:
        return set(), {}
    where = {id(c): i for i, c in enumerate(run.chars)}
    opens: set[int] = set()
    closes: dict[int, str] = {}
    for i, ch in enumerate(run.chars):
        note = notes.get(id(ch))
        if note is not None and where.get(note[0], -1) >= i:
            opens.add(i)
            closes[where[note[0]]] = note[1]
    return opens, closes


def _run_text(run: _Run, size: float, notes: RubyNotes | None = None) -> str:
    """The run's text: the spaces the PDF wrote, and a guessed space where a gap
    parts two glyphs, never between two CJK characters (a gap between CJK and a
    Latin word, such as TeX's quarter em, reads as a space: jlreq-deluxe パッケージ)."""
    parts: list[str] = []
    pending: str | None = None  # the space before the next glyph: None, "" guessed
    prev: TextChar | None = None
    spread = _spaced_out(run)
    opens, closes = _ruby_marks(run, notes or {})
    last_glyph = ""
    for i, ch in enumerate(run.chars):
        text = _glyph_text(ch, not any(p.strip() for p in parts))
        if not text:
            pending = run.spaces.get(i, pending)
            prev = ch
            continue
        if prev is not None and not run.vertical and pending is None:
            gap = max(ch.box[0] - prev.box[2], prev.box[0] - ch.box[2])
            if gap > SPACE_GAP * size:
                pending = ""
        if pending is not None and parts:
            left = last_glyph[-1]
            if spread and pending == " " and is_cjk(left) and is_cjk(text[0]):
                pending = ""
            parts.append(_space(pending, left, text[0]))
        if i in opens:
            parts.append(ANCHOR)
        parts.append(text)
        last_glyph = text
        if i in closes:
            parts.append(f"{SEPARATOR}{closes[i]}{TERMINATOR}")
        pending = run.spaces.get(i)
        prev = ch
    text = _ASCII_SPACES.sub(" ", "".join(parts))
    return text.strip(" \u3000")


def _spaced_out(run: _Run) -> bool:
    """Whether the PDF sets a space after most CJK characters of the run (关 于 红
    军: a spacing device, not word breaks); a single space, as in a name, is text."""
    pairs = spaced = 0
    for i in range(len(run.chars) - 1):
        if is_cjk(run.chars[i].text) and is_cjk(run.chars[i + 1].text):
            pairs += 1
            spaced += run.spaces.get(i) == " "
    return spaced >= 2 and 2 * spaced > pairs


_ASCII_SPACES = re.compile(r"[ \t\r\n\u00a0]+")


def _space(wrote: str, left: str, right: str) -> str:
    """What stands between two glyphs: what the PDF wrote, else a guessed space
    unless both are CJK."""
    if wrote:
        return wrote
    return "" if is_cjk(left) and is_cjk(right) else " "


def _size(run: _Run, use_font_size: bool) -> float:
    if use_font_size:
        sizes = [c.font_size for c in run.chars if c.font_size > 0]
        if sizes:
            return float(statistics.median(sizes))
    if run.vertical:
        widths = [c.box[2] - c.box[0] for c in run.chars]
        return max(statistics.median(widths), 1.0)
    return _em([c.box for c in run.chars])


def font_sizes_usable(chars: Sequence[TextChar]) -> bool:
    """Whether the text layer's font sizes agree with its glyph boxes.

    Some PDFs draw text at size 1 scaled by a matrix, so the reported size is
    meaningless; then sizes come from glyph heights instead.
    """
    ratios = [
        c.font_size / (c.box[3] - c.box[1])
        for c in chars
        if c.font_size > 0 and c.box[3] - c.box[1] > 1 and c.text.isalpha()
    ]
    if len(ratios) < 5:
        return False
    r = statistics.median(ratios)
    return 0.6 <= r <= 3.0


def _repair_flat_boxes(chars: Sequence[TextChar]) -> list[TextChar]:
    """Give glyphs with a zero-height box (broken font metrics) a height from their
    font size, sitting on the baseline PDFium reported."""
    out: list[TextChar] = []
    for c in chars:
        x1, y1, x2, y2 = c.box
        if y2 - y1 < 0.5 and x2 > x1 and not c.text.isspace():
            h = c.font_size if c.font_size > 1 else (x2 - x1)
            c = replace(c, box=(x1, y2 - 0.85 * h, x2, y2 + 0.15 * h))
        out.append(c)
    return out


def lines_from_chars(chars: Sequence[TextChar]) -> list[Line]:
    """Group a page's text-layer characters into lines, in stream order.

    Invisible characters are left out unless the whole layer is invisible (then
    the page is OCR'd anyway and the lines only serve the checks).
    """
    visible = [c for c in chars if not c.invisible]
    if visible and len(visible) < len(chars):
        chars = visible
    chars = _repair_flat_boxes(chars)
    keep, groups = find_ruby(chars)
    notes = _ruby_notes(chars, groups)
    chars = [chars[i] for i in keep] if groups else chars
    use_fs = font_sizes_usable(chars)
    runs = _join_letter_spaced(_join_stacked_glyphs(_split_runs(chars, use_fs)))
    runs = _merge_column_pieces(_merge_row_pieces(runs))
    lines: list[Line] = []
    for run in runs:
        run.chars = _fix_lam_alef(run.chars)
        size = run.size()
        text = clean_text(_run_text(run, size, notes))
        if not text.strip():
            continue
        assert run.box is not None
        bold_count = sum(1 for c in run.chars if c.bold)
        lines.append(
            Line(
                text=text,
                box=run.box,
                size=_size(run, use_fs),
                bold=bold_count * 2 > len(run.chars),
                vertical=bool(run.vertical),
                glyphs=[(c.text, c.box) for c in run.chars],
            )
        )
    return lines
