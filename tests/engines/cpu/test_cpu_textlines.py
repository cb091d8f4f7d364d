"""Text-layer characters become lines: words spaced for Latin, none between CJK
characters, columns and rows apart, right-to-left and vertical text kept whole."""

from __future__ import annotations

from dotsocr.engines.cpu.scripts import join_pieces, needs_space, strip_cjk_spaces
from dotsocr.engines.cpu.textlines import lines_from_chars
from dotsocr.sources.base import TextChar
from support.cpu import line_chars


def test_latin_lines_keep_word_spaces() -> None:
    chars = line_chars("Hello world", 100, 100) + line_chars("second line", 100, 130)
    lines = lines_from_chars(chars)
    assert [ln.text for ln in lines] == ["Hello world", "second line"]
    assert lines[0].box[0] == 100 and lines[0].box[1] == 100
    assert lines[0].box[3] <= lines[1].box[1]
    assert 15 < lines[0].size < 30


def test_missing_space_is_inferred_from_a_gap() -> None:
    left = line_chars("alpha", 100, 100, newline=False)
    right = line_chars("beta", 100 + 5 * 10 + 8, 100)  # 0.4 em gap, no space char
    assert [ln.text for ln in lines_from_chars(left + right)] == ["alpha beta"]


def test_cjk_has_no_spaces_even_when_pdfium_generates_them() -> None:
    chars: list[TextChar] = []
    x = 100.0
    for ch in "東京都の天気":
        chars.append(TextChar(ch, (x, 100, x + 20, 120), font_size=20))
        chars.append(TextChar(" ", (x + 20, 100, x + 22, 120), font_size=20, generated=True))
        x += 22
    lines = lines_from_chars(chars)
    assert [ln.text for ln in lines] == ["東京都の天気"]


def test_mixed_cjk_and_latin_keeps_latin_spaces() -> None:
    assert strip_cjk_spaces("Java を 使う PDF file") == "Java を使う PDF file"
    assert join_pieces(["日本語の", "文章です。"]) == "日本語の文章です。"
    assert join_pieces(["first line", "second"]) == "first line second"
    assert not needs_space("語", "。")


def test_hyphenated_line_end_joins_without_space() -> None:
    assert join_pieces(["the experi-", "ments show"]) == "the experiments show"
    assert join_pieces(["Anglo-", "Saxon"]) == "Anglo-Saxon"
    assert join_pieces(["see 2-", "3"]) == "see 2- 3"


def test_lowercase_compounds_keep_their_hyphen_but_suffixes_do_not() -> None:
    assert join_pieces(["a well-", "known result"]) == "a well-known result"
    assert join_pieces(["a self-", "contained, two-", "dimensional map"]) == (
        "a self-contained, two-dimensional map"
    )
    assert join_pieces(["a high-", "er price"]) == "a higher price"
    assert join_pieces(["the state-", "ment was"]) == "the statement was"
    assert join_pieces(["is well-", "ness."]) == "is wellness."


def test_column_gutter_splits_a_row() -> None:
    left = line_chars("left column text", 100, 100, newline=False)
    right = line_chars("right column", 700, 100)
    texts = [ln.text for ln in lines_from_chars(left + right)]
    assert texts == ["left column text", "right column"]


def test_comma_with_low_box_stays_on_its_line() -> None:
    chars = line_chars("table structures", 100, 100, newline=False)
    x = chars[-1].box[2]
    chars.append(TextChar(",", (x, 112, x + 4, 124), font_size=20))
    chars += line_chars(" and more", x + 4, 100)
    assert [ln.text for ln in lines_from_chars(chars)] == ["table structures, and more"]


def test_right_to_left_keeps_logical_order_and_fixes_lam_alef() -> None:
    # Arabic in logical order runs right to left on the page.
    word = "مرحبا"
    chars = []
    x = 500.0
    for ch in word:
        chars.append(TextChar(ch, (x - 10, 100, x, 120), font_size=20))
        x -= 10
    # PDFium splits the lam-alef ligature as alef then lam on one box.
    chars.append(TextChar(" ", (x - 5, 100, x, 120), font_size=20))
    x -= 5
    chars.append(TextChar("ا", (x - 10, 100, x, 120), font_size=20))
    chars.append(TextChar("ل", (x - 10, 100, x, 120), font_size=20))
    lines = lines_from_chars(chars)
    assert [ln.text for ln in lines] == ["مرحبا لا"]


def test_vertical_cjk_column_is_one_line() -> None:
    chars = [
        TextChar(ch, (300, 100 + i * 22, 320, 120 + i * 22), font_size=20)
        for i, ch in enumerate("あのイーハトーヴォ")
    ]
    lines = lines_from_chars(chars)
    assert len(lines) == 1
    assert lines[0].vertical
    assert lines[0].text == "あのイーハトーヴォ"


def test_flat_boxes_get_a_height() -> None:
    # A broken font gives zero-height boxes (zh/XiaoBiaoSong.pdf); text must survive.
    chars = [
        TextChar(ch, (100 + 30 * i, 460, 130 + 30 * i, 460), font_size=30)
        for i, ch in enumerate("关于红军作战")
    ]
    lines = lines_from_chars(chars)
    assert [ln.text for ln in lines] == ["关于红军作战"]
    assert lines[0].box[3] > lines[0].box[1]


def test_invisible_characters_are_left_out_of_a_visible_page() -> None:
    chars = line_chars("visible", 100, 100)
    hidden = [
        TextChar(c.text, c.box, c.font_size, invisible=True) for c in line_chars("hidden", 100, 200)
    ]
    assert [ln.text for ln in lines_from_chars(chars + hidden)] == ["visible"]


def test_list_marker_joins_its_item_across_a_tab_gap() -> None:
    bullet = line_chars("-", 100, 100, newline=False)
    item = line_chars("Layout elements", 100 + 47, 100)  # about 2.3 em after the bullet
    columns = line_chars("left", 100, 200, newline=False) + line_chars("right", 100 + 47 + 40, 200)
    lines = lines_from_chars(bullet + item + columns)
    assert [ln.text for ln in lines] == ["- Layout elements", "left", "right"]


def _turned_left(text: str, x: float, bottom: float, size: float = 24.0) -> list[TextChar]:
    """Glyphs of a line turned 90 degrees to the left: it reads bottom to top; a
    narrow "I" gets a short box, as PDFium gives it."""
    out = []
    for ch in text:
        step = 7.0 if ch == "I" else 18.0
        out.append(TextChar(ch, (x, bottom - step, x + size, bottom), font_size=size))
        bottom -= step
    return out


def test_turned_heading_written_in_two_pieces_is_one_line() -> None:
    # The producer wrote "QI" and "BM_DB_SECADM" as two objects; "QI" alone even
    # looks like a row. Read bottom to top, they are one heading.
    chars = [
        *_turned_left("BM_DB_SECADM", 1250, 1326),
        TextChar("\n", (1271, 1136, 1271, 1136), font_size=24, generated=True),
        *_turned_left("QI", 1250, 1353),
    ]
    (line,) = lines_from_chars(chars)
    assert line.text == "QIBM_DB_SECADM"
    assert line.vertical


def test_two_vertical_columns_side_by_side_stay_apart() -> None:
    chars = [*_turned_left("LEFT", 100, 500), *_turned_left("RIGHT", 200, 500)]
    assert sorted(ln.text for ln in lines_from_chars(chars)) == ["LEFT", "RIGHT"]
