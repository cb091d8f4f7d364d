"""Page-range expressions (``--pages``): "1-3,7", "5-", "-2", "3".

Parsed in two steps, syntax first and the document's page count second, so the CLI
can reject a bad expression before opening any file.
"""

from __future__ import annotations

import re

from dotsocr.errors import PageRangeError

#: No document pdfium can open has more pages than a C int can count. A larger
#: ``page_count`` means "unknown": the expression is only checked, not expanded.
MAX_PAGE_COUNT = 2**31 - 1

_SPAN = re.compile(r"^(\d*)\s*(-?)\s*(\d*)$")

Span = tuple[int, "int | None"]  # (first, last); last None means "to the end"


def parse_spans(expr: str) -> list[Span]:
    """Check the syntax of a page-range expression and return its spans (1-based)."""
    if not expr.strip():
        raise PageRangeError("empty page range (expected e.g. 1-3,7 or 5-)")
    return [_parse_part(part.strip(), expr) for part in expr.split(",")]


def _parse_part(part: str, expr: str) -> Span:
    match = _SPAN.match(part)
    if not part or match is None:
        raise PageRangeError(f"bad page range {part!r} in {expr!r} (expected e.g. 1-3,7 or 5-)")
    first_s, dash, last_s = match.groups()
    if not dash:
        if not first_s:
            raise PageRangeError(f"bad page range {part!r} in {expr!r}")
        first = _page_number(first_s, part)
        return first, first
    if not first_s and not last_s:
        raise PageRangeError(f"bad page range {part!r} in {expr!r}: '-' needs a page on one side")
    first = _page_number(first_s, part) if first_s else 1
    last = _page_number(last_s, part) if last_s else None
    if last is not None and last < first:
        raise PageRangeError(f"bad page range {part!r}: {first} is after {last}")
    return first, last


def _page_number(text: str, part: str) -> int:
    number = int(text)
    if number < 1:
        raise PageRangeError(f"bad page range {part!r}: pages are numbered from 1")
    return number


def validate_page_range(expr: str | None) -> None:
    """Raise PageRangeError when ``expr`` is not a valid expression (no page count
    needed: what the CLI checks before opening any file)."""
    if expr is not None:
        parse_spans(expr)


def parse_page_range(expr: str | None, page_count: int) -> list[int]:
    """The 1-based page numbers ``expr`` selects in a ``page_count``-page document,
    sorted and without duplicates; None selects every page.

    Spans are clipped to the document, as pdftotext's -f/-l are, so one ``--pages
    1-3`` can serve a folder of documents of any length. Raises PageRangeError for
    bad syntax, page 0, or a range that selects no page of this document (the
    message names the count). A ``page_count`` above MAX_PAGE_COUNT is taken as
    unknown: the syntax is checked and an empty list returned.
    """
    spans = parse_spans(expr) if expr is not None else [(1, None)]
    if page_count > MAX_PAGE_COUNT:
        return []
    if page_count < 1:
        raise PageRangeError("the document has no pages")
    selected: set[int] = set()
    for first, last in spans:
        end = page_count if last is None else min(last, page_count)
        selected.update(range(first, end + 1))
    if not selected:
        raise PageRangeError(
            f"pages {expr} are beyond the end of the document ({_pages(page_count)})"
        )
    return sorted(selected)


def _pages(count: int) -> str:
    return "1 page" if count == 1 else f"{count} pages"
