"""map_elements and the geometry helpers: model-input pixels <-> page pixels."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from dotsocr.engines.dots.mapping import map_elements, normalise_category
from dotsocr.engines.dots.repair import RawElement
from dotsocr.geometry import model_input_size, smart_resize, to_model_space, to_page_space
from dotsocr.protocol import CATEGORIES, MAX_PIXELS

PAGE = (1654, 2339)  # A4 at 200 DPI
MODEL_W, MODEL_H = 1652, 2352  # smart_resize(2339, 1654)


def r(bbox, category="Text", text="x"):
    return RawElement(
        bbox=None if bbox is None else [float(v) for v in bbox], category=category, text=text
    )


def test_model_input_size_matches_smart_resize():
    assert model_input_size(PAGE) == (MODEL_W, MODEL_H)
    assert smart_resize(PAGE[1], PAGE[0]) == (MODEL_H, MODEL_W)


def test_boxes_scale_per_axis_and_round():
    out = map_elements([r([100, 200, 826, 1162])], PAGE)
    x1, y1, x2, y2 = out.elements[0].bbox
    assert (x1, x2) == (round(100 * 1654 / MODEL_W), round(826 * 1654 / MODEL_W))
    assert (y1, y2) == (round(200 * 2339 / MODEL_H), round(1162 * 2339 / MODEL_H))
    assert out.warnings == []


def test_large_page_is_scaled_back():
    page = (5000, 7000)  # above MAX_PIXELS: the server shrinks it
    w, h = model_input_size(page)
    assert w * h <= MAX_PIXELS
    out = map_elements([r([0, 0, w, h])], page)
    assert out.elements[0].bbox == [0, 0, 5000, 7000]


def test_clipping_is_counted():
    out = map_elements([r([-10, -5, 100, 100]), r([10, 10, MODEL_W + 50, MODEL_H + 9])], PAGE)
    assert out.elements[0].bbox[:2] == [0, 0]
    assert out.elements[1].bbox[2:] == [1654, 2339]
    assert out.warnings == ["2 boxes outside the page clipped"]


def test_swapped_corners_inside_the_page_are_fixed():
    out = map_elements([r([300, 400, 100, 200])], PAGE)
    x1, y1, x2, y2 = out.elements[0].bbox
    assert x1 < x2 and y1 < y2
    assert out.warnings == ["1 box with swapped corners fixed"]


def test_inverted_box_outside_the_page_is_dropped():
    out = map_elements([r([5000, 400, 100, 200]), r([1, 1, 50, 50])], PAGE)
    assert len(out.elements) == 1
    assert out.warnings == ["1 inverted box dropped"]


def test_zero_area_boxes_are_dropped():
    raw = [r([100, 100, 100, 300]), r([MODEL_W + 10, 5, MODEL_W + 90, 50]), r([5, 5, 60, 60])]
    out = map_elements(raw, PAGE)
    assert len(out.elements) == 1
    assert "2 boxes with no area on the page dropped" in out.warnings


def test_element_without_box_gets_the_full_page():
    out = map_elements([r(None, text="  plain page text \n")], PAGE)
    assert out.elements[0].bbox == [0, 0, 1654, 2339]
    assert out.elements[0].text == "plain page text"
    assert out.warnings == ["1 element without a box given the full page"]


@pytest.mark.parametrize(
    ("given_name", "expected"),
    [
        ("section_header", "Section-header"),
        ("Section Header", "Section-header"),
        ("SECTION-HEADER", "Section-header"),
        ("list item", "List-item"),
        ("page_footer", "Page-footer"),
        ("title", "Title"),
        *[(c, c) for c in CATEGORIES],
    ],
)
def test_category_matching_is_tolerant(given_name, expected):
    assert normalise_category(given_name) == expected
    assert map_elements([r([1, 1, 9, 9], given_name)], PAGE).elements[0].category == expected


def test_unknown_categories_become_text_and_are_counted():
    raw = [r([1, 1, 9, 9], "Paragraph"), r([1, 1, 9, 19], "Paragraph"), r([2, 2, 9, 9], "")]
    out = map_elements(raw, PAGE)
    assert [e.category for e in out.elements] == ["Text"] * 3
    assert out.warnings == [
        "1 unknown category '' kept as Text",
        "2 unknown categories 'Paragraph' kept as Text",
    ]


def test_text_rules():
    raw = [
        r([1, 1, 9, 9], "Picture", "hallucinated caption"),
        r([1, 1, 9, 9], "Text", None),
        r([1, 1, 9, 9], "Table", "  <table></table>\n"),
    ]
    out = map_elements(raw, PAGE)
    assert [e.text for e in out.elements] == [None, "", "<table></table>"]
    only = map_elements(raw, PAGE, prompt_mode="layout_only")
    assert [e.text for e in only.elements] == [None, None, None]


def test_non_finite_box_is_dropped():
    out = map_elements([RawElement(bbox=[math.nan, 1, 2, 3], category="Text", text="x")], PAGE)
    assert out.elements == [] and out.warnings == ["1 invalid box dropped"]


def test_bad_page_size():
    with pytest.raises(ValueError):
        map_elements([], (0, 100))


coord = st.floats(-5000, 20000, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 6000),
    st.integers(1, 6000),
    st.lists(st.tuples(coord, coord, coord, coord), max_size=8),
    st.sampled_from(["Text", "Picture", "title", "Bogus"]),
    st.sampled_from(["layout_all", "layout_only"]),
)
def test_every_kept_box_lies_in_the_page(width, height, boxes, category, mode):
    raw = [RawElement(bbox=list(b), category=category, text="t") for b in boxes]
    out = map_elements(raw, (width, height), prompt_mode=mode)
    assert len(out.elements) <= len(raw)
    for e in out.elements:
        x1, y1, x2, y2 = e.bbox
        assert 0 <= x1 < x2 <= width and 0 <= y1 < y2 <= height
        assert e.category in CATEGORIES


def _page_sizes(min_area: int, max_area: int):
    """Pages with an area in [min_area, max_area] and aspect ratio up to 1:50."""
    return st.tuples(
        st.floats(math.log(min_area), math.log(max_area)), st.floats(-math.log(50), math.log(50))
    ).map(
        lambda t: (
            max(1, round(math.exp((t[0] + t[1]) / 2))),
            max(1, round(math.exp((t[0] - t[1]) / 2))),
        )
    )


@st.composite
def page_and_box(draw, min_area: int, max_area: int):
    width, height = draw(_page_sizes(min_area, max_area))
    xs = sorted(draw(st.tuples(st.floats(0, width), st.floats(0, width))))
    ys = sorted(draw(st.tuples(st.floats(0, height), st.floats(0, height))))
    return (width, height), [xs[0], ys[0], xs[1], ys[1]]


@settings(max_examples=400, deadline=None)
@given(page_and_box(28, MAX_PIXELS))
def test_round_trip_within_a_pixel(case):
    page, box = case
    model_box = to_model_space(box, page)
    w, h = model_input_size(page)
    assert all(isinstance(v, int) for v in model_box)
    assert 0 <= model_box[0] <= model_box[2] <= w and 0 <= model_box[1] <= model_box[3] <= h
    back = to_page_space(model_box, page)
    assert max(abs(a - b) for a, b in zip(back, box, strict=True)) <= 1.0


@settings(max_examples=300, deadline=None)
@given(page_and_box(MAX_PIXELS, 40 * MAX_PIXELS))
def test_round_trip_for_pages_the_server_scales_down(case):
    """Above MAX_PIXELS one model pixel covers several page pixels: the round trip is
    within half of one (at most 1 px for pages up to about 4x the limit)."""
    page, box = case
    assume(page[0] * page[1] > MAX_PIXELS)
    w, h = model_input_size(page)
    assert w * h <= MAX_PIXELS
    back = to_page_space(to_model_space(box, page), page)
    half = (page[0] / w / 2, page[1] / h / 2, page[0] / w / 2, page[1] / h / 2)
    for a, b, tol in zip(back, box, half, strict=True):
        assert abs(a - b) <= max(1.0, tol) + 1e-6


@settings(max_examples=200, deadline=None)
@given(page_and_box(28, 4 * MAX_PIXELS))
def test_mapping_round_trips_within_a_pixel(case):
    """A box sent to the model (grounding) and answered back maps to the same place."""
    page, box = case
    assume(box[2] - box[0] >= 3 and box[3] - box[1] >= 3)
    w, h = model_input_size(page)
    assume(page[0] / w <= 2 and page[1] / h <= 2)  # one model pixel <= two page pixels
    model_box = to_model_space(box, page)
    out = map_elements(
        [RawElement(bbox=[float(v) for v in model_box], category="Text", text="t")], page
    )
    if out.elements:  # a box thinner than a model pixel may vanish
        mapped = out.elements[0].bbox
        assert max(abs(a - b) for a, b in zip(mapped, box, strict=True)) <= 1.5
