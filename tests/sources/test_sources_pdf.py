"""PDF rendering and text layers, on PDFs written byte by byte in conftest."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dotsocr.errors import InputError
from dotsocr.sources import TextChar, open_source
from dotsocr.sources import pdf as pdf_module
from support.sources import PageSpec, build_pdf, text_content

MakePdf = Callable[..., Path]


@pytest.fixture
def make_pdf(tmp_path: Path) -> MakePdf:
    """Write a hand-made PDF into tmp_path: make_pdf([PageSpec(...)], name="x.pdf")."""

    def make(pages: list[PageSpec], name: str = "doc.pdf") -> Path:
        path = tmp_path / name
        path.write_bytes(build_pdf(pages))
        return path

    return make

DPI = 200
PX = DPI / 72  # pixels per point


def _ink(image: Image.Image, box: tuple[float, float, float, float]) -> int:
    """Darkest grey value inside ``box`` (255 when the box holds only paper)."""
    x1, y1, x2, y2 = (round(v) for v in box)
    region = np.asarray(image.convert("L"))[max(y1, 0) : y2 + 1, max(x1, 0) : x2 + 1]
    return int(region.min()) if region.size else 255


def _visible(chars: list[TextChar]) -> list[TextChar]:
    return [c for c in chars if not c.generated and c.text.strip()]


def _first_page(path: Path, **options: object):
    with open_source(path, **options) as doc:
        return next(doc.pages())


def test_text_layer_is_known_and_lines_up(make_pdf: MakePdf) -> None:
    path = make_pdf([PageSpec(content=text_content(72, 700, "Hello World", size=24))])
    page = _first_page(path)
    assert page.image is not None and page.image.mode == "RGB"
    assert page.size == (1700, 2200)
    assert page.dpi == DPI and page.downscaled_from is None
    layer = page.text_layer
    assert layer is not None and layer.text == "Hello World" and not layer.invisible
    first = layer.chars[0]
    # Baseline at y=700 pt from the bottom, x=72 pt: 200 px from the left.
    assert first.box[0] == pytest.approx(72 * PX, abs=2)
    assert first.box[1] < (792 - 700) * PX < first.box[3]
    assert first.font_size == pytest.approx(24 * PX, rel=0.01)
    for char in _visible(layer.chars):
        x1, y1, x2, y2 = char.box
        assert x1 < x2 and y1 < y2
        assert _ink(page.image, char.box) < 100, char
    # Far from the text the page is paper.
    assert _ink(page.image, (100, 1000, 1600, 2100)) == 255


def test_rotated_page_swaps_size_and_boxes_follow(make_pdf: MakePdf) -> None:
    path = make_pdf([PageSpec(content=text_content(72, 700, "Hello", size=24), rotate=90)])
    page = _first_page(path)
    assert page.size == (2200, 1700)  # /Rotate 90 applied by the renderer
    chars = _visible(page.text_layer.chars)
    assert "".join(c.text for c in chars) == "Hello"
    for char in chars:
        assert _ink(page.image, char.box) < 100, char
    # Rotated a quarter turn clockwise, the line reads top to bottom.
    tops = [c.box[1] for c in chars]
    assert tops == sorted(tops) and tops[-1] - tops[0] > 100
    lefts = [c.box[0] for c in chars]
    assert max(lefts) - min(lefts) < 5
    assert page.text_layer.chars[0].font_size == pytest.approx(24 * PX, rel=0.01)


@pytest.mark.parametrize("rotate", [180, 270])
def test_other_rotations_keep_boxes_on_ink(make_pdf: MakePdf, rotate: int) -> None:
    path = make_pdf([PageSpec(content=text_content(100, 400, "Rotated", size=30), rotate=rotate)])
    page = _first_page(path)
    assert page.size == ((1700, 2200) if rotate == 180 else (2200, 1700))
    for char in _visible(page.text_layer.chars):
        assert _ink(page.image, char.box) < 100, char


def test_crop_box_offsets_are_applied(make_pdf: MakePdf) -> None:
    spec = PageSpec(content=text_content(150, 300, "Crop", size=20), crop=(100, 200, 400, 500))
    page = _first_page(make_pdf([spec]))
    assert page.size == (round(300 * PX), round(300 * PX))
    first = page.text_layer.chars[0]
    assert first.box[0] == pytest.approx((150 - 100) * PX, abs=2)
    for char in _visible(page.text_layer.chars):
        assert _ink(page.image, char.box) < 100, char


def test_annotations_are_drawn(make_pdf: MakePdf) -> None:
    page = _first_page(make_pdf([PageSpec(annots=[(300, 300, 400, 350)])]))
    centre = (350 * PX, (792 - 325) * PX)
    box = (centre[0] - 5, centre[1] - 5, centre[0] + 5, centre[1] + 5)
    assert _ink(page.image, box) == 0


def test_pixel_budget_scales_instead_of_dropping_dpi(make_pdf: MakePdf) -> None:
    side = 1700.0  # 4722 px square at 200 DPI: twice the model's pixel budget
    spec = PageSpec(content=text_content(100, 1500, "Big page", size=100), media=(0, 0, side, side))
    page = _first_page(make_pdf([spec]))
    width, height = page.size
    assert width * height <= 11_289_600
    assert width == height == 3360
    assert page.downscaled_from == (round(side * PX), round(side * PX))
    assert page.dpi == pytest.approx(DPI * width / (side * PX), rel=0.001)
    assert 72 < page.dpi < DPI  # far better than the reference's fall back to 72
    for char in _visible(page.text_layer.chars):
        assert _ink(page.image, char.box) < 100, char
    assert page.text_layer.chars[0].font_size == pytest.approx(100 * page.dpi / 72, rel=0.01)


def test_small_budget(make_pdf: MakePdf) -> None:
    spec = PageSpec(content=text_content(72, 700, "Budget", size=40))
    page = _first_page(make_pdf([spec]), max_pixels=100_000)
    assert page.size[0] * page.size[1] <= 100_000
    assert page.downscaled_from == (1700, 2200)
    for char in _visible(page.text_layer.chars):
        assert _ink(page.image, char.box) < 160, char


def test_default_budget_applies(make_pdf: MakePdf) -> None:
    spec = PageSpec(media=(0.0, 0.0, 3000.0, 3000.0))
    page = _first_page(make_pdf([spec]))
    assert page.size[0] * page.size[1] <= 11_289_600
    assert page.downscaled_from is not None


def test_tiny_page_still_has_pixels(make_pdf: MakePdf) -> None:
    path = make_pdf([PageSpec(media=(0.0, 0.0, 3.0, 3.0))])
    assert _first_page(path).size == (8, 8)
    assert _first_page(path, dpi=10).size == (1, 1)


def test_invisible_text_layer(make_pdf: MakePdf) -> None:
    ocr_layer = text_content(72, 700, "Scanned words", mode=3)
    page = _first_page(make_pdf([PageSpec(content=ocr_layer)]))
    assert page.text_layer.invisible
    assert page.text_layer.text == "Scanned words"
    assert all(c.invisible for c in _visible(page.text_layer.chars))


def test_mixed_visibility_is_marked_per_char(make_pdf: MakePdf) -> None:
    content = text_content(72, 700, "Seen") + text_content(72, 600, "Hidden", mode=3)
    layer = _first_page(make_pdf([PageSpec(content=content)])).text_layer
    assert not layer.invisible
    assert "".join(c.text for c in layer.chars if c.invisible) == "Hidden"
    assert "".join(c.text for c in _visible(layer.chars) if not c.invisible) == "Seen"


def test_page_without_text_has_empty_layer(make_pdf: MakePdf) -> None:
    page = _first_page(make_pdf([PageSpec()]))
    assert page.text_layer is not None and page.text_layer.chars == []
    assert not page.text_layer.invisible


def test_generated_line_breaks_are_kept_without_cr(make_pdf: MakePdf) -> None:
    content = text_content(72, 700, "One") + text_content(72, 650, "Two")
    layer = _first_page(make_pdf([PageSpec(content=content)])).text_layer
    assert layer.text == "One\nTwo"
    assert [c.generated for c in layer.chars if c.text == "\n"] == [True]


def test_rendering_is_lazy(make_pdf: MakePdf, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[int] = []
    real = pdf_module.render_bitmap

    def counting(page, width, height):  # type: ignore[no-untyped-def]
        calls.append(width)
        return real(page, width, height)

    monkeypatch.setattr(pdf_module, "render_bitmap", counting)
    path = make_pdf([PageSpec(content=text_content(72, 700, f"Page {i}")) for i in range(5)])
    with open_source(path, pages="2-4") as doc:
        assert doc.page_count == 5 and doc.selected == [2, 3, 4]
        assert calls == []
        pages = doc.pages()
        assert calls == []
        first = next(pages)
        assert (first.number, len(calls)) == (2, 1)
        assert first.text_layer.text == "Page 1"
        assert next(pages).number == 3 and len(calls) == 2
        assert [p.number for p in pages] == [4]
        assert len(calls) == 3


def test_one_failing_page_does_not_stop_the_document(
    make_pdf: MakePdf, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = pdf_module.render_bitmap
    state = {"n": 0}

    def flaky(page, width, height):  # type: ignore[no-untyped-def]
        state["n"] += 1
        if state["n"] == 2:
            raise RuntimeError("boom")
        return real(page, width, height)

    monkeypatch.setattr(pdf_module, "render_bitmap", flaky)
    path = make_pdf([PageSpec(content=text_content(72, 700, "x")) for _ in range(3)])
    with open_source(path) as doc:
        pages = list(doc.pages())
    assert [p.number for p in pages] == [1, 2, 3]
    assert pages[1].image is None and pages[1].error and "boom" in pages[1].error
    assert pages[0].image is not None and pages[2].image is not None


def test_closing_stops_iteration(make_pdf: MakePdf) -> None:
    path = make_pdf([PageSpec() for _ in range(3)])
    doc = open_source(path)
    pages = doc.pages()
    next(pages)
    doc.close()
    assert list(pages) == []


def test_page_range_beyond_document_is_input_error(make_pdf: MakePdf) -> None:
    path = make_pdf([PageSpec(), PageSpec()])
    with pytest.raises(InputError, match="2 pages"):
        open_source(path, pages="3")


def test_zero_page_pdf(tmp_path: Path) -> None:
    path = tmp_path / "none.pdf"
    path.write_bytes(build_pdf([]))
    with pytest.raises(InputError, match="no pages"):
        open_source(path)


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.4\n", b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF",
     b"%PDF-" + bytes(range(256)) * 4],
)
def test_corrupt_pdf_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "bad.pdf"
    path.write_bytes(data)
    with pytest.raises(InputError) as caught:
        open_source(path)
    assert "\n" not in caught.value.reason


def test_junk_before_header_still_opens(make_pdf: MakePdf, tmp_path: Path) -> None:
    path = tmp_path / "junk.pdf"
    pdf = build_pdf([PageSpec(content=text_content(72, 700, "ok"))])
    path.write_bytes(b"garbage line\n" + pdf)
    assert _first_page(path).image is not None


def test_two_threads_render_two_pdfs_at_once(tmp_path: Path) -> None:
    """PDFium is not thread-safe even across documents; batches run side by side
    (the HTTP service) must not crash it. Without the process-wide lock this
    crashed the interpreter within a few rounds."""
    import threading

    from support import make_text_pdf

    pdfs = [
        make_text_pdf(tmp_path / f"doc{k}.pdf", [[f"Doc {k}, page {i}."] * 20 for i in range(8)])
        for k in range(2)
    ]
    rendered: dict[int, int] = {0: 0, 1: 0}

    def render_all(k: int) -> None:
        for _ in range(4):
            with open_source(pdfs[k], dpi=100) as source:
                for page in source.pages():
                    assert page.error is None and page.text_layer is not None
                    rendered[k] += 1

    threads = [threading.Thread(target=render_all, args=(k,)) for k in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert rendered == {0: 32, 1: 32}
