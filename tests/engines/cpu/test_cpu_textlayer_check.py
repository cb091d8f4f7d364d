"""Garbled text layers go to OCR; good ones (Latin, Arabic, Japanese, Chinese,
Korean) stay, including the one whose pixels PDFium cannot draw."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import numpy as np
import pytest

from dotsocr.engines.cpu import CpuEngine
from dotsocr.engines.cpu.ocr import recognize, to_bgr
from dotsocr.engines.cpu.textlayer_check import (
    char_verdict,
    check_text_layer,
    reading_verdict,
    similarity,
)
from dotsocr.engines.cpu.textlines import lines_from_chars
from dotsocr.sources.base import TextLayer
from support.cpu import line_chars, rendered_pages

HANGUL = re.compile(r"[\uac00-\ud7af]")


def _utf8_read_as_utf16(text: str) -> str:
    raw = text.encode("utf-8")
    return "".join(chr(raw[i] << 8 | raw[i + 1]) for i in range(0, len(raw) - 1, 2))


def test_cyrillic_read_as_hangul_is_garbled() -> None:
    moji = _utf8_read_as_utf16("Первичноеприменение")
    assert HANGUL.search(moji)
    assert char_verdict(list(moji)) is not None


def test_real_korean_and_arabic_are_not_garbled() -> None:
    assert char_verdict(list("국회입법조사처발행인김하중코로나관련보험약관상재해보험금")) is None
    assert char_verdict(list("تحسين الإنتاجية وحل المشكلات")) is None
    assert char_verdict(list("\ue000\ue001\ue002\ue003\ue004\ue005")) is not None


def _layer_lines(texts: list[str]) -> tuple[TextLayer, list]:
    chars = []
    for i, text in enumerate(texts):
        chars += line_chars(text, 100, 100 + 40 * i)
    layer = TextLayer(chars=chars)
    return layer, lines_from_chars(chars)


def test_reading_test_with_a_fake_recogniser() -> None:
    layer, lines = _layer_lines(["Hello world again", "Second line here", "Third line text"])
    bgr = np.full((400, 800, 3), 255, np.uint8)

    def agree(crops):
        return [(t, 0.99) for t in ("Hello world ", "Second line ", "Third line t")]

    def disagree(crops):
        return [("Zqxv kjwp", 0.99)] * len(crops)

    def blank(crops):
        return [("", 0.0)] * len(crops)

    assert reading_verdict(lines, bgr, agree)[0] is False
    assert reading_verdict(lines, bgr, disagree)[0] is True
    assert reading_verdict(lines, bgr, blank)[0] is False  # unreadable proves nothing
    verdict = check_text_layer(layer, lines, bgr, disagree)
    assert not verdict.usable and "garbled" in verdict.reason
    assert check_text_layer(layer, lines, bgr, blank).usable


def test_missing_empty_and_invisible_layers() -> None:
    assert not check_text_layer(None, [], None, None).usable
    assert not check_text_layer(TextLayer(), [], None, None).usable
    layer, lines = _layer_lines(["scanned page text"])
    hidden = TextLayer(chars=layer.chars, invisible=True)
    verdict = check_text_layer(hidden, lines, None, None)
    assert not verdict.usable and "invisible" in verdict.reason


def test_similarity() -> None:
    assert similarity("Hello", "hello") == 1.0
    assert similarity("ＡＢＣ", "ABC") == 1.0
    assert similarity("abc", "xyz") == 0.0


def test_lying_layer_goes_to_ocr(shared_data: Path, cpu_engine: CpuEngine) -> None:
    (page,) = rendered_pages(shared_data / "robustness/pdfjs/issue20232.pdf")
    assert page.text_layer is not None and HANGUL.search(page.text_layer.text)
    result = cpu_engine.process_page(page)
    assert result.status == "ok"
    assert result.method == "ocr"
    text = " ".join(e.text or "" for e in result.elements)
    assert not HANGUL.search(text)
    assert len(text.strip()) > 20
    assert any("garbled" in w for w in result.warnings)


@pytest.mark.parametrize(
    "relpath",
    [
        "accuracy/docling/pdf/multi_page.pdf",
        "accuracy/docling/pdf/right_to_left_01.pdf",
        "accuracy/pdfjs_textlayer/ja/issue16538.pdf",
        "accuracy/pdfjs_textlayer/zh/XiaoBiaoSong.pdf",
        "accuracy/docling/pdf/normal_4pages.pdf",
    ],
)
def test_good_layers_are_used(shared_data: Path, cpu_engine: CpuEngine, relpath: str) -> None:
    page = rendered_pages(shared_data / relpath, pages="1")[0]
    result = cpu_engine.process_page(page)
    assert result.method == "text-layer", result.warnings
    assert result.warnings == []
    assert result.elements


def test_xiaobiaosong_keeps_its_text(shared_data: Path, cpu_engine: CpuEngine) -> None:
    page = rendered_pages(shared_data / "accuracy/pdfjs_textlayer/zh/XiaoBiaoSong.pdf")[0]
    text = "".join(e.text or "" for e in cpu_engine.process_page(page).elements)
    assert "关于红军作战的原则" in text


def test_shifted_letters_fail_the_reading_test(shared_data: Path) -> None:
    """A font whose ToUnicode map is off by one letter: every word wrong, pixels fine."""
    page = rendered_pages(shared_data / "accuracy/docling/pdf/multi_page.pdf", pages="1")[0]
    assert page.text_layer is not None and page.image is not None

    def shift(ch: str) -> str:
        return chr(ord(ch) + 1) if ch.isascii() and ch.isalpha() else ch

    chars = [dataclasses.replace(c, text=shift(c.text)) for c in page.text_layer.chars]
    layer = TextLayer(chars=chars)
    lines = lines_from_chars(chars)
    verdict = check_text_layer(layer, lines, to_bgr(page.image), recognize)
    assert not verdict.usable
    good = check_text_layer(
        page.text_layer, lines_from_chars(page.text_layer.chars), to_bgr(page.image), recognize
    )
    assert good.usable


def test_control_codes_the_source_dropped_count_against_the_layer() -> None:
    readable = list("Readable header")
    assert char_verdict(readable) is None
    reason = char_verdict(readable, unmapped=40)
    assert reason == "40 of 55 characters are unprintable or unmapped"
    assert char_verdict(list("A long line of ordinary words on a page"), unmapped=3) is None


def test_a_layer_of_unmapped_glyphs_is_ocred_with_a_warning(tmp_path: Path) -> None:
    """pdf.js's TAMReview.pdf, made in code: the text is glyph codes with no Unicode,
    which PDFium reports as control codes; the page must be read from its pixels."""
    from dotsocr.api import parse
    from support.sources import make_unmapped_pdf

    doc = parse(make_unmapped_pdf(tmp_path / "unmapped.pdf"), output_dir=tmp_path / "out")
    (page,) = doc.pages
    assert page.method == "ocr"
    assert any("unprintable or unmapped" in w and "used OCR" in w for w in page.warnings)
    text = " ".join(e.text or "" for e in page.elements)
    assert "Readable header" in text
    manifest = (tmp_path / "out" / "unmapped.jsonl").read_text(encoding="utf-8")
    assert "used OCR" in manifest
