"""Page-range expressions and pixel-budget sizing."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dotsocr.errors import PageRangeError
from dotsocr.sources.pages import MAX_PAGE_COUNT, parse_page_range, validate_page_range
from dotsocr.sources.sizing import fit_size


@pytest.mark.parametrize(
    ("expr", "count", "expected"),
    [
        (None, 3, [1, 2, 3]),
        ("1-3,7", 10, [1, 2, 3, 7]),
        ("5-", 7, [5, 6, 7]),
        ("-2", 7, [1, 2]),
        ("3", 3, [3]),
        (" 7 , 1 - 2 ,2", 9, [1, 2, 7]),
        ("2-2", 2, [2]),
        ("3,1,3", 3, [1, 3]),
    ],
)
def test_valid_ranges(expr: str | None, count: int, expected: list[int]) -> None:
    assert parse_page_range(expr, count) == expected


@pytest.mark.parametrize(
    "expr", ["", " ", "a", "1-2-3", "1,,2", "-", "0", "0-3", "3-1", "1.5", "+2", "--2", "1;2"]
)
def test_bad_syntax_or_numbers(expr: str) -> None:
    with pytest.raises(PageRangeError):
        parse_page_range(expr, 10)
    with pytest.raises(PageRangeError):
        validate_page_range(expr)


@pytest.mark.parametrize("expr", ["4", "4-", "4-9", "5,9"])
def test_nothing_selected_names_the_count(expr: str) -> None:
    with pytest.raises(PageRangeError, match="3 pages"):
        parse_page_range(expr, 3)


@pytest.mark.parametrize(
    ("expr", "expected"), [("2-4", [2, 3]), ("1,9", [1]), ("1-3", [1, 2, 3]), ("3-", [3])]
)
def test_spans_are_clipped_to_the_document(expr: str, expected: list[int]) -> None:
    assert parse_page_range(expr, 3) == expected


def test_single_page_message_is_singular() -> None:
    with pytest.raises(PageRangeError, match=r"\(1 page\)"):
        parse_page_range("2", 1)


def test_unknown_page_count_only_checks_syntax() -> None:
    # The CLI checks --pages before opening anything; "5-" must not expand forever.
    assert parse_page_range("5-", sys.maxsize) == []
    assert parse_page_range("5-", MAX_PAGE_COUNT + 1) == []
    with pytest.raises(PageRangeError):
        parse_page_range("x", sys.maxsize)
    validate_page_range(None)
    validate_page_range("1-3,7")


spans = st.tuples(st.integers(1, 60), st.one_of(st.none(), st.integers(0, 30)))


def _expr(parts: list[tuple[int, int | None]]) -> str:
    out = []
    for first, extra in parts:
        out.append(f"{first}-" if extra is None else f"{first}-{first + extra}")
    return ",".join(out)


@given(st.lists(spans, min_size=1, max_size=6), st.integers(1, 100))
def test_result_is_sorted_unique_and_in_range(
    parts: list[tuple[int, int | None]], count: int
) -> None:
    expr = _expr(parts)
    try:
        pages = parse_page_range(expr, count)
    except PageRangeError:
        # Only ranges lying wholly past the end may fail.
        assert all(first > count for first, _ in parts)
        return
    assert pages == sorted(set(pages))
    assert pages and all(1 <= p <= count for p in pages)
    for first, extra in parts:
        assert (first in pages) == (first <= count)
        last = count if extra is None else min(first + extra, count)
        assert all(p in pages for p in range(first, last + 1))


@given(st.floats(0.01, 1e7), st.floats(0.01, 1e7), st.integers(1, 50_000_000))
def test_fit_size_stays_within_budget(width: float, height: float, budget: int) -> None:
    fitted = fit_size(width, height, budget)
    assert fitted.width >= 1 and fitted.height >= 1
    assert fitted.width * fitted.height <= max(budget, 1)
    if width * height <= budget and round(width) * round(height) <= budget:
        assert fitted.downscaled_from is None


def test_fit_size_absurd_page() -> None:
    fitted = fit_size(612 * 200 / 72, 2**31 * 200 / 72, 11_289_600)
    assert fitted.width * fitted.height <= 11_289_600
    assert fitted.downscaled_from == (1700, round(2**31 * 200 / 72))


def test_fit_size_rejects_empty() -> None:
    with pytest.raises(ValueError):
        fit_size(0, 10, 100)
