"""Table structure from ruling lines and glyph boxes (CPU engine)."""

from __future__ import annotations

import numpy as np

from dotsocr.engines.cpu.tables import find_rules, split_at_columns, table_html
from dotsocr.engines.cpu.textlines import Line


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
    ys, xs = find_rules(_grid_image(), (10, 10, 590, 212))
    assert [round(y) for y in ys] == [11, 61, 161, 211]
    assert 201 in [round(x) for x in xs]


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


def test_no_image_means_no_rules() -> None:
    assert find_rules(None, (0, 0, 10, 10)) == ([], [])
