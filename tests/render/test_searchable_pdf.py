"""The searchable PDF: invisible text over OCR'd pages that PDF readers find, select
and copy where the text is printed, while everything else stays as it was.

Inputs are made in code (Pillow, fpdf2, pikepdf) and Documents by hand, so these
tests need no model; the slow test at the end runs the CPU engine on shared data.
Text is read back with PDFium (pypdfium2) and, where installed, poppler's pdftotext.
"""

from __future__ import annotations

import ctypes
import importlib.util
import io
import itertools
import random
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pikepdf
import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, ImageChops, ImageDraw, ImageFont
from rapidfuzz.distance import Levenshtein

from dotsocr.model import Document, Element, Page
from dotsocr.render.searchable_pdf import (
    CidFont,
    char_width,
    element_lines,
    glyphless_font,
    markdown_text,
    searchable_pdf,
    table_text,
    vertical_lines,
    visual_order,
    wrap_line,
)
from support import REPO_ROOT, make_text_pdf

DPI = 200
SCRIPT = REPO_ROOT / "scripts" / "make_glyphless_font.py"
#: How far (points) a character's box may stray outside its element's box.
TOLERANCE_PT = 1.0
WORDS = (
    "the", "layout", "model", "reads", "every", "page", "and", "returns", "boxes",
    "categories", "and", "text", "in", "reading", "order", "so", "that", "tables",
    "formulas", "and", "captions", "keep", "their", "place",
)  # fmt: skip

Box = tuple[float, float, float, float]


@pytest.fixture(scope="session")
def small_blank_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 400 x 300 pt blank page, made once (hypothesis reruns a test many times,
    which function-scoped fixtures do not mix with)."""
    path = tmp_path_factory.mktemp("searchable-pdf") / "blank.pdf"
    Image.new("L", (400, 300), 255).save(path, format="PDF", resolution=72)
    return path


# --- inputs -------------------------------------------------------------------


def _scan(
    lines: list[str], size: tuple[int, int] = (1700, 2200)
) -> tuple[Image.Image, list[Element]]:
    """A white page image with ``lines`` printed on it, and one Text element per
    line whose box is the printed line's box (a few pixels of margin)."""
    image = Image.new("L", size, 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=36)
    elements = []
    for i, text in enumerate(lines):
        x1, y1, x2, y2 = draw.textbbox((150, 150 + 70 * i), text, font=font)
        draw.text((150, 150 + 70 * i), text, font=font, fill=0)
        box = [int(x1) - 4, int(y1) - 4, int(x2) + 4, int(y2) + 4]
        elements.append(Element(bbox=box, category="Text", text=text))
    return image, elements


def _image_only_pdf(path: Path, image: Image.Image) -> Path:
    """A PDF holding just ``image`` as its page (what a scanner writes)."""
    image.save(path, format="PDF", resolution=DPI)
    return path


def _page(number: int, size: tuple[int, int], elements: list[Element], **kw: object) -> Page:
    fields = {"dpi": DPI, "method": "ocr", **kw}
    return Page(number=number, width=size[0], height=size[1], elements=elements, **fields)


def _doc(source: Path, pages: list[Page], kind: str = "pdf") -> Document:
    return Document(source=str(source), kind=kind, page_count=len(pages), pages=pages)


def _blank_pdf(path: Path, pages: list[dict[str, object]], content: bytes = b"") -> Path:
    """A PDF whose pages have the given keys (MediaBox, CropBox, Rotate)."""
    pdf = pikepdf.new()
    for keys in pages:
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 612, 792])
        for key, value in keys.items():
            page[pikepdf.Name("/" + key)] = value
        if content:
            page.Contents = pdf.make_stream(content)
        pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path


# --- reading back -------------------------------------------------------------


def _squash(text: str) -> str:
    return "".join(text.split())


def _cer(got: str, want: str) -> float:
    """Character error rate, whitespace ignored."""
    got, want = _squash(got), _squash(want)
    return Levenshtein.distance(got, want) / max(1, len(want))


def _sorted(text: str) -> str:
    """The characters of ``text`` (whitespace aside) in code-point order."""
    return "".join(sorted(_squash(text)))


def _expected(page: Page) -> str:
    return "\n".join(line for e in page.elements for line in element_lines(e))


def _pdfium_texts(data: bytes, password: str | None = None) -> list[str]:
    pdf = pdfium.PdfDocument(data, password=password)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


def _pdftotext(path: Path, *args: str) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:
        pytest.skip("poppler's pdftotext is not installed")
    run = subprocess.run([tool, *args, str(path), "-"], capture_output=True, text=True, check=True)
    return run.stdout


def _device_to_page(page: pdfium.PdfPage, size: tuple[int, int], x: float, y: float) -> tuple:
    """Where pixel (x, y) of a ``size`` render of ``page`` is in PDF user space,
    asked of PDFium itself (so /Rotate and the crop box count as they do when the
    engines render the page); independent of the code under test."""
    px, py = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDF_DeviceToPage(page.raw, 0, 0, size[0], size[1], 0, x, y, px, py)
    return px.value, py.value


def _page_to_device(page: pdfium.PdfPage, size: tuple[int, int], x: float, y: float) -> tuple:
    dx, dy = ctypes.c_int(), ctypes.c_int()
    pdfium_c.FPDF_PageToDevice(page.raw, 0, 0, size[0], size[1], 0, x, y, dx, dy)
    return dx.value, dy.value


def _points_box(page: pdfium.PdfPage, size: tuple[int, int], bbox: list[int]) -> Box:
    """An element's pixel box as a rectangle in PDF user space."""
    x1, y1, x2, y2 = bbox
    corners = [_device_to_page(page, size, x, y) for x in (x1, x2) for y in (y1, y2)]
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return min(xs), min(ys), max(xs), max(ys)


def _inside(inner: Box, outer: Box, tolerance: float = TOLERANCE_PT) -> bool:
    return (
        inner[0] >= outer[0] - tolerance
        and inner[1] >= outer[1] - tolerance
        and inner[2] <= outer[2] + tolerance
        and inner[3] <= outer[3] + tolerance
    )


def _chars(page: pdfium.PdfPage, *, loose: bool = True) -> list[tuple[str, Box]]:
    """Every non-space character PDFium reads from ``page``, with its box (points)."""
    textpage = page.get_textpage()
    out = []
    for i in range(textpage.count_chars()):
        char = textpage.get_text_range(i, 1)
        if char.strip():
            out.append((char, textpage.get_charbox(i, loose=loose)))
    return out


def _assert_chars_in_elements(data: bytes, model_page: Page, *, index: int = 0) -> int:
    """Every character of page ``index`` lies inside one of its elements' boxes,
    with both PDFium boxes (loose: the font's ascent/descent; tight: the glyph's).
    Returns how many characters were checked."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[index]
        size = (model_page.width, model_page.height)
        boxes = [_points_box(page, size, e.bbox) for e in model_page.elements]
        checked = 0
        for loose in (True, False):
            for char, box in _chars(page, loose=loose):
                assert any(_inside(box, outer) for outer in boxes), (char, box, boxes)
                checked += 1
        return checked // 2
    finally:
        pdf.close()


# --- 1. an image-only page -----------------------------------------------------


@pytest.fixture()
def scanned(tmp_path: Path) -> tuple[Path, Document]:
    lines = [
        "Invoice 2024-117: three items shipped to Osaka.",
        "Total due within 30 days, thank you.",
        "Questions? Write to accounts@example.com",
    ]
    image, elements = _scan(lines)
    source = _image_only_pdf(tmp_path / "scan.pdf", image)
    return source, _doc(source, [_page(1, image.size, elements)])


def test_image_only_page_becomes_searchable_in_pdfium(scanned):
    source, doc = scanned
    data = searchable_pdf(doc, source)
    (text,) = _pdfium_texts(data)
    assert _cer(text, _expected(doc.pages[0])) <= 0.02
    assert text.splitlines()[0] == "Invoice 2024-117: three items shipped to Osaka."
    assert _assert_chars_in_elements(data, doc.pages[0]) == len(_squash(_expected(doc.pages[0])))


def test_output_is_well_formed_and_shares_one_small_font(scanned):
    source, doc = scanned
    second = doc.pages[0].model_copy(update={"number": 2})
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.pages.append(pdf.pages[0])
        pdf.save(source)
    data = searchable_pdf(doc.model_copy(update={"pages": [doc.pages[0], second]}), source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []
        fonts = [p.Resources.Font.GlyphLessFont for p in pdf.pages]
        assert fonts[0].is_same_object_as(fonts[1])
        (cid_font,) = fonts[0].DescendantFonts
        assert fonts[0].Encoding == pikepdf.Name("/Identity-H")
        assert cid_font.Subtype == pikepdf.Name.CIDFontType2
        assert len(cid_font.FontDescriptor.FontFile2.read_bytes()) < 1000


def test_packaged_font_is_what_the_script_builds():
    spec = importlib.util.spec_from_file_location("make_font", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_font() == glyphless_font()


def test_image_only_page_becomes_searchable_in_pdftotext(scanned, tmp_path: Path):
    source, doc = scanned
    out = tmp_path / "out.pdf"
    out.write_bytes(searchable_pdf(doc, source))
    for args in ((), ("-layout",)):
        assert _cer(_pdftotext(out, *args), _expected(doc.pages[0])) <= 0.02, args


def test_text_layer_is_invisible_and_found_by_search(scanned):
    source, doc = scanned
    data = searchable_pdf(doc, source)
    before, after = pdfium.PdfDocument(source), pdfium.PdfDocument(data)
    try:
        seen = [pdf[0].render(scale=1).to_pil().convert("RGB") for pdf in (before, after)]
        assert ImageChops.difference(*seen).getbbox() is None
        searcher = after[0].get_textpage().search("shipped to Osaka")
        assert searcher.get_next() is not None
    finally:
        before.close()
        after.close()


def test_each_line_fills_its_element_box(scanned):
    source, doc = scanned
    data = searchable_pdf(doc, source)
    pdf = pdfium.PdfDocument(data)
    try:
        chars = _chars(pdf[0])
    finally:
        pdf.close()
    first = doc.pages[0].elements[0].bbox
    scale = 72 / DPI
    line = [box for _, box in chars[: len(_squash(doc.pages[0].elements[0].text or ""))]]
    assert line[0][0] == pytest.approx(first[0] * scale, abs=0.05)
    assert line[-1][2] == pytest.approx(first[2] * scale, abs=0.05)
    page_height = 2200 * scale
    assert min(b[1] for b in line) == pytest.approx(page_height - first[3] * scale, abs=0.05)
    assert max(b[3] for b in line) == pytest.approx(page_height - first[1] * scale, abs=0.05)


# --- 2. any script ------------------------------------------------------------


def test_cjk_korean_and_non_bmp_text_round_trips(tmp_path: Path):
    texts = ["日本語の文章です。", "中文文本测试", "한국어 텍스트", "𠮷野家と😀 mixed ASCII"]
    elements = [
        Element(bbox=[150, 200 + 120 * i, 1400, 280 + 120 * i], category="Text", text=t)
        for i, t in enumerate(texts)
    ]
    image = Image.new("L", (1700, 2200), 255)
    source = _image_only_pdf(tmp_path / "cjk.pdf", image)
    doc = _doc(source, [_page(1, image.size, elements)])
    data = searchable_pdf(doc, source)
    out = tmp_path / "out.pdf"
    out.write_bytes(data)
    (text,) = _pdfium_texts(data)
    assert text.split("\r\n") == texts
    assert _squash(_pdftotext(out)) == _squash("".join(texts))
    _assert_chars_in_elements(data, doc.pages[0])


def test_right_to_left_lines_are_drawn_in_visual_order_and_read_back_in_logical(
    tmp_path: Path,
):
    texts = [
        "مرحبا بالعالم في عام 2024",
        "שלום עולם, מה שלומך?",
        "السعر 1,250.50 دولار",
        "English then عربي words",
    ]
    elements = [
        Element(
            bbox=[150, 200 + 120 * i, 150 + 26 * len(t), 250 + 120 * i], category="Text", text=t
        )
        for i, t in enumerate(texts)
    ]
    source = _image_only_pdf(tmp_path / "rtl.pdf", Image.new("L", (1700, 2200), 255))
    doc = _doc(source, [_page(1, (1700, 2200), elements)])
    data = searchable_pdf(doc, source)
    (text,) = _pdfium_texts(data)
    assert text.split("\r\n") == texts
    out = tmp_path / "out.pdf"
    out.write_bytes(data)
    # poppler wraps right-to-left runs in embedding marks (U+202A..U+202C).
    first = _pdftotext(out).splitlines()[0].translate(dict.fromkeys(range(0x202A, 0x202D)))
    assert first == texts[0]
    _assert_chars_in_elements(data, doc.pages[0])


def test_visual_order_follows_the_bidi_algorithm():
    assert visual_order("hello world") == "hello world"
    assert visual_order("שלום עולם") == "םלוע םולש"
    assert visual_order("نص 2024") == "2024 صن"  # numbers stay left to right
    assert visual_order("abc שלום 123 עולם def") == "abc םלוע 123 םולש def"
    assert visual_order("(مرحبا) hello") == "hello )ابحرم("  # no mirroring


#: Characters PDFium reads back as drawn: no right-to-left classes (see the test
#: above) and no compatibility forms, which PDFium decomposes (U+FB01 "ﬁ" -> "fi").
_PLAIN_CHARS = st.characters(
    categories=("L", "N", "P", "S", "Zs"), exclude_characters="\t\n\r\x0b\x0c"
).filter(
    lambda ch: (
        unicodedata.bidirectional(ch) not in ("R", "AL", "AN", "NSM")
        and not unicodedata.decomposition(ch).startswith("<")
    )
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(lines=st.lists(st.text(_PLAIN_CHARS, min_size=1, max_size=20), min_size=1, max_size=3))
def test_any_text_round_trips_through_pdfium(small_blank_pdf: Path, lines: list[str]):
    source = small_blank_pdf
    elements = [
        Element(bbox=[10, 10 + 60 * i, 390, 50 + 60 * i], category="Formula", text=t)
        for i, t in enumerate(lines)
    ]
    doc = _doc(source, [_page(1, (400, 300), elements, dpi=72)])
    (text,) = _pdfium_texts(searchable_pdf(doc, source))
    # PDFium reports a hyphen ending a line as U+FFFE (its soft-hyphen mark).
    assert _squash(text.replace("\ufffe", "-")) == _squash("".join(lines))


def test_to_unicode_maps_cids_to_utf16_with_surrogate_pairs():
    font = CidFont.for_texts(["abc", "𠮷", "日本"])
    # Narrow characters first, then wide ones (U+20BB7 is wide), each by code point.
    assert font.cids == {"a": 1, "b": 2, "c": 3, "日": 4, "本": 5, "𠮷": 6}
    assert font.encode("a𠮷") == "<00010006>"
    cmap = font.to_unicode().decode("ascii")
    assert "<0001> <0003> <0061>" in cmap  # a run of consecutive characters
    assert "<0006> <D842DFB7>" in cmap  # U+20BB7 as a surrogate pair
    assert font.widths() == [1, 3, 500]  # narrow CIDs; wide ones take /DW 1000
    assert font.gid_map() == b"\x00\x01" * 4 + b"\x00\x02" * 3


def test_more_characters_than_two_byte_codes_hold_fall_back_to_a_replacement():
    codes = range(0x4E00, 0x4E00 + 70_000)
    many = "".join(chr(c) for c in codes if not 0xD800 <= c < 0xE000 and c != 0xFFFD)
    font = CidFont.for_texts([many, "abc"])
    assert len(font.cids) == 0xFFFF and max(font.cids.values()) == 0xFFFF
    assert {"a", "b", "c", "\ufffd"} <= font.cids.keys()
    narrow = font.widths()[1]  # narrow CIDs still come first, so /W stays one range
    assert all((cid <= narrow) == (char_width(ch) == 500) for ch, cid in font.cids.items())
    replacement = font.cids["\ufffd"]
    assert font.encode(chr(0x4E00 + 69_000)) == f"<{replacement:04X}>"


# --- 3. born-digital pages stay as they are -------------------------------------


def test_born_digital_page_keeps_its_content_byte_for_byte(tmp_path: Path):
    source = make_text_pdf(
        tmp_path / "mixed.pdf", [["Born digital text stays."], ["Scanned page text."]]
    )
    size = (1654, 2339)
    digital = _page(1, size, [Element(bbox=[100, 100, 900, 160], category="Text", text="X")])
    digital = digital.model_copy(update={"method": "text-layer"})
    ocr = _page(2, size, [Element(bbox=[100, 400, 900, 460], category="Text", text="OCR words")])
    data = searchable_pdf(_doc(source, [digital, ocr]), source)

    with pikepdf.open(source) as before, pikepdf.open(io.BytesIO(data)) as after:
        old, new = before.pages[0].obj, after.pages[0].obj
        assert new.Contents.read_raw_bytes() == old.Contents.read_raw_bytes()
        assert sorted(new.Resources.Font.keys()) == sorted(old.Resources.Font.keys())
        # The OCR page keeps its own stream too, between the added q and Q+layer.
        old_ocr = before.pages[1].obj.Contents.read_raw_bytes()
        contents = after.pages[1].obj.Contents
        assert [s.read_raw_bytes() for s in contents][1] == old_ocr
        assert contents[0].read_bytes().strip() == b"q"
        assert b"3 Tr" in contents[-1].read_bytes()
    old_texts, new_texts = _pdfium_texts(source.read_bytes()), _pdfium_texts(data)
    assert new_texts[0] == old_texts[0]
    assert new_texts[1].startswith(old_texts[1]) and new_texts[1].endswith("OCR words")


def test_failed_and_unlisted_pages_get_no_layer(tmp_path: Path):
    source = make_text_pdf(tmp_path / "three.pdf", [["one"], ["two"], ["three"]])
    element = Element(bbox=[100, 100, 900, 160], category="Text", text="added")
    failed = _page(2, (1654, 2339), [element], status="failed")
    ocr = _page(3, (1654, 2339), [element])
    texts = _pdfium_texts(searchable_pdf(_doc(source, [failed, ocr]), source))
    assert texts[:2] == _pdfium_texts(source.read_bytes())[:2]
    assert texts[2].endswith("added")


# --- 4. rotation, crop boxes, unbalanced content --------------------------------


PAGE_SHAPES = {
    "rotate-90": {"Rotate": 90},
    "rotate-180": {"Rotate": 180},
    "rotate-270": {"Rotate": -90},
    "crop-offset": {"MediaBox": [0, 0, 700, 900], "CropBox": [50, 100, 650, 850]},
    "rotate-90-crop-offset": {
        "MediaBox": [-20, -30, 700, 900],
        "CropBox": [40, 60, 600, 800],
        "Rotate": 90,
    },
}


@pytest.mark.parametrize("shape", PAGE_SHAPES, ids=list(PAGE_SHAPES))
def test_boxes_land_on_rotated_and_cropped_pages(tmp_path: Path, shape: str):
    """Expected boxes come from PDFium's own pixel<->page mapping (FPDF_DeviceToPage
    for the render size the engines use), not from the code under test."""
    source = _blank_pdf(tmp_path / f"{shape}.pdf", [PAGE_SHAPES[shape]])
    pdf = pdfium.PdfDocument(source)
    width_pt, height_pt = pdf[0].get_size()
    pdf.close()
    size = (round(width_pt * DPI / 72), round(height_pt * DPI / 72))
    elements = [
        Element(bbox=[100, 120, size[0] - 100, 190], category="Title", text="# Upright title"),
        Element(bbox=[100, 300, size[0] // 2, 460], category="Text", text="first line\nsecond"),
    ]
    page = _page(1, size, elements)
    data = searchable_pdf(_doc(source, [page]), source)

    (text,) = _pdfium_texts(data)
    assert text.split("\r\n") == ["Upright title", "first line", "second"]
    _assert_chars_in_elements(data, page)
    _assert_reads_left_to_right(data, size)


def _assert_reads_left_to_right(data: bytes, size: tuple[int, int]) -> None:
    """In the rendered image, each line's characters advance to the right on one row."""
    pdf = pdfium.PdfDocument(data)
    try:
        page = pdf[0]
        textpage = page.get_textpage()
        centres = []
        for i in range(textpage.count_chars()):
            char = textpage.get_text_range(i, 1)
            if char in "\r\n":
                centres.append(None)
                continue
            left, bottom, right, top = textpage.get_charbox(i, loose=True)
            centres.append(_page_to_device(page, size, (left + right) / 2, (bottom + top) / 2))
    finally:
        pdf.close()
    for before, after in itertools.pairwise(centres):
        if before is not None and after is not None:
            assert after[0] > before[0] and abs(after[1] - before[1]) <= 1, (before, after)


@pytest.mark.parametrize(
    "content", [b"0.5 0 0 0.5 30 40 cm q 2 0 0 2 0 0 cm", b"Q Q 2 0 0 2 0 0 cm"]
)
def test_layer_ignores_the_state_the_page_content_leaves(tmp_path: Path, content: bytes):
    """Content that leaves a q open (or pops more than it pushed) and a changed CTM
    must not move the text layer."""
    source = _blank_pdf(tmp_path / "state.pdf", [{}], content=content)
    size = (1700, 2200)
    page = _page(1, size, [Element(bbox=[200, 300, 1500, 380], category="Text", text="steady")])
    data = searchable_pdf(_doc(source, [page]), source)
    assert _pdfium_texts(data) == ["steady"]
    assert _assert_chars_in_elements(data, page) == len("steady")


def test_inherited_resources_are_kept_for_the_page(tmp_path: Path):
    source = make_text_pdf(tmp_path / "inherit.pdf", [["inherited font text"]])
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        page = pdf.pages[0].obj
        pdf.Root.Pages.Resources = page.Resources
        del page["/Resources"]
        pdf.save(source)
    element = Element(bbox=[100, 1000, 900, 1060], category="Text", text="ocr")
    data = searchable_pdf(_doc(source, [_page(1, (1654, 2339), [element])]), source)
    (text,) = _pdfium_texts(data)
    assert text.startswith("inherited font text") and text.endswith("ocr")


# --- 5. image inputs ------------------------------------------------------------


def test_png_becomes_a_page_sized_by_its_dpi(tmp_path: Path):
    image, elements = _scan(["A photographed receipt", "paid in full"], size=(1200, 900))
    source = tmp_path / "receipt.png"
    image.save(source, dpi=(150, 150))
    doc = _doc(source, [_page(1, image.size, elements, dpi=150)], kind="image")
    data = searchable_pdf(doc, source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert len(pdf.pages) == 1
        assert [float(v) for v in pdf.pages[0].mediabox] == [0, 0, 576, 432]
    (text,) = _pdfium_texts(data)
    assert _cer(text, _expected(doc.pages[0])) == 0
    _assert_chars_in_elements(data, doc.pages[0])


def test_two_frame_tiff_becomes_two_searchable_pages(tmp_path: Path):
    first, first_elements = _scan(["Frame one of the fax"], size=(850, 1100))
    second, second_elements = _scan(["Frame two, last page"], size=(850, 1100))
    source = tmp_path / "fax.tif"
    first.save(source, save_all=True, append_images=[second], dpi=(100, 100))
    pages = [
        _page(1, first.size, first_elements, dpi=100),
        _page(2, second.size, second_elements, dpi=100),
    ]
    data = searchable_pdf(_doc(source, pages, kind="image"), source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        sizes = [[float(v) for v in p.mediabox] for p in pdf.pages]
    assert sizes == [[0, 0, 612, 792], [0, 0, 612, 792]]
    assert _pdfium_texts(data) == ["Frame one of the fax", "Frame two, last page"]
    for index, page in enumerate(pages):
        _assert_chars_in_elements(data, page, index=index)


def test_jpeg_is_embedded_as_it_is_and_unknown_dpi_means_72(tmp_path: Path):
    image, elements = _scan(["A camera photo"], size=(720, 360))
    source = tmp_path / "photo.jpg"
    image.convert("RGB").save(source, quality=80)
    doc = _doc(source, [_page(1, image.size, elements, dpi=None)], kind="image")
    data = searchable_pdf(doc, source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        page = pdf.pages[0]
        assert [float(v) for v in page.mediabox] == [0, 0, 720, 360]
        (stream,) = page.Resources.XObject.values()
        assert stream.Filter == pikepdf.Name.DCTDecode
        assert stream.read_raw_bytes() == source.read_bytes()
    assert _pdfium_texts(data) == ["A camera photo"]


def test_jpeg_with_exif_orientation_is_drawn_upright(tmp_path: Path):
    upright = Image.new("RGB", (360, 720), "white")
    upright.paste((0, 0, 0), (0, 0, 60, 60))  # a mark in the top-left corner
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what a sideways camera writes
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 clockwise to view"
    source = tmp_path / "sideways.jpg"
    stored.save(source, exif=exif, quality=95)
    element = Element(bbox=[100, 300, 300, 340], category="Text", text="upright")
    doc = _doc(source, [_page(1, (360, 720), [element], dpi=None)], kind="image")
    data = searchable_pdf(doc, source)
    pdf = pdfium.PdfDocument(data)
    try:
        assert pdf[0].get_size() == (360, 720)
        seen = pdf[0].render(scale=1).to_pil().convert("L")
    finally:
        pdf.close()
    assert seen.getpixel((20, 20)) < 60 and seen.getpixel((340, 700)) > 200
    assert _pdfium_texts(data) == ["upright"]


def test_unlisted_frames_keep_their_own_size(tmp_path: Path):
    first, elements = _scan(["Only the first frame was parsed"], size=(850, 1100))
    source = tmp_path / "two.tif"
    first.save(source, save_all=True, append_images=[Image.new("L", (400, 300), 255)], dpi=(50, 50))
    data = searchable_pdf(_doc(source, [_page(1, first.size, elements, dpi=100)], "image"), source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        sizes = [[float(v) for v in p.mediabox] for p in pdf.pages]
    assert sizes == [[0, 0, 612, 792], [0, 0, 576, 432]]


# --- 6. size ------------------------------------------------------------------------


def test_text_layer_adds_under_ten_percent_to_a_scanned_page(tmp_path: Path):
    """A 200-dpi greyscale A4 scan with 40 lines of text, as a scanner's PDF."""
    rng = random.Random(7)
    lines = [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(40)]
    image = Image.new("L", (1654, 2339), 255)
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=28)
    elements = []
    for i, line in enumerate(lines):
        origin = (150, 150 + 50 * i)
        draw.text(origin, line, font=font, fill=0)
        x1, y1, x2, y2 = draw.textbbox(origin, line, font=font)
        box = [int(x1), int(y1), int(x2), int(y2)]
        elements.append(Element(bbox=box, category="Text", text=line))
    source = _image_only_pdf(tmp_path / "page.pdf", image)
    data = searchable_pdf(_doc(source, [_page(1, image.size, elements)]), source)
    growth = (len(data) - source.stat().st_size) / source.stat().st_size
    assert growth < 0.10, f"{growth:.1%}"
    (text,) = _pdfium_texts(data)
    assert _cer(text, "\n".join(lines)) == 0


# --- 7. metadata --------------------------------------------------------------------


def test_document_metadata_is_kept(scanned, tmp_path: Path):
    source, doc = scanned
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:title"] = "Quarterly scan"
        pdf.docinfo["/Title"] = "Quarterly scan"
        pdf.docinfo["/Author"] = "Scanner 3000"
        pdf.save(source)
    with pikepdf.open(source) as pdf:
        xmp = pdf.Root.Metadata.read_bytes()
    data = searchable_pdf(doc, source)
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert str(pdf.docinfo["/Title"]) == "Quarterly scan"
        assert str(pdf.docinfo["/Author"]) == "Scanner 3000"
        assert pdf.Root.Metadata.read_bytes() == xmp


def test_encrypted_source_opens_with_its_password_and_stays_encrypted(scanned):
    source, doc = scanned
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.save(source, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    data = searchable_pdf(doc, source, password="secret")
    with pytest.raises(pikepdf.PasswordError):
        pikepdf.open(io.BytesIO(data))
    (text,) = _pdfium_texts(data, password="secret")
    assert "shipped to Osaka" in text


def test_a_wrong_password_is_a_permission_error(scanned):
    source, doc = scanned
    with pikepdf.open(source, allow_overwriting_input=True) as pdf:
        pdf.save(source, encryption=pikepdf.Encryption(owner="owner", user="secret"))
    with pytest.raises(PermissionError):
        searchable_pdf(doc, source, password="guess")


# --- what text each element gives ------------------------------------------------------


def test_table_html_becomes_rows_of_cells():
    html = (
        "<table><thead><tr><th>Item</th><th>Qty</th></tr></thead>"
        "<tbody><tr><td>Tea &amp; cake</td><td>2<br>boxes</td></tr>"
        "<tr><td colspan='2'>Total</td></tr></tbody></table>"
    )
    assert table_text(html) == "Item Qty\nTea & cake 2 boxes\nTotal"
    assert table_text("plain text, no markup") == "plain text, no markup"


def test_markdown_marks_are_dropped():
    assert markdown_text("## 2.1 **Bold** heading\n- item \\*star\\*") == (
        "2.1 Bold heading\n- item *star*"
    )
    assert markdown_text("Name: ________ and __under__") == "Name: ________ and under"


def test_element_lines_per_category():
    box = [0, 0, 400, 40]
    assert element_lines(Element(bbox=box, category="Picture")) == []
    formula = Element(bbox=box, category="Formula", text=r"\frac{a}{b}")
    assert element_lines(formula) == [r"\frac{a}{b}"]
    title = Element(bbox=box, category="Title", text="#  A   title\t")
    assert element_lines(title) == ["A title"]


def test_a_joined_paragraph_is_wrapped_to_the_lines_its_box_holds():
    sentence = " ".join(WORDS)  # about 140 characters, 70 ems
    # Five printed lines at 12 pt (14.4 pt pitch): an em of 12 is 14.4/1.2.
    lines = wrap_line(sentence, width=70 / 5 * 12, height=5 * 14.4)
    assert len(lines) == 5
    assert " ".join(lines) == sentence
    assert max(len(x) for x in lines) - min(len(x) for x in lines) < 12
    assert wrap_line(sentence, width=2000, height=20) == [sentence]  # one wide line
    assert wrap_line("縦書きの文章", width=20, height=200) == ["縦書きの文章"]  # vertical
    narrow_column = wrap_line(sentence, width=70 / 10 * 12, height=10 * 14.4)
    assert len(narrow_column) == 10  # taller than wide, but Latin: wrapped
    assert wrap_line("日本語の長い文章です", width=60, height=31) == ["日本語の長", "い文章です"]


def test_vertical_text_goes_in_columns_right_to_left_a_character_per_cell():
    two_columns = vertical_lines(["縦書き", "二行目"], (100, 0, 140, 300))
    assert [line.text for line in two_columns] == list("縦書き二行目")
    assert two_columns[0].box == (120, 0, 140, 100)  # the first column is the right one
    assert two_columns[3].box == (100, 0, 120, 100)
    assert two_columns[5].box == (100, 200, 120, 300)
    # One joined line in a box three columns wide is split into three columns.
    joined = vertical_lines(["あいうえおかきくけ"], (0, 0, 90, 90))
    assert [line.box[0] for line in joined] == [60] * 3 + [30] * 3 + [0] * 3
    assert "".join(line.text for line in joined) == "あいうえおかきくけ"


# --- 8. the yardstick: the CPU engine on Japanese pages ---------------------------------


@pytest.mark.slow
def test_cpu_engine_pages_become_searchable(shared_data: Path, tmp_path: Path):
    """Japanese pages (whose text layers are exact) rendered to 200-dpi PNGs, OCR'd by
    the CPU engine, made searchable: PDFium and poppler read back what the engine
    found. issue6387 is vertical writing: poppler's default reading order runs
    across its columns, so it is read with -raw (the order the text was laid down)."""
    from dotsocr.api import parse

    folder = shared_data / "accuracy" / "pdfjs_textlayer" / "ja"
    names = ["issue16538", "issue16063", "issue15340", "issue6387", "issue8570"]
    names.append("javauninstall-7r")
    if not all((folder / f"{n}.pdf").is_file() for n in names):
        pytest.skip("the Japanese text-layer PDFs are not in ../shared/data")
    for name in names:
        pdf = pdfium.PdfDocument(folder / f"{name}.pdf")
        png = tmp_path / f"{name}.png"
        pdf[0].render(scale=DPI / 72).to_pil().save(png, dpi=(DPI, DPI))
        pdf.close()
        doc = parse(png, ocr="always")
        (page,) = doc.pages
        assert page.method == "ocr" and page.elements
        data = searchable_pdf(doc, png)
        (text,) = _pdfium_texts(data)
        if name == "issue6387":
            # Its horizontal labels share a line across the vertical columns: PDFium
            # reads that line left to right, the page's order is right to left. What
            # must come back is every character and no other.
            assert _cer(_sorted(text), _sorted(_expected(page))) <= 0.02, name
        else:
            assert _cer(text, _expected(page)) <= 0.02, name
        assert _assert_chars_in_elements(data, page) > 40, name
        out = tmp_path / f"{name}.searchable.pdf"
        out.write_bytes(data)
        poppler = _pdftotext(out, "-raw") if name == "issue6387" else _pdftotext(out)
        assert _cer(poppler, _expected(page)) <= 0.02, name
