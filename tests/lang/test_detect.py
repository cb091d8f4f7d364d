"""detect_language: the language of a page from the scripts of its letters."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dotsocr.lang import detect_language
from dotsocr.lang.detect import KANA_LOOKALIKES, script_counts
from support.chinese_text import chinese_text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Japanese: running prose, kanji-dense legal text, katakana, mixed with English.
        ("漏電遮断機構と検知機構を一つの箱内に収めたものは、漏電遮断器と解釈する。", "ja"),
        ("電線接続端子部が次のいずれにも該当しないとき。", "ja"),
        ("コンピュータ・サイエンス", "ja"),
        ("pip install opencc を実行します", "ja"),
        # Chinese, Simplified and Traditional.
        ("关于红军作战的原则，对国防问题的意见。", "zh"),
        ("描述團隊的共同目標，有利於團隊成員理解目標。", "zh"),
        # Korean, with and without hanja.
        ("대한민국의 수도는 서울입니다.", "ko"),
        ("大韓民國 憲法 제1조 대한민국은 민주공화국이다.", "ko"),
        # Latin script, with a name in kanji.
        ("The meeting with 田中 was moved to Tuesday afternoon.", "en"),
        ("Le système détecte la langue du texte.", "en"),
        # Other scripts and no letters at all.
        ("Распознавание текста на странице.", "other"),
        ("النص العربي من اليمين إلى اليسار", "other"),
        ("", "other"),
        ("123-456 (7.8%)", "other"),
    ],
)
def test_detect_language(text: str, expected: str) -> None:
    assert detect_language(text) == expected


def test_short_texts_follow_the_documented_choice() -> None:
    # A single kana is decisive; kanji alone cannot tell and are read as Chinese.
    assert detect_language("の") == "ja"
    assert detect_language("電線関係") == "zh"
    # A look-alike katakana alone is no evidence for Japanese.
    assert detect_language("人ロ") == "zh"


def test_chinese_ocr_with_katakana_lookalikes_stays_chinese() -> None:
    # OCR reading 口 as ロ, 力 as カ, 一 as ー in Chinese text must not make it Japanese.
    text = "人ロ增长率为百分之二十，劳动カ不足，统ー规划。"
    assert detect_language(text) == "zh"


def test_a_few_stylish_no_in_chinese_stay_under_the_kana_share() -> None:
    text = "台灣の美食：描述團隊的共同目標，有利於團隊成員理解目標並朝著目標努力。"
    assert detect_language(text) == "zh"


def test_lookalikes_are_not_counted_as_kana() -> None:
    counts = script_counts("".join(sorted(KANA_LOOKALIKES)) + "あ")
    assert counts["kana"] == 1


@pytest.mark.parametrize(
    ("folder", "expected"), [("ja", "ja"), ("zh", "zh"), ("en", "en"), ("ar", "other")]
)
def test_pdfjs_text_layers(shared_data: Path, folder: str, expected: str) -> None:
    files = sorted((shared_data / "accuracy" / "pdfjs_textlayer" / folder).glob("*.textlayer.txt"))
    assert files
    for path in files:
        assert detect_language(path.read_text(encoding="utf-8")) == expected, path.name


_CHINESE = chinese_text(min_size=1)


@given(_CHINESE, st.lists(st.sampled_from(sorted(KANA_LOOKALIKES)), max_size=5))
def test_chinese_is_never_japanese(text: str, lookalikes: list[str]) -> None:
    mixed = text + "".join(lookalikes)
    assert detect_language(mixed) in ("zh", "other")


def test_kanji_dense_japanese_is_told_by_its_japanese_only_forms() -> None:
    # a budget table: no kana at all, but 総 歳 対 単 円 are forms Chinese does not write
    table = "令和7年度歳出概算要求額総表 東日本大震災復興特別会計 単位千円 前年度対比 総務省"
    assert detect_language(table) == "ja"
    # one or two such forms in a Chinese page (an OCR slip) do not make it Japanese
    slip = "中华人民共和国国务院关于印发全国国土规划纲要的通知各省自治区直辖市人民政府総"
    assert detect_language(slip) == "zh"
    assert detect_language("中華民國總統府公告行政院函請立法院審議中央政府總預算案") == "zh"
