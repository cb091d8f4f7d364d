"""Turned scans are read after turning them upright, and their element boxes are
mapped back onto the page as scanned."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from dotsocr.engines.cpu import CpuEngine
from dotsocr.engines.cpu.ocr import ocr_lines, to_bgr
from dotsocr.engines.cpu.orientation import box_back, choose, rotate
from dotsocr.engines.cpu.textlayer_check import similarity
from support.cpu import page_image, text_image

KNOWN = [
    "Turned pages are common in scanned piles",
    "of paper: the reader must set them upright",
    "before the text can be read in its order.",
]


@pytest.mark.parametrize("angle", [90, 180, 270])
def test_box_back_inverts_the_turn(angle: int) -> None:
    image = np.zeros((50, 100), np.uint8)
    image[5:9, 10:30] = 255  # a bright box at x 10-30, y 5-9
    turned = rotate(image, angle)
    ys, xs = np.nonzero(turned)
    box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    assert box_back(box, angle, 100, 50) == (10, 5, 30, 9)


@pytest.mark.parametrize("transpose", [Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_90])
def test_turned_scan_is_read_upright(cpu_engine: CpuEngine, transpose: Image.Transpose) -> None:
    upright = text_image(KNOWN)
    scanned = upright.transpose(transpose)
    page = cpu_engine.process_page(page_image(scanned))
    assert page.status == "ok" and page.method == "ocr"
    assert any("turned" in w for w in page.warnings)
    text = " ".join(e.text or "" for e in page.elements if e.category != "Picture")
    assert similarity(text, " ".join(KNOWN)) >= 0.9, text
    # The boxes lie on the page as scanned: where its ink is.
    ink = np.asarray(scanned.convert("L")) < 128
    ys, xs = np.nonzero(ink)
    for e in page.elements:
        x1, y1, x2, y2 = e.bbox
        assert x1 <= xs.max() and x2 >= xs.min() and y1 <= ys.max() and y2 >= ys.min()
        assert ink[y1:y2, x1:x2].any()


def test_upright_page_is_not_reread() -> None:
    image = to_bgr(text_image(KNOWN))
    reads: list[int] = []

    def read(turned: np.ndarray) -> list:
        reads.append(turned.shape[0])
        return ocr_lines(turned)

    assert choose(ocr_lines(image), image, read).angle == 0
    assert reads == []
