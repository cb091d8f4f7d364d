"""Which table regions the learned model rebuilds: only grids where the rules found
a spanning cell, short enough for its input, without currency or leader columns.
The model itself is replaced by a marker here (it is an optional extra); its own
tests are in test_table_model.py."""

from __future__ import annotations

import numpy as np
import pytest

from dotsocr.engines.cpu import table_build
from dotsocr.engines.cpu.textlines import Line

#: What the stand-in model answers: four rows, as many as the rules read in _spanning().
MARK = "<table>" + "<tr><td>model</td></tr>" * 4 + "</table>"


def _line(text: str, x: float, row: int) -> Line:
    glyphs = [
        (c, (x + 10 * i, 30.0 * row, x + 10 * i + 8, 30.0 * row + 20)) for i, c in enumerate(text)
    ]
    return Line(text, (x, 30.0 * row, x + 10 * len(text), 30.0 * row + 20), 20.0, glyphs=glyphs)


def _spanning(rows: int = 3, amount: str = "12") -> list[Line]:
    """A heading over two columns, then ``rows`` rows of a label and two amounts."""
    lines = [_line("Year ended December 31", 300, 0)]
    lines += [_line(f"Row{r}", 0, r + 1) for r in range(rows)]
    lines += [_line(amount, 300, r + 1) for r in range(rows)]
    lines += [_line(amount, 450, r + 1) for r in range(rows)]
    return lines


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def fake(crop: np.ndarray, box: object, lines: object, rules: object = None) -> str:
        calls.append(1)
        return MARK

    monkeypatch.setattr(table_build, "model_table_html", fake)
    return calls


IMAGE = np.full((400, 700, 3), 255, np.uint8)


def test_spanning_grid_goes_to_the_model(model: list[int]) -> None:
    lines = _spanning()
    assert table_build.region_table_html(lines, False, (0, 0, 600, 150), IMAGE) == MARK


def test_plain_tall_rtl_currency_or_imageless_tables_keep_the_rules(model: list[int]) -> None:
    box = (0, 0, 600, 900)
    plain = [ln for ln in _spanning() if ln.text != "Year ended December 31"]
    assert "rowspan" not in table_build.region_table_html(plain, False, box, IMAGE)
    cases = [
        (plain, False, IMAGE),
        (_spanning(rows=25), False, IMAGE),
        (_spanning(), True, IMAGE),
        (_spanning(), False, None),
        ([*_spanning(), _line("$", 280, 1)], False, IMAGE),
        ([*_spanning(), _line("Total . . . . . .", 0, 5)], False, IMAGE),
    ]
    for lines, rtl, image in cases:
        assert table_build.region_table_html(lines, rtl, box, image) != MARK
    assert not model


def test_a_model_grid_with_fewer_rows_than_the_text_is_not_taken(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    merged = "<table><tr><td>model</td></tr></table>"
    monkeypatch.setattr(table_build, "model_table_html", lambda *a, **k: merged)
    html = table_build.region_table_html(_spanning(), False, (0, 0, 600, 150), IMAGE)
    assert html != merged and html.count("<tr") == 4
