"""Chart axes told from table columns: evenly spaced ticks at even value steps."""

from __future__ import annotations

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.chart_axes import has_tick_axis, looks_like_chart
from dotsocr.engines.cpu.page_roles import mark_captions
from dotsocr.engines.cpu.textlines import Line


def _right_aligned(texts: list[str], right: float = 100.0, pitch: float = 50.0) -> list[Line]:
    return [
        Line(t, (right - 12 * len(t), 40 + pitch * i, right, 60 + pitch * i), 20.0)
        for i, t in enumerate(texts)
    ]


def test_value_axis_is_an_axis() -> None:
    assert has_tick_axis(_right_aligned(["600", "500", "400", "300", "200", "100", "0"]))
    assert has_tick_axis(_right_aligned(["2.60", "2.40", "2.20", "2.00", "1.80"]))


def test_category_axis_along_a_row_is_an_axis() -> None:
    years = [Line(str(2019 + k), (100 + 80 * k, 500, 150 + 80 * k, 520), 20.0) for k in range(5)]
    assert has_tick_axis(years)


def test_uneven_values_or_spacing_are_no_axis() -> None:
    assert not has_tick_axis(_right_aligned(["28,009", "5,543", "643,767", "7,990", "302"]))
    assert not has_tick_axis(_right_aligned(["600", "500", "400"]))  # too few
    lines = _right_aligned(["40", "30", "20", "10"])
    lines[2] = Line("20", (76, 400, 100, 420), 20.0)  # one tick far off the pitch
    assert not has_tick_axis(lines)


def test_year_column_of_a_filled_table_is_no_chart() -> None:
    years = _right_aligned(["2015", "2016", "2017", "2018", "2019"])
    assert has_tick_axis(years)
    assert not looks_like_chart(years, fill=0.9)
    assert looks_like_chart(years, fill=0.2)


def test_big_unlabelled_caption_is_a_heading_and_table_caption_stays() -> None:
    body = Line("body text", (0, 0, 100, 20), 20.0)
    title = Line("NICS Firearm Background Checks", (0, 0, 600, 40), 40.0)
    label = Line("Table 2: Articles and metaclusters.", (0, 0, 600, 40), 40.0)
    blocks = [
        Block("Caption", title.box, [title], title.text),
        Block("Caption", label.box, [label], label.text),
        Block("Text", body.box, [body], body.text),
    ]
    mark_captions(blocks, height=1000, body=20.0)
    assert [b.category for b in blocks] == ["Section-header", "Caption", "Text"]
