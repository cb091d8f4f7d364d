"""Tables among loose lines (CPU engine): a grid the layout model missed becomes a
table; two-column text, lists, tables of contents and running heads do not. A form
boxed whole as one table gives its foot line back to the page."""

from __future__ import annotations

import re

import numpy as np

from dotsocr.engines.cpu.assemble import assemble
from dotsocr.engines.cpu.grid_tables import loose_tables
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.textlines import Line

W, H = 1700, 2200
LABELS = [
    "Persons with disabilities", "Children", "Women", "The elderly", "Migrants",
    "Refugees, asylum seekers, or stateless persons", "Internally displaced persons",
]  # fmt: skip


def _line(text: str, x: float, y: float, size: float = 20.0) -> Line:
    return Line(text=text, box=(x, y, x + 0.5 * size * len(text), y + size), size=size)


def _page() -> np.ndarray:
    return np.full((H, W, 3), 255, np.uint8)


def _question(y: float = 300) -> list[Line]:
    """Body text over the grid's width, as the question above the table."""
    return [
        _line("28. Are specialized legal aid services provided focusing on specific", 200, y),
        _line("disadvantaged populations? Please indicate whether they are provided", 230, y + 26),
        _line(
            "by State-funded legal aid, civil society organizations, or both groups.", 230, y + 52
        ),
    ]


def _grid(y: float = 400) -> list[Line]:
    """The checkbox grid: two header lines, a bullet, a label and two marks a row."""
    lines = [
        _line("State funded", 900, y),
        _line("legal aid", 920, y + 24),
        _line("CSOs", 1140, y),
    ]
    for i, label in enumerate(LABELS):
        top = y + 80 + 40 * i
        lines += [_line("y", 230, top), _line(label, 260, top)]
        lines += [_line("*", 955, top), _line("*", 1155, top)]
    return lines


def _tables(lines: list[Line], page: list[Line] | None = None) -> list[str]:
    blocks, rest = loose_tables(lines, False, _page(), page)
    assert len(rest) + sum(len(b.lines) for b in blocks) == len(lines)  # nothing lost
    return [b.text or "" for b in blocks]


def test_checkbox_grid_under_a_question_is_a_table() -> None:
    lines = _question() + _grid()
    tables = _tables(lines)
    assert len(tables) == 1
    html = tables[0]
    assert html.startswith(
        "<table><tr><td></td><td></td><td>State funded legal aid</td><td>CSOs</td></tr>"
    )
    assert "<tr><td>y</td><td>Children</td><td>*</td><td>*</td></tr>" in html
    assert html.count("<tr>") == 8
    assert "28. Are" not in html


def test_grid_beside_a_column_of_body_text_leaves_that_text_out() -> None:
    """A two-page spread: body text lines on the left page share the grid's rows."""
    right = [_line(ln.text, ln.box[0] + 600, ln.box[1]) for ln in _question() + _grid()]
    rows = sorted({ln.box[1] for ln in right if ln.box[1] >= 400})
    left = [_line(f"Row {y:.0f} of the left page's body text here", 20, y) for y in rows]
    tables = _tables(left + right)
    assert len(tables) == 1
    assert "left page" not in tables[0]
    assert "<td>Women</td>" in tables[0]


def test_grid_in_a_big_picture_region_becomes_a_table_block() -> None:
    lines = _question() + _grid()
    picture = Region((100, 250, 1600, 2000), "figure", 0.9)
    blocks = assemble(lines, [picture], W, H, image=_page())
    tables = [b for b in blocks if b.category == "Table"]
    assert len(tables) == 1
    assert "Internally displaced persons" in (tables[0].text or "")
    texts = " ".join(b.text or "" for b in blocks if b.category != "Table")
    assert "28. Are specialized" in texts


# --- what is not a table -----------------------------------------------------------


def test_two_columns_of_body_text_aligned_by_row_are_no_table() -> None:
    words = "the quick brown fox jumps over the lazy dog and runs"
    lines = []
    for i in range(20):
        lines.append(_line(f"{words} {i}", 100, 300 + 30 * i))
        lines.append(_line(f"{words} {i + 20}", 700, 300 + 30 * i))
    assert _tables(lines) == []
    # A heading across both columns: no gutter to cut the rows at.
    heading = _line("A heading that runs across both of the page's columns of body text", 100, 250)
    assert _tables([heading, *lines]) == []


def test_numbered_list_with_separate_markers_is_no_table() -> None:
    items = ["Apples", "Bread", "Cheese", "Dates", "Eggs"]
    lines = []
    for i, item in enumerate(items):
        lines += [_line(f"{i + 1}.", 100, 300 + 40 * i), _line(item, 160, 300 + 40 * i)]
    assert _tables(lines) == []
    bullets = [
        ln
        for i, it in enumerate(items)
        for ln in (_line("\u2022", 100, 300 + 40 * i), _line(it, 160, 300 + 40 * i))
    ]
    assert _tables(bullets) == []
    numbered = [
        ln
        for i, it in enumerate(items)
        for ln in (_line(str(i + 1), 100, 300 + 40 * i), _line(it, 160, 300 + 40 * i))
    ]
    assert _tables(numbered) == []


def test_table_of_contents_with_dot_leaders_is_no_table() -> None:
    chapters = ["Introduction", "Methods", "Results", "Discussion", "Outlook"]
    joined = [
        _line(f"Chapter {i + 1} {c} ........ {5 * i + 1}", 100, 300 + 40 * i)
        for i, c in enumerate(chapters)
    ]
    assert _tables(joined) == []
    split = []  # title, leader and page number as three pieces
    for i, c in enumerate(chapters):
        y = 300 + 40 * i
        split += [_line(f"Chapter {i + 1} {c}", 100, y), _line("." * 12, 420, y)]
        split.append(_line(str(5 * i + 1), 900, y))
    assert _tables(split) == []


def test_running_heads_in_the_margins_are_no_table() -> None:
    heads = []
    for y in (20, 50, 80):  # a three-line letterhead, left and right
        heads += [_line("ACME Corporation", 100, y), _line("Annual report 2020", 1200, y)]
    for y in (2110, 2140, 2170):
        heads += [_line("Confidential", 100, y), _line("Page 3", 1400, y)]
    assert _tables(heads) == []


def test_too_few_rows_are_no_table() -> None:
    lines = [_line("Name", 100, 300), _line("Value", 500, 300)]
    lines += [_line("Ann", 100, 340), _line("3", 500, 340)]
    assert _tables(lines) == []
    assert _tables([*lines, _line("Bob", 100, 380), _line("4", 500, 380)]) != []


#: A typewritten parts list: quantity, part number, description.
PARTS = [["1", "702067-501", "Fork Assembly"], ["1", "804042-1", "Placard"]]
PARTS += [["2", "AN380-4-8", "Cotter Pin"], ["1", "MS24665-353", "Cotter Pin"]]
PARTS += [["*2", "6.00X6 Type III - 4 Ply", "Tire - Main"], ["*2", "6.00X6", "Tube - Main"]]


def _typed_parts_list() -> list[Line]:
    """The parts list as OCR boxes it at 200 DPI: rows 33 px apart in boxes 40 px
    tall (padded), so each row's box overlaps the next; one cell is boxed taller
    still. Down the right margin, a display letter 120 px tall."""
    lines = [_line("Quantity", 120, 780, 30), _line("Part No.", 670, 788, 30)]
    lines.append(_line("Description", 1084, 790, 30))
    for k, row in enumerate(PARTS):
        top = 851 + 33 * k
        for x, text in zip((160, 560, 1081), row, strict=True):
            lines.append(Line(text, (x, top, x + 16 * len(text), top + 40), 30.0))
    tall = lines[-5]  # "6.00X6 Type III - 4 Ply", boxed 52 px tall
    lines[-5] = Line(tall.text, (tall.box[0], tall.box[1], tall.box[2], tall.box[1] + 52), 30.0)
    lines.append(Line("O", (1597, 822, 1647, 944), 90.0))
    return lines


def test_single_spaced_rows_in_padded_boxes_stay_rows() -> None:
    (table,) = _tables(_typed_parts_list())
    rows = [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>.*?</tr>", table)]
    assert rows == [["Quantity", "Part No.", "Description"], *PARTS]
    assert "O" not in re.findall(r"<td>(.*?)</td>", table)  # the margin letter stays out


def test_a_form_drawn_as_one_table_gives_back_its_foot_line() -> None:
    # A form the layout model boxed whole as a table, its foot line included: the
    # catalogue number and the form's name and year are furniture, not a row.
    lines = [_line("Name", 200, 300), _line("Street", 700, 300)]
    lines += [_line(f"Line {k}", 200, 360 + 60 * k) for k in range(20)]
    lines += [_line(f"Value {k}", 700, 360 + 60 * k) for k in range(20)]
    foot = [_line("Cat. No. 11364D", 700, 2100), _line("Form 1040NR (2007)", 1300, 2100)]
    form = Region((150.0, 250.0, 1600.0, 2140.0), "table", 0.9)
    blocks = assemble([*lines, *foot], [form], W, H, image=_page())
    (table,) = [b for b in blocks if b.category == "Table"]
    assert "Line 19" in (table.text or "") and "Cat. No." not in (table.text or "")
    assert {b.category for b in blocks if "Cat. No." in (b.text or "")} == {"Page-footer"}
