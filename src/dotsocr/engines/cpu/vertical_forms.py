"""Vertical presentation forms (U+FE10..U+FE19, U+FE30..U+FE4F) as the characters
they stand for.

Some PDFs of vertical text store the glyph's vertical form in the text layer
(︵こうそ︶ for （こうそ）, ︑ for 、); readers, search and every check want the
ordinary character. NFKC would give ASCII brackets and commas, which a Japanese
text does not use, so each form maps to its full-width counterpart here.
"""

from __future__ import annotations

#: Each vertical form and the full-width character it is the vertical glyph of.
VERTICAL_FORMS: dict[str, str] = {
    "\ufe10": "\uff0c",  # ︐ ，
    "\ufe11": "\u3001",  # ︑ 、
    "\ufe12": "\u3002",  # ︒ 。
    "\ufe13": "\uff1a",  # ︓ ：
    "\ufe14": "\uff1b",  # ︔ ；
    "\ufe15": "\uff01",  # ︕ ！
    "\ufe16": "\uff1f",  # ︖ ？
    "\ufe17": "\u3016",  # ︗ 〖
    "\ufe18": "\u3017",  # ︘ 〗
    "\ufe19": "\u2026",  # ︙ …
    "\ufe30": "\u2025",  # ︰ ‥
    "\ufe31": "\u2014",  # ︱ —
    "\ufe32": "\u2013",  # ︲ –
    "\ufe33": "\uff3f",  # ︳ ＿
    "\ufe34": "\uff3f",  # ︴ ＿
    "\ufe35": "\uff08",  # ︵ （
    "\ufe36": "\uff09",  # ︶ ）
    "\ufe37": "\uff5b",  # ︷ ｛
    "\ufe38": "\uff5d",  # ︸ ｝
    "\ufe39": "\u3014",  # ︹ 〔
    "\ufe3a": "\u3015",  # ︺ 〕
    "\ufe3b": "\u3010",  # ︻ 【
    "\ufe3c": "\u3011",  # ︼ 】
    "\ufe3d": "\u300a",  # ︽ 《
    "\ufe3e": "\u300b",  # ︾ 》
    "\ufe3f": "\u3008",  # ︿ 〈
    "\ufe40": "\u3009",  # ﹀ 〉
    "\ufe41": "\u300c",  # ﹁ 「
    "\ufe42": "\u300d",  # ﹂ 」
    "\ufe43": "\u300e",  # ﹃ 『
    "\ufe44": "\u300f",  # ﹄ 』
    "\ufe47": "\uff3b",  # ﹇ ［
    "\ufe48": "\uff3d",  # ﹈ ］
}
_TABLE = str.maketrans(VERTICAL_FORMS)


def horizontal_forms(text: str) -> str:
    """``text`` with every vertical presentation form as its ordinary character."""
    return text.translate(_TABLE)
