"""The one small interface every engine implements.

An engine takes pages as they are rendered and yields results, so a pipeline can
stream a 1,000-page PDF with bounded memory. Engines may yield out of order (the
GPU engine keeps many requests in flight); each result carries its page number.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Protocol

from dotsocr.model import Page
from dotsocr.sources.base import PageImage


class Engine(Protocol):
    #: Short name recorded in each Page ("cpu", "dots").
    name: str

    def settings(self) -> dict[str, Any]:
        """Everything that changes this engine's output; hashed into resume keys."""
        ...

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        """Turn pages into results. A page that fails yields a ``failed`` Page;
        it never raises for one page's trouble."""
        ...


def failed_page(page: PageImage, error: str, engine: str) -> Page:
    """The result for a page an engine could not read, with the reason."""
    width, height = page.size
    return Page(
        number=page.number,
        width=width,
        height=height,
        dpi=page.dpi,
        status="failed",
        error=error,
        engine=engine,
    )
