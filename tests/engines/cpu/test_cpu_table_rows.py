"""Rows and columns of tables as a person reads them, on pages made in code with
fpdf2 and read back through the project's own source (text layer and page image):
dense grids ruled only under the header or every few rows, rows of short cells,
wrapped labels, headers over sub-columns; and the ruling lines and line boxes that
used to run rows or columns together."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from dotsocr.engines.cpu.rules import find_rules
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line
from support.cpu import TableCells, page_table_html

FONT = 9.0  # points
PT = 25.4 / 72  # mm per point

COUNTRIES = [
    "Austria", "Belgium", "Bulgaria", "Croatia", "Cyprus", "Czechia", "Denmark",
    "Estonia", "Finland", "France", "Germany", "Greece", "Hungary", "Ireland", "Italy",
]  # fmt: skip
#: Left edges of a label column and six number columns (mm), and the table's right.
GRID_XS = [20.0, 60.0, 80.0, 100.0, 120.0, 140.0, 160.0, 180.0]


def _value(row: int, col: int) -> str:
    return f"{(row * 37 + col * 11) % 900 / 10:.1f}"


def _dense_rows() -> list[list[str]]:
    """A header and 15 rows: a country and six numbers each."""
    head = ["Country", "2018", "2019", "2020", "2021", "2022", "2023"]
    return [head] + [[name] + [_value(r, c) for c in range(6)] for r, name in enumerate(COUNTRIES)]


def _table_pdf(
    path: Path,
    rows: list[list[str | list[str]]],
    xs: list[float],
    *,
    right: set[int] = frozenset(),  # type: ignore[assignment]
    pitch: float = 1.2,
    rules_after: tuple[int, ...] = (),
    verticals: bool = False,
) -> Path:
    """One table on an A4 page: ``rows`` of cells (a cell given as a list of
    strings is written on that many lines, one row pitch apart; the row then takes
    as many lines), cell ``j`` between ``xs[j]`` and ``xs[j + 1]`` mm, right-aligned
    in the columns ``right``; a horizontal rule above the first row and under each
    row index in ``rules_after`` (-1: above the first), vertical rules at every x."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    step = FONT * PT * pitch
    top = 40.0
    y = top
    edges = [top]
    for cells in rows:
        height = max(len(c) if isinstance(c, list) else 1 for c in cells)
        for j, cell in enumerate(cells):
            for k, text in enumerate(cell if isinstance(cell, list) else [cell]):
                if not text:
                    continue
                x = xs[j] + 1.5
                if j in right:
                    x = xs[j + 1] - 1.5 - pdf.get_string_width(text)
                pdf.text(x, y + (k + 0.8) * step, text)
        y += height * step
        edges.append(y)
    for i in rules_after:
        pdf.line(xs[0], edges[i + 1], xs[-1], edges[i + 1])
    if verticals:
        for x in xs:
            pdf.line(x, top, x, y)
    pdf.output(str(path))
    return path


def _html(path: Path) -> str:
    """The table on the page (as assembly reads a Table region)."""
    return page_table_html(path)


def _texts(html: str) -> list[list[str]]:
    """The cell texts row by row (every cell one column wide and one row high)."""
    rows = TableCells(html).rows
    assert all(rs == 1 and cs == 1 for row in rows for _, rs, cs in row), html
    return [[text for text, _, _ in row] for row in rows]


# --- dense grids: one row per line, however the table is ruled -----------------------


def test_dense_unruled_grid_reads_one_row_per_line(tmp_path: Path) -> None:
    # Rows set solid (line pitch = font size): no leading between rows at all (was:
    # the glyphs stacked row over row taken for vertical rules, each row one cell).
    rows = _dense_rows()
    pdf = _table_pdf(tmp_path / "t.pdf", rows, GRID_XS, right=set(range(1, 7)), pitch=1.0)
    assert _texts(_html(pdf)) == rows


def test_dense_grid_ruled_only_around_header_and_body_reads_one_row_per_line(
    tmp_path: Path,
) -> None:
    # Booktabs style: rules above and under the header and under the last row. The
    # body between two rules is 15 rows, not one (was: 2 rows, all countries in one
    # cell, and stacked digits taken for vertical rules).
    rows = _dense_rows()
    pdf = _table_pdf(tmp_path / "t.pdf", rows, GRID_XS, right=set(range(1, 7)), rules_after=(0, 15))
    assert _texts(_html(pdf)) == rows


def test_grid_ruled_every_five_rows_reads_fifteen_rows(tmp_path: Path) -> None:
    # Vertical rules, and horizontal ones only under the header and every five rows
    # (the NICS background-check tables): was 4 rows of 5 lines each.
    rows = _dense_rows()
    pdf = _table_pdf(
        tmp_path / "t.pdf",
        rows,
        GRID_XS,
        right=set(range(1, 7)),
        rules_after=(0, 5, 10, 15),
        verticals=True,
    )
    assert _texts(_html(pdf)) == rows


def test_ruled_columns_holding_unruled_ones_are_split(tmp_path: Path) -> None:
    # A single vertical rule after the label column; the four value columns to its
    # right are set apart by space only (was: one column "344 75.2 12196 17.4%"),
    # and the body between two rules is three rows.
    from fpdf import FPDF

    xs = [20.0, 80.0, 100.0, 125.0, 150.0, 175.0]
    rows = [
        ["", "Freq.", "Percent", "Mean Loss", "Fraction"],
        ["I/we kept the assets", "344", "75.2", "12196", "17.4%"],
        ["I/we sold some of the assets", "53", "11.6", "23518", "22.5%"],
        ["I/we sold all of them", "61", "13.2", "9187", "22.5%"],
        ["Total", "458", "100.0", "13153", "18.7%"],
    ]
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    step = FONT * PT * 1.2
    for i, cells in enumerate(rows):
        for j, text in enumerate(cells):
            if text:
                pdf.text(xs[j] + 1.5, 40 + (i + 0.8) * step, text)
    for i in (0, 1, 4, 5):
        pdf.line(xs[0], 40 + i * step, xs[-1], 40 + i * step)
    pdf.line(xs[1] - 1, 40, xs[1] - 1, 40 + 5 * step)
    path = tmp_path / "t.pdf"
    pdf.output(str(path))
    assert _texts(_html(path)) == rows


# --- rows of short cells; wrapped labels ----------------------------------------------


def test_row_per_line_table_of_short_cells(tmp_path: Path) -> None:
    # Short cells, some rows with only a label: each line is a row of its own, none
    # is taken for the rest of the cell above it (no line above is full).
    rows = [
        ["City", "Rain", "Sun"],
        ["Oslo", "12", "4"],
        ["Rome", "", ""],
        ["Bern", "9", ""],
        ["Riga", "", "7"],
        ["Kyiv", "3", "5"],
    ]
    xs = [20.0, 40.0, 60.0, 80.0]
    assert _texts(_html(_table_pdf(tmp_path / "a.pdf", rows, xs))) == rows
    # The same ruled only around its header and body, with vertical rules.
    ruled = _table_pdf(tmp_path / "b.pdf", rows, xs, rules_after=(-1, 0, 5), verticals=True)
    assert _texts(_html(ruled)) == rows


def _wrapped_label_pdf(path: Path, *, ruled: bool) -> Path:
    """Rows whose label wraps in a 40 mm column (fpdf2 breaks the line), numbers on
    the first line of the row, other rows on one line."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    step = FONT * PT * 1.2
    xs = [20.0, 60.0, 85.0, 110.0]
    rows = [
        ("Substance", "Air", "Water"),
        ("Ammonia (NH3)", "10 000", "-"),
        ("Non-methane volatile organic compounds (NMVOC)", "100 000", "-"),
        ("Sulphur oxides (SOx/SO2)", "150 000", "-"),
    ]
    y = 40.0
    edges = [y]
    for label, air, water in rows:
        pdf.set_xy(xs[0] + 1.5, y)
        pdf.multi_cell(xs[1] - xs[0] - 3, step, label, align="L")
        n = round((pdf.get_y() - y) / step)
        for j, text in ((1, air), (2, water)):
            pdf.text(xs[j + 1] - 1.5 - pdf.get_string_width(text), y + 0.75 * step, text)
        y += n * step
        edges.append(y)
    if ruled:
        for e in edges:
            pdf.line(xs[0], e, xs[-1], e)
        for x in xs:
            pdf.line(x, edges[0], x, edges[-1])
    pdf.output(str(path))
    return path


def test_wrapped_label_stays_one_cell(tmp_path: Path) -> None:
    # The label's second line has the other columns empty and starts with a word
    # that did not fit on the first: it is the rest of that cell, not a row.
    want = [
        ["Substance", "Air", "Water"],
        ["Ammonia (NH3)", "10 000", "-"],
        ["Non-methane volatile organic compounds (NMVOC)", "100 000", "-"],
        ["Sulphur oxides (SOx/SO2)", "150 000", "-"],
    ]
    assert _texts(_html(_wrapped_label_pdf(tmp_path / "a.pdf", ruled=False))) == want
    assert _texts(_html(_wrapped_label_pdf(tmp_path / "b.pdf", ruled=True))) == want


def test_label_broken_by_the_author_in_a_row_ruled_table_stays_one_cell(
    tmp_path: Path,
) -> None:
    # Every row between rules: a label written on two lines is one cell though its
    # first line is short (the rules say where rows end).
    rows: list[list[str | list[str]]] = [
        ["Brands", "1996", "1997"],
        [["Maison du Cafe", "(Douwe Egberts)"], "14.9%", "16.5%"],
        [["Carte Noire", "(K-J-S)"], "17.0%", "16.5%"],
        ["Lavazza", "7.0%", "6.2%"],
        ["Segafredo", "5.8%", "5.4%"],
        ["Legal", "5.6%", "4.5%"],
    ]
    xs = [20.0, 90.0, 120.0, 150.0]
    path = _table_pdf(tmp_path / "t.pdf", rows, xs, rules_after=(-1, 0, 1, 2, 3, 4, 5))
    assert _texts(_html(path)) == [
        ["Brands", "1996", "1997"],
        ["Maison du Cafe (Douwe Egberts)", "14.9%", "16.5%"],
        ["Carte Noire (K-J-S)", "17.0%", "16.5%"],
        ["Lavazza", "7.0%", "6.2%"],
        ["Segafredo", "5.8%", "5.4%"],
        ["Legal", "5.6%", "4.5%"],
    ]


# --- headers over sub-columns -----------------------------------------------------------


def test_header_over_sub_columns_is_a_row_of_its_own(tmp_path: Path) -> None:
    # A header over the value columns, with no rule between it and the column heads
    # under it (a shaded header hides it): the heads are a row of their own, not
    # more text of the spanning cell, which spans the four columns as the vertical
    # rules stopping short under it show.
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    step = FONT * PT * 1.3
    xs = [20.0, 60.0, 85.0, 110.0, 135.0, 160.0]
    head = "Frequency of substance abuse"
    pdf.text((xs[1] + xs[-1]) / 2 - pdf.get_string_width(head) / 2, 40 + 0.8 * step, head)
    for j, text in enumerate(["Substance", "Month", "Year", "Earlier", "Never"]):
        pdf.text(xs[j] + 1.5, 40 + 1.8 * step, text)
    body = [["Cannabis", "9.6%", "4.0%", "6.3%", "80.1%"], ["Ecstasy", "2.1%", "0.9%", "3.0%"]]
    for i, cells in enumerate(body):
        for j, text in enumerate(cells):
            pdf.text(xs[j] + 1.5, 40 + (i + 2.8) * step, text)
    for i in (0, 2, 3, 4):
        pdf.line(xs[0], 40 + i * step, xs[-1], 40 + i * step)
    for x in xs:
        pdf.line(x, 40 + (step if x > xs[1] else 0), x, 40 + 4 * step)
    path = tmp_path / "t.pdf"
    pdf.output(str(path))
    rows = TableCells(_html(path)).rows
    assert rows[0] == [("", 1, 1), ("Frequency of substance abuse", 1, 4)]
    assert [t for t, _, _ in rows[1]] == ["Substance", "Month", "Year", "Earlier", "Never"]
    assert [t for t, _, _ in rows[2]] == ["Cannabis", "9.6%", "4.0%", "6.3%", "80.1%"]
    assert len(rows) == 4


def test_year_centred_over_two_columns_does_not_merge_them(tmp_path: Path) -> None:
    # "2007" is centred over its N and % Pos columns: the body's numbers (set right)
    # reach under its left end, the centred "% Pos" under its right end, never both
    # in one row. The two columns stay two (was: one, "109 0.9"), the year spans them.
    from fpdf import FPDF

    xs = [20.0, 55.0, 65.0, 75.0, 85.0, 95.0]
    head = [("Country", 0, "l"), ("2007", 1, "c2"), ("2006", 3, "c2")]
    sub = [("N", 1, "c"), ("% Pos", 2, "c"), ("N", 3, "c"), ("% Pos", 4, "c")]
    body = [["Austria", "109", "0.9", "93", "1.1"], ["Germany", "123", "0.8", "290", "0.7"],
            ["Spain", "36", "0", "40", "0"]]  # fmt: skip
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    step = FONT * PT * 1.3

    def put(text: str, j: int, how: str, i: int) -> None:
        w = pdf.get_string_width(text)
        if how == "l":
            x = xs[j] + 1.5
        elif how == "r":
            x = xs[j + 1] - 1.5 - w
        else:  # centred over one column, or over two ("c2")
            x = (xs[j] + xs[j + (2 if how == "c2" else 1)] - w) / 2
        pdf.text(x, 40 + (i + 0.8) * step, text)

    for text, j, how in head:
        put(text, j, how, 0)
    for text, j, how in sub:
        put(text, j, how, 1)
    for i, cells in enumerate(body, 2):
        for j, text in enumerate(cells):
            put(text, j, "r" if j else "l", i)
    path = tmp_path / "t.pdf"
    pdf.output(str(path))
    got = TableCells(_html(path)).rows
    assert got[0] == [("Country", 1, 1), ("2007", 1, 2), ("2006", 1, 2)]
    assert [[t for t, _, _ in row] for row in got[1:]] == [["", "N", "% Pos", "N", "% Pos"], *body]


# --- the lines and rules that ran rows or columns together ---------------------------


def _line(text: str, x: float, y: float, size: float = 20.0, height: float | None = None) -> Line:
    return Line(text=text, box=(x, y, x + 0.5 * size * len(text), y + (height or size)), size=size)


def test_ocr_box_over_three_rows_does_not_run_them_together() -> None:
    # OCR boxed a column's numbers of three rows as one word; the rows under it
    # stay rows (was: one band holding all three, and every column merged).
    lines = [_line("Group", 20, 0), _line("Cases", 200, 0), _line("OR", 320, 0)]
    body = [("low", "0.9"), ("mid", "1.1"), ("high", "1.3"), ("all", "1.0")]
    for i, (name, ratio) in enumerate(body):
        lines.append(_line(name, 20, 26 * (i + 1)))
        lines.append(_line(ratio, 320, 26 * (i + 1)))
    lines.append(_line("212121", 200, 26, height=72))  # three rows' "21" in one box
    lines.append(_line("7", 200, 104))
    rows = TableCells(table_html(lines)).rows
    assert [row[0][0] for row in rows] == ["Group", "low", "mid", "high", "all"]
    assert [row[-1][0] for row in rows] == ["OR", "0.9", "1.1", "1.3", "1.0"]


def _column_of_digits(img: np.ndarray, x: int, y0: int, y1: int, pitch: int) -> None:
    """Digit-like strokes stacked row over row: a tall narrow glyph in each row."""
    for y in range(y0, y1, pitch):
        img[y : y + pitch - 6, x : x + 3] = 0


def test_stacked_digits_are_not_a_vertical_rule() -> None:
    img = np.full((420, 600, 3), 255, np.uint8)
    img[10:12, 10:590] = 0
    img[400:402, 10:590] = 0
    _column_of_digits(img, 300, 14, 398, 24)  # dark over 3/4 of the height, in pieces
    rules = find_rules(img, (10, 10, 590, 402))
    assert rules.xs == []


def test_rule_along_a_filled_column_is_found() -> None:
    # A label column filled light orange (dark enough to count) under a white
    # header, with a rule drawn along its right edge: the rule is still a column
    # boundary (was: lost in the fill, label and first value column one cell).
    img = np.full((300, 600, 3), 255, np.uint8)
    img[100:290, 10:200] = (255, 204, 154)
    img[10:290, 200:202] = (128, 0, 0)
    for y in (10, 100, 190, 288):
        img[y : y + 2, 10:590] = (128, 0, 0)
    rules = find_rules(img, (10, 10, 590, 290))
    assert [round(x) for x in rules.xs] == [201]
