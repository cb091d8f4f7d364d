"""Vertical lines read cell by cell: cells cut from a column's ink profile, small
glyphs moved where horizontal text has them, turned forms read turned back,
vertical presentation forms mapped, and real vertical pages keep their
punctuation, small kana and ー."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dotsocr.engines.cpu import vertical_ocr as V
from dotsocr.engines.cpu.ocr import ocr_lines, read_crops, read_positions
from support import REPO_ROOT

EM = 30


def _column(parts: Sequence[tuple[int, int, int, int]], height: int) -> np.ndarray:
    """A white column crop EM + 10 wide with black rectangles (x0, y0, x1, y1)."""
    image = Image.new("RGB", (EM + 10, height), "white")
    draw = ImageDraw.Draw(image)
    for x0, y0, x1, y1 in parts:
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill="black")
    return np.asarray(image)[:, :, ::-1].copy()


def _squares(n: int, pitch: int, top: int = 5) -> list[tuple[int, int, int, int]]:
    return [(5, top + k * pitch, 5 + EM, top + k * pitch + EM - 4) for k in range(n)]


def test_squares_with_gaps_become_one_cell_each() -> None:
    col = V.split_cells(_column(_squares(8, EM + 6), 8 * (EM + 6) + 10))
    assert col is not None and col.em == EM
    assert len(col.cells) == 8
    for k, (a, b) in enumerate(col.cells):
        assert a == 5 + k * (EM + 6) and b == a + EM - 4


def test_a_detached_stroke_stays_with_the_glyph_below() -> None:
    # Five glyphs on a pitch of EM + 4; the third is a bar over a block (like ラ or
    # 二): the bar sits closer to its own block than to the glyph above.
    pitch = EM + 4
    parts = _squares(5, pitch)
    third_top = 5 + 2 * pitch
    parts[2] = (5, third_top, 5 + EM, third_top + 4)
    parts.append((5, third_top + 10, 5 + EM, third_top + EM - 4))
    col = V.split_cells(_column(parts, 5 * pitch + 10))
    assert col is not None
    assert len(col.cells) == 5
    assert col.cells[2] == (third_top, third_top + EM - 4)


def test_touching_glyphs_are_cut_at_the_pitch() -> None:
    # Two blocks with a thin neck between them (no blank row), then three apart.
    parts = [(5, 5, 5 + EM, 5 + EM), (12, 5 + EM, 5 + EM - 7, 5 + EM + 2)]
    parts.append((5, 5 + EM + 2, 5 + EM, 5 + 2 * EM + 2))
    parts += _squares(3, EM + 6, top=5 + 2 * EM + 8)
    col = V.split_cells(_column(parts, 6 * EM))
    assert col is not None
    assert len(col.cells) == 5
    assert col.cells[0][0] == 5 and abs(col.cells[0][1] - (5 + EM)) <= 3


def test_a_small_glyph_at_the_top_right_moves_to_the_bottom_left() -> None:
    # A full glyph, then a 、-sized dot at the top right of its cell, then a glyph.
    pitch = EM + 6
    parts = [(5, 5, 5 + EM, 5 + EM - 4)]
    parts.append((5 + EM - 8, 5 + pitch + 2, 5 + EM, 5 + pitch + 10))
    parts.append((5, 5 + 2 * pitch, 5 + EM, 5 + 2 * pitch + EM - 4))
    crop = _column(parts, 3 * pitch + 10)
    col = V.split_cells(crop)
    assert col is not None and len(col.cells) == 3
    tiles = V.cell_tiles(crop, col)
    dot = tiles[1][:, :, 0] < 128
    ys, xs = np.flatnonzero(dot.any(axis=1)), np.flatnonzero(dot.any(axis=0))
    height, width = dot.shape
    assert ys.min() > height / 2, "a small glyph sits low, as in horizontal text"
    assert xs.max() < width / 2, "and to the left"
    big = tiles[0][:, :, 0] < 128
    ys = np.flatnonzero(big.any(axis=1))
    assert abs((ys.min() + ys.max()) / 2 - height / 2) <= 2, "full glyphs stay centred"


def test_a_small_glyph_in_the_middle_stays_in_the_middle() -> None:
    # A digit of a label above a column is small but centred: not a vertical 、.
    parts = [(5 + EM // 2 - 4, 5, 5 + EM // 2 + 4, 15)]
    parts += _squares(3, EM + 6, top=5 + EM + 6)
    crop = _column(parts, 4 * (EM + 6) + 10)
    col = V.split_cells(crop)
    assert col is not None
    tile = V.cell_tiles(crop, col)[0][:, :, 0] < 128
    ys = np.flatnonzero(tile.any(axis=1))
    assert abs((ys.min() + ys.max()) / 2 - tile.shape[0] / 2) <= 2


def test_strip_spans_follow_the_tiles() -> None:
    tiles = [np.full((45, 30, 3), 255, np.uint8) for _ in range(4)]
    strip, spans = V.compose_strip(tiles)
    assert strip.shape[0] == 45
    assert len(spans) == 4
    assert all(b - a == 30 for a, b in spans)
    assert spans[-1][1] <= strip.shape[1]
    assert all(s2[0] >= s1[1] for s1, s2 in itertools.pairwise(spans))


def test_doubtful_cells_are_read_again_and_turned_forms_win() -> None:
    # Three cells; the strip reader reads the middle one as 一 (a bracket ﹁ seen
    # upright) and drops nothing; turned back it reads 「 with more confidence.
    crop = _column(_squares(3, EM + 6), 3 * (EM + 6) + 10)

    def positions(strips: Sequence[np.ndarray]) -> list[list[tuple[str, float, float]]]:
        (strip,) = strips
        w = strip.shape[1]
        return [[("あ", 0.99, w / 6), ("一", 0.95, w / 2), ("い", 0.99, 5 * w / 6)]]

    def lines(tiles: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        assert len(tiles) == 2, "one doubtful cell, upright and turned"
        upright, turned = tiles
        assert upright.shape[:2] == turned.shape[1::-1]
        return [("一", 0.6), ("「", 0.97)]

    ((text, score),) = V.read_columns([crop], positions, lines)
    assert text == "あ「い"
    assert 0.9 < score <= 1.0


def test_a_label_set_apart_is_read_without_the_column() -> None:
    # A small mark, two ems of blank, then three glyphs: the detector joined a label
    # ("0") to the column. In the strip it reads as 。; alone it reads as 0.
    parts = [(5 + EM // 2 - 4, 5, 5 + EM // 2 + 4, 15)]
    parts += _squares(3, EM + 6, top=15 + 2 * EM)
    crop = _column(parts, 5 * (EM + 6) + 10)

    def positions(strips: Sequence[np.ndarray]) -> list[list[tuple[str, float, float]]]:
        w = strips[0].shape[1]
        return [[(ch, 0.99, (k + 0.5) * w / 4) for k, ch in enumerate("。あのイ")]]

    def lines(tiles: Sequence[np.ndarray]) -> list[tuple[str, float]]:
        assert len(tiles) == 2
        return [("0", 0.99), ("0", 0.97)]

    ((text, _),) = V.read_columns([crop], positions, lines)
    assert text == "0あのイ"


def test_a_digit_of_a_number_is_no_turned_bar() -> None:
    number = [[("上", 0.9)], [("1", 0.6)], [("4", 0.9)], [("％", 0.9)]]
    assert V._among_digits(number, 1)
    alone = [[("コ", 0.9)], [("1", 0.6)], [("ヒ", 0.9)]]
    assert not V._among_digits(alone, 1)


def test_a_turned_bar_is_a_long_vowel_mark() -> None:
    assert V._choose([("Ｉ", 0.8)], ("1", 0.85), ("一", 0.97)) == [("ー", 0.97)]
    # A kanji read upright with confidence is kept, whatever the turned reading says.
    assert V._choose([("十", 0.9)], ("十", 0.95), ("十", 0.9)) == [("十", 0.9)]
    # A turned reading that is no turned form (a letter, a kana) never wins.
    assert V._choose([("へ", 0.9)], ("へ", 0.6), ("く", 0.99)) == [("へ", 0.9)]


def test_latin_set_sideways_comes_from_the_turned_reading() -> None:
    # A column of five cells; the turned reading found "pH" over cells 1-2.
    crop = _column(_squares(5, EM + 6), 5 * (EM + 6) + 10)
    col = V.split_cells(crop)
    assert col is not None
    per_tile = [[("熱", 0.9)], [("x", 0.4)], [("ト", 0.5)], [("に", 0.9)], [("よ", 0.9)]]
    centres = [(a + b) / 2 for a, b in col.cells]
    turned = [("熱", 0.9, centres[0]), ("p", 0.95, centres[1]), ("H", 0.97, centres[2])]
    turned.append(("に", 0.9, centres[3]))
    assert V._put_sideways(per_tile, col, turned) == [1, 2]
    assert "".join(ch for cell in per_tile for ch, _ in cell) == "熱pHによ"
    # A lone letter is no run: upright cells keep their reading.
    assert V._latin_runs([("熱", 0.9, 1.0), ("p", 0.9, 2.0), ("に", 0.9, 3.0)]) == []


def _flat_tile(points: list[tuple[int, int]]) -> np.ndarray:
    image = Image.new("RGB", (40, 60), "white")
    ImageDraw.Draw(image).line(points, fill="black", width=3)
    return np.asarray(image).copy()


def test_an_even_arc_is_told_from_he() -> None:
    arc = _flat_tile([(4, 36), (10, 28), (20, 25), (30, 28), (36, 36)])  # ︵
    he = _flat_tile([(4, 34), (13, 25), (36, 38)])  # へ: its peak left of the middle
    assert V._flat_and_even(arc)
    assert not V._flat_and_even(he)
    assert V._choose([("へ", 0.99)], ("へ", 0.8), ("C", 0.6), even=True) == [("（", 0.6)]
    assert V._choose([("へ", 0.99)], ("へ", 0.8), ("C", 0.6), even=False) == [("へ", 0.99)]


@pytest.mark.parametrize(
    ("got", "want"),
    [
        ("\ufe41ジョバンニ\ufe11カムパネルラ\ufe12\ufe42", "「ジョバンニ、カムパネルラ。」"),
        ("\ufe43本\ufe44\ufe35注\ufe36", "『本』（注）"),
        ("¬こっちだよ", "「こっちだよ"),
        ("コ丨ヒ丨", "コーヒー"),
        ("ホ|ム", "ホーム"),
        ("ノ一ト", "ノート"),
        ("その一部", "その一部"),  # 一 between kana and kanji is the numeral
        ("一つ", "一つ"),
        ("第1章", "第1章"),  # no kana before the bar
    ],
)
def test_vertical_forms_and_bars_are_mapped(got: str, want: str) -> None:
    assert V.normalise_vertical(got) == want


def _issue6387_column(shared_data: Path) -> np.ndarray:
    import pypdfium2 as pdfium

    pdf = shared_data / "accuracy/pdfjs_textlayer/ja/issue6387.pdf"
    image = pdfium.PdfDocument(str(pdf))[0].render(scale=200 / 72).to_pil().convert("RGB")
    # The third column (tracking -100, glyphs set tight): its box, found by eye on
    # the 200 DPI render, holds the one column of 18 glyphs and nothing else.
    return np.asarray(image)[:, :, ::-1][500:1840, 895:1030].copy()


def test_a_real_vertical_column_keeps_small_kana_and_long_vowels(shared_data: Path) -> None:
    crop = _issue6387_column(shared_data)
    ((text, score),) = V.read_columns([crop], read_positions, read_crops)
    assert V.normalise_vertical(text) == "あのイーハトーヴォのすきとおった風"
    assert score > 0.8


NEKO = REPO_ROOT / "benchmarks" / "corpus" / "docs" / "ja_azlayout_neko.pdf"


@pytest.mark.skipif(not NEKO.is_file(), reason="Japanese corpus not present")
def test_a_vertical_novel_page_keeps_its_punctuation() -> None:
    import pypdfium2 as pdfium

    # Page 2 of a vertical 吾輩は猫である: five body columns with 、 。 and っ.
    image = pdfium.PdfDocument(str(NEKO))[1].render(scale=200 / 72).to_pil().convert("RGB")
    text = "".join(ln.text for ln in ocr_lines(image) if ln.vertical)
    for phrase in (
        "無暗に眼が廻る。胸が悪くなる。",
        "思っていると、どさりと音がして眼から火が出た。",
        "ふと気が付いて見ると書生はいない。",
    ):
        assert phrase in text, (phrase, text)


def test_the_kanji_one_is_no_turned_bar() -> None:
    # 一 is flat and its own mirror image, like an arc; turned back it reads as a
    # bar. Vertical writing never turns 一, so the upright reading stands.
    assert V._choose([("一", 0.999)], ("一", 0.998), ("一", 0.83), even=True) == [("一", 0.999)]


def test_a_rule_across_a_column_does_not_widen_it() -> None:
    parts = _squares(6, EM + 6)
    parts.append((0, 3 * (EM + 6) + 1, EM + 10, 3 * (EM + 6) + 2))  # a table rule
    col = V.split_cells(_column(parts, 6 * (EM + 6) + 10))
    assert col is not None and col.em == EM
