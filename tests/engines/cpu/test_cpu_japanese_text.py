"""Japanese text from the text layer, read as a person reads the page: spaces as
the PDF writes them, none added where a line break falls between Japanese and
Latin, full-width spaces kept, letter-spaced words in order, vertical headings
whole. The PDFs are made here with a glyphless font (support/cjk_pdf.py), so the
characters and boxes come through PDFium as from a typeset page."""

from __future__ import annotations

from pathlib import Path

from dotsocr.engines.cpu.assemble import block_text
from dotsocr.engines.cpu.letter_spaced_lines import join_letter_spaced_lines
from dotsocr.engines.cpu.textlayer_check import char_verdict
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from support.cjk_pdf import Glyph, column, first_page, row, write_pdf


def _lines(tmp_path: Path, glyphs: list[Glyph]) -> list[Line]:
    page = first_page(write_pdf(tmp_path / "page.pdf", glyphs))
    assert page.text_layer is not None
    return lines_from_chars(page.text_layer.chars)


def _texts(tmp_path: Path, glyphs: list[Glyph]) -> list[str]:
    return [ln.text for ln in _lines(tmp_path, glyphs)]


def test_no_space_between_japanese_and_latin_where_the_page_shows_none(tmp_path: Path) -> None:
    glyphs = row("生成AIの利用を", 50, 100, 12)
    assert _texts(tmp_path, glyphs) == ["生成AIの利用を"]
    # A quarter em (TeX's space between Japanese and Latin) reads as a space.
    glyphs = row("jlreq-deluxe", 50, 130, 12) + row("パッケージ", 125, 130, 12)
    assert _texts(tmp_path, glyphs)[-1] == "jlreq-deluxe パッケージ"


def test_a_line_join_between_japanese_and_latin_or_digits_adds_no_space(
    tmp_path: Path,
) -> None:
    glyphs = row("生成", 50, 100, 12) + row("AIの利用を含み、", 50, 118, 12)
    glyphs += row("2026年頃には", 50, 136, 12)
    lines = _lines(tmp_path, glyphs)
    assert len(lines) == 3
    assert block_text(lines) == "生成AIの利用を含み、2026年頃には"


def test_latin_lines_still_join_with_a_space(tmp_path: Path) -> None:
    glyphs = row("large language", 50, 100, 12) + row("models", 50, 118, 12)
    assert block_text(_lines(tmp_path, glyphs)) == "large language models"


def test_spaces_the_pdf_writes_are_kept_full_width_included(tmp_path: Path) -> None:
    glyphs = row("著者：情報 太郎", 50, 100, 12)
    glyphs += row("１．\u3000はじめに", 50, 130, 12)
    glyphs += row("第１章\u3000\u3000総則", 50, 160, 12)
    assert _texts(tmp_path, glyphs) == [
        "著者：情報 太郎",
        "１．\u3000はじめに",
        "第１章\u3000\u3000総則",
    ]


def test_spaces_set_after_every_character_are_spacing_not_text(tmp_path: Path) -> None:
    glyphs = row("关 于 红 军 作 战", 50, 100, 12) + row("李 明", 50, 130, 12)
    assert _texts(tmp_path, glyphs) == ["关于红军作战", "李 明"]


def test_a_wide_gap_between_japanese_and_latin_is_still_a_space(tmp_path: Path) -> None:
    glyphs = row("東京", 50, 100, 12) + row("Tokyo", 50 + 24 + 9, 100, 12)
    assert _texts(tmp_path, glyphs) == ["東京 Tokyo"]


def test_letter_spaced_words_stay_whole_and_in_order(tmp_path: Path) -> None:
    glyphs = row("合計", 50, 200, 12, spacing=30) + row("100", 150, 200, 12)
    glyphs += row("居宅介護", 50, 230, 12, spacing=14)
    assert _texts(tmp_path, glyphs) == ["合計", "100", "居宅介護"]


def test_single_glyphs_of_a_calendar_row_stay_apart(tmp_path: Path) -> None:
    # Seven evenly spaced glyphs are seven cells, not one stretched word.
    assert len(_texts(tmp_path, row("月火水木金土日", 50, 100, 12, spacing=20))) == 7


def test_unevenly_spaced_glyphs_are_not_one_word(tmp_path: Path) -> None:
    glyphs = [Glyph("東", 50, 100, 12), Glyph("西", 90, 100, 12), Glyph("南", 160, 100, 12)]
    texts = _texts(tmp_path, glyphs)
    assert "東西南" not in texts and texts[-1] == "南"


def test_a_vertical_letter_spaced_heading_is_one_line(tmp_path: Path) -> None:
    lines = _lines(tmp_path, column("目次", 300, 100, 12, spacing=20))
    assert [(ln.text, ln.vertical) for ln in lines] == [("目次", True)]


def test_a_vertical_heading_with_a_gap_stays_one_line(tmp_path: Path) -> None:
    # A one-em gap, no space character: one heading, nothing written in between.
    glyphs = column("第一章", 400, 100, 14) + column("銀河ステーション", 400, 156, 14)
    lines = _lines(tmp_path, glyphs)
    assert [(ln.text, ln.vertical) for ln in lines] == [("第一章銀河ステーション", True)]
    # With the full-width space the PDF writes, the space is kept.
    glyphs = column("第一章\u3000銀河", 400, 100, 14)
    assert _texts(tmp_path, glyphs) == ["第一章\u3000銀河"]


def test_two_tiers_of_one_column_stay_two_lines(tmp_path: Path) -> None:
    glyphs = column("上の段の文章", 400, 100, 12) + column("下の段の文章", 400, 208, 12)
    assert _texts(tmp_path, glyphs) == ["上の段の文章", "下の段の文章"]


def test_a_broken_cid_map_among_japanese_is_garbled() -> None:
    # What a wrong CID map gives: Windows-1252 symbols where kanji and kana should be.
    line = "平成™—›™œ日" * 3 + "漏電遮断器と解釈し対象として取り扱う"
    reason = char_verdict(list(line))
    assert reason is not None and "CID" in reason


def test_japanese_with_a_few_latin1_signs_is_not_garbled() -> None:
    text = "温度は25°C±2°C、寸法は10×20mm（§3参照）。Java™とWindows®、café。" * 3
    assert char_verdict(list(text)) is None


def test_letter_spaced_ocr_boxes_join_into_one_word() -> None:
    # OCR boxes for a form cell "□居　宅　介　護": one box per glyph, even pitch;
    # a glyph of a vertical label further left shares the row.
    row1 = [
        Line("す", (-120, 90, -96, 118), 24),
        Line("□居", (100, 100, 150, 125), 24, score=0.9),
        Line("宅", (190, 101, 214, 126), 24),
        Line("介", (253, 100, 277, 125), 24),
        Line("護", (316, 100, 340, 124), 24),
    ]
    # Cells of a table row: gaps wider than a stretched word's, so they stay apart.
    row2 = [Line("有", (100, 200, 124, 224), 24), Line("無", (300, 200, 324, 224), 24)]
    row2.append(Line("可", (500, 200, 524, 224), 24))
    texts = [ln.text for ln in join_letter_spaced_lines([*row1, *row2])]
    assert texts == ["す", "□居宅介護", "有", "無", "可"]


def test_korean_keeps_its_spaces_beside_cjk_punctuation() -> None:
    lines = [Line("위", (0, 0, 20, 20), 20), Line("「감염병예방법」", (0, 25, 160, 45), 20)]
    assert block_text(lines) == "위 「감염병예방법」"


def test_wide_ascii_gaps_still_split_a_line(tmp_path: Path) -> None:
    # Spaces that align code or justify a line are no bridge over a column gap.
    glyphs = row("ELSE" + " " * 12 + "'XXX'", 50, 100, 12)
    assert _texts(tmp_path, glyphs) == ["ELSE", "'XXX'"]


def test_a_column_written_glyph_by_glyph_is_one_vertical_line(tmp_path: Path) -> None:
    # A gazette writes each glyph of its vertical text on its own (a line break
    # after each), punctuation squeezed into the cell of the glyph before it.
    glyphs = column("第二条中「含む。", 400, 100, 10)
    glyphs += [Glyph("）", 400, 176, 10), Glyph("」", 400, 181, 10)]
    glyphs += column("を改め", 400, 190, 10) + column("次の列", 380, 100, 10)
    lines = _lines(tmp_path, glyphs)
    assert [(ln.text, ln.vertical) for ln in lines] == [
        ("第二条中「含む。）」を改め", True),
        ("次の列", True),
    ]
