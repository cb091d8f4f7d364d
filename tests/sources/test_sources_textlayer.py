"""Text-layer helpers that real PDFs rarely exercise."""

from __future__ import annotations

import numpy as np
import pytest

from dotsocr.sources.textlayer import _char_text, _join_surrogates, _map_boxes, pixels_per_point


@pytest.mark.parametrize(
    ("code", "text"),
    [(0x41, "A"), (0x0A, "\n"), (0x09, "\t"), (0x0D, ""), (0x00, ""), (0x03, ""),
     (0x02, "-"), (0xD800, "\ufffd"), (0x1F600, "\U0001F600")],
)
def test_char_text(code: int, text: str) -> None:
    assert _char_text(code) == text


def test_surrogate_pairs_join() -> None:
    assert _join_surrogates(0xD83D, 0xDE00) == (0x1F600, 2)
    assert _join_surrogates(0xD83D, 0x41) == (0xFFFD, 1)


def test_boxes_are_normalised_under_rotation() -> None:
    # A quarter turn: page x -> pixel y, page y -> pixel x (flipped).
    transform = np.array([[0.0, -2.0, 100.0], [2.0, 0.0, 0.0]])
    boxes = np.array([[10.0, 20.0, 15.0, 30.0]])  # left, bottom, right, top
    x1, y1, x2, y2 = _map_boxes(boxes, transform)[0]
    assert (x1, y1, x2, y2) == (40.0, 20.0, 60.0, 30.0)
    assert pixels_per_point(transform) == pytest.approx(2.0)


def test_control_codes_where_characters_should_be_are_counted_as_unmapped(tmp_path) -> None:
    from dotsocr.sources.open import open_source
    from support.sources import make_unmapped_pdf

    path = make_unmapped_pdf(tmp_path / "unmapped.pdf", unmapped=40)
    with open_source(path) as source:
        (page,) = list(source.pages())
    layer = page.text_layer
    assert layer is not None
    assert layer.unmapped == 40
    assert "Readable header" in layer.text
    assert not any(ord(c.text) < 0x20 and c.text not in "\t\n" for c in layer.chars)
