"""normalise_japanese: each rule's fixes and what it must leave alone."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dotsocr.lang import detect_language, normalise_for_language, normalise_japanese
from dotsocr.lang import japanese as ja
from support.chinese_text import chinese_text

Rule = Callable[[str], str]

needs_opencc = pytest.mark.skipif(not ja.OPENCC_AVAILABLE, reason="opencc is not installed")


def _check(rule: Rule, before: str, after: str) -> None:
    assert rule(before) == after
    # The whole pipeline gives the same, and nothing else, on these short cases.
    assert normalise_japanese(before) == after


def test_rules_run_in_the_documented_order() -> None:
    assert [rule.__name__ for rule in ja.RULES] == [
        "japanese_forms_for_non_japanese_kanji",
        "postal_mark_for_t_before_postal_code",
        "digit_zero_for_kanji_zero_in_numbers",
        "katakana_for_hiragana_he_be_pe_in_katakana_words",
        "katakana_for_kanji_lookalikes_in_katakana_words",
        "kanji_for_katakana_lookalikes_beside_kanji",
        "katakana_ka_in_counters",
        "katakana_middle_dot_between_japanese_words",
    ]


# ---------------------------------------------------------------- 1. kanji forms


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("题", "題"),
        ("额", "額"),
        ("资", "資"),
        ("稅", "税"),
        ("鲸", "鯨"),
        ("规", "規"),
        ("問题の金额と资料", "問題の金額と資料"),
        ("消費稅", "消費税"),
    ],
)
def test_kanji_forms_seen_in_ocr(before: str, after: str) -> None:
    _check(ja.japanese_forms_for_non_japanese_kanji, before, after)


@needs_opencc
@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("经济发展", "経済発展"),
        ("复杂な构造", "複雑な構造"),  # 复 -> 複 from the phrase 复杂, not 復
        ("说明书", "説明書"),
        ("这些问题", "這些問題"),  # 這 is the Traditional form, valid in JIS X 0208
    ],
)
def test_kanji_forms_through_opencc(before: str, after: str) -> None:
    _check(ja.japanese_forms_for_non_japanese_kanji, before, after)


@pytest.mark.parametrize(
    "text",
    [
        "広国学会対売",  # Shinjitai that s2t would turn into 廣國學會對賣
        "体気発経済",
        "森鷗外",  # JIS X 0213 level 3, not Simplified: stays
        "髙橋さんと山﨑さん",  # cp932 extensions of names
        "処理",  # 理 U+F9E4, a compatibility ideograph from a PDF text layer
        "广个万与",  # Simplified-looking but in JIS X 0208
    ],
)
def test_kanji_forms_leave_valid_japanese_alone(text: str) -> None:
    _check(ja.japanese_forms_for_non_japanese_kanji, text, text)


def test_kanji_forms_survive_a_lone_surrogate() -> None:
    assert ja.japanese_forms_for_non_japanese_kanji("题\udc80") == "題\udc80"


def test_fallback_table_without_opencc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ja, "OPENCC_AVAILABLE", False)
    assert ja.japanese_forms_for_non_japanese_kanji("题额资稅鲸规") == "題額資税鯨規"
    assert set(ja.FALLBACK_KANJI) == set("题额资稅鲸规")


# ---------------------------------------------------------------- 2. postal mark


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("T100-8914", "〒100-8914"),
        ("住所：T100-8914 東京都", "住所：〒100-8914 東京都"),
        ("T 060-0001", "〒 060-0001"),
        ("Ｔ１００－８９１４", "〒１００－８９１４"),
        # Not a postal code: a model number, a letter before T, wrong digit counts.
        ("AT100-1234", "AT100-1234"),
        ("T100-12345", "T100-12345"),
        ("T10-8914", "T10-8914"),
        ("Type T", "Type T"),
    ],
)
def test_postal_mark(before: str, after: str) -> None:
    _check(ja.postal_mark_for_t_before_postal_code, before, after)


# ---------------------------------------------------------------- 3. zero in numbers


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("平成2〇年4月25日", "平成20年4月25日"),
        ("1〇〇円", "100円"),
        ("〇3-1234-5678", "03-1234-5678"),
        ("２〇２４年", "２０２４年"),
        # Numbers in kanji, and 〇 as a mark or a placeholder, stay.
        ("二〇二四年", "二〇二四年"),
        ("第〇条", "第〇条"),
        ("〇印の欄", "〇印の欄"),
    ],
)
def test_kanji_zero_in_numbers(before: str, after: str) -> None:
    _check(ja.digit_zero_for_kanji_zero_in_numbers, before, after)


# ---------------------------------------------------------------- 4. へ べ ぺ


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("ホームぺージ", "ホームページ"),
        ("へッダー", "ヘッダー"),
        ("べース", "ベース"),
        ("データべース", "データベース"),
        ("のぺン", "のペン"),
        # The particle へ, hiragana words and べ after a kanji stay.
        ("データへアクセス", "データへアクセス"),
        ("'%s' へジャンプする", "'%s' へジャンプする"),
        ("すべて", "すべて"),
        ("食べログ", "食べログ"),
        ("東京へ行く", "東京へ行く"),
    ],
)
def test_hiragana_he_be_pe_in_katakana_words(before: str, after: str) -> None:
    _check(ja.katakana_for_hiragana_he_be_pe_in_katakana_words, before, after)


# ---------------------------------------------------------------- 5. kanji -> katakana


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("サ一ビス", "サービス"),
        ("力メラ", "カメラ"),
        ("工ンジン", "エンジン"),
        ("才レンジ", "オレンジ"),
        ("口ケット", "ロケット"),
        ("二ュース", "ニュース"),
        ("ス力ート", "スカート"),
        ("ロボッ卜", "ロボット"),
        ("デー夕", "データ"),
        ("サーバ一。", "サーバー。"),
        ("ウニ・カ＝・タコ", "ウニ・カニ・タコ"),
        ("カ＝カマ", "カニカマ"),
        ("新しい力メラを買った", "新しいカメラを買った"),
        # Real kanji next to katakana stay.
        ("ロボット", "ロボット"),
        ("電力メーター", "電力メーター"),
        ("ブランド力アップ", "ブランド力アップ"),
        ("ブランド力", "ブランド力"),
        ("口コミ", "口コミ"),
        ("一センチ", "一センチ"),
        ("二パターン", "二パターン"),
        ("ボタン一つ", "ボタン一つ"),
        ("クラス一の成績", "クラス一の成績"),
        ("3才クラス", "3才クラス"),
        ("ロボット工学", "ロボット工学"),
        ("コスト＝時間", "コスト＝時間"),
        ("ア=1", "ア=1"),
        ("x＝y", "x＝y"),
    ],
)
def test_kanji_lookalikes_in_katakana_words(before: str, after: str) -> None:
    _check(ja.katakana_for_kanji_lookalikes_in_katakana_words, before, after)


# ---------------------------------------------------------------- 6. katakana -> kanji


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("統ーし", "統一し"),
        ("協カ", "協力"),
        ("加エ", "加工"),
        ("人ロ", "人口"),
        ("天オ", "天才"),
        ("第ニ章", "第二章"),
        ("同ーの", "同一の"),
        ("ー般", "一般"),
        ("もうー度", "もう一度"),
        ("ーつ", "一つ"),
        # Katakana that belong there stay.
        ("コーヒー", "コーヒー"),
        ("ユーザー名", "ユーザー名"),
        ("何カ月", "何カ月"),
        ("3カ所", "3カ所"),
        ("数カ国", "数カ国"),
        ("日ロ関係", "日ロ関係"),
        ("省エネ", "省エネ"),
        ("単ーファイル", "単ーファイル"),
        ("ロ短調", "ロ短調"),
        ("100ー200", "100ー200"),
    ],
)
def test_katakana_lookalikes_beside_kanji(before: str, after: str) -> None:
    _check(ja.kanji_for_katakana_lookalikes_beside_kanji, before, after)


@pytest.mark.parametrize("text", ["一つ", "一般", "第一", "統一", "一センチ", "唯一無二"])
def test_kanji_one_is_never_touched(text: str) -> None:
    assert normalise_japanese(text) == text


# ---------------------------------------------------------------- 7. counter カ


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("3力月", "3カ月"),
        ("数力国", "数カ国"),
        ("何力所", "何カ所"),
        ("五力年計画", "五カ年計画"),
        ("協力国", "協力国"),
        ("電力年報", "電力年報"),
    ],
)
def test_counter_ka(before: str, after: str) -> None:
    _check(ja.katakana_ka_in_counters, before, after)


# ---------------------------------------------------------------- 8. middle dot


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("コンピュータ·サイエンス", "コンピュータ・サイエンス"),
        ("東京·大阪", "東京・大阪"),
        ("ジョン•スミス", "ジョン・スミス"),
        ("a·b", "a·b"),
        ("3·4", "3·4"),
        ("· 項目", "· 項目"),
    ],
)
def test_middle_dot(before: str, after: str) -> None:
    _check(ja.katakana_middle_dot_between_japanese_words, before, after)


# ---------------------------------------------------------------- the pipeline


def test_a_paragraph_with_several_confusions() -> None:
    before = "T100-8914 東京都の力メラ·メーカーは統ーした规格でホームぺージのサ一ビスに協カする。"
    after = "〒100-8914 東京都のカメラ・メーカーは統一した規格でホームページのサービスに協力する。"
    assert normalise_japanese(before) == after


def test_pdfjs_japanese_text_layers_are_unchanged(shared_data: Path) -> None:
    files = sorted((shared_data / "accuracy" / "pdfjs_textlayer" / "ja").glob("*.textlayer.txt"))
    assert files
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert normalise_japanese(text) == text, path.name


def test_only_japanese_is_normalised() -> None:
    assert normalise_for_language("资料を統ーし", "ja") == "資料を統一し"
    for lang in ("zh", "ko", "en", "other"):
        assert normalise_for_language("资料を統ーし", lang) == "资料を統ーし"


_CHINESE = chinese_text()


@given(_CHINESE)
def test_chinese_goes_through_unchanged(text: str) -> None:
    assert normalise_for_language(text, detect_language(text)) == text


_JAPANESE_ISH = st.text(
    alphabet=st.one_of(
        st.sampled_from(
            "力工才二口一八夕卜カエオニロータトハへべぺヘベペサビスメラジッュョァコヒ"
            "統協加人第般つのをしがは月所国年条何数日米·•T0123456789- 。、"
            "题额资稅鲸规经发复杂广会学対漢字"
        ),
        st.characters(min_codepoint=0x3041, max_codepoint=0x30FF),
        st.characters(min_codepoint=0x4E00, max_codepoint=0x9FFF),
    ),
    max_size=40,
)


@settings(max_examples=300)
@given(_JAPANESE_ISH)
def test_normalise_japanese_is_idempotent(text: str) -> None:
    once = normalise_japanese(text)
    assert normalise_japanese(once) == once
    assert len(once) == len(text)
