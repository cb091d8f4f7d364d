"""Tall det boxes that hold two vertical columns are cut apart, slivers of a
neighbouring column are trimmed off, and nothing else is touched: not ruby beside
its base, not the white space inside one glyph, not a rule crossing the gap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest
from PIL import Image, ImageDraw

from dotsocr.engines.cpu.merged_columns import column_spans, column_width, split_quad
from dotsocr.engines.cpu.ocr import ocr_lines
from support import REPO_ROOT

EM = 20
HEIGHT = 10 * EM


def _crop(width: int, bands: Sequence[tuple[int, int]], rules: Sequence[int] = ()) -> np.ndarray:
    """A white BGR crop with columns of glyph-like blocks in the given x bands and
    one-pixel rules drawn across it at the given rows."""
    image = Image.new("RGB", (width, HEIGHT), "white")
    draw = ImageDraw.Draw(image)
    for x0, x1 in bands:
        for top in range(2, HEIGHT - EM, EM + 2):
            draw.rectangle((x0, top, x1 - 1, top + EM - 3), fill="black")
    for y in rules:
        draw.line((0, y, width - 1, y), fill="black")
    return np.asarray(image)[:, :, ::-1].copy()


def test_two_columns_in_one_box_are_cut_in_the_gap() -> None:
    crop = _crop(60, [(6, 6 + EM), (32, 32 + EM)])
    spans = column_spans(crop, EM)
    assert len(spans) == 2
    (a0, a1), (b0, b1) = spans
    assert a0 <= 6 and 6 + EM <= a1 <= 32 and b0 <= 32 and b1 >= 32 + EM
    assert a1 == b0  # cut once, in the blank between them


def test_a_rule_across_the_gap_does_not_join_the_columns() -> None:
    crop = _crop(60, [(6, 6 + EM), (32, 32 + EM)], rules=[1, HEIGHT // 2, HEIGHT - 2])
    assert len(column_spans(crop, EM)) == 2


def test_a_sliver_of_the_next_column_at_the_edge_is_trimmed() -> None:
    crop = _crop(40, [(0, 5), (12, 12 + EM)])
    ((start, end),) = column_spans(crop, EM)
    assert 5 <= start < 12 and end == 40


def test_ruby_beside_its_base_stays_with_it() -> None:
    # Ruby: a band half an em wide, close to the base and not at the box's edge.
    crop = _crop(45, [(6, 6 + EM), (29, 29 + EM // 2)])
    assert column_spans(crop, EM) == [(0, 45)]


def test_the_strokes_of_one_glyph_are_no_columns() -> None:
    # 川: three narrow strokes with blanks between them.
    crop = _crop(30, [(5, 8), (13, 16), (21, 24)])
    assert column_spans(crop, EM) == [(0, 30)]


def test_the_column_width_is_the_typical_band_not_the_box() -> None:
    crops = [_crop(40, [(10, 10 + EM)]) for _ in range(4)] + [_crop(60, [(6, 26), (32, 52)])]
    assert column_width(crops) == EM


def test_quads_come_back_right_to_left() -> None:
    quad = np.array([[100.0, 50.0], [160.0, 50.0], [160.0, 250.0], [100.0, 250.0]])
    right, left = split_quad(quad, [(0, 29), (29, 60)])
    assert right[:, 0].min() == 129 and right[:, 0].max() == 160
    assert left[:, 0].min() == 100 and left[:, 0].max() == 129
    assert right[:, 1].min() == 50 and right[:, 1].max() == 250


KAMPO = REPO_ROOT / "benchmarks" / "corpus" / "docs" / "ja_kampo_gazette.pdf"


@pytest.mark.slow
@pytest.mark.skipif(not KAMPO.is_file(), reason="Japanese corpus not present")
def test_tight_columns_of_the_gazette_are_read_one_by_one() -> None:
    import pypdfium2 as pdfium

    # The official gazette, 8 pt vertical type: in the table of signals two columns
    # share each cell a quarter of an em apart. Read from the 200 DPI render.
    image = pdfium.PdfDocument(str(KAMPO))[0].render(scale=200 / 72).to_pil().convert("RGB")
    if image.convert("L").getextrema()[0] > 245:
        pytest.skip("the gazette's fonts are not embedded: install fonts-noto-cjk")
    columns = [ln.text for ln in ocr_lines(image) if ln.vertical]
    for phrase in (
        "歩行者は、道路の横断を始めてはならず、",
        "又は横断をやめて引き返さなけれ",
        "横断歩道を進行しようとする普通自転車",
        "道路交通法施行令の一部を改正する政令",
    ):
        assert any(phrase in column for column in columns), (phrase, columns)
