"""The page language decides how OCR text is cleaned: Japanese glyph confusions are
put right on Japanese pages, Chinese text is left alone, and the page says which."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dotsocr.api import parse
from dotsocr.engines.cpu import engine as cpu_engine
from dotsocr.engines.cpu.textlines import Line


def _page_with_ink(path: Path) -> Path:
    """A page with a dark bar where the stand-in OCR says the line is (not blank)."""
    image = Image.new("RGB", (1000, 600), "white")
    ImageDraw.Draw(image).rectangle((100, 100, 900, 140), fill="black")
    image.save(path)
    return path


@pytest.fixture()
def ocr_says(monkeypatch):
    """Stand in for the OCR model with a line of the test's choosing."""

    def install(text: str) -> None:
        line = Line(text=text, box=(100.0, 100.0, 900.0, 140.0), size=40.0)
        monkeypatch.setattr(cpu_engine, "ocr_lines", lambda *args, **kwargs: [line])

    return install


def _texts(doc) -> str:
    return "".join(e.text or "" for p in doc.pages for e in p.elements)


def test_japanese_ocr_text_is_normalised_and_the_page_says_ja(tmp_path, ocr_says):
    ocr_says("統ーしたサ一ビスの题目です")
    doc = parse(_page_with_ink(tmp_path / "ja.png"), ocr="always")
    (page,) = doc.pages
    assert page.lang == "ja"
    assert "統一したサービスの題目です" in _texts(doc)


def test_chinese_ocr_text_is_left_alone(tmp_path, ocr_says):
    ocr_says("统一的服务题目和经济发展")
    doc = parse(_page_with_ink(tmp_path / "zh.png"), ocr="always")
    assert doc.pages[0].lang == "zh"
    assert "统一的服务题目和经济发展" in _texts(doc)


def test_a_given_language_overrides_detection(tmp_path, ocr_says):
    ocr_says("统一的服务题目和经济发展")
    doc = parse(_page_with_ink(tmp_path / "zh.png"), ocr="always", lang="en")
    assert doc.pages[0].lang == "en"
    assert "统一的服务题目和经济发展" in _texts(doc)  # only ja is rewritten


def test_a_text_layer_is_never_rewritten(tmp_path):
    from support import make_text_pdf

    pdf = make_text_pdf(tmp_path / "en.pdf", [["A plain English page of text."]])
    doc = parse(pdf)
    assert doc.pages[0].method == "text-layer" and doc.pages[0].lang == "en"
    assert "A plain English page of text." in _texts(doc)


def _one_line_pdf(path: Path, colour: int) -> Path:
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=14)
    pdf.set_text_color(colour, colour, colour)
    pdf.text(20, 30, "Text that the page may not show.")
    pdf.output(str(path))
    return path


def test_a_page_drawn_blank_with_a_text_layer_is_read_from_it_with_a_warning(tmp_path):
    """As a CJK PDF whose fonts are neither embedded nor installed renders: white text
    stands in here for glyphs the renderer cannot draw."""
    from dotsocr.engines.cpu.engine import BLANK_RENDER_WARNING

    doc = parse(_one_line_pdf(tmp_path / "blank.pdf", colour=255))
    (page,) = doc.pages
    assert page.method == "text-layer"
    assert BLANK_RENDER_WARNING in page.warnings
    assert "Text that the page may not show." in _texts(doc)
    shown = parse(_one_line_pdf(tmp_path / "shown.pdf", colour=0))
    assert BLANK_RENDER_WARNING not in shown.pages[0].warnings
