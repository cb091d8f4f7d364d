"""Character classes that decide spacing and direction.

Chinese and Japanese are written without spaces between characters, so joining two
pieces of such text must not add one; Arabic and Hebrew run right to left, which
changes the order of pieces on a row and of columns on a page.
"""

from __future__ import annotations

import unicodedata

_CJK_RANGES: tuple[tuple[int, int], ...] = (
    (0x2E80, 0x2FFF),  # radicals, Kangxi
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x3100, 0x31FF),  # Bopomofo, Katakana extensions
    (0x3200, 0x33FF),  # enclosed CJK, compatibility
    (0x3400, 0x4DBF),  # extension A
    (0x4E00, 0x9FFF),  # unified ideographs
    (0xF900, 0xFAFF),  # compatibility ideographs
    (0xFE30, 0xFE4F),  # compatibility forms
    (0xFF00, 0xFFEF),  # full-width and half-width forms
    (0x20000, 0x3134F),  # extensions B-G
)


def is_cjk(ch: str) -> bool:
    """True for characters of scripts written without spaces (Chinese, Japanese)."""
    if not ch:
        return False
    cp = ord(ch[0])
    return any(lo <= cp <= hi for lo, hi in _CJK_RANGES)


def is_hangul(ch: str) -> bool:
    """True for Hangul (Korean is written with spaces between words)."""
    cp = ord(ch[0]) if ch else 0
    return 0xAC00 <= cp <= 0xD7A3 or 0x1100 <= cp <= 0x11FF or 0x3130 <= cp <= 0x318F


def is_rtl(ch: str) -> bool:
    """True for right-to-left letters (Arabic, Hebrew, Syriac, Thaana...)."""
    return bool(ch) and unicodedata.bidirectional(ch[0]) in ("R", "AL")


def needs_space(left: str, right: str) -> bool:
    """Whether a space belongs between two pieces of text joined on one page.

    None where either side is CJK: a line break in Chinese or Japanese text is no
    word break, also where the text goes on in Latin letters or digits (生成 + AI,
    含み、 + 2026年); Korean next to CJK punctuation keeps its space. None around
    an empty piece or whitespace either.
    """
    if not left or not right:
        return False
    a, b = left[-1], right[0]
    # A ruby annotation (U+FFF9 base U+FFFA reading U+FFFB) stands on CJK base text.
    a = "\u4e00" if a == "\ufffb" else a
    b = "\u4e00" if b == "\ufff9" else b
    if a.isspace() or b.isspace():
        return False
    if is_cjk(a) and is_cjk(b):
        return False
    if is_cjk(a) or is_cjk(b):
        return is_hangul(b if is_cjk(a) else a)  # Korean keeps its word spaces
    return True


def join_pieces(pieces: list[str]) -> str:
    """Join line texts into one paragraph, spaces only where the script wants them.

    A word hyphenated across lines ("Ef-" + "fects") is joined without its hyphen
    when the next line goes on in lower case, unless it is a compound whose first
    part is a word that forms them ("well-" + "known"); other line-end hyphens are
    kept and joined without a space ("Anglo-" + "Saxon").
    """
    out = ""
    for piece in pieces:
        # Line edges are layout (full-width indents too); spaces inside a line stay.
        piece = piece.strip()
        if not piece:
            continue
        if out and _ends_with_hyphen(out):
            if piece[0].islower() and out[-2].islower() and not _compound(out, piece):
                out = out[:-1]
        elif out and needs_space(out, piece):
            out += " "
        out += piece
    return out


#: First parts of English compounds that are written with a hyphen ("well-known",
#: "self-contained", "two-dimensional"); a line-end hyphen after one is kept.
_COMPOUND_HEADS = frozenset(
    {
        "well", "self", "high", "low", "long", "short", "full", "part", "half", "best", "cross",
        "first", "second", "third", "two", "three", "four", "five", "six", "ten", "one", "multi",
        "non", "state", "real", "open", "user", "world", "large", "small", "mid", "top", "left",
        "right", "built", "data", "fine", "ever", "far", "near",
    }
)
#: Endings that make one word with what precedes the hyphen ("high-" + "er",
#: "state-" + "ment"): the hyphen there is a line break.
_SUFFIXES = (
    "er", "est", "ly", "ness", "less", "ful", "ing", "ed", "en", "ish", "ship",
    "ward", "wards", "ment", "ize", "ise", "ity", "s", "y", "ies", "ance", "ence",
)  # fmt: skip


def _compound(text: str, piece: str) -> bool:
    """Whether the hyphen ending ``text`` joins the two parts of a compound."""
    head = text[:-1].rsplit(None, 1)[-1].rsplit("-", 1)[-1].lower()
    tail = piece.split(None, 1)[0].rstrip(".,;:!?)]\u2019'\"").lower()
    return head in _COMPOUND_HEADS and tail not in _SUFFIXES


def _ends_with_hyphen(text: str) -> bool:
    return len(text) >= 2 and text[-1] in "-\u2010\u00ad" and text[-2].isalpha()


def strip_cjk_spaces(text: str) -> str:
    """Drop whitespace that sits between two CJK characters (OCR and some PDFs add it)."""
    if " " not in text and "\u3000" not in text:
        return text
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            j = i
            while j < n and text[j].isspace():
                j += 1
            prev = out[-1] if out else ""
            nxt = text[j] if j < n else ""
            if prev and nxt and not (is_cjk(prev) and is_cjk(nxt)):
                out.append(" ")
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def dominant_direction(texts: list[str]) -> str:
    """``"rtl"`` when most letters are right-to-left, else ``"ltr"``."""
    rtl = ltr = 0
    for text in texts:
        for ch in text:
            if is_rtl(ch):
                rtl += 1
            elif ch.isalpha():
                ltr += 1
    return "rtl" if rtl > ltr else "ltr"
