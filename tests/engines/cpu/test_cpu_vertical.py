"""Vertical (縦書き) pages as a reader takes them: tiers top to bottom before
columns right to left, a heading in one piece, running heads and side tabs as page
furniture, and no text lost because the layout model called it a picture."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu.assemble import assemble
from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.engines.cpu.vertical_order import (
    join_vertical_headings,
    mark_side_furniture,
    vertical_paragraphs,
    vertical_reading_order,
)
from support.cjk_pdf import Glyph, column, first_page, write_pdf

SIZE = 12.0


def _col(text: str, x: float, y: float, size: float = SIZE) -> Line:
    box = (x, y, x + size, y + size * len(text))
    return Line(text=text, box=box, size=size, vertical=True)


def _text(lines: list[Line], category: str = "Text") -> Block:
    box = (
        min(ln.box[0] for ln in lines),
        min(ln.box[1] for ln in lines),
        max(ln.box[2] for ln in lines),
        max(ln.box[3] for ln in lines),
    )
    return Block(category, box, lines, "".join(ln.text for ln in lines))


#: Two tiers of two columns, a gap between them: lower-left, upper-right,
#: lower-right, upper-left.
APART = [(280, 300, 292, 420), (300, 100, 312, 220), (300, 300, 312, 420), (280, 100, 292, 220)]
#: The official gazette: OCR boxes of the upper tier end a few pixels below where the
#: lower tier's begin (a rule between them, padded boxes); the tiers' blocks are
#: staggered: upper-right, lower-right, lower-left, upper-left.
RULED = [(1400, 160, 1530, 1183), (1410, 1180, 1530, 2200)]
RULED += [(1150, 1182, 1400, 2203), (1100, 175, 1390, 1181)]


@pytest.mark.parametrize(("boxes", "order"), [(APART, [1, 3, 2, 0]), (RULED, [0, 3, 1, 2])])
def test_two_tiers_are_read_tier_by_tier_each_right_to_left(
    boxes: list[tuple[float, float, float, float]], order: list[int]
) -> None:
    assert vertical_reading_order(boxes) == order


def test_a_horizontal_line_over_the_columns_reads_left_to_right() -> None:
    # A dateline in pieces above two columns: the pieces read left to right, the
    # columns below right to left.
    boxes = [
        (100, 50, 200, 70),  # 平成20年
        (300, 100, 312, 400),  # right column
        (220, 50, 320, 70),  # 4月25日
        (280, 100, 292, 400),  # left column
    ]
    assert vertical_reading_order(boxes) == [0, 2, 1, 3]


def test_a_full_height_title_column_comes_before_the_tiers() -> None:
    boxes = [(280, 300, 292, 420), (330, 100, 345, 420), (280, 100, 292, 220)]
    assert vertical_reading_order(boxes) == [1, 2, 0]


def test_furniture_is_read_before_and_after_the_body() -> None:
    boxes = [(300, 100, 312, 220), (500, 20, 560, 32), (280, 100, 292, 220)]
    assert vertical_reading_order(boxes, ["", "header", ""]) == [1, 0, 2]


def test_a_vertical_heading_cut_in_two_is_one_heading() -> None:
    number = _text([_col("第一章", 400, 100, 16)], "Section-header")
    title = _text([_col("銀河ステーション", 382, 100, 16)], "Section-header")
    body = _text([_col("そしてジョバンニはすぐうしろの天気輪の柱が", 340, 100)])
    blocks = join_vertical_headings([title, body, number])
    heads = [b for b in blocks if b.category == "Section-header"]
    assert [b.text for b in heads] == ["第一章銀河ステーション"]
    assert len(blocks) == 2


def test_side_tabs_and_running_heads_in_the_margin_are_page_headers() -> None:
    width = 600
    body = [_text([_col("本文の行です。" * 3, x, 100)]) for x in (400, 380, 360, 340)]
    tab = _text([_col("第４章\u3000銀河鉄道", 580, 300, 10)])
    # 第|4|章 as PDFium gives a tab whose digit stands upright: three one-glyph lines.
    glyphs = [Line(t, (582, 200 + 12 * k, 592, 211 + 12 * k), 10) for k, t in enumerate("第4章")]
    number = _text(glyphs)
    near = _text([_col("見出しです", 430, 100, 14)], "Section-header")
    blocks = [*body, tab, number, near]
    mark_side_furniture(blocks, width)
    assert tab.category == "Page-header"
    assert number.category == "Page-header"
    assert near.category == "Section-header"
    assert all(b.category == "Text" for b in body)


def test_text_the_layout_model_calls_a_picture_is_kept(tmp_path: Path) -> None:
    glyphs: list[Glyph] = []
    novel = ["ジョバンニは勢いよく走った。", "カムパネルラもすぐ続いた。", "銀河の岸は遠かった。"]
    for k, text in enumerate(novel):
        glyphs += column(text, 400 - 20 * k, 100, SIZE)
    page = first_page(write_pdf(tmp_path / "novel.pdf", glyphs))
    assert page.text_layer is not None
    lines = lines_from_chars(page.text_layer.chars)
    picture = Region((330.0, 90.0, 420.0, 300.0), "figure", 0.9)
    blocks = assemble(lines, [picture], 595, 842)
    text = "".join(b.text or "" for b in blocks)
    for sentence in novel:
        assert sentence in text
    assert text.index(novel[0]) < text.index(novel[1]) < text.index(novel[2])


def test_a_real_picture_keeps_dropping_its_small_latin_labels() -> None:
    labels = [Line("axis", (100, 100, 130, 110), 10), Line("2020", (200, 300, 230, 310), 10)]
    picture = Region((50.0, 50.0, 450.0, 450.0), "figure", 0.9)
    blocks = assemble(labels, [picture], 1000, 1400)
    assert [b.category for b in blocks] == ["Picture"]


def test_vertical_columns_group_into_paragraphs_right_to_left() -> None:
    first = [_col("吾輩は猫である。名前はまだ無い。どこで生", 400, 100)]
    first.append(_col("れたかとんと見当がつかぬ。", 382, 100))
    second = [
        _col("何でも薄暗いじめじめした所で", 364, 112),  # indented one em
        _col("泣いていた事だけは記憶している。", 346, 100),
    ]
    pars = vertical_paragraphs([*second, *first])
    assert [[ln.text for ln in par] for par in pars] == [
        [ln.text for ln in first],
        [ln.text for ln in second],
    ]


def test_columns_of_prose_boxed_as_a_table_are_text() -> None:
    columns = [_col("吾輩は猫である。名前はまだ無い。", 400 - 18 * k, 100) for k in range(4)]
    table = Region((330.0, 90.0, 420.0, 300.0), "table", 0.9)
    blocks = assemble(columns, [table], 595, 842)
    assert [b.category for b in blocks] == ["Text"]
    assert "<table" not in (blocks[0].text or "")


def test_columns_of_prose_with_ruby_beside_them_are_text_too() -> None:
    # Three columns, each with a short line of ruby beside it that is not tied to
    # it (OCR placed it a little off): half the lines are ruby, but nearly all the
    # text is prose.
    lines = []
    for k in range(3):
        x = 400 - 30 * k
        lines.append(_col("無暗に眼が廻る。胸が悪くなる。", x, 100))
        lines.append(Line("むやみ", (x - 9, 100, x - 3, 118), 6, vertical=True))
    table = Region((300.0, 90.0, 425.0, 300.0), "table", 0.9)
    blocks = assemble(lines, [table], 595, 842)
    assert {b.category for b in blocks} == {"Text"}
    assert "".join(b.text or "" for b in blocks).count("胸が悪くなる") == 3


def test_a_title_column_boxed_with_its_text_becomes_a_heading() -> None:
    title = _col("銀河鉄道の夜", 420, 100, 20)
    author = _col("宮沢賢治", 390, 200, 14)
    text = "「ではみなさんは、そういうふうに川だと云われたり"
    body = [_col(text, 360 - 18 * k, 100) for k in range(3)]
    region = Region((300.0, 90.0, 445.0, 700.0), "text", 0.9)
    blocks = assemble([title, author, *body], [region], 600, 900)
    heads = [b for b in blocks if b.category in ("Section-header", "Title")]
    assert [b.text for b in heads] == ["銀河鉄道の夜"]
    assert blocks[0] is heads[0]


def test_vertical_presentation_forms_read_as_the_characters_they_stand_for(
    tmp_path: Path,
) -> None:
    glyphs = column("酵素\ufe35こうそ\ufe36とは\ufe11\ufe41あっ\ufe15\ufe42\ufe12", 300, 100, SIZE)
    page = first_page(write_pdf(tmp_path / "forms.pdf", glyphs))
    assert page.text_layer is not None
    (line,) = lines_from_chars(page.text_layer.chars)
    assert line.text == "酵素（こうそ）とは、「あっ！」。"


def test_a_heading_column_inside_a_text_region_is_read_where_it_stands() -> None:
    # The official gazette: the layout model drew one text region over the number
    # of the order (right), the preamble's columns (left) and, between them, the
    # title column, which is a region of its own.
    number = _col("政令第百四十九号", 500, 100)
    preamble = [_col("内閣は、道路交通法の一部を改正する", x, 100) for x in (464, 446)]
    title = _col("道路交通法施行令の一部を改正する政令", 482, 112)
    region = Region((440.0, 95.0, 515.0, 560.0), "text", 0.9)
    heading = Region((480.0, 108.0, 496.0, 540.0), "title", 0.9)
    blocks = assemble([number, *preamble, title], [region, heading], 595, 842)
    texts = [b.text or "" for b in blocks]

    def at(key: str) -> int:
        return next(k for k, t in enumerate(texts) if key in t)

    assert at("政令第") < at("施行令の") < at("内閣は"), texts
