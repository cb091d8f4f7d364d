"""Reading order by XY-cut: columns before rows, shared gutters across bands,
containers placed before what they hold, right-to-left pages from the right."""

from __future__ import annotations

from dotsocr.engines.cpu.reading_order import reading_order

# A two-column page: full-width title, then two columns whose paragraph gaps line
# up (the trap for plain XY-cut), then a full-width footer.
TITLE = (100, 50, 1500, 120)
L1 = (100, 200, 750, 500)
L2 = (100, 540, 750, 900)
R1 = (850, 200, 1500, 500)
R2 = (850, 540, 1500, 900)
FOOT = (100, 1000, 1500, 1040)


def test_two_columns_read_down_the_left_column_first() -> None:
    boxes = [R2, FOOT, L2, TITLE, R1, L1]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [TITLE, L1, L2, R1, R2, FOOT]


def test_full_width_figure_between_column_bands() -> None:
    fig = (100, 520, 1500, 600)
    top_l, top_r = (100, 200, 750, 500), (850, 200, 1500, 500)
    bot_l, bot_r = (100, 620, 750, 900), (850, 620, 1500, 900)
    boxes = [bot_r, fig, top_r, bot_l, top_l]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [top_l, top_r, fig, bot_l, bot_r]


def test_right_to_left_columns_start_at_the_right() -> None:
    boxes = [L1, R1]
    assert [boxes[i] for i in reading_order(boxes, rtl=True)] == [R1, L1]


def test_a_box_holding_others_comes_before_them() -> None:
    picture = (90, 190, 1510, 910)  # a page-sized region over both columns
    boxes = [R1, picture, L1, TITLE]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [TITLE, picture, L1, R1]


def test_single_column_is_top_to_bottom() -> None:
    boxes = [(100, 300, 900, 340), (100, 100, 900, 140), (100, 200, 900, 240)]
    assert reading_order(boxes) == [1, 2, 0]


def test_empty_and_single() -> None:
    assert reading_order([]) == []
    assert reading_order([(0, 0, 1, 1)]) == [0]


def test_a_column_running_on_alone_stays_in_its_column() -> None:
    # The right column pauses (a gap) while the left goes on, then both continue:
    # the left box in the gap is the middle of the left column, not a row.
    mid_l = (100, 520, 750, 560)
    low_l, low_r = (100, 580, 750, 900), (850, 600, 1500, 900)
    boxes = [low_r, mid_l, R1, low_l, L1, FOOT]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [L1, mid_l, low_l, R1, low_r, FOOT]


def test_a_lone_box_before_a_full_width_band_is_not_pulled_into_columns() -> None:
    lone = (100, 520, 750, 560)
    wide = (100, 600, 1500, 900)
    boxes = [wide, lone, R1, L1]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [L1, R1, lone, wide]


def test_no_bridge_over_a_full_width_band() -> None:
    lone = (100, 520, 750, 560)
    wide = (100, 600, 1500, 640)
    low_l, low_r = (100, 700, 750, 900), (850, 700, 1500, 900)
    boxes = [low_r, wide, lone, R1, L1, low_l]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [L1, R1, lone, wide, low_l, low_r]


def test_caption_beside_its_figure_follows_it_and_a_sidebar_comes_after_the_main_text() -> None:
    figure = (100, 200, 900, 700)
    side_caption = (950, 500, 1500, 600)  # beside the figure's lower half
    after = (100, 760, 1500, 900)  # full-width text under both
    main1, main2 = (100, 1000, 1100, 1300), (100, 1340, 1100, 1700)
    sidebar = (1200, 1000, 1500, 1700)  # a boxed note beside the main column
    boxes = [sidebar, after, side_caption, main2, figure, main1]
    order = [boxes[i] for i in reading_order(boxes)]
    assert order == [figure, side_caption, after, main1, main2, sidebar]


def test_furniture_on_one_row_reads_across_it() -> None:
    # The foot of a white paper: the page number "50" sits 3 px lower than the
    # title beside it, on the same row; a running head is at the top.
    body = (170, 200, 1480, 2200)
    title = (160, 2242, 492, 2272)
    number = (116, 2245, 156, 2273)
    head = (170, 49, 683, 83)
    order = reading_order([body, title, number, head], furniture=["", "footer", "footer", "header"])
    assert order == [3, 0, 2, 1]
    rtl = reading_order([body, title, number], rtl=True, furniture=["", "footer", "footer"])
    assert rtl == [0, 1, 2]
