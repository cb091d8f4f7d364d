"""Which language a page's text is in, told from the scripts of its letters.

Only what the scripts can tell: kana are written only in Japanese, Hangul only in
Korean, and Han characters without kana are read as Chinese, unless enough of them
are kanji forms only Japanese writes. "en" stands for text in
the Latin script (the detector does not tell English from French or German); scripts
it does not name (Cyrillic, Arabic, ...) and text without letters are "other".

Call it on a page (or a whole block of OCR text), not on a line: a line of kanji alone
(a heading such as 電線関係) is Japanese or Chinese alike, and only the kana of the
text around it can tell.

Thresholds, and why they sit where they do
------------------------------------------
``CJK_SHARE`` = 0.2 (kana, Han and Hangul as a share of all letters): one CJK character
carries about a word, a Latin word takes five or six letters, so a Japanese or Chinese
page quoting English terms, commands or URLs still has most of its letters CJK (a line
like "pip install opencc を実行します" is 27 % CJK by letters, a whole page more); an
English page that names a person or a company in kanji stays far below 20 %.

``HANGUL_SHARE`` = 0.3 (Hangul among the CJK letters): Korean writes a few Sino-Korean
words in Han (hanja), and Chinese and Japanese never use Hangul, so a third of Hangul is
already unmistakable while hanja-heavy Korean (legal text, older papers) stays Korean.

``KANA_SHARE`` = 0.10 (kana among kana and Han): running Japanese is 40-70 % kana
(particles, verb endings, loanwords), kanji-dense legal or technical prose still 25-40 %
(measured: the pdf.js Japanese text layers are 39-91 %; Debian's Japanese gettext
catalogues, cut into pages of 40 messages, 26 % at the lowest and 54 % at the 1st
percentile, their Simplified and Traditional Chinese ones 0 % on every page);
genuine Chinese has none. Two things put
kana into Chinese text: OCR that mistakes a Han character for a katakana look-alike
(口/ロ, 力/カ, 工/エ, 二/ニ, 一/ー, 八/ハ, 夕/タ, 卜/ト, 才/オ) and the stylish の of
Taiwanese and Hong Kong titles. The look-alikes are not counted as kana at all (they
cannot tell the two languages apart), and の at a few per cent stays well under 10 %.
A page of kanji-only headings with less than 10 % kana is called Chinese: the cost is
that Japanese normalisation is not applied, which changes nothing, whereas calling
Chinese Japanese would rewrite its Simplified characters.

``JAPANESE_FORM_SHARE`` = 0.05 with ``MIN_JAPANESE_FORMS`` = 3: a page under the kana
share is still Japanese when at least 5 % of its Han characters (and three or more) are
forms only Japanese writes: in JIS X 0208 but in neither GB 2312 nor Big5-HKSCS (総 歳
対 単 図 円). A budget table or a list of ministries has almost no kana but many of
these; Chinese text has none, and an OCR slip gives one or two, not one in twenty.

``LATIN_SHARE`` = 0.5: below the CJK share, a page whose letters are at least half
Latin is "en"; otherwise another script (Cyrillic, Greek, Arabic, Devanagari...) holds
the majority and the page is "other".

Short texts: there is no minimum length; the same shares decide. Text with no letters
(empty, digits, punctuation) is "other". A single kana makes a short text Japanese (a
kana is the only evidence there is, and it is decisive unless it is a look-alike),
and a few kanji alone are "zh": for Japanese that is the safe side, as said above.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

Language = Literal["ja", "zh", "ko", "en", "other"]

CJK_SHARE = 0.2
HANGUL_SHARE = 0.3
KANA_SHARE = 0.10
LATIN_SHARE = 0.5
JAPANESE_FORM_SHARE = 0.05
MIN_JAPANESE_FORMS = 3

#: Katakana that OCR gives for a Han character of the same shape (and ー for 一). They
#: are left out of the kana count: they appear in Chinese OCR output too.
KANA_LOOKALIKES = frozenset("ロカエニーハタトオ")


def is_hiragana(ch: str) -> bool:
    """Hiragana letters, the iteration marks ゝゞ and the ligature ゟ."""
    cp = ord(ch)
    return 0x3041 <= cp <= 0x3096 or 0x309D <= cp <= 0x309F


def is_katakana(ch: str) -> bool:
    """Katakana letters, the long-vowel mark ー, ヽヾヿ, the extensions and half-width forms.

    The middle dot ・ (U+30FB) is punctuation and not counted.
    """
    cp = ord(ch)
    return (
        (0x30A1 <= cp <= 0x30FF and cp != 0x30FB)
        or 0x31F0 <= cp <= 0x31FF
        or (0xFF66 <= cp <= 0xFF9D)
    )


def is_kana(ch: str) -> bool:
    """Hiragana or katakana (see :func:`is_hiragana` and :func:`is_katakana`)."""
    return is_hiragana(ch) or is_katakana(ch)


def is_han(ch: str) -> bool:
    """A Han character: unified ideographs with their extensions, compatibility
    ideographs, radicals as PDFs emit them (⼀), and 々 〆 〇, which stand for kanji."""
    cp = ord(ch)
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x3134F
        or 0xF900 <= cp <= 0xFAFF
        or 0x2E80 <= cp <= 0x2FDF
        or 0x3005 <= cp <= 0x3007
    )


def is_hangul(ch: str) -> bool:
    """Hangul syllables and jamo (including the compatibility and extended blocks)."""
    cp = ord(ch)
    return (
        0xAC00 <= cp <= 0xD7AF
        or 0x1100 <= cp <= 0x11FF
        or 0x3130 <= cp <= 0x318F
        or 0xA960 <= cp <= 0xA97F
        or 0xD7B0 <= cp <= 0xD7FF
        or 0xFFA0 <= cp <= 0xFFDC
    )


def is_latin(ch: str) -> bool:
    """A Latin letter: ASCII, Latin-1 and Extended-A/B, full-width A-Z and a-z."""
    cp = ord(ch)
    return (
        0x41 <= cp <= 0x5A
        or 0x61 <= cp <= 0x7A
        or (0xC0 <= cp <= 0x24F and cp not in (0xD7, 0xF7))
        or 0xFF21 <= cp <= 0xFF3A
        or 0xFF41 <= cp <= 0xFF5A
    )


def encodes(text: str, codec: str) -> bool:
    """Whether ``codec`` can write ``text``: the character sets tell the languages'
    forms apart."""
    try:
        text.encode(codec)
    except UnicodeEncodeError:
        return False
    return True


@lru_cache(maxsize=8192)
def is_japanese_only_kanji(ch: str) -> bool:
    """A kanji in JIS X 0208 that neither GB 2312 (Simplified) nor Big5-HKSCS
    (Traditional) has: a Japanese form such as 総 歳 対 単 円 図 (Chinese writes
    总/總, 岁/歲, 对/對, ...)."""
    return (
        is_han(ch)
        and encodes(ch, "shift_jis")
        and not encodes(ch, "gb2312")
        and not encodes(ch, "big5hkscs")
    )


def japanese_only_kanji(text: str) -> int:
    """How many of ``text``'s characters are Japanese-only kanji forms."""
    return sum(1 for ch in text if is_japanese_only_kanji(ch))


def script_counts(text: str) -> dict[str, int]:
    """Letters of ``text`` by script: kana (look-alikes left out), han, hangul, latin, other.

    Characters that are not letters (digits, punctuation, spaces, symbols) and the
    kana look-alikes are not counted.
    """
    counts = {"kana": 0, "han": 0, "hangul": 0, "latin": 0, "other": 0}
    for ch in text:
        if ch.isascii():
            if ch.isalpha():
                counts["latin"] += 1
            continue
        if is_kana(ch):
            if ch not in KANA_LOOKALIKES:
                counts["kana"] += 1
        elif is_han(ch):
            counts["han"] += 1
        elif is_hangul(ch):
            counts["hangul"] += 1
        elif is_latin(ch):
            counts["latin"] += 1
        elif ch.isalpha():
            counts["other"] += 1
    return counts


def detect_language(text: str) -> Language:
    """The language of ``text`` from its scripts: "ja", "zh", "ko", "en" or "other".

    See the module docstring for the thresholds and for what short texts get.
    """
    counts = script_counts(text)
    letters = sum(counts.values())
    if letters == 0:
        return "other"
    cjk = counts["kana"] + counts["han"] + counts["hangul"]
    if cjk >= CJK_SHARE * letters:
        if counts["hangul"] >= HANGUL_SHARE * cjk:
            return "ko"
        kana_han = counts["kana"] + counts["han"]
        if counts["kana"] and counts["kana"] >= KANA_SHARE * kana_han:
            return "ja"
        forms = japanese_only_kanji(text)
        if forms >= MIN_JAPANESE_FORMS and forms >= JAPANESE_FORM_SHARE * counts["han"]:
            return "ja"  # kanji-dense Japanese: a budget table, a list of ministries
        # Here Han is present: without kana or Hangul above their shares, cjk is mostly Han.
        return "zh"
    if counts["latin"] >= LATIN_SHARE * letters:
        return "en"
    return "other"
