"""Tables of business documents as a person reads them, on pages made in code with
fpdf2 and read back through the project's own source: a financial statement with
currency signs in columns of their own and a spanning "Year Ended" heading, a
statistics table with dot leaders and notes under it, a small ruled table whose
rows share the bands between rules, and a ruled table the layout model calls a
picture."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.cell_text import is_currency_sign, is_number
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.leaders import drop_leaders
from dotsocr.engines.cpu.picture_tables import looks_like_table, tables_among_pictures
from dotsocr.engines.cpu.rules import find_rules
from dotsocr.engines.cpu.table_headers import adopt_headings_above
from dotsocr.engines.cpu.table_notes import tidy_table_edges
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line
from support.cpu import TableCells, page_lines, page_table_html

FONT = 9.0  # points
PT = 25.4 / 72  # mm per point
STEP = FONT * PT * 1.4  # row pitch, mm

#: (x in mm, row, text, alignment): "L" starts at x, "R" ends at x, "C" is centred on x.
Placed = tuple[float, int, str, str]


def _page(
    path: Path,
    items: Sequence[Placed],
    rules: Sequence[tuple[float, float, float, float]] = (),
    top: float = 40.0,
) -> Path:
    """An A4 page with each text placed on its row (``top`` + row * STEP mm) and
    the given lines (x1, y1, x2, y2 in mm) drawn."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=FONT)
    for x, row, text, align in items:
        width = pdf.get_string_width(text)
        left = {"L": x, "R": x - width, "C": x - width / 2}[align]
        pdf.text(left, top + (row + 0.8) * STEP, text)
    for x1, y1, x2, y2 in rules:
        pdf.line(x1, y1, x2, y2)
    pdf.output(str(path))
    return path


def _grid(html: str) -> list[list[tuple[str, int, int]]]:
    return TableCells(html).rows


# --- what a cell says ---------------------------------------------------------------


def test_numbers_and_currency_signs_are_told_from_words() -> None:
    for text in ("31,999", "(1,528)", "36 (75%)", "8/16", "-3.5", "\u22123.5", "$5"):
        assert is_number(text), text
    for text in ("Revenue", "2023a", "", "Q3 2023 total"):
        assert not is_number(text), text
    assert is_currency_sign(" $ ") and is_currency_sign("\u00a5") and not is_currency_sign("$5")


# --- a financial statement ------------------------------------------------------------

#: Label column at 20 mm; each year: its sign at the column's left, the amount
#: flush right, the year centred over both.
YEARS = ((100.0, 125.0, "2023"), (135.0, 160.0, "2022"))
STATEMENT = (
    ("Revenue", ("31,999", "28,822"), True),
    ("Costs and expenses", ("22,607", "20,464"), False),
    ("Income from operations", ("9,392", "8,358"), True),
    ("Net income", ("7,788", "6,687"), True),
)


def _statement(path: Path) -> Path:
    items: list[Placed] = [(130.0, 0, "Year Ended December 31,", "C")]
    items += [((a + b) / 2, 1, year, "C") for a, b, year in YEARS]
    for row, (label, amounts, signed) in enumerate(STATEMENT, 2):
        items.append((20.0, row, label, "L"))
        for (left, right, _), amount in zip(YEARS, amounts, strict=True):
            if signed:
                items.append((left, row, "$", "L"))
            items.append((right, row, amount, "R"))
    return _page(path, items)


def test_statement_signs_join_their_amounts_under_their_years(tmp_path: Path) -> None:
    # Was: "$" a column of its own, the years a third column between sign and amount,
    # and "31,999 $" (an amount run into the next column's sign) one cell.
    rows = _grid(page_table_html(_statement(tmp_path / "s.pdf")))
    assert rows[0] == [("", 1, 1), ("Year Ended December 31,", 1, 2)]
    assert rows[1] == [("", 1, 1), ("2023", 1, 1), ("2022", 1, 1)]
    body = [[text for text, _, _ in row] for row in rows[2:]]
    assert body == [
        ["Revenue", "$ 31,999", "$ 28,822"],
        ["Costs and expenses", "22,607", "20,464"],
        ["Income from operations", "$ 9,392", "$ 8,358"],
        ["Net income", "$ 7,788", "$ 6,687"],
    ]


def test_spanning_heading_left_above_the_table_box_is_taken_in(tmp_path: Path) -> None:
    # The layout model boxes the table from the years down and calls the heading
    # over the amount columns a caption.
    lines, image = page_lines(_statement(tmp_path / "s.pdf"))
    heading = [ln for ln in lines if ln.text.startswith("Year Ended")]
    body = [ln for ln in lines if ln not in heading]
    intro = Line("Second Quarter Highlights", (heading[0].box[0] - 900, 100, 700, 130), 30.0)
    table = Block("Table", union(ln.box for ln in body), body, table_html(body))
    blocks = [
        Block("Section-header", intro.box, [intro], intro.text),
        Block("Caption", heading[0].box, heading, heading[0].text),
        table,
    ]
    out = adopt_headings_above(blocks, image, rtl=False)
    assert [b.category for b in out] == ["Section-header", "Table"]
    assert _grid(out[1].text or "")[0][1] == ("Year Ended December 31,", 1, 2)


def test_heading_beside_the_label_column_is_not_taken_in(tmp_path: Path) -> None:
    lines, image = page_lines(_statement(tmp_path / "s.pdf"))
    body = [ln for ln in lines if not ln.text.startswith("Year Ended")]
    table = Block("Table", union(ln.box for ln in body), body, table_html(body))
    x1, y1 = table.box[0], table.box[1]
    title = Line("Consolidated Results", (x1, y1 - 40, x1 + 300, y1 - 10), 20.0)
    out = adopt_headings_above([Block("Text", title.box, [title], title.text), table], image, False)
    assert [b.category for b in out] == ["Text", "Table"]


# --- a statistics table: dot leaders and notes ------------------------------------------

ARRESTS = (("Total", "11,062.6", "1,540.0"), ("Violent crime", "467.9", "69.1"))
ARRESTS += (("Robbery.", "102.1", "25.5"), ("Arson", "9.8", "4.3"))
NOTES = ("- Represents zero. X Not applicable.", "Source: U.S. Department of Justice.")


def _statistics(path: Path) -> Path:
    items: list[Placed] = [(20.0, 0, "Offense charged", "L")]
    items += [(110.0, 0, "Total", "R"), (140.0, 0, "Under 18", "R")]
    for row, (label, total, young) in enumerate(ARRESTS, 1):
        items.append((20.0, row, label + " " + ". " * (24 - len(label) // 2), "L"))
        items += [(110.0, row, total, "R"), (140.0, row, young, "R")]
    items += [(20.0, len(ARRESTS) + 1 + k, note, "L") for k, note in enumerate(NOTES)]
    return _page(path, items)


def test_dot_leaders_are_no_column_and_no_cell_text(tmp_path: Path) -> None:
    lines, _ = page_lines(_statistics(tmp_path / "t.pdf"))
    cells = [ln for ln in lines if not ln.text.startswith(("-", "Source"))]
    rows = [[text for text, _, _ in row] for row in _grid(table_html(cells))]
    assert rows == [
        ["Offense charged", "Total", "Under 18"],
        ["Total", "11,062.6", "1,540.0"],
        ["Violent crime", "467.9", "69.1"],
        ["Robbery", "102.1", "25.5"],
        ["Arson", "9.8", "4.3"],
    ]


def test_leaders_alone_or_short_dots_are_handled() -> None:
    glyphs = [(c, (10.0 * i, 0.0, 10.0 * i + 6, 10.0)) for i, c in enumerate("Total.....5")]
    line = Line("Total..... 5", (0, 0, 106, 10), 10.0, glyphs=glyphs)
    assert [p.text for p in drop_leaders(line)] == ["Total", "5"]
    plain = Line("etc. . b", (0, 0, 60, 10), 10.0)
    assert drop_leaders(plain) == [plain]  # no glyphs to cut at: left alone


def test_notes_under_a_table_become_its_footnote(tmp_path: Path) -> None:
    lines, image = page_lines(_statistics(tmp_path / "t.pdf"))
    table = Block("Table", union(ln.box for ln in lines), lines, table_html(lines))
    assert "Source" in (table.text or "")  # the notes were a row of the table
    out = tidy_table_edges([table], image, rtl=False)
    assert [b.category for b in out] == ["Table", "Footnote"]
    assert "Source" not in (out[0].text or "") and "Represents zero" not in (out[0].text or "")
    assert out[1].text == " ".join(NOTES)
    assert len(_grid(out[0].text or "")) == len(ARRESTS) + 1


def test_caption_line_inside_the_table_box_goes_back_to_the_caption(tmp_path: Path) -> None:
    lines, image = page_lines(_statistics(tmp_path / "t.pdf"))
    cells = [ln for ln in lines if not ln.text.startswith(("-", "Source"))]
    x1, y1, x2, _ = union(ln.box for ln in cells)
    size = cells[0].size
    tail = Line(
        "as estimated by the FBI. See text and source]", (x1, y1 - 2.2 * size, x2, y1 - size), size
    )
    head = Line(
        "Table 324. Arrests by Sex and Age: 2009",
        (x1, y1 - 3.6 * size, x2 - 100, y1 - 2.4 * size),
        size,
    )
    table_lines = [tail, *cells]
    table = Block(
        "Table", union(ln.box for ln in table_lines), table_lines, table_html(table_lines)
    )
    caption = Block("Caption", head.box, [head], head.text)
    out = tidy_table_edges([caption, table], image, rtl=False)
    assert out[0].text == head.text + " " + tail.text
    assert (
        "FBI" not in (out[1].text or "") and _grid(out[1].text or "")[0][0][0] == "Offense charged"
    )


# --- a small ruled table: several rows share a band between rules ---------------------

COUNTS = (("Source articles", "28,009"), ("Basic clusters", "5,543"))
COUNTS += (("Basic patterns (token)", "643,767"), ("Basic patterns (type)", "7,990"))
COUNTS += (("Metaclusters", "302"), ("Metaclusters (rows >= 3)", "101"))


def _counts(path: Path, caption: str) -> Path:
    items: list[Placed] = []
    for row, (label, count) in enumerate(COUNTS):
        items += [(52.0, row, label, "L"), (108.0, row, count, "R")]
    items.append((50.0, len(COUNTS) + 1, caption, "L"))
    top, bottom = 40.0, 40.0 + len(COUNTS) * STEP
    # The label column is as narrow as its longest label, as in the paper's table.
    rules = [
        (50, top, 110, top),
        (50, bottom, 110, bottom),
        (50, top + 4 * STEP, 110, top + 4 * STEP),
    ]
    rules += [(50, top, 50, bottom), (89, top, 89, bottom), (110, top, 110, bottom)]
    return _page(path, items, rules)


def test_numbers_stacked_in_one_band_are_rows_of_their_own(tmp_path: Path) -> None:
    # Rules close the table and cut it after four rows; each band holds several
    # rows. Was: "Basic patterns (token) Basic patterns (type)" and "643,767 7,990" in
    # one row, because the second label's first word would not fit on the first line.
    path = _counts(tmp_path / "c.pdf", "Table 2: Articles and obtained metaclusters.")
    lines, image = page_lines(path)
    cells = [ln for ln in lines if not ln.text.startswith("Table")]
    box = union(ln.box for ln in cells)
    html = table_html(
        cells, rules=find_rules(image, (box[0] - 30, box[1] - 15, box[2] + 15, box[3] + 15))
    )
    assert [[text for text, _, _ in row] for row in _grid(html)] == [list(row) for row in COUNTS]


def _picture_region(path: Path) -> tuple[Region, dict[int, list[Line]], list[Line], object]:
    lines, image = page_lines(path)
    cells = [ln for ln in lines if not ln.text.startswith(("Table", "Figure"))]
    caption = [ln for ln in lines if ln not in cells]
    x1, y1, x2, y2 = union(ln.box for ln in cells)
    region = Region((x1 - 30, y1 - 15, x2 + 15, y2 + 15), "figure", 0.9)
    return region, {0: cells}, caption, image


def test_ruled_table_called_a_picture_is_a_table(tmp_path: Path) -> None:
    region, owned, loose, image = _picture_region(
        _counts(tmp_path / "t.pdf", "Table 2: Articles and obtained metaclusters.")
    )
    (out,) = tables_among_pictures([region], owned, loose, image, rtl=False)  # type: ignore[arg-type]
    assert out.category == "Table"


def test_figure_caption_keeps_a_picture_a_picture(tmp_path: Path) -> None:
    region, owned, loose, image = _picture_region(
        _counts(tmp_path / "f.pdf", "Figure 2: Articles and obtained metaclusters.")
    )
    (out,) = tables_among_pictures([region], owned, loose, image, rtl=False)  # type: ignore[arg-type]
    assert out.category == "Picture"


def test_ruled_grid_without_caption_is_a_table(tmp_path: Path) -> None:
    region, owned, _, image = _picture_region(_counts(tmp_path / "n.pdf", ""))
    assert looks_like_table(region.box, owned[0], "", image, rtl=False)  # type: ignore[arg-type]


def test_chart_with_gridlines_is_not_a_table(tmp_path: Path) -> None:
    # Tick labels down the left and along the bottom, gridlines across: the labels
    # fill one column and one row of a grid, not the grid.
    ticks: list[Placed] = [(48.0, 2 * k, f"{100 - 25 * k}", "R") for k in range(5)]
    ticks += [(60.0 + 25 * k, 9, f"{2019 + k}", "C") for k in range(5)]
    rules = [(50.0, 40 + (2 * k + 0.5) * STEP, 170.0, 40 + (2 * k + 0.5) * STEP) for k in range(5)]
    lines, image = page_lines(_page(tmp_path / "chart.pdf", ticks, rules))
    box = union(ln.box for ln in lines)
    assert not looks_like_table(box, lines, "", image, rtl=False)


def test_bullets_in_the_last_cell_are_no_notes() -> None:
    def line(text: str, x: float, row: int) -> Line:
        return Line(text, (x, 100 + 30 * row, x + 15 * len(text), 120 + 30 * row), 20.0)

    lines = [line("Column name", 0, 0), line("Data type", 300, 0), line("Description", 600, 0)]
    lines += [line("USAGE", 0, 1), line("VARCHAR(7)", 300, 1), line("Usage setting:", 600, 1)]
    lines += [line("USER_TYPE", 0, 2), line("VARCHAR(5)", 300, 2), line("Type of profile:", 600, 2)]
    lines += [line("- USER: The profile is a user.", 620, 3)]
    lines += [line("- GROUP: The profile is a group.", 620, 4)]
    table = Block("Table", union(ln.box for ln in lines), lines, table_html(lines))
    out = tidy_table_edges([table], None, rtl=False)
    assert [b.category for b in out] == ["Table"]


def test_results_table_called_a_formula_is_a_table() -> None:
    def line(text: str, x: float, row: int) -> Line:
        return Line(text, (x, 100 + 30 * row, x + 12 * len(text), 120 + 30 * row), 20.0)

    rows = [("initial zone classifier", "91.74%", "87.31%"), ("metadata", "92.49%", "88.12%")]
    rows += [("references", "93.10%", "90.02%"), ("body", "95.77%", "94.28%")]
    lines = [line("precision", 400, 0), line("recall", 600, 0)]
    for r, (label, p, q) in enumerate(rows, 1):
        lines += [line(label, 0, r), line(p, 400, r), line(q, 600, r)]
    region = Region(union(ln.box for ln in lines), "equation", 0.9)
    (out,) = tables_among_pictures([region], {0: lines}, [], None, rtl=False)
    assert out.category == "Table"
    maths = [line(t, 0, r) for r, t in enumerate(["a = b + c", "x^2 + y^2", "= 1", "f(x) = 0"] * 2)]
    region = Region(union(ln.box for ln in maths), "equation", 0.9)
    (out,) = tables_among_pictures([region], {0: maths}, [], None, rtl=False)
    assert out.category == "Formula"


def _rows_page(path: Path, rules_at: Sequence[float]) -> tuple[Box, list[Line], object]:
    items: list[Placed] = []
    for row, (label, count) in enumerate(COUNTS):
        items += [(30.0, 2 * row, label, "L"), (120.0, 2 * row, f"{count} units", "L")]
    rules = [(25.0, y, 185.0, y) for y in rules_at]
    lines, image = page_lines(_page(path, items, rules))
    x1, y1, x2, y2 = union(ln.box for ln in lines)
    return (x1 - 20, y1 - 20, x2 + 20, y2 + 60), lines, image


def test_rows_set_off_by_rules_without_a_caption_are_a_table(tmp_path: Path) -> None:
    # Rules under every row and none down (an accident list in a magazine appendix).
    under = [40 + (2 * r + 1.6) * STEP for r in range(len(COUNTS))]
    box, lines, image = _rows_page(tmp_path / "rows.pdf", under)
    assert looks_like_table(box, lines, "", image, rtl=False)  # type: ignore[arg-type]


def test_a_band_of_rules_at_the_foot_is_no_table(tmp_path: Path) -> None:
    # A slide's footer bar: several rules close together under all the text.
    foot = 40 + 2 * len(COUNTS) * STEP
    box, lines, image = _rows_page(
        tmp_path / "band.pdf", [foot, foot + 0.8, foot + 1.6, foot + 2.4]
    )
    assert not looks_like_table(box, lines, "", image, rtl=False)  # type: ignore[arg-type]


def test_a_wrapped_line_over_one_column_is_not_taken_in(tmp_path: Path) -> None:
    # The end of a sentence wrapped above a parts list lies over the part-number
    # column only: it is the text above, not a heading spanning columns.
    lines, image = page_lines(_statement(tmp_path / "s.pdf"))
    body = [ln for ln in lines if not ln.text.startswith("Year Ended")]
    table = Block("Table", union(ln.box for ln in body), body, table_html(body))
    top = [ln for ln in body if ln.box[1] - table.box[1] < 5]
    amount = max(top, key=lambda ln: ln.box[0])  # the last column's cell
    x0, y1 = amount.box[0], table.box[1]
    wrapped = Line("tires and tubes)", (x0, y1 - 30, amount.box[2], y1 - 6), amount.size)
    block = Block("Text", wrapped.box, [wrapped], wrapped.text)
    out = adopt_headings_above([block, table], image, rtl=False)
    assert [b.category for b in out] == ["Text", "Table"]
