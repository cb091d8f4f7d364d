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
