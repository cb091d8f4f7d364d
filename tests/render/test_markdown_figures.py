"""Figures in the Markdown: linked where their element stands, captions as alt text."""

from __future__ import annotations

import base64

from dotsocr.model import Element, Page
from dotsocr.render.markdown import FigureLinks, page_markdown


def _page() -> Page:
    return Page(
        number=1,
        width=100,
        height=100,
        elements=[
            Element(bbox=[0, 0, 10, 10], category="Text", text="Before."),
            Element(bbox=[0, 10, 10, 20], category="Picture", image="images/d_page_0_0.png"),
            Element(bbox=[0, 20, 10, 30], category="Caption", text="Figure 1: A [cat]\non a mat"),
            Element(bbox=[0, 30, 10, 40], category="Picture", image="images/d_page_0_1.png"),
            Element(
                bbox=[0, 40, 10, 50],
                category="Table",
                text="<table><tr><td>1</td></tr></table>",
                image="images/d_page_0_2.png",
            ),
            Element(bbox=[0, 50, 10, 60], category="Picture"),  # not saved: no link
        ],
    )


def test_files_link_each_figure_in_reading_order_with_an_adjacent_caption():
    md = page_markdown(_page())
    assert md.split("\n\n") == [
        "Before.",
        "![Figure 1: A cat on a mat](images/d_page_0_0.png)",
        "Figure 1: A [cat]\non a mat",
        # The caption sits before this picture too: the nearer one before is taken.
        "![Figure 1: A cat on a mat](images/d_page_0_1.png)",
        "<table><tr><td>1</td></tr></table>",
        "![](images/d_page_0_2.png)",
    ]


def test_embed_writes_data_urls_and_links_what_it_cannot_read():
    blobs = {"images/d_page_0_0.png": b"\x89PNG-zero"}
    md = page_markdown(_page(), figures=FigureLinks("embed", blobs.get))
    encoded = base64.b64encode(b"\x89PNG-zero").decode()
    assert f"![Figure 1: A cat on a mat](data:image/png;base64,{encoded})" in md
    assert "](images/d_page_0_1.png)" in md  # unreadable: linked instead of lost


def test_none_leaves_figures_out():
    md = page_markdown(_page(), figures=FigureLinks("none"))
    assert "![" not in md and "images/" not in md


def test_alt_text_cannot_open_markup():
    page = _page()
    page.elements[2].text = "<img src=x onerror=alert(1)>]("
    md = page_markdown(page)
    assert "<img" not in md and "![&lt;img src=x onerror=alert(1)>(](images" in md
