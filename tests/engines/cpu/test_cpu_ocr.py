"""OCR with rapidocr reads a page image with known text; image pages and
ocr="always" go through it."""

from __future__ import annotations

from pathlib import Path

from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions
from dotsocr.engines.cpu.ocr import ocr_lines
from dotsocr.engines.cpu.textlayer_check import similarity
from support import make_text_pdf
from support.cpu import page_image, rendered_pages, text_image

KNOWN = ["The quick brown fox jumps", "over 123 lazy dogs today"]


def test_ocr_reads_drawn_text() -> None:
    lines = ocr_lines(text_image(KNOWN))
    texts = [ln.text for ln in sorted(lines, key=lambda ln: ln.box[1])]
    assert len(texts) == 2
    for got, want in zip(texts, KNOWN, strict=True):
        assert similarity(got, want) >= 0.9, (got, want)
    for ln in lines:
        assert ln.box[0] < ln.box[2] and ln.box[1] < ln.box[3]
        assert not ln.vertical


def test_image_page_is_ocred(cpu_engine: CpuEngine) -> None:
    image = text_image(KNOWN)
    page = cpu_engine.process_page(page_image(image))
    assert page.status == "ok" and page.method == "ocr"
    assert "ocr" in page.timings and "layout" in page.timings
    text = " ".join(e.text or "" for e in page.elements)
    assert similarity(text, " ".join(KNOWN)) >= 0.9
    width, height = image.size
    for e in page.elements:
        x1, y1, x2, y2 = e.bbox
        assert all(isinstance(v, int) for v in e.bbox)
        assert 0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height


def test_ocr_always_ignores_a_good_text_layer(tmp_path: Path) -> None:
    pdf = make_text_pdf(tmp_path / "t.pdf", [["Forced through OCR anyway."]], font_size=20)
    (page,) = rendered_pages(pdf)
    assert page.text_layer is not None and page.text_layer.chars
    forced = CpuEngine(CpuEngineOptions(ocr="always")).process_page(page)
    assert forced.method == "ocr"
    assert "text" not in forced.timings
    layer = CpuEngine(CpuEngineOptions()).process_page(page)
    assert layer.method == "text-layer"
    for result in (forced, layer):
        text = " ".join(e.text or "" for e in result.elements)
        assert similarity(text, "Forced through OCR anyway.") >= 0.9


def test_ocr_never_leaves_an_image_page_without_text() -> None:
    page = CpuEngine(CpuEngineOptions(ocr="never")).process_page(page_image(text_image(KNOWN)))
    assert page.status == "ok"
    assert all(e.text is None for e in page.elements)
