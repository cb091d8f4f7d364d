"""Headers and footers seen on a single page (position, small print, what they say,
margin stamps); the other way round, large slide titles and chapter numbers stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu import relabel_running_headers
from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.furniture import furniture_text, mark_single_page_furniture
from dotsocr.engines.cpu.page_roles import mark_edge_furniture, mark_margins
from dotsocr.engines.cpu.textlines import Line
from dotsocr.model import Element, Page
from support.cpu import rendered_pages

W, H = 1700, 2200


def _block(category: str, text: str, box, size: float = 20.0, vertical: bool = False) -> Block:
    return Block(category, box, [Line(text, box, size, vertical=vertical)], text)


@pytest.mark.parametrize(
    "text",
    [
        "Journal of Trauma Management & Outcomes 2010, 4:1",
        "http://www.traumamanagement.org/content/4/1/1",
        "Postgrad Med J 2010;86:272",
        "doi:10.1136/pgmj.2009.089987",
        "Dhaka Univ. J. Pharm. Sci. 8(1): 7-10, 2009 (June)",
        "Downloaded from journals.example.org by guest on May 3, 2021",
        "ISSN 1535-6078",
        "Page 7 of 48",
        "1 of 9",
        "Version V1.0.6283",
        "Rev. B3 Part No. 12-345",
        "14/09/16 20:42",
        "© 2014 Example Press",
        "7:48 - 6-DEC-2007",
    ],
)
def test_what_headers_and_footers_say(text: str) -> None:
    assert furniture_text(text)


@pytest.mark.parametrize(
    "text",
    ["Introduction", "Results of the survey", "We thank the reviewers.", "Chapter II", "Table 3"],
)
def test_body_text_is_not_furniture_text(text: str) -> None:
    assert not furniture_text(text)


def test_single_page_header_footer_and_stamp() -> None:
    journal = _block("Text", "Journal of Things 2010, 4:1", (150, 60, 700, 90))
    url = _block("Text", "http://www.things.org/content/4/1/1", (1000, 60, 1550, 90))
    title = _block("Title", "A study of things", (150, 200, 1550, 280), size=40)
    body = _block("Text", "Body text " * 40, (150, 320, 1550, 1900))
    footer = _block("Text", "Downloaded from things.org on May 3, 2021", (150, 2080, 900, 2110))
    stamp = _block("Text", "arXiv:1601.03642v1", (40, 700, 75, 1500), vertical=True)
    heading = _block("Section-header", "Results", (150, 150, 400, 185))
    blocks = [journal, url, title, body, footer, stamp, heading]
    mark_single_page_furniture(blocks, 20.0, W, H)
    assert journal.category == "Page-header" and url.category == "Page-header"
    assert footer.category == "Page-footer"
    assert stamp.category in ("Page-header", "Page-footer")
    assert (title.category, body.category, heading.category) == ("Title", "Text", "Section-header")


def test_top_band_text_under_body_content_stays() -> None:
    # A date line inside the top band but with a paragraph above it is body text.
    above = _block("Text", "Some opening words of the page here.", (150, 40, 1550, 80))
    date = _block("Text", "May 3, 2021", (150, 100, 400, 130))
    mark_single_page_furniture([above, date], 20.0, W, H)
    assert date.category == "Text"


def test_small_print_in_the_bottom_band_is_a_footer() -> None:
    body = _block("Text", "Body text " * 40, (150, 320, 1550, 1900))
    small = _block("Text", "Linn Electronics, Inc. 18720 Oxnard Street", (150, 2050, 900, 2075), 14)
    mark_single_page_furniture([body, small], 20.0, W, H)
    assert small.category == "Page-footer"


def test_a_large_chapter_number_is_not_a_page_number() -> None:
    chapter = _block("Section-header", "II", (800, 150, 900, 230), size=60)
    folio = _block("Text", "xiv", (800, 2100, 860, 2130), size=18)
    body = _block("Text", "Body text " * 40, (150, 320, 1550, 1900))
    blocks = [chapter, body, folio]
    mark_margins(blocks, 20.0, H)
    mark_edge_furniture(blocks, H, 20.0)
    assert chapter.category == "Section-header"
    assert folio.category == "Page-footer"


def _page(number: int, elements: list[Element]) -> Page:
    return Page(number=number, width=1000, height=750, elements=elements, status="ok")


def test_repeated_slide_titles_are_not_running_heads() -> None:
    pages = [
        _page(
            n,
            [
                Element(bbox=(40, 20, 500, 70), category="Section-header", text="The process"),
                Element(bbox=(40, 20, 300, 30), category="Text", text="CERMINE talk"),
                Element(bbox=(40, 200, 900, 600), category="Text", text=f"slide {n} body"),
            ],
        )
        for n in (1, 2, 3)
    ]
    relabel_running_headers(pages)
    assert [p.elements[0].category for p in pages] == ["Section-header"] * 3
    assert [p.elements[1].category for p in pages] == ["Page-header"] * 3


def _article_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 10)  # a bold masthead line, body size
    pdf.text(54, 40, "Journal of Things Research 2010, 4:1")
    pdf.set_font("Helvetica", size=8)
    pdf.text(380, 40, "http://www.thingsresearch.org/content/4/1/1")
    pdf.set_font("Helvetica", "B", 18)
    pdf.text(54, 110, "On the behaviour of small things")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(54, 140)
    body = "Small things behave in ways that large things do not, and we study why. " * 30
    pdf.multi_cell(500, 13, body, align="L")
    pdf.set_font("Helvetica", size=7)
    pdf.text(54, 770, "Downloaded from thingsresearch.org by guest on May 3, 2021")
    pdf.output(str(path))


def test_journal_masthead_and_download_stamp_on_one_page(tmp_path: Path, cpu_engine) -> None:
    pytest.importorskip("fpdf")
    path = tmp_path / "article.pdf"
    _article_pdf(path)
    page = cpu_engine.process_page(rendered_pages(path)[0])
    kinds = {e.text: e.category for e in page.elements}
    furniture = ("Page-header", "Page-footer")
    assert kinds.get("Journal of Things Research 2010, 4:1") in furniture, kinds
    assert kinds.get("http://www.thingsresearch.org/content/4/1/1") in furniture, kinds
    stamp = "Downloaded from thingsresearch.org by guest on May 3, 2021"
    assert kinds.get(stamp) in furniture, kinds
    assert any(c == "Text" and "Small things behave" in (t or "") for t, c in kinds.items())


def test_footnotes_long_lines_and_masthead_dates_stay_body() -> None:
    body = _block("Text", "Body text " * 40, (150, 320, 1550, 1900))
    note = _block(
        "Text", "1 Pub. L. No. 105-304, 112 Stat. 2860 (Oct. 28, 1998).", (150, 2050, 900, 2080)
    )
    title = _block("Caption", "National Weekly Ag Energy Round-Up", (47, 62, 511, 88))
    date = _block("Text", "Fri, Feb 24, 2017", (870, 62, 1071, 88))
    blocks = [body, note, title, date]
    mark_single_page_furniture(blocks, 20.0, W, H)
    assert (note.category, date.category) == ("Text", "Text")


def test_a_running_head_beside_its_page_number_is_a_header() -> None:
    head = _block(
        "Section-header",
        "Federal Register / Vol. 85, No. 152 / Thursday, August 6, 2020 / Proposed Rules",
        (333, 95, 1366, 124),
    )
    number = _block("Section-header", "47699", (1490, 93, 1575, 125))
    body = _block("Text", "Body text " * 40, (124, 167, 1575, 2058))
    note = _block(
        "Text", "Pub. L. No. 105-304 (Oct. 28, 1998).<sup>1</sup>", (150, 2100, 900, 2130)
    )
    mark_single_page_furniture([head, number, body, note], 20.0, W, H)
    assert head.category == "Page-header"
    assert note.category == "Text"
