"""Table structure from ruling lines and glyph boxes (CPU engine): rules with their
extents, wrapped cells kept in one cell, spans where a rule stops short."""

from __future__ import annotations

import re

import numpy as np

from dotsocr.engines.cpu.rules import NO_RULES
from dotsocr.engines.cpu.table_grid import Grid
from dotsocr.engines.cpu.tables import find_rules, split_at_columns, table_html
from dotsocr.engines.cpu.textlines import Line
from support.cpu import TableCells


def _line(text: str, x: float, y: float, size: float = 20.0) -> Line:
    glyphs = []
    cx = x
    for ch in text:
        if ch != " ":
            glyphs.append((ch, (cx, y, cx + 0.5 * size, y + size)))
        cx += 0.5 * size
    return Line(text=text, box=(x, y, cx, y + size), size=size, glyphs=glyphs)


def _grid_image() -> np.ndarray:
    img = np.full((400, 600, 3), 255, np.uint8)
    for y in (10, 60, 160, 210):
        img[y : y + 2, 10:590] = 0
    for x in (10, 200, 588):
        img[10:212, x : x + 2] = 0
    return img


def test_find_rules_sees_a_grid() -> None:
    rules = find_rules(_grid_image(), (10, 10, 590, 212))
    assert [round(y) for y in rules.ys] == [11, 61, 161, 211]
    assert 201 in [round(x) for x in rules.xs]
    # Each rule keeps how far it runs.
    assert all(a <= 12 and b >= 588 for (a, b), *_ in rules.h_spans)


def test_ruled_table_keeps_a_wrapped_cell_in_one_cell() -> None:
    lines = [
        _line("Name", 20, 25),
        _line("Value", 220, 25),
        _line("USER or", 20, 75),
        _line("The effective user", 220, 75),
        _line("SESSION_USER", 20, 105),
        _line("last", 20, 175),
        _line("x", 220, 175),
    ]
    html = table_html(lines, rules=find_rules(_grid_image(), (10, 10, 590, 212)))
    assert "<td>USER or SESSION_USER</td><td>The effective user</td>" in html
    assert html.count("<tr>") == 3


def test_line_over_two_columns_is_split_at_the_gutter() -> None:
    line = _line("simple   complex", 100, 0)
    pieces = split_at_columns(line, [(90, 150), (170, 260)])
    assert [p.text for p in pieces] == ["simple", "complex"]
    # A line whose glyphs straddle the boundary stays whole.
    assert len(split_at_columns(_line("spanning header", 100, 0), [(90, 160), (161, 260)])) == 1


def test_split_keeps_the_text_layers_narrow_spaces() -> None:
    # Korean set with negative tracking: the space glyph leaves a gap far under the
    # gap rule, but the text layer says a space is there.
    size = 26.0
    glyphs, x = [], 100.0
    for ch in "1군 감염병":
        if ch != " ":
            glyphs.append((ch, (x, 0.0, x + 20, size)))
        x += 18 if ch != " " else 4
    x += 160  # the gutter
    for ch in "1급":
        glyphs.append((ch, (x, 0.0, x + 20, size)))
        x += 18
    line = Line(text="1군 감염병 1급", box=(100, 0, x, size), size=size, glyphs=glyphs)
    pieces = split_at_columns(line, [(90, 200), (300, 400)])
    assert [p.text for p in pieces] == ["1군 감염병", "1급"]


def test_no_image_means_no_rules() -> None:
    assert find_rules(None, (0, 0, 10, 10)) == NO_RULES
    assert table_html([_line("a", 0, 0), _line("b", 100, 0)], rules=([], [])).count("<td>") == 2


# --- a dense text row is no rule; wrapped lines stay in their cell ---------------


def _text_band(img: np.ndarray, y: int, x1: int, x2: int) -> None:
    """Glyph-like strokes over a band of pixel rows: dark in over half of each pixel
    row, but never in a long unbroken run (a dense line of text)."""
    for x in range(x1, x2, 5):
        img[y : y + 14, x : x + 3] = 0


def test_dense_text_row_is_not_a_rule() -> None:
    img = _grid_image()
    _text_band(img, 170, 210, 580)
    _text_band(img, 170, 20, 190)
    rules = find_rules(img, (10, 10, 590, 212))
    assert [round(y) for y in rules.ys] == [11, 61, 161, 211]


def test_wrapped_second_line_under_a_dense_line_stays_in_its_cell() -> None:
    img = _grid_image()
    _text_band(img, 165, 210, 580)
    lines = [
        _line("Name", 20, 25),
        _line("Value", 220, 25),
        _line("a", 20, 75),
        _line("b", 220, 75),
        _line("CURRENT", 20, 165),
        _line("The effective user of the", 220, 162),
        _line("thread.", 220, 185),
    ]
    html = table_html(lines, rules=find_rules(img, (10, 10, 590, 212)))
    assert "<td>CURRENT</td><td>The effective user of the thread.</td>" in html
    assert html.count("<tr>") == 3


# --- unruled tables: wrapped lines versus rows with an empty first cell -----------


def _unruled(rows: list[tuple[float, str, str]]) -> str:
    lines = []
    for y, left, right in rows:
        if left:
            lines.append(_line(left, 20, y))
        if right:
            lines.append(_line(right, 300, y))
    return table_html(lines)


def test_wrapped_line_at_line_spacing_folds_into_the_row_above() -> None:
    html = _unruled(
        [(0, "Key", "Value"), (40, "USER", "first"), (80, "CURRENT", "effective user of"),
         (102, "", "the thread."), (140, "SYSTEM", "the ID")]
    )  # fmt: skip
    assert "<td>CURRENT</td><td>effective user of the thread.</td>" in html
    assert html.count("<tr>") == 4


def test_row_with_an_empty_first_cell_at_row_spacing_stays_a_row() -> None:
    html = _unruled(
        [(0, "Fruit", "apple"), (40, "", "banana"), (80, "", "cherry"), (120, "Root", "carrot")]
    )
    assert html.count("<tr>") == 4
    assert "<tr><td></td><td>banana</td></tr>" in html


# --- spans where a rule stops short ------------------------------------------------


def _rule_image(
    h_rules: list[tuple[int, int, int]], v_rules: list[tuple[int, int, int]]
) -> np.ndarray:
    """A white page with horizontal rules (y, x1, x2) and vertical rules (x, y1, y2)."""
    img = np.full((400, 700, 3), 255, np.uint8)
    for y, x1, x2 in h_rules:
        img[y : y + 2, x1:x2] = 0
    for x, y1, y2 in v_rules:
        img[y1:y2, x : x + 2] = 0
    return img


def _grid_is_consistent(html: str) -> bool:
    """Every row's cells plus the rowspans from above fill the same column count."""
    rows = TableCells(html).rows
    taken: dict[tuple[int, int], bool] = {}
    widths = []
    for r, row in enumerate(rows):
        c = 0
        for _, rs, cs in row:
            while (r, c) in taken:
                c += 1
            for dr in range(rs):
                for dc in range(cs):
                    taken[(r + dr, c + dc)] = True
            c += cs
        widths.append(max([c] + [k + 1 for (rr, k) in taken if rr == r]))
    return len(set(widths)) == 1 and all(r < len(rows) for r, _ in taken)


def test_rule_stopping_short_of_the_first_column_gives_a_rowspan() -> None:
    # Columns split at x=200 and x=400; the rule at y=160 stops short of column 0.
    img = _rule_image(
        [(10, 10, 600), (60, 10, 600), (160, 200, 600), (260, 10, 600)],
        [(10, 10, 262), (200, 10, 262), (400, 10, 262), (598, 10, 262)],
    )
    lines = [
        _line("Name", 20, 25), _line("Kind", 220, 25), _line("Value", 420, 25),
        _line("Group A", 20, 150), _line("first", 220, 100), _line("1", 420, 100),
        _line("second", 220, 200), _line("2", 420, 200),
    ]  # fmt: skip
    html = table_html(lines, rules=find_rules(img, (10, 10, 600, 262)))
    assert '<td rowspan="2">Group A</td><td>first</td><td>1</td></tr><tr><td>second</td>' in html
    assert _grid_is_consistent(html)


def test_header_over_sub_columns_gets_colspan_and_its_neighbours_rowspan() -> None:
    # A partial rule under "Scores" spans columns 1-2; the vertical rule between them
    # starts under it (the TEDs header of a results table).
    img = _rule_image(
        [(10, 10, 600), (60, 200, 600), (110, 10, 600), (160, 10, 600)],
        [(10, 10, 162), (200, 10, 162), (400, 60, 162), (598, 10, 162)],
    )
    lines = [
        _line("Model", 20, 50), _line("Scores", 360, 20),
        _line("easy", 220, 75), _line("hard", 420, 75),
        _line("ours", 20, 125), _line("0.9", 220, 125), _line("0.8", 420, 125),
    ]  # fmt: skip
    html = table_html(lines, rules=find_rules(img, (10, 10, 600, 162)))
    assert html.startswith(
        '<table><tr><td rowspan="2">Model</td><td colspan="2">Scores</td></tr>'
        "<tr><td>easy</td><td>hard</td></tr>"
    )
    assert _grid_is_consistent(html)


def test_white_separator_in_a_shaded_header_is_still_a_column_boundary() -> None:
    img = _rule_image(
        [(10, 10, 600), (160, 10, 600)], [(200, 60, 162), (10, 10, 162), (598, 10, 162)]
    )
    img[10:60, 10:600] = 40  # shaded header band ...
    img[10:60, 200:202] = 255  # ... with a white line between its cells
    lines = [
        _line("Name", 20, 25), _line("Value", 220, 25),
        _line("a", 20, 75), _line("1", 220, 75),
        _line("b", 20, 115), _line("2", 220, 115),
    ]  # fmt: skip
    rules = find_rules(img, (10, 10, 600, 162))
    html = table_html(lines, rules=rules)
    assert "colspan" not in html
    assert "<td>Name</td><td>Value</td>" in html


def test_underline_is_not_a_row_boundary() -> None:
    img = _grid_image()
    img[97:99, 220:400] = 0  # underlines "The effective user" (220..400, bottom at 95)
    lines = [
        _line("Name", 20, 25), _line("Value", 220, 25),
        _line("USER", 20, 75), _line("The effective user", 220, 75),
        _line("of the thread", 220, 105),
        _line("last", 20, 175), _line("x", 220, 175),
    ]  # fmt: skip
    rules = find_rules(img, (10, 10, 590, 212))
    assert 98 in [round(y) for y in rules.ys]  # found, as a partial rule
    html = table_html(lines, rules=rules)
    assert "<td>USER</td><td>The effective user of the thread</td>" in html


def test_grid_keeps_rows_consistent_when_cells_overflow() -> None:
    # A row with more cells than columns keeps its text in the last cell.
    html = Grid([[(0, 1, "a"), (1, 1, "b"), (1, 1, "c")], [(0, 1, "d")]], 2).html()
    assert html == "<table><tr><td>a</td><td>b c</td></tr><tr><td>d</td><td></td></tr></table>"
    assert re.fullmatch(r"<table>(<tr>(<td>[^<]*</td>){2}</tr>)+</table>", html)


def test_rowspan_in_a_right_to_left_table_starts_at_the_right() -> None:
    # The rowspan test mirrored: column 0 (read first) is now the rightmost.
    img = _rule_image(
        [(10, 10, 600), (60, 10, 600), (160, 10, 410), (260, 10, 600)],
        [(10, 10, 262), (210, 10, 262), (410, 10, 262), (598, 10, 262)],
    )
    lines = [
        _line("Name", 440, 25), _line("Kind", 240, 25), _line("Value", 30, 25),
        _line("Group A", 440, 150), _line("first", 240, 100), _line("1", 30, 100),
        _line("second", 240, 200), _line("2", 30, 200),
    ]  # fmt: skip
    html = table_html(lines, rtl=True, rules=find_rules(img, (10, 10, 600, 262)))
    assert '<td rowspan="2">Group A</td><td>first</td><td>1</td></tr><tr><td>second</td>' in html
    assert _grid_is_consistent(html)


def test_dark_shaded_column_does_not_swallow_the_rules_crossing_it() -> None:
    img = _grid_image()
    img[12:210, 202:340] = 100  # a column filled dark, between the outer rules
    rules = find_rules(img, (10, 10, 590, 212))
    assert {11, 61, 161, 211} <= {round(y) for y in rules.ys}
