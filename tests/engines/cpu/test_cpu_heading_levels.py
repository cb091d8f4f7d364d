"""Heading levels on a page, read as a person reads the outline: smaller type,
mixed case under capitals, and "1" under "第1節" are subsections; the title and
what stands above it are outside the outline; a larger heading further down the
page is a sibling, not a parent."""

from __future__ import annotations

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.heading_levels import mark_heading_levels
from dotsocr.engines.cpu.page_roles import mark_title
from dotsocr.engines.cpu.textlines import Line
from dotsocr.render.markdown import section_level


def _block(category: str, text: str, y: float, size: float, exact: bool = True) -> Block:
    box = (100.0, y, 100.0 + 20 * len(text), y + size)
    glyphs = [(text[0], box)] if exact else []
    line = Line(text=text, box=box, size=size, glyphs=glyphs)
    return Block(category, box, [line], text)


def _levels(blocks: list[Block]) -> list[tuple[str, int]]:
    mark_heading_levels(blocks)
    return [
        (b.text.lstrip("# "), section_level(b.text))
        for b in blocks
        if b.category == "Section-header"
    ]


def test_smaller_headings_after_a_larger_one_are_its_subsections() -> None:
    page = [
        _block("Title", "Instructions for Form 1040NR", 100, 78),
        _block("Section-header", "General Instructions", 500, 47),
        _block("Text", "Body text of the section.", 560, 30),
        _block("Section-header", "What's New for 2007", 600, 39),
        _block("Text", "More body text.", 650, 30),
        _block("Section-header", "Additional Information", 900, 47),
    ]
    assert _levels(page) == [
        ("General Instructions", 2),
        ("What's New for 2007", 3),
        ("Additional Information", 2),
    ]


def test_a_larger_heading_further_down_is_a_sibling_not_a_parent() -> None:
    page = [
        _block("Section-header", "Recording a Sequence", 800, 26),
        _block("Text", "Body.", 850, 22),
        _block("Section-header", "Creating a Song", 1100, 30),
    ]
    assert _levels(page) == [("Recording a Sequence", 2), ("Creating a Song", 2)]


def test_mixed_case_under_capitals_of_the_same_size() -> None:
    page = [
        _block("Section-header", "METHODS", 800, 26),
        _block("Text", "Body.", 850, 26),
        _block("Section-header", "Inclusion criteria", 1100, 26),
    ]
    assert _levels(page) == [("METHODS", 2), ("Inclusion criteria", 3)]


def test_a_plain_number_under_a_japanese_section_number() -> None:
    page = [
        _block("Section-header", "第1節 AIの進化に伴う課題と現状の取組", 400, 43, exact=False),
        _block("Section-header", "1 生成AIが抱える課題", 900, 39, exact=False),
    ]
    assert _levels(page) == [
        ("第1節 AIの進化に伴う課題と現状の取組", 2),
        ("1 生成AIが抱える課題", 3),
    ]


def test_ocr_sizes_do_not_make_levels() -> None:
    page = [
        _block("Section-header", "Creating a Song", 800, 29, exact=False),
        _block("Section-header", "Additional Features", 1500, 22, exact=False),
    ]
    assert _levels(page) == [("Creating a Song", 2), ("Additional Features", 2)]


def test_what_stands_above_the_title_is_outside_the_outline() -> None:
    page = [
        _block("Section-header", "Original article", 70, 30),
        _block("Title", "Iron deficiency anaemia can be improved", 150, 55),
        _block("Section-header", "ABSTRACT", 470, 26),
        _block("Section-header", "METHODS", 820, 26),
    ]
    assert _levels(page) == [("Original article", 2), ("ABSTRACT", 2), ("METHODS", 2)]


def test_dotted_numbers_keep_the_level_their_numbering_gives() -> None:
    page = [
        _block("Section-header", "2 Related Work", 300, 30),
        _block("Section-header", "2.1 Layout models", 500, 26),
    ]
    assert _levels(page) == [("2 Related Work", 2), ("2.1 Layout models", 3)]


# --- the title of a first page --------------------------------------------------


def _title_of(page: list[Block], body: float = 28.0) -> list[str]:
    mark_title(page, body, 2200)
    return [b.text for b in page if b.category == "Title"]


def test_a_bold_heading_centred_over_the_text_at_body_size_opens_the_page() -> None:
    page = [
        Block("Section-header", (593, 144, 1107, 175), [_line(28)], "Meta Reports Results"),
        Block("Text", (150, 250, 1550, 440), [_line(28)], "MENLO PARK, Calif. ..."),
        Block("Section-header", (150, 474, 650, 504), [_line(28)], "Financial Highlights"),
        Block("Text", (150, 520, 1550, 900), [_line(28)], "Revenue was ..."),
    ]
    assert _title_of(page) == ["Meta Reports Results"]


def test_a_left_aligned_first_heading_is_no_title() -> None:
    page = [
        Block("Section-header", (150, 144, 650, 175), [_line(28)], "Financial Highlights"),
        Block("Text", (150, 250, 1550, 440), [_line(28)], "Revenue was ..."),
    ]
    assert _title_of(page) == []


def test_a_centred_heading_below_body_text_is_no_title() -> None:
    page = [
        Block("Text", (150, 100, 1550, 300), [_line(28)], "An opening paragraph ..."),
        Block("Section-header", (593, 344, 1107, 375), [_line(28)], "Centred Section"),
        Block("Text", (150, 400, 1550, 900), [_line(28)], "Body ..."),
    ]
    assert _title_of(page) == []


def test_a_title_in_display_type_may_run_over_three_lines() -> None:
    lines = [_line(67) for _ in range(5)]
    page = [
        Block("Text", (157, 344, 1391, 695), lines, "Understanding the barriers " * 6),
        Block("Text", (157, 720, 1463, 754), [_line(31)], "Josephine Agyeman-Duah"),
        Block("Text", (175, 884, 1458, 1077), [_line(28)] * 6, "Background: ..."),
    ]
    assert _title_of(page) == ["Understanding the barriers " * 6]


def _line(size: float) -> Line:
    return Line(text="x", box=(0, 0, 10, size), size=size, glyphs=[("x", (0, 0, 10, size))])
