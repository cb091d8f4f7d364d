"""benchmarks/ocr_cer_ja.py: putting a text layer's lines in reading order and the
order-blind error, on hand-made lines (no OCR runs)."""

from support import load_script

oc = load_script("benchmarks/ocr_cer_ja.py")

Line = oc.Line


def column(text: str, x: float, top: float) -> "oc.Line":
    """A vertical line of 10-point glyphs whose right edge is at x (PDF points)."""
    return Line(text, (x - 10, top - 10 * len(text), x, top))


def test_vertical_columns_are_read_right_to_left():
    lines = [column("左の列です", 100, 500), column("右の列です", 200, 500)]
    text, vertical = oc.reading_order(lines)
    assert vertical and text == "右の列です\n左の列です"


def test_tiers_are_read_top_to_bottom_before_columns():
    upper = [column("上段右", 200, 700), column("上段左", 100, 700)]
    lower = [column("下段右", 200, 400), column("下段左", 100, 400)]
    text, _ = oc.reading_order(lower + upper)
    assert text.split("\n") == ["上段右", "上段左", "下段右", "下段左"]


def test_a_column_broken_by_ruby_is_read_from_its_top():
    pieces = [column("を吹く", 201, 470), column("時々煙", 200, 500)]
    text, _ = oc.reading_order([*pieces, column("次の列", 150, 500)])
    assert text.split("\n") == ["時々煙", "を吹く", "次の列"]


def test_a_horizontal_label_just_above_the_columns_is_read_before_them():
    label = Line("見出しの横書き", (80, 505, 150, 515))
    text, _ = oc.reading_order(
        [column("右の列です", 200, 500), column("左の列です", 100, 500), label]
    )
    assert text.split("\n") == ["見出しの横書き", "右の列です", "左の列です"]


def test_horizontal_pages_keep_the_layer_order():
    lines = [Line("一行目の文", (50, 700, 300, 710)), Line("二行目の文", (50, 680, 300, 690))]
    assert oc.reading_order(lines) == ("一行目の文\n二行目の文", False)


def test_bag_error_ignores_order_but_not_lost_characters():
    assert oc.bag_error("いうあ", "あいう") == 0.0
    assert oc.bag_error("あい", "あいう") == 1 / 3
    assert oc.bag_error("あいうー", "あいう一") == 1 / 4


def test_dot_leaders_are_not_compared():
    assert oc.comparable("1.1 用語 . . . . . . 2") == "1.1用語2"


def test_a_column_broken_glyph_by_glyph_is_one_column():
    # The official gazette's text layer breaks every vertical column after each
    # glyph or two; the pieces are joined back down the column.
    glyphs = [Line(c, (90, 490 - 10 * k, 100, 500 - 10 * k)) for k, c in enumerate("第二条")]
    joined = oc.join_stacked([*glyphs, Line("次", (70, 490, 80, 500))])
    assert [ln.text for ln in joined] == ["第二条", "次"]
    assert joined[0].vertical


def test_running_heads_come_first_and_page_numbers_last():
    # The layer draws the page number and the running head after the body.
    body = Line("本文の一行目です", (50, 400, 300, 410))
    number = Line("50", (50, 20, 60, 30))
    head = Line("第1節 課題と取組", (50, 805, 200, 815))
    text, _ = oc.reading_order([body, number, head], (0.0, 842.0))
    assert text.split("\n") == ["第1節 課題と取組", "本文の一行目です", "50"]


def test_ruby_is_small_kana_on_its_base_and_footnote_marks_are_text():
    def glyph(ch, x, y, size):
        return (ch, (x, y, x + size, y + size))

    body = [glyph(ch, 100 + 10 * k, 500, 10) for k, ch in enumerate("今日は勢いよく")]
    ruby = [glyph(ch, 131 + 5 * k, 511, 5) for k, ch in enumerate("いきお")]  # over 勢
    mark = [glyph("1", 170, 508, 5)]  # a footnote reference, small but no kana
    # A body-sized kana just right of a tall bracket is text, not ruby beside it.
    beside = [glyph("（", 280, 490, 20), glyph("わ", 300, 500, 10)]
    chars = [*body, *ruby, *mark, *beside]
    assert oc.ruby_glyphs(chars) == {len(body), len(body) + 1, len(body) + 2}
