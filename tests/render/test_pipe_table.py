"""Tables as GitHub pipe tables in Markdown (--md-tables pipe), HTML where they must."""

from __future__ import annotations

import html
import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from dotsocr.model import Document, Element, Page
from dotsocr.render.markdown import document_markdown, element_markdown, page_markdown
from dotsocr.render.pipe_table import pipe_table
from dotsocr.render.sanitize import INLINE_TAGS, safe_html, safe_table_html


def _table(text: str) -> Element:
    return Element(bbox=[0, 0, 10, 10], category="Table", text=text)


def test_simple_grid_becomes_a_pipe_table():
    text = (
        "<table><thead><tr><th>Engine</th><th>Pages/s</th></tr></thead>"
        "<tbody><tr><td>cpu</td><td>3</td></tr><tr><td>dots</td><td>4 to 5</td></tr></tbody>"
        "</table>"
    )
    assert element_markdown(_table(text), tables="pipe") == (
        "| Engine | Pages/s |\n| --- | --- |\n| cpu | 3 |\n| dots | 4 to 5 |"
    )


def test_default_keeps_the_html_form():
    text = "<table><tr><td>a</td><td>b</td></tr><tr><td>1</td><td>2</td></tr></table>"
    assert element_markdown(_table(text)) == text
    assert element_markdown(_table(text), tables="html") == text


@pytest.mark.parametrize(
    "text",
    [
        '<table><tr><td colspan="2">wide</td></tr><tr><td>1</td><td>2</td></tr></table>',
        '<table><tr><td rowspan="2">tall</td><td>a</td></tr><tr><td>b</td></tr></table>',
        "<table><tr><td>a</td><td>b</td></tr><tr><td>ragged</td></tr></table>",
        "<table><tr><td>one column</td></tr><tr><td>only</td></tr></table>",
        "<table></table>",
        "<table><caption>Costs</caption><tr><td>a</td><td>b</td></tr></table>",
        "<table><tr><td>a</td><td><table><tr><td>x</td><td>y</td></tr></table></td></tr></table>",
        "<table><tr><td>a</td><td>b</td></tr></table><table><tr><td>c</td><td>d</td></tr></table>",
        "before <table><tr><td>a</td><td>b</td></tr></table>",
    ],
    ids=[
        "colspan",
        "rowspan",
        "ragged",
        "one-column",
        "empty",
        "caption",
        "nested",
        "two-tables",
        "text-outside",
    ],
)
def test_tables_that_are_not_a_plain_grid_stay_html(text):
    assert pipe_table(text) is None
    assert element_markdown(_table(text), tables="pipe") == safe_table_html(text)


def test_a_table_that_stays_html_goes_through_the_shared_sanitiser():
    text = (
        '<table><tr><td colspan="2" onclick="x()"><script>alert(1)</script></td></tr>'
        "<tr><td>1</td><td><img src=x onerror=y></td></tr></table>"
    )
    md = element_markdown(_table(text), tables="pipe")
    assert (
        md
        == safe_html(text)
        == (
            '<table><tr><td colspan="2">&lt;script&gt;alert(1)&lt;/script&gt;</td></tr>'
            "<tr><td>1</td><td>&lt;img src=x onerror=y&gt;</td></tr></table>"
        )
    )


def test_span_of_one_is_still_a_plain_grid():
    text = '<table><tr><td colspan="1">a</td><td rowspan=1>b</td></tr></table>'
    assert pipe_table(text) == "| a | b |\n| --- | --- |"


def test_pipes_are_escaped_and_line_breaks_become_spaces():
    text = (
        "<table><tr><td>a|b</td><td>x</td></tr>"
        "<tr><td>two<br>lines</td><td>  spaced \n\t out  <br/></td></tr></table>"
    )
    assert pipe_table(text) == "| a\\|b | x |\n| --- | --- |\n| two lines | spaced out |"


def test_markup_in_a_cell_is_escaped_like_other_text():
    text = (
        "<table><tr><td><script>alert(1)</script></td><td><img src=x onerror=y></td></tr>"
        "<tr><td>a < b &amp; c</td><td>x<sup>2</sup> <b onclick=z()>bold</td></tr></table>"
    )
    md = pipe_table(text)
    assert md == (
        "| &lt;script>alert(1)&lt;/script> | &lt;img src=x onerror=y> |\n"
        "| --- | --- |\n"
        "| a < b &amp; c | x<sup>2</sup> <b>bold</b> |"
    )
    assert not re.search(r"<(?!/?(sup|b)>)[A-Za-z/!?]", md)


def test_cells_keep_live_the_inline_tags_of_the_shared_allowlist():
    cells = "".join(f"<td><{tag} title=x>{tag}</{tag}></td>" for tag in sorted(INLINE_TAGS))
    md = pipe_table(f"<table><tr>{cells}</tr></table>")
    assert md is not None and "title" not in md
    assert set(re.findall(r"<(\w+)>", md)) == INLINE_TAGS


def test_rows_and_cells_left_open_are_closed():
    text = "<table><tr><td>a<td>b<tr><td>c<td>d"
    assert pipe_table(text) == "| a | b |\n| --- | --- |\n| c | d |"


def test_page_and_document_markdown_thread_the_choice():
    table = "<table><tr><td>h1</td><td>h2</td></tr><tr><td>1</td><td>2</td></tr></table>"
    page = Page(
        number=1,
        width=10,
        height=10,
        elements=[
            Element(bbox=[0, 0, 10, 1], category="Page-header", text="Head"),
            _table(table),
            _table('<table><tr><td colspan="2">merged</td></tr></table>'),
        ],
    )
    pipe = "| h1 | h2 |\n| --- | --- |\n| 1 | 2 |"
    merged = '<table><tr><td colspan="2">merged</td></tr></table>'
    assert page_markdown(page, tables="pipe") == f"Head\n\n{pipe}\n\n{merged}"
    assert page_markdown(page, headers_footers=False, tables="pipe") == f"{pipe}\n\n{merged}"
    doc = Document(source="x.pdf", pages=[page])
    assert doc.markdown(tables="pipe") == document_markdown(doc, tables="pipe")
    assert doc.markdown(tables="pipe") == f"Head\n\n{pipe}\n\n{merged}\n"
    assert doc.markdown() == f"Head\n\n{table}\n\n{merged}\n"
    assert page.elements[1].text == table  # the element's own text is never changed


# -- property: a pipe table reads back as the cells it was made from -------------------

_CELL = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"),
    max_size=12,
)
_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


def _read_back(markdown: str) -> list[list[str]]:
    """The cells of a pipe table: rows split on pipes not escaped with a backslash."""
    rows = []
    for number, line in enumerate(markdown.split("\n")):
        assert line.startswith("| ") and line.endswith(" |")
        cells = _UNESCAPED_PIPE.split(line)[1:-1]
        if number != 1:  # the separator row
            rows.append([html.unescape(c.strip().replace("\\|", "|")) for c in cells])
    return rows


@given(
    st.integers(min_value=2, max_value=5).flatmap(
        lambda columns: st.lists(
            st.lists(_CELL, min_size=columns, max_size=columns), min_size=1, max_size=5
        )
    )
)
def test_pipe_table_round_trips_plain_grids(grid):
    text = "<table>{}</table>".format(
        "".join(
            "<tr>{}</tr>".format("".join(f"<td>{html.escape(c)}</td>" for c in row)) for row in grid
        )
    )
    markdown = pipe_table(text)
    assert markdown is not None
    assert markdown.count("\n") == len(grid)  # one line per row, plus the separator
    assert _read_back(markdown) == [[" ".join(c.split()) for c in row] for row in grid]


_HOSTILE = st.text(alphabet=st.sampled_from(list("<>/!?&;|ab sScript=\"'-")), max_size=20)
_LIVE_TAG = re.compile(r"<(?!/?(?:b|i|em|strong|sub|sup|u)>)[A-Za-z/!?]")


#: Row markup: in HTML a "<tr>" opens a row wherever it stands (cells close implicitly).
_ROW_TAG = re.compile(r"<tr\b", re.IGNORECASE)


@example(["", "<tr>", "", ""])  # a real second row, not text: still nothing live
@given(st.lists(_HOSTILE, min_size=2, max_size=4))
def test_no_tag_but_inline_formatting_is_ever_live(cells):
    text = "<table><tr>{}</tr></table>".format("".join(f"<td>{c}</td>" for c in cells))
    markdown = pipe_table(text)
    if markdown is not None:
        assert not _LIVE_TAG.search(markdown)
        if not any(_ROW_TAG.search(c) for c in cells):
            assert markdown.count("\n") == 1  # text alone never adds a row
