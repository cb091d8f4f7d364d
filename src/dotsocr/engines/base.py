"""The one small interface every engine implements.

An engine takes pages as they are rendered and yields results, so a pipeline can
stream a 1,000-page PDF with bounded memory. Engines may yield out of order (the
GPU engine keeps many requests in flight); each result carries its page number.
Every engine subclasses :class:`Engine` and implements ``settings`` and
``process``; the lifecycle hooks (``prepare``, ``refine_document``,
``trim_to_prompt``, ``close``) are no-ops here, so callers call them on every
engine instead of probing for them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from dotsocr.model import Page
from dotsocr.sources.base import PageImage


class Engine:
    #: Short name recorded in each Page ("cpu", "dots"); the registry's key.
    name: str

    def settings(self) -> dict[str, Any]:
        """Everything that changes this engine's output; hashed into resume keys."""
        raise NotImplementedError

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        """Turn pages into results. A page that fails yields a ``failed`` Page;
        it never raises for one page's trouble."""
        raise NotImplementedError

    def prepare(self) -> str | None:
        """Load models or check the server before the first page, so a setup
        problem is one clear error rather than every page failing. Returns a short
        description of what is served (a model name), or None."""
        return None

    def refine_document(self, pages: list[Page]) -> None:
        """Document-level pass over a window of pages (running headers, ...)."""

    def trim_to_prompt(self, page: Page, prompt: str) -> None:
        """Cut a page's result to what ``prompt`` asks for, for engines that always
        find the full layout; engines that send the prompt to a model do nothing."""

    def close(self) -> None:
        """Release connections, worker processes and threads."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
