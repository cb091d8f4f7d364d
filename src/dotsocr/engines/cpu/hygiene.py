"""Text-layer repairs: ligature glyphs, accents and quotes that producers store apart.

TeX and many typesetters write "ﬁ" as one ligature code point and an accented
letter as a spacing accent plus the letter ("J´an" for "Ján"); readers and search
want the plain letters. Double quotes set as two single ones (‘‘quoted’’, or TeX's
``quoted'') become the one typographic pair, so a document's quotes are all of a
kind; other quotes are kept as the source has them.
"""

from __future__ import annotations

import re
import unicodedata

LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIGATURE = re.compile("[" + "".join(LIGATURES) + "]")

#: Spacing accents and the combining marks they stand for.
SPACING_ACCENTS = {
    "\u00b4": "\u0301",  # ´ acute
    "\u02cb": "\u0300",  # ˋ grave (ASCII ` and ^ are left alone: code and maths use them)
    "\u00a8": "\u0308",  # ¨ diaeresis
    "\u02c6": "\u0302",  # ˆ circumflex
    "\u02dc": "\u0303",  # ˜ tilde
    "\u00b8": "\u0327",  # ¸ cedilla
    "\u02c7": "\u030c",  # ˇ caron
    "\u02d8": "\u0306",  # ˘ breve
    "\u02d9": "\u0307",  # ˙ dot above
    "\u02da": "\u030a",  # ˚ ring
    "\u02dd": "\u030b",  # ˝ double acute
}
_SPLIT_ACCENT = re.compile(
    "([" + re.escape("".join(SPACING_ACCENTS)) + r"])\s?([A-Za-z\u0131])"
)


#: Two single quotes standing for a double one; the TeX forms only next to a word,
#: so code such as `` or '' (an empty SQL string) is left alone.
_DOUBLED_QUOTES = (
    (re.compile("\u2018\u2018"), "\u201c"),
    (re.compile("\u2019\u2019"), "\u201d"),
    (re.compile(r"``(?=\w)"), "\u201c"),
    (re.compile(r"(?<=[\w.,;:!?])''(?!\w)"), "\u201d"),
)


_KANGXI_RADICAL = re.compile("[\u2f00-\u2fd5]")


def clean_text(text: str) -> str:
    """Ligatures spelled out; Kangxi radicals (U+2F00-U+2FD5, which some Japanese
    fonts map their kanji to: "⽂字" for 文字) made the ideographs they stand for; a
    spacing accent before a letter joined to it when the pair has a precomposed
    form (so "don´t" stays as it is); doubled single quotes made one double quote."""
    text = _LIGATURE.sub(lambda m: LIGATURES[m.group(0)], text)
    text = _KANGXI_RADICAL.sub(lambda m: unicodedata.normalize("NFKC", m.group(0)), text)
    text = _SPLIT_ACCENT.sub(_join_accent, text)
    if "\u2018" in text or "\u2019" in text or "``" in text or "''" in text:
        for pattern, quote in _DOUBLED_QUOTES:
            text = pattern.sub(quote, text)
    return text


def _join_accent(match: re.Match[str]) -> str:
    accent, letter = match.group(1), match.group(2)
    if letter == "\u0131":  # TeX puts accents on a dotless i
        letter = "i"
    joined = unicodedata.normalize("NFC", letter + SPACING_ACCENTS[accent])
    return joined if len(joined) == 1 else match.group(0)
