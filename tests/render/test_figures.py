"""Figures cropped from the page picture and named in their elements."""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from dotsocr.model import Element, Page
from dotsocr.render.figures import crop_figures


def _picture() -> Image.Image:
    """A white page with a red square at (100, 100)-(200, 180) and a blue one lower."""
    picture = Image.new("RGB", (400, 600), "white")
    draw = ImageDraw.Draw(picture)
    draw.rectangle((100, 100, 199, 179), fill=(255, 0, 0))
    draw.rectangle((50, 400, 349, 499), fill=(0, 0, 255))
    return picture


def _page() -> Page:
    return Page(
        number=3,
        width=400,
        height=600,
        elements=[
            Element(bbox=[10, 10, 390, 60], category="Title", text="A title"),
            Element(bbox=[100, 100, 200, 180], category="Picture"),
            Element(bbox=[50, 400, 350, 500], category="Table", text="<table></table>"),
            Element(bbox=[60, 520, 340, 560], category="Formula", text="x^2"),
        ],
    )


def _image(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data)).convert("RGB")


def test_pictures_are_cropped_exactly_and_named_in_reading_order():
    page = _page()
    figures = crop_figures(page, _picture(), "doc_page_2", "pictures")
    assert list(figures) == ["images/doc_page_2_0.png"]
    assert page.elements[1].image == "images/doc_page_2_0.png"
    assert [e.image for e in page.elements if e.category != "Picture"] == [None, None, None]
    crop = _image(figures["images/doc_page_2_0.png"])
    assert crop.size == (100, 80)
    assert crop.getpixel((0, 0)) == (255, 0, 0) and crop.getpixel((99, 79)) == (255, 0, 0)


def test_all_adds_tables_and_formulas_counting_on_in_order():
    page = _page()
    figures = crop_figures(page, _picture(), "doc_page_2", "all")
    assert [e.image for e in page.elements] == [
        None,
        "images/doc_page_2_0.png",
        "images/doc_page_2_1.png",
        "images/doc_page_2_2.png",
    ]
    assert _image(figures["images/doc_page_2_1.png"]).getpixel((10, 10)) == (0, 0, 255)


@pytest.mark.parametrize("mode", ["none"])
def test_none_and_a_missing_picture_name_nothing_and_clear_old_names(mode):
    page = _page()
    page.elements[1].image = "images/stale.png"
    assert crop_figures(page, _picture(), "doc_page_2", mode) == {}
    assert page.elements[1].image is None
    page.elements[1].image = "images/stale.png"
    assert crop_figures(page, None, "doc_page_2", "pictures") == {}
    assert page.elements[1].image is None


def test_boxes_outside_the_picture_are_clipped_or_skipped():
    page = Page(
        number=1,
        width=400,
        height=600,
        elements=[
            Element(bbox=[350, 550, 900, 900], category="Picture"),  # partly outside
            Element(bbox=[500, 700, 600, 800], category="Picture"),  # wholly outside
            Element(bbox=[10, 10, 11, 300], category="Picture"),  # a hairline
        ],
    )
    figures = crop_figures(page, _picture(), "p", "pictures")
    assert list(figures) == ["images/p_0.png"]
    assert _image(figures["images/p_0.png"]).size == (50, 50)
    assert [e.image for e in page.elements] == ["images/p_0.png", None, None]
