"""Japanese-only check types of the development corpus (benchmarks/corpus/checks).

The generic checks (present, absent, order, heading, table) compare fuzzy, NFKC-folded
text. Three Japanese failures need a stricter or a different comparison, so they live
here, and the corpus harness hands such checks to run_ja_check:

- no_inline_ruby: ruby (furigana) must not be run into its base text, e.g. 勢いきお or
  いきお勢, nor land a few characters away in the same paragraph (いきおジョバンニは勢),
  while the base itself stays. Ruby written as <rt> (the --ruby html form) or in
  brackets (the paren form) is not inline.
- no_space: a snippet that the page prints without a space (生成AIの利用, a letter-spaced
  cell 居宅介護) must come out without one. Whitespace is kept in the comparison, and a
  line break inside a paragraph counts as a space, since Markdown renders it as one.
- chars: characters that fuzzy matching would fold away must be there exactly, e.g.
  、。「」, small kana, ー, full-width digits and the U+3000 after a list marker.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from textmetrics import HTML_COMMENT, HTML_TAG

JA_CHECK_TYPES: dict[str, tuple[str, ...]] = {
    "no_inline_ruby": ("base", "reading"),
    "no_space": ("text",),
    "chars": ("text",),
}

_RUBY_ANNOTATION = re.compile(r"<rt\b[^>]*>.*?</rt>|<rp\b[^>]*>.*?</rp>", re.DOTALL | re.I)
_HTML_CELL_END = re.compile(r"</t[dh]>|<br\s*/?>|</tr>|</p>", re.I)
_MD_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LINE_MARK = re.compile(r"^[ \t]*(?:#{1,6}[ \t]+|>[ \t]?|[-*+][ \t]+)", re.M)
_EMPHASIS = re.compile(r"\*\*|__|`")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|<>~])")
_TABLE_RULE = re.compile(r"^[ \t]*\|?[ \t:|-]+\|[ \t:|-]*$", re.M)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")
_LINE_JOIN = re.compile(r"[ \t]*\n[ \t]*")
_ASCII_SPACES = re.compile(r"[ \t]+")
# How far from its base a reading of two or more characters may not turn up: a ruby
# line merged into the text lands at the start of the line holding its base.
RUBY_REACH = 12


def words_only(markdown: str) -> str:
    """The page's text with Markdown and HTML markup removed, line breaks kept.

    Ruby annotations in <rt>/<rp> are dropped with their content: they are the
    separated form of ruby, not text in the line. Table cells and <br> become
    paragraph breaks, so two cells are never read as one run of text.
    """
    text = _RUBY_ANNOTATION.sub("", markdown)
    text = _HTML_CELL_END.sub("\n\n", text)
    text = HTML_COMMENT.sub("", text)
    text = HTML_TAG.sub("", text)
    text = _MD_IMAGE.sub("", text)
    text = _MD_LINK.sub(r"\1", text)
    text = _TABLE_RULE.sub("", text)
    text = text.replace("|", "\n\n")
    text = _LINE_MARK.sub("", text)
    text = _EMPHASIS.sub("", text)
    text = _ESCAPE.sub(r"\1", text)
    return text.replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")


def joined_lines(text: str) -> str:
    """Lines of one paragraph joined with nothing between them; paragraphs kept apart.

    A vertical page is often written one column per line; its characters are what
    the chars check is about, not where a column ended.
    """
    paragraphs = _PARAGRAPH_BREAK.split(text)
    return "\n".join(_LINE_JOIN.sub("", p) for p in paragraphs)


def spaced(text: str) -> str:
    """NFKC text with every run of whitespace (line breaks too) as one space."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def inline_ruby_absent(base: str, reading: str, markdown: str) -> bool:
    """True when base is on the page and its reading is not run into it.

    A one-character reading (む) is common text, so only its adjacency to the base
    counts; a longer one also fails within RUBY_REACH characters of the base in the
    same paragraph.
    """
    base_n = unicodedata.normalize("NFKC", base)
    reading_n = unicodedata.normalize("NFKC", reading)
    bracketed = f"({reading_n})"  # the paren form 勢(いきお) keeps ruby apart from text
    paragraphs = [
        "".join(unicodedata.normalize("NFKC", p).split()).replace(bracketed, "")
        for p in _PARAGRAPH_BREAK.split(words_only(markdown))
    ]
    whole = "".join(paragraphs)
    if base_n not in whole:
        return False
    if base_n + reading_n in whole or reading_n + base_n in whole:
        return False
    for p in paragraphs:
        if len(reading_n) < 2:
            continue
        for m in re.finditer(re.escape(base_n), p):
            reach = RUBY_REACH + len(reading_n)
            if reading_n in p[max(0, m.start() - reach) : m.end() + reach]:
                return False
    return True


def unspaced_present(snippet: str, markdown: str) -> bool:
    """True when the snippet is on the page with exactly its own spacing."""
    return spaced(snippet) in spaced(words_only(markdown))


def exact_chars_present(snippet: str, markdown: str) -> bool:
    """True when the snippet's characters are on the page unchanged (no NFKC).

    Line breaks inside a paragraph are ignored; runs of ASCII spaces count as one.
    U+3000 is kept as it is, so a full-width space after a list marker must survive.
    """
    text = _ASCII_SPACES.sub(" ", joined_lines(words_only(markdown)))
    return _ASCII_SPACES.sub(" ", snippet) in text


def run_ja_check(check: dict, page_nohf_markdown: str, doc_nohf_markdown: str) -> bool:
    """Evaluate one Japanese check on its page's _nohf Markdown.

    doc_nohf_markdown is used only when the check names no page. Raises ValueError
    for a type this module does not own or a missing field, so a typo in a checks
    file is an error, not a silent failure.
    """
    kind = check.get("type")
    if kind not in JA_CHECK_TYPES:
        raise ValueError(f"not a Japanese check type: {kind!r}")
    for field in JA_CHECK_TYPES[kind]:
        if not isinstance(check.get(field), str) or not check[field]:
            raise ValueError(f"{check.get('id', '?')}: {kind} needs a non-empty {field!r}")
    markdown = page_nohf_markdown if check.get("page") is not None else doc_nohf_markdown
    if kind == "no_inline_ruby":
        return inline_ruby_absent(check["base"], check["reading"], markdown)
    if kind == "no_space":
        return unspaced_present(check["text"], markdown)
    return exact_chars_present(check["text"], markdown)
