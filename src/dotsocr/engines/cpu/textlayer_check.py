"""Is a page's text layer worth using, or must the page be OCR'd?

A layer is refused when it is missing, invisible (an OCR layer over a scan: we
redo OCR), or garbled. Garbled is judged two ways, both cheap:

- the characters themselves: replacement/private-use/control characters (also the
  control codes the source drops: glyphs a font gives no Unicode for), or the
  fingerprint of UTF-8 bytes read as UTF-16 (issue20232: Cyrillic comes out as
  Hangul syllables U+D0xx/U+D1xx);
- a reading test: a few short line crops go through the recogniser alone and are
  compared with what the layer says. Crops the recogniser cannot read (blank
  pixels, as PDFium renders zh/XiaoBiaoSong.pdf) prove nothing, so the layer
  wins there; lines in scripts the recogniser does not know (Arabic, Hangul,
  Cyrillic) are never used for the test.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.scripts import is_cjk, is_rtl
from dotsocr.engines.cpu.textlines import Line
from dotsocr.sources.base import TextLayer

#: Glyphs per crop in the reading test; short crops keep the recogniser fast.
CROP_CHARS = 12
#: Crops read per page.
CROPS = 3
#: A readable crop below this similarity to the layer's text counts against it.
MATCH = 0.5
#: The recogniser's confidence below which a crop proves nothing.
MIN_SCORE = 0.6

Recognizer = Callable[[Sequence[np.ndarray]], list[tuple[str, float]]]


VerdictKind = Literal["ok", "missing", "invisible", "garbled"]


@dataclass
class LayerVerdict:
    """The decision and why (the reason goes into the page's warnings)."""

    kind: VerdictKind
    reason: str
    similarities: list[float] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        return self.kind == "ok"


def _visible_chars(layer: TextLayer) -> list[str]:
    return [c.text for c in layer.chars if c.text and not c.text.isspace() and not c.generated]


def _bad_char(ch: str) -> bool:
    cat = unicodedata.category(ch[0])
    return ch == "\ufffd" or cat in ("Co", "Cn", "Cs") or (cat == "Cc" and ch not in "\t\r\n")


def _utf8_as_utf16(ch: str) -> bool:
    """A code point whose two bytes look like a UTF-8 lead byte and continuation byte."""
    cp = ord(ch[0])
    return 0xC2 <= cp >> 8 <= 0xDF and 0x80 <= cp & 0xFF <= 0xBF


def char_verdict(chars: Sequence[str], unmapped: int = 0) -> str | None:
    """Reason the characters alone show the layer is garbage, or None. ``unmapped``
    counts characters the file gave as control codes (dropped from ``chars``)."""
    if not chars and not unmapped:
        return None
    bad = sum(1 for c in chars if _bad_char(c)) + unmapped
    total = len(chars) + unmapped
    if bad >= 5 and bad / total > 0.25:
        return f"{bad} of {total} characters are unprintable or unmapped"
    non_ascii = [c for c in chars if ord(c[0]) > 0x7F and c[0].isalpha()]
    moji = sum(1 for c in non_ascii if _utf8_as_utf16(c))
    if moji >= 8 and moji / max(len(non_ascii), 1) > 0.8:
        return "characters look like UTF-8 bytes read as UTF-16"
    stray = stray_latin1(chars)
    cjk = sum(1 for c in chars if is_cjk(c))
    if stray >= STRAY_MIN and cjk and stray / (stray + cjk) > STRAY_SHARE:
        return f"{stray} Latin-1 symbols among CJK text (a wrong CID map)"
    return None


#: Symbols of Latin-1 and Windows-1252 that a CJK font read through the wrong CID
#: map turns into (平成 ™— › ™œ 日); the few a Japanese page does print (× ÷ ° ±
#: § ¶ · and the quotes and dashes) are not among them.
_LATIN1_STRAYS = frozenset(
    "\u0192\u02c6\u2030\u0160\u2039\u0152\u017d\u02dc\u2122\u0161\u203a\u0153\u017e\u0178"
    "\u00a1\u00a2\u00a3\u00a4\u00a6\u00a8\u00aa\u00ab\u00ac\u00af\u00b4\u00b5\u00b8"
    "\u00b9\u00ba\u00bb\u00bc\u00bd\u00be\u00bf"
)
#: Fewest stray symbols that make a verdict, and their least share of CJK + strays.
STRAY_MIN = 6
STRAY_SHARE = 0.05


def stray_latin1(chars: Sequence[str]) -> int:
    """Stray Latin-1 symbols and accented letters standing among non-Latin text: an
    accented letter next to an ASCII letter is a word (café) and does not count,
    nor ™ or ® right after one (Java™)."""
    count = 0
    for i, ch in enumerate(chars):
        c = ch[0]
        if not ("\u00a0" < c <= "\u00ff" or c in _LATIN1_STRAYS):
            continue
        before = chars[i - 1][-1] if i else ""
        after = chars[i + 1][0] if i + 1 < len(chars) else ""
        if (before.isascii() and before.isalnum()) or (after.isascii() and after.isalnum()):
            continue
        if c in _LATIN1_STRAYS or c.isalpha():
            count += 1
    return count


def _checkable(ch: str) -> bool:
    """Characters the PP-OCRv6 recogniser knows (Latin, digits, CJK, kana)."""
    if ch.isascii():
        return ch.isprintable()
    if is_cjk(ch):
        return True
    name = unicodedata.name(ch, "")
    return name.startswith(("LATIN", "GREEK"))


def _alnum(text: str) -> int:
    return sum(1 for c in text if c.isalnum())


def normalise(text: str) -> str:
    """NFKC, case-folded, without whitespace: what two readings must share."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def similarity(a: str, b: str) -> float:
    """1 - normalised Levenshtein distance of two short strings."""
    a, b = normalise(a), normalise(b)
    if not a and not b:
        return 1.0
    if not a or not b:
        return 0.0
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return 1.0 - prev[-1] / max(len(a), len(b))


def _crop_spec(line: Line) -> tuple[Box, str] | None:
    """Box and expected text of the first glyphs of a horizontal layer line."""
    glyphs = [(t, b) for t, b in line.glyphs if t and not t.isspace()]
    if line.vertical or len(glyphs) < 4:
        return None
    if any(is_rtl(t) for t, _ in glyphs):
        return None  # mixed-direction lines reorder brackets and digits
    head = glyphs[:CROP_CHARS]
    text = "".join(t for t, _ in head)
    if sum(1 for c in text if _checkable(c)) < 0.9 * len(text) or _alnum(text) < 4:
        return None
    box = union(b for _, b in head)
    if box[3] - box[1] < 8 or box[2] - box[0] < 8:
        return None
    return box, text


def pick_crops(lines: Sequence[Line], count: int = CROPS) -> list[tuple[Box, str]]:
    """Up to ``count`` testable line starts, spread over the page."""
    specs = [s for s in (_crop_spec(line) for line in lines) if s is not None]
    if len(specs) <= count:
        return specs
    step = len(specs) / count
    return [specs[int(i * step + step / 2)] for i in range(count)]


def cut(bgr: np.ndarray, box: Box) -> np.ndarray:
    """A line's crop of the page, padded by a fifth of its height."""
    h = box[3] - box[1]
    pad = 0.2 * h
    height, width = bgr.shape[:2]
    x1, y1 = max(int(box[0] - pad), 0), max(int(box[1] - pad), 0)
    x2, y2 = min(int(box[2] + pad) + 1, width), min(int(box[3] + pad) + 1, height)
    return bgr[y1:y2, x1:x2]


def reading_verdict(
    lines: Sequence[Line], bgr: np.ndarray, recognize: Recognizer
) -> tuple[bool, list[float]]:
    """Read a few crops; (garbled?, similarities of the crops that were readable)."""
    specs = pick_crops(lines)
    if not specs:
        return False, []
    results = recognize([cut(bgr, box) for box, _ in specs])
    sims = [
        similarity(read, expected)
        for (_, expected), (read, score) in zip(specs, results, strict=True)
        if score >= MIN_SCORE and _alnum(read) >= 2
    ]
    # Two readable crops that both disagree with the layer; one proves nothing.
    garbled = len(sims) >= 2 and all(s < MATCH for s in sims)
    return garbled, sims


def check_text_layer(
    layer: TextLayer | None,
    lines: Sequence[Line],
    bgr: np.ndarray | None,
    recognize: Recognizer | None,
) -> LayerVerdict:
    """Decide whether ``layer`` (already grouped into ``lines``) can be used."""
    if layer is None:
        return LayerVerdict("missing", "no text layer")
    chars = _visible_chars(layer)
    if not chars or not lines:
        return LayerVerdict("missing", "text layer is empty")
    real = [c for c in layer.chars if not c.generated and not c.text.isspace()]
    hidden = sum(1 for c in real if c.invisible)
    if layer.invisible or (real and hidden > 0.5 * len(real)):
        return LayerVerdict("invisible", "text layer is invisible (OCR layer of a scan)")
    reason = char_verdict(chars, layer.unmapped)
    if reason:
        return LayerVerdict("garbled", f"text layer looks garbled ({reason})")
    if bgr is None or recognize is None:
        return LayerVerdict("ok", "ok")
    garbled, sims = reading_verdict(lines, bgr, recognize)
    if garbled:
        reason = "text layer looks garbled (its text does not match the page image)"
        return LayerVerdict("garbled", reason, sims)
    return LayerVerdict("ok", "ok", sims)
