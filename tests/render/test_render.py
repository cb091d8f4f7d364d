import json

from PIL import Image

from dotsocr.model import Document, Element, Page
from dotsocr.render.json_out import page_json, read_page_elements
from dotsocr.render.markdown import document_markdown, page_markdown
from dotsocr.render.overlay import draw_overlay


def _page(number: int = 1) -> Page:
    return Page(
        number=number,
        width=400,
        height=300,
        dpi=72,
        elements=[
            Element(bbox=[0, 0, 400, 20], category="Page-header", text="Running head"),
            Element(bbox=[10, 30, 390, 60], category="Title", text="A  Title\nsplit"),
            Element(bbox=[10, 70, 390, 90], category="Section-header", text="## 1. Intro"),
            Element(bbox=[10, 100, 390, 120], category="List-item", text="first point"),
            Element(bbox=[10, 125, 390, 140], category="List-item", text="1. numbered"),
            Element(bbox=[10, 150, 390, 170], category="Formula", text="E = mc^2"),
            Element(bbox=[10, 180, 200, 250], category="Picture"),
            Element(
                bbox=[10, 260, 390, 280],
                category="Table",
                text="<table><tr><td>a</td></tr></table>",
            ),
            Element(bbox=[0, 285, 400, 300], category="Page-footer", text="7"),
        ],
    )


def test_markdown_per_category():
    md = page_markdown(_page())
    assert md.split("\n\n") == [
        "Running head",
        "# A Title split",
        "## 1. Intro",
        "- first point",
        "1. numbered",
        "$$\nE = mc^2\n$$",
        "<table><tr><td>a</td></tr></table>",
        "7",
    ]


def test_markdown_without_headers_and_footers():
    md = page_markdown(_page(), headers_footers=False)
    assert "Running head" not in md
    assert not md.endswith("7")
    assert "# A Title split" in md


def test_document_markdown_orders_pages_and_marks_failures():
    failed = Page(number=2, width=0, height=0, status="failed", error="boom -- bad")
    doc = Document(source="x.pdf", pages=[_page(3), failed, _page(1)])
    md = document_markdown(doc)
    assert md.index("<!-- page 2 failed: boom - - bad -->") > 0
    assert md.count("# A Title split") == 2


def test_page_json_is_reference_shaped_and_round_trips():
    page = _page()
    items = json.loads(page_json(page))
    picture = next(i for i in items if i["category"] == "Picture")
    assert "text" not in picture
    assert items[0] == {"bbox": [0, 0, 400, 20], "category": "Page-header", "text": "Running head"}
    assert read_page_elements(page_json(page)) == page.elements


def test_overlay_draws_boxes_in_category_colours():
    image = Image.new("RGB", (400, 300), "white")
    out = draw_overlay(image, _page().elements)
    assert out.size == image.size
    assert image.getpixel((200, 150)) == (255, 255, 255)  # input untouched
    # the Picture box's outline (crimson) is drawn at its left edge
    r, g, b = out.getpixel((10, 215))
    assert r > 150 and g < 100 and b < 120


def test_overlay_of_an_absurdly_tall_page_still_encodes():
    from dotsocr.render.overlay import JPEG_MAX_SIDE, overlay_jpeg

    tall = Image.new("RGB", (8, JPEG_MAX_SIDE + 5000), "white")
    data = overlay_jpeg(tall, [Element(bbox=[0, 0, 8, 100], category="Text", text="x")])
    import io

    assert max(Image.open(io.BytesIO(data)).size) <= JPEG_MAX_SIDE


def test_section_levels_follow_numbering_or_the_models_marks():
    from dotsocr.render.markdown import section_level

    assert section_level("Introduction") == 2
    assert section_level("2 Methods") == 2
    assert section_level("2.1 Data") == 3
    assert section_level("2.1.3. Cleaning") == 4
    assert section_level("A.1 Proofs") == 3
    assert section_level("### Model marked") == 3
    assert section_level("# Model said one") == 2  # the title alone is level 1
    assert section_level("2019 was a good year") == 2  # not a section number
    assert section_level("1.2.3.4.5.6 Deep") == 6


def test_numbered_section_markdown():
    element = Element(bbox=[0, 0, 1, 1], category="Section-header", text="3.2 Results")
    from dotsocr.render.markdown import element_markdown

    assert element_markdown(element) == "### 3.2 Results"
