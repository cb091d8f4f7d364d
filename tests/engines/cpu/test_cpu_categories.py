"""Layout classes map onto the 11 DotsOCR categories, and line geometry adds the
ones the layout model lacks (Title, List-item, Footnote, page numbers); loose
lines are never dropped; tables come out as HTML; running headers need pages."""

from __future__ import annotations

from dotsocr.engines.cpu import relabel_running_headers
from dotsocr.engines.cpu.assemble import assemble
from dotsocr.engines.cpu.layout import CATEGORY_OF_LABEL, Region, resolve_overlaps
from dotsocr.engines.cpu.lists import is_list_start
from dotsocr.engines.cpu.page_roles import is_page_number
from dotsocr.engines.cpu.tables import table_html
from dotsocr.model import Element, Page
from dotsocr.protocol import CATEGORIES
from support.cpu import make_line

W, H = 1700, 2200
CDLA = {
    "text", "title", "figure", "figure_caption", "table",
    "table_caption", "header", "footer", "reference", "equation",
}  # fmt: skip


def test_every_cdla_class_maps_to_a_dotsocr_category() -> None:
    assert set(CATEGORY_OF_LABEL) == CDLA
    assert set(CATEGORY_OF_LABEL.values()) <= set(CATEGORIES)
    assert CATEGORY_OF_LABEL["figure"] == "Picture"
    assert CATEGORY_OF_LABEL["equation"] == "Formula"
    assert CATEGORY_OF_LABEL["table_caption"] == "Caption"
    assert Region((0, 0, 1, 1), "no-such-class", 0.9).category == "Text"


def test_duplicate_regions_keep_the_stronger() -> None:
    a = Region((100, 100, 500, 200), "text", 0.9)
    b = Region((102, 101, 498, 199), "title", 0.6)
    assert resolve_overlaps([b, a]) == [a]


def _by_text(blocks):
    return {b.text: b.category for b in blocks if b.text}


def test_regions_and_loose_lines_become_categorised_blocks() -> None:
    lines = [
        make_line("A Big Document Title", (200, 150, 1400, 230), size=60),
        make_line("1 Introduction", (200, 400, 600, 440), size=32),
        make_line("Body text that belongs to the first paragraph of", (200, 480, 1500, 510)),
        make_line("the introduction and goes on here.", (200, 515, 1100, 545)),
        make_line("A loose sentence no region covers at all.", (200, 700, 1200, 730)),
        make_line("• first point of the list", (200, 800, 900, 830)),
        make_line("• second point of the list", (200, 840, 900, 870)),
        make_line("label", (300, 1300, 380, 1320)),
        make_line("x = a + b", (600, 1600, 900, 1640)),
        make_line("1 A note at the bottom in small type.", (200, 1950, 900, 1970), size=13),
        make_line("7", (840, 2100, 860, 2125)),
    ]
    regions = [
        Region((190, 390, 610, 450), "title", 0.9),
        Region((190, 470, 1510, 550), "text", 0.95),
        Region((190, 790, 910, 880), "text", 0.9),
        Region((250, 1100, 1400, 1500), "figure", 0.9),
        Region((590, 1590, 910, 1650), "equation", 0.9),
    ]
    blocks = assemble(lines, regions, W, H, first_page=True)
    cats = _by_text(blocks)
    assert cats["A Big Document Title"] == "Title"
    assert cats["1 Introduction"] == "Section-header"
    assert (
        cats["Body text that belongs to the first paragraph of the introduction and goes on here."]
        == "Text"
    )
    assert cats["A loose sentence no region covers at all."] == "Text"
    assert cats["• first point of the list"] == "List-item"
    assert cats["• second point of the list"] == "List-item"
    assert cats["x = a + b"] == "Formula"
    assert cats["1 A note at the bottom in small type."] == "Footnote"
    assert cats["7"] == "Page-footer"
    assert "label" not in cats  # a small label inside a picture goes with it
    pictures = [b for b in blocks if b.category == "Picture"]
    assert len(pictures) == 1 and pictures[0].text is None
    # Reading order: title first, page number last.
    assert blocks[0].text == "A Big Document Title"
    assert blocks[-1].text == "7"


def test_title_only_on_the_first_page() -> None:
    lines = [
        make_line("A Big Heading", (200, 150, 1400, 230), size=60),
        make_line("Some ordinary body text on this page.", (200, 400, 1400, 430)),
    ]
    later = _by_text(assemble(lines, [], W, H, first_page=False))
    assert later["A Big Heading"] == "Section-header"
    first = _by_text(assemble(lines, [], W, H, first_page=True))
    assert first["A Big Heading"] == "Title"


def test_large_paragraph_inside_a_picture_is_kept() -> None:
    words = "many words in a long paragraph that the layout model wrongly put in a figure"
    lines = [make_line(words, (200, 300 + 35 * i, 1400, 330 + 35 * i)) for i in range(4)]
    blocks = assemble(lines, [Region((150, 250, 1500, 900), "figure", 0.9)], W, H)
    assert [b.category for b in blocks].count("Text") == 1
    assert any(b.category == "Picture" for b in blocks)


def test_table_text_is_html_rows_and_columns() -> None:
    lines = [
        make_line("Name", (100, 100, 200, 120)),
        make_line("Score", (400, 100, 500, 120)),
        make_line("Ann", (100, 140, 160, 160)),
        make_line("9 < 10", (400, 140, 480, 160)),
    ]
    html = table_html(lines)
    assert html == (
        "<table><tr><td>Name</td><td>Score</td></tr><tr><td>Ann</td><td>9 &lt; 10</td></tr></table>"
    )
    blocks = assemble(lines, [Region((90, 90, 510, 170), "table", 0.9)], W, H)
    assert [b.category for b in blocks] == ["Table"]
    assert blocks[0].text == html


def test_list_and_page_number_patterns() -> None:
    assert is_list_start("• item")
    assert is_list_start("1. item")
    assert is_list_start("(a) item")
    assert is_list_start("① 項目")
    assert not is_list_start("•")
    assert not is_list_start("5.1 Hyper Parameter Optimization")
    assert is_page_number("12")
    assert is_page_number("Page 3 of 10")
    assert is_page_number("- iv -")
    assert not is_page_number("Chapter 1")
    assert is_page_number("47698")  # a register's page, five digits
    assert not is_page_number("123456")


def _page(number: int, elements: list[Element]) -> Page:
    return Page(number=number, width=W, height=H, elements=elements, engine="cpu")


def test_running_headers_and_page_numbers_are_relabelled() -> None:
    pages = [
        _page(
            n,
            [
                Element(bbox=[200, 60, 900, 90], category="Text", text=f"Annual Report {n}"),
                Element(bbox=[200, 600, 1500, 700], category="Text", text=f"Body {n}"),
                Element(bbox=[820, 2120, 860, 2150], category="Text", text=str(n)),
            ],
        )
        for n in (1, 2, 3)
    ]
    # A heading at the top of one page only stays what it is.
    pages[2].elements.append(
        Element(bbox=[200, 100, 900, 140], category="Section-header", text="Only here")
    )
    relabel_running_headers(pages)
    for page in pages:
        cats = [e.category for e in page.elements]
        assert cats[:3] == ["Page-header", "Text", "Page-footer"]
    assert pages[2].elements[3].category == "Section-header"


def test_bold_header_band_text_is_a_heading_but_a_plain_running_head_is_not() -> None:
    from dotsocr.engines.cpu.block import Block
    from dotsocr.engines.cpu.page_roles import headings_in_the_header_band

    bold = make_line("The Evolution of Things", (100, 40, 600, 70))
    bold.bold = True
    plain = make_line("Journal of Examples, vol. 3", (100, 40, 600, 70))
    blocks = [
        Block("Page-header", bold.box, [bold], bold.text),
        Block("Page-header", plain.box, [plain], plain.text),
    ]
    headings_in_the_header_band(blocks, body=30.0)
    assert [b.category for b in blocks] == ["Section-header", "Page-header"]
