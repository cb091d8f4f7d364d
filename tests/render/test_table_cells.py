"""Table HTML read into cells with grid positions, as a browser lays them out."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from dotsocr.render.table_cells import read_table_cells, spreadsheet_safe, table_plain_text

SPANNING = (
    "<table><thead><tr><th rowspan=2>Item</th><th colspan=2>Year ended</th></tr>"
    "<tr><th>2023</th><th>2024</th></tr></thead>"
    "<tbody><tr><td>Revenue &amp; fees</td><td>1<br>(restated)</td><td>2</td></tr></tbody></table>"
)


def test_spans_take_their_positions_and_push_later_cells_right():
    table = read_table_cells(SPANNING)
    assert (table.n_rows, table.n_cols) == (3, 3)
    placed = {(c.row, c.col): (c.text, c.row_span, c.col_span, c.header) for c in table.cells}
    assert placed == {
        (0, 0): ("Item", 2, 1, True),
        (0, 1): ("Year ended", 1, 2, True),
        (1, 1): ("2023", 1, 1, True),
        (1, 2): ("2024", 1, 1, True),
        (2, 0): ("Revenue & fees", 1, 1, False),
        (2, 1): ("1\n(restated)", 1, 1, False),
        (2, 2): ("2", 1, 1, False),
    }


def test_grid_repeats_a_spanning_cell_in_every_position_it_covers():
    assert read_table_cells(SPANNING).grid() == [
        ["Item", "Year ended", "Year ended"],
        ["Item", "2023", "2024"],
        ["Revenue & fees", "1\n(restated)", "2"],
    ]


def test_a_nested_table_joins_its_cell_and_adds_no_rows():
    table = read_table_cells(
        "<table><tr><td>a<table><tr><td>inner</td></tr></table></td><td>b</td></tr></table>"
    )
    assert table.grid() == [["ainner", "b"]]


def test_bad_spans_are_one_and_huge_ones_capped():
    table = read_table_cells('<table><tr><td rowspan="x" colspan="99999">a</td></tr></table>')
    assert table.cells[0].row_span == 1 and table.cells[0].col_span == 1000


def test_plain_text_joins_cells_with_tabs_and_rows_with_newlines():
    assert table_plain_text(SPANNING) == (
        "Item\tYear ended\n2023\t2024\nRevenue & fees\t1 (restated)\t2"
    )
    assert table_plain_text("no table here &amp; there") == "no table here & there"


def test_spreadsheet_safe_defuses_formulas_and_keeps_numbers():
    assert spreadsheet_safe('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert spreadsheet_safe("@SUM(A1)") == "'@SUM(A1)"
    assert spreadsheet_safe("+cmd|' /C calc'!A0") == "'+cmd|' /C calc'!A0"
    for number in ("-5", "-1,234.50", "+3.5%", "-", "12", "text"):
        assert spreadsheet_safe(number) == number


@given(st.lists(st.lists(st.text(alphabet="ab<>&=x 1", max_size=6), min_size=1, max_size=4),
                min_size=1, max_size=4))  # fmt: skip
def test_any_simple_grid_reads_back_cell_for_cell(rows):
    import html

    markup = (
        "<table>"
        + "".join(
            "<tr>" + "".join(f"<td>{html.escape(t)}</td>" for t in row) + "</tr>" for row in rows
        )
        + "</table>"
    )
    table = read_table_cells(markup)
    width = max(len(r) for r in rows)
    assert table.n_cols == width and table.n_rows == len(rows)
    expected = [[" ".join(t.split()) for t in row] + [""] * (width - len(row)) for row in rows]
    assert table.grid() == expected
