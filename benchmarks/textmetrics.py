"""Text normalisation and scores shared by the benchmarks (not part of the package)."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter

from rapidfuzz.distance import Levenshtein

#: An HTML tag: a name, then attributes. Not any text in angle brackets: a Markdown
#: autolink "<https://example.org/>" is the document's own text, and so is a "<"
#: OCR read from a stray mark.
HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_SYNTAX = re.compile(r"^\s*(#{1,6}\s|[-*+]\s|>\s?)|[|*_`]|^\s*:?-{3,}:?\s*$", re.MULTILINE)
_LATEX_FENCE = re.compile(r"\$\$")


def strip_markdown(text: str) -> str:
    """Markdown and HTML syntax removed, so only the document's words remain."""
    text = _MD_IMAGE.sub(" ", text)
    text = HTML_COMMENT.sub(" ", text)
    text = HTML_TAG.sub(" ", text)
    text = _LATEX_FENCE.sub(" ", text)
    text = re.sub(r"-{3,}", " ", text)
    text = _MD_SYNTAX.sub(" ", text)
    text = text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    return unicodedata.normalize("NFKC", text)


def squeeze(text: str) -> str:
    """NFKC and no whitespace at all: the form edit distances are taken on."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def normalised_edit_distance(got: str, truth: str) -> float:
    if not got and not truth:
        return 0.0
    return Levenshtein.distance(got, truth) / max(len(got), len(truth))


def character_error_rate(got: str, truth: str) -> float:
    return Levenshtein.distance(got, truth) / max(1, len(truth))


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


def word_recall(got: str, truth: str) -> float:
    """Share of ground-truth words (with multiplicity) that the output contains."""
    want = Counter(words(truth))
    have = Counter(words(got))
    total = sum(want.values())
    if total == 0:
        return 1.0
    return sum(min(n, have[w]) for w, n in want.items()) / total
