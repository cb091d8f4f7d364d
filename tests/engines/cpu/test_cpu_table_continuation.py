"""A table cut by a page break: its headings are repeated on top of its rest."""

from __future__ import annotations

from dotsocr.engines.cpu.table_continuation import carry_table_headings
from dotsocr.model import Element, Page

HEAD = "<table><tr><td>State</td><td>Handgun</td><td>Long Gun</td></tr>"
ROWS_1 = "<tr><td>Alabama</td><td>23,022</td><td>22,650</td></tr></table>"
ROWS_2 = "<table><tr><td>Wyoming</td><td>1,745</td><td>2,372</td></tr></table>"


def _page(number: int, *elements: tuple[str, str]) -> Page:
    return Page(
        number=number,
        width=1000,
        height=1400,
        elements=[
            Element(category=c, bbox=[10, 10 + 40 * i, 900, 40 + 40 * i], text=t)
            for i, (c, t) in enumerate(elements)
        ],
    )


def test_continued_table_gets_the_headings_of_its_first_part() -> None:
    first = _page(1, ("Text", "Background checks by state."), ("Table", HEAD + ROWS_1))
    second = _page(2, ("Page-header", "NICS Firearm Checks"), ("Table", ROWS_2))
    carry_table_headings([first, second])
    assert second.elements[1].text == HEAD + ROWS_2.removeprefix("<table>")
    carry_table_headings([first, second])  # run again over the same window: once only
    assert second.elements[1].text.count("Handgun") == 1


def test_a_new_table_or_other_columns_are_left_alone() -> None:
    other_head = "<table><tr><td>Year</td><td>Count</td><td>Share</td></tr>"
    cases = [
        ("Table", other_head + "<tr><td>2015</td><td>3</td><td>4</td></tr></table>"),
        ("Table", "<table><tr><td>Wyoming</td><td>1,745</td></tr></table>"),
        ("Text", "The next section."),
    ]
    for category, text in cases:
        first = _page(1, ("Table", HEAD + ROWS_1))
        second = _page(2, (category, text))
        carry_table_headings([first, second])
        assert second.elements[0].text == text
    first = _page(1, ("Table", HEAD + ROWS_1), ("Text", "Closing words."))
    second = _page(2, ("Table", ROWS_2))
    carry_table_headings([first, second])
    assert second.elements[0].text == ROWS_2
