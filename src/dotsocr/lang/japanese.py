"""Fix the characters OCR repeatedly gets wrong in Japanese text.

RapidOCR's recogniser shares one alphabet between Chinese and Japanese, so on Japanese
pages it now and then picks a Simplified Chinese form (题 for 題), a Han character
where a katakana of the same shape belongs (力メラ for カメラ) or the other way round
(協カ for 協力), a Latin middle dot for the katakana one, T for the postal mark 〒, or
the kanji zero 〇 inside a number written in digits.

:func:`normalise_japanese` applies these rules in this order, each a function below:

1. :func:`japanese_forms_for_non_japanese_kanji` (题 -> 題, 稅 -> 税), through OpenCC;
2. :func:`postal_mark_for_t_before_postal_code` (T100-8914 -> 〒100-8914);
3. :func:`digit_zero_for_kanji_zero_in_numbers` (平成2〇年 -> 平成20年);
4. :func:`katakana_for_hiragana_he_be_pe_in_katakana_words` (ホームぺージ -> ホームページ);
5. :func:`katakana_for_kanji_lookalikes_in_katakana_words` (力メラ -> カメラ, サ一ビス -> サービス);
6. :func:`kanji_for_katakana_lookalikes_beside_kanji` (協カ -> 協力, 統ーし -> 統一し);
7. :func:`katakana_ka_in_counters` (3力月 -> 3カ月);
8. :func:`katakana_middle_dot_between_japanese_words` (コンピュータ·サイエンス -> ・).

Kanji forms come first because the later rules look at whether a neighbour is a kanji
(a Simplified character is one too, so the order is for clarity, not necessity); the
hiragana and katakana fixes inside katakana words come before the fixes beside kanji,
so that those see katakana words already whole; the dot comes last, when its
neighbours are what they will stay. The eight rules are then run again until nothing
changes (at most four rounds), because one fix can change its neighbour's context: in
力工ンジン the first round can only see that 工 (before ン) is エ, the second that 力
then starts a katakana word. This makes the result stable under a second call.

Every rule leaves text alone where the reading is not clear: what stays, and why, is
in each rule's docstring. Only call this on text known to be Japanese (see
:func:`dotsocr.lang.normalise_for_language`): on Chinese it would turn correct
Simplified characters into Japanese ones.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import Any

from dotsocr.lang.detect import encodes, is_han, is_hiragana, is_katakana

try:  # The official OpenCC binding: its wheel carries the conversion tables.
    import opencc as _opencc
except ImportError:  # pragma: no cover - exercised only where opencc is not installed
    _opencc = None

#: Whether OpenCC is installed; without it only :data:`FALLBACK_KANJI` is applied.
OPENCC_AVAILABLE = _opencc is not None

#: FALLBACK ONLY, used when OpenCC is not installed: the non-Japanese forms seen in
#: RapidOCR output on Japanese pages, with their Japanese forms. With OpenCC every
#: Simplified or non-JIS form it knows is converted instead.
FALLBACK_KANJI = {
    "题": "題",
    "额": "額",
    "资": "資",
    "稅": "税",
    "鲸": "鯨",
    "规": "規",
}

#: Han characters the kanji-form rule looks at. Compatibility ideographs (U+F900-FAFF,
#: such as 理 U+F9E4 from PDF text layers) are left out: each is canonically the same
#: character as a unified one, a text-layer artefact rather than an OCR confusion.
_HAN_RE = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\U00020000-\U0003134f]")

#: Katakana that cannot begin a word: the long-vowel mark, small kana, ッ and ン. A
#: look-alike right before one of them is the katakana syllable itself (二ュース).
_WORD_INTERNAL = frozenset("ーッンァィゥェォャュョヮヵ")


def _neighbours(text: str, i: int) -> tuple[str, str]:
    """The characters before and after position ``i``; a space stands for either end."""
    return (text[i - 1] if i else " ", text[i + 1] if i + 1 < len(text) else " ")


def _starts_word(prev: str) -> bool:
    """Whether a word can start after ``prev``: at the start, after a space,
    punctuation or hiragana (a particle), but not right after a kanji, katakana,
    Latin letter or digit, which would make it part of a compound or a number."""
    return not prev.isalnum() or is_hiragana(prev)


def _apply(text: str, pattern: re.Pattern[str], decide: Callable[[str, int], str | None]) -> str:
    """Replace each match of ``pattern`` (one character) with ``decide(text, i)``, when
    that returns a character; neighbours are always read from the input ``text``."""
    out: list[str] | None = None
    for m in pattern.finditer(text):
        new = decide(text, m.start())
        if new is not None and new != m.group():
            if out is None:
                out = list(text)
            out[m.start()] = new
    return text if out is None else "".join(out)


# ---------------------------------------------------------------- 1. kanji forms


@cache
def _converters() -> tuple[Any, Any]:
    """OpenCC's Simplified -> Traditional and Traditional (Kyūjitai) -> Shinjitai."""
    assert _opencc is not None
    return _opencc.OpenCC("s2t"), _opencc.OpenCC("t2jp")


_JAPANESE_KANJI: dict[str, bool] = {}


def is_japanese_kanji(ch: str) -> bool:
    """Whether the Han character ``ch`` is a valid Japanese form.

    Valid: in JIS X 0208 (levels 1-2, every common kanji), in Microsoft's cp932
    extensions (髙, 﨑 of names), or in JIS X 0213 (levels 3-4: 鷗 of 森鷗外, 剝 and
    𠮟 of the 2010 jōyō list) unless OpenCC's Simplified -> Traditional table changes
    it, that is unless it is a Simplified Chinese form (JIS X 0213 also took in 关,
    运, 达 and a hundred more).
    """
    known = _JAPANESE_KANJI.get(ch)
    if known is None:
        if encodes(ch, "shift_jis") or encodes(ch, "cp932"):
            known = True
        elif encodes(ch, "euc_jis_2004"):
            known = not OPENCC_AVAILABLE or _converters()[0].convert(ch) == ch
        else:
            known = False
        _JAPANESE_KANJI[ch] = known
    return known


@cache
def _japanese_form(traditional: str, original: str) -> str | None:
    """The Japanese form of ``original`` from its Traditional reading, if it is one."""
    candidate = _converters()[1].convert(traditional)
    if len(candidate) == 1 and candidate != original and is_japanese_kanji(candidate):
        return candidate
    return None


def japanese_forms_for_non_japanese_kanji(text: str) -> str:
    """Replace Simplified Chinese and other non-Japanese kanji forms by Japanese ones.

    Only characters that are not valid Japanese (see :func:`is_japanese_kanji`) are
    touched, so correct Shinjitai such as 広 国 学 会 対 売 can never be rewritten.
    Each is taken through OpenCC: Simplified -> Traditional on the whole text (its
    phrase table then picks 複 or 復 for 复 from the neighbours), then the Traditional
    (Kyūjitai) form -> Shinjitai (經 -> 経, 稅 -> 税). The result is kept only if it
    is a single valid Japanese character; otherwise the character stays as it is.
    Without OpenCC, only the :data:`FALLBACK_KANJI` table is applied.
    """
    if encodes(text, "cp932"):  # every character is JIS X 0208 or a cp932 extension
        return text
    bad = [m.start() for m in _HAN_RE.finditer(text) if not is_japanese_kanji(m.group())]
    if not bad:
        return text
    out = list(text)
    if not OPENCC_AVAILABLE:
        for i in bad:
            out[i] = FALLBACK_KANJI.get(text[i], text[i])
        return "".join(out)
    s2t = _converters()[0]
    try:
        traditional = s2t.convert(text)
    except UnicodeError:  # a lone surrogate cannot go to OpenCC; go character by character
        traditional = ""
    in_context = len(traditional) == len(text)
    for i in bad:
        trad = traditional[i] if in_context else s2t.convert(text[i])
        new = _japanese_form(trad, text[i])
        if new is not None:
            out[i] = new
    return "".join(out)


# ---------------------------------------------------------------- 2. postal mark

_POSTAL_T_RE = re.compile(
    "(?<![0-9A-Za-z\uff10-\uff19\uff21-\uff3a\uff41-\uff5a])[T\uff34]"
    "(?=[ \u3000]?[0-9\uff10-\uff19]{3}[-\uff0d\u2010\u2011\u2212\u30fc]"
    "[0-9\uff10-\uff19]{4}(?![0-9\uff10-\uff19]))"
)


def postal_mark_for_t_before_postal_code(text: str) -> str:
    """``T`` (or full-width ``Ｔ``) read for the postal mark 〒 before a postal code.

    Only where a Japanese postal code follows (three digits, a hyphen, four digits,
    ASCII or full-width, after at most one space) and no letter or digit precedes the
    T, so model numbers such as AT100-1234 or T100-12345 stay.
    """
    return _POSTAL_T_RE.sub("〒", text)


# ---------------------------------------------------------------- 3. zero in numbers

_KANJI_ZERO_RE = re.compile("(?<=[0-9\uff10-\uff19])\u3007+|\u3007+(?=[0-9\uff10-\uff19])")


def _digit_zeros(match: re.Match[str]) -> str:
    text, start, end = match.string, match.start(), match.end()
    beside = text[start - 1] if start and text[start - 1].isdigit() else text[end : end + 1]
    zero = "\uff10" if "\uff10" <= beside <= "\uff19" else "0"
    return zero * (end - start)


def digit_zero_for_kanji_zero_in_numbers(text: str) -> str:
    """The kanji zero 〇 read for the digit 0 inside a number written in digits
    (平成2〇年 -> 平成20年, 1〇〇円 -> 100円): a run of 〇 with a digit right before or
    after it. The zero takes the width of that digit. Numbers written in kanji
    (二〇二四年) and a 〇 on its own (a circle mark, ○×) stay.
    """
    return _KANJI_ZERO_RE.sub(_digit_zeros, text)


# ---------------------------------------------------------------- 4. へべぺ in katakana

_HE_BE_PE = {"へ": "ヘ", "べ": "ベ", "ぺ": "ペ"}
_HE_BE_PE_RE = re.compile("[へべぺ]")


def _he_be_pe(text: str, i: int) -> str | None:
    prev, nxt = _neighbours(text, i)
    ch = text[i]
    if not is_katakana(nxt):
        return None
    if nxt in _WORD_INTERNAL:
        return _HE_BE_PE[ch]
    if ch == "へ":  # otherwise the particle: データへアクセス, '%s' へジャンプ
        return None
    if is_katakana(prev) or _starts_word(prev):
        return _HE_BE_PE[ch]
    return None


def katakana_for_hiragana_he_be_pe_in_katakana_words(text: str) -> str:
    """Hiragana へ べ ぺ inside a katakana word become katakana ヘ ベ ペ (same shapes).

    Changed: before ー, ッ, ン or a small kana (ホームぺージ, へッダー), which no word
    starts with; べ and ぺ before a katakana after katakana, hiragana or at a word
    start (べース). Left alone: へ before any other katakana, since the particle へ
    comes right before a word (データへアクセス, '%s' へジャンプ), so へルプ stays
    too; anything after a kanji (食べログ) and anything not followed by a katakana
    (すべて).
    """
    return _apply(text, _HE_BE_PE_RE, _he_be_pe)


# ---------------------------------------------------------------- 5. kanji -> katakana

_TO_KATAKANA = {
    "力": "カ",
    "工": "エ",
    "才": "オ",
    "二": "ニ",
    "口": "ロ",
    "一": "ー",
    "八": "ハ",
    "夕": "タ",
    "卜": "ト",
}
_TO_KATAKANA_RE = re.compile("[力工才二口一八夕卜＝=]")
#: An equals sign is ニ's two strokes: OCR reads カニ as カ＝ in old print.
_EQUALS = "＝="
#: Real compounds of 口 with a katakana word (口コミ "word of mouth", 口パク).
_KUCHI_WORDS = ("口コミ", "口パク")


def _katakana_lookalike(text: str, i: int) -> str | None:
    prev, nxt = _neighbours(text, i)
    ch = text[i]
    if ch in _EQUALS:
        # after a katakana and before another, punctuation or the end; never in a
        # sum or between words and numbers (コスト＝時間, ア=1)
        closes = not (nxt.isalnum() or nxt in _EQUALS)
        return "ニ" if is_katakana(prev) and (is_katakana(nxt) or closes) else None
    if is_katakana(prev) and is_katakana(nxt):
        # ブランド力アップ: 力 "ability" closes a katakana noun before アップ.
        return None if ch == "力" and nxt == "ア" else _TO_KATAKANA[ch]
    if ch in "一卜夕八":
        # Closing a katakana word before punctuation, a space or the end (サーバ一。).
        ends = not nxt.isalnum()
        after_word = is_katakana(prev) and not (ch == "一" and prev == "ー")
        return _TO_KATAKANA[ch] if after_word and ends else None
    if ch not in "力工才口二" or not is_katakana(nxt):
        return None
    if nxt in _WORD_INTERNAL:
        return _TO_KATAKANA[ch]
    if ch == "二" or not _starts_word(prev) or text.startswith(_KUCHI_WORDS, i):
        return None
    return _TO_KATAKANA[ch]


def katakana_for_kanji_lookalikes_in_katakana_words(text: str) -> str:
    """Han characters shaped like a katakana, inside a katakana word, become that katakana.

    力 工 才 二 口 一 八 夕 卜 -> カ エ オ ニ ロ ー ハ タ ト (一 as the long-vowel mark);
    ＝ after a katakana and before a katakana, punctuation or the end -> ニ (カ＝・).
    Changed: between two katakana (サ一ビス, ロボッ卜); before ー, ッ, ン or a small
    kana, which no word starts with (二ュース); 力 工 才 口 starting a katakana word
    (力メラ, 工ンジン); 一 八 夕 卜 closing a katakana word before punctuation, a
    space or the end (サーバ一。, ロボッ卜). Left alone: 力 between a katakana word
    and アップ (ブランド力アップ); a look-alike after a kanji, a digit or a Latin
    letter (電力メーター, 3才クラス); 口コミ and 口パク; 一 and 二 starting a word,
    which are numbers (一センチ, 二パターン); 一 before a hiragana (ボタン一つ,
    クラス一の "best in the class"); 力 工 才 口 二 closing a katakana word, where
    they are suffixes (ブランド力, ドア口, パート二); 八 夕 卜 starting a word.
    """
    return _apply(text, _TO_KATAKANA_RE, _katakana_lookalike)


# ---------------------------------------------------------------- 6. katakana -> kanji

_TO_KANJI = {"カ": "力", "エ": "工", "オ": "才", "ニ": "二", "ロ": "口", "ー": "一"}
_TO_KANJI_RE = re.compile("[カエオニロー]")
_NUMERALS = frozenset("0123456789０１２３４５６７８９〇一二三四五六七八九十百千万両数何幾")
#: Kanji counted with the katakana カ (ヵ, ヶ): 3カ月, 数カ国, 何カ所, 五カ年, 十七カ条.
_KA_COUNTED = frozenset("月所国年条")
#: Country abbreviations that are followed by ロ for Russia (日ロ関係, 米ロ, 対ロ制裁).
_BEFORE_RUSSIA = frozenset("日米英仏独中韓欧豪印伊加朝台対")


def _kanji_lookalike(text: str, i: int) -> str | None:
    prev, nxt = _neighbours(text, i)
    ch = text[i]
    if is_han(prev) and not is_katakana(nxt):
        if ch == "カ" and prev in _NUMERALS and nxt in _KA_COUNTED:
            return None
        if ch == "ロ" and prev in _BEFORE_RUSSIA:
            return None
        return _TO_KANJI[ch]
    # No word starts with a long vowel: before a kanji or つ it is 一 (ー般, もうー度, ーつ),
    # unless it ends a katakana word (ユーザー名) or follows a Latin letter or a digit.
    if ch == "ー" and (is_han(nxt) or nxt == "つ"):
        after_word = is_katakana(prev) or prev.isdigit() or (prev.isascii() and prev.isalpha())
        return None if after_word else "一"
    return None


def kanji_for_katakana_lookalikes_beside_kanji(text: str) -> str:
    """Katakana shaped like a Han character, right after a kanji, become that kanji.

    カ エ オ ニ ロ ー -> 力 工 才 二 口 一. Changed: after a kanji when no katakana
    follows (協カ, 加エ, 人ロ, 第ニ章, 統ーし, 同ー); ー starting a word before a
    kanji or つ (ー般, もうー度, ーつ), since no word starts with a long vowel.
    Left alone: anything before a katakana (単ーファイル, 省エネ: it may start a
    katakana word); the counter カ between a numeral and 月 所 国 年 条 (何カ月,
    数カ国); ロ for Russia after a country (日ロ関係); ー after katakana (ユーザー名);
    カ エ オ ニ ロ starting a word before a kanji, which is too often real (ロ短調,
    ニ長調, カ行, ロ号). Colloquial long vowels after a kanji (長ーい) are lost.
    """
    return _apply(text, _TO_KANJI_RE, _kanji_lookalike)


# ---------------------------------------------------------------- 7. counter カ

_KA_COUNTER_RE = re.compile("力(?=[月所国年条])")


def _ka_counter(text: str, i: int) -> str | None:
    return "カ" if i and text[i - 1] in _NUMERALS else None


def katakana_ka_in_counters(text: str) -> str:
    """The counter カ read as 力 between a numeral and 月 所 国 年 条 (3力月 -> 3カ月).

    Numerals are digits (ASCII or full-width) and 〇一二三四五六七八九十百千万両数何幾;
    after any other kanji 力 is the word "power" and stays (協力国, 電力年報).
    """
    return _apply(text, _KA_COUNTER_RE, _ka_counter)


# ---------------------------------------------------------------- 8. middle dot

_DOTS_RE = re.compile("[\u00b7\u2027\u2219\u22c5\u2022]")


def _japanese_letter(ch: str) -> bool:
    return is_katakana(ch) or is_hiragana(ch) or is_han(ch)


def _middle_dot(text: str, i: int) -> str | None:
    prev, nxt = _neighbours(text, i)
    return "・" if _japanese_letter(prev) and _japanese_letter(nxt) else None


def katakana_middle_dot_between_japanese_words(text: str) -> str:
    """A Latin-looking middle dot between two Japanese words becomes the katakana ・.

    · (U+00B7), ‧ (U+2027), ∙ (U+2219), ⋅ (U+22C5) and • (U+2022) right between two
    kana or kanji (コンピュータ·サイエンス, 東京·大阪) become ・ (U+30FB). Dots with
    Latin, digits or a space on either side (a·b, 3·4, list bullets) stay.
    """
    return _apply(text, _DOTS_RE, _middle_dot)


# ---------------------------------------------------------------- the pipeline

RULES = (
    japanese_forms_for_non_japanese_kanji,
    postal_mark_for_t_before_postal_code,
    digit_zero_for_kanji_zero_in_numbers,
    katakana_for_hiragana_he_be_pe_in_katakana_words,
    katakana_for_kanji_lookalikes_in_katakana_words,
    kanji_for_katakana_lookalikes_beside_kanji,
    katakana_ka_in_counters,
    katakana_middle_dot_between_japanese_words,
)
_MAX_ROUNDS = 4


def normalise_japanese(text: str) -> str:
    """``text`` with Japanese OCR confusions fixed by :data:`RULES`, in that order.

    The rules are run again until nothing changes (at most four rounds), so the
    result is stable: normalising it once more changes nothing.
    """
    for _ in range(_MAX_ROUNDS):
        before = text
        for rule in RULES:
            text = rule(text)
        if text == before:
            break
    return text
