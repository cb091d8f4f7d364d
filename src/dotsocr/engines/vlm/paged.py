"""The capability a runner that schedules pages itself (Ray) needs from an engine.

An engine whose pages are independent requests to model servers can be split
across machines: pages are encoded where they are rendered, sent from other
processes, and turned into results there. Runners check for this class
(``isinstance``), never for an engine's name; each worker rebuilds its own engine
through the registry from :meth:`PagewiseEngine.registry_options`, since an engine
holds threads and connections that cannot travel.
"""

from __future__ import annotations

from abc import abstractmethod
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from PIL import Image

from dotsocr.engines.base import Engine
from dotsocr.model import Element, Page
from dotsocr.sources.base import PageImage

if TYPE_CHECKING:
    from dotsocr.options import ParseOptions


@dataclass
class PageOutcome:
    """What one page's requests found; :meth:`PagewiseEngine.finish` makes it a Page."""

    elements: list[Element] = field(default_factory=list)
    status: Literal["ok", "repaired", "failed"] = "ok"
    error: str | None = None
    warnings: list[str] = field(default_factory=list)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    attempts: int = 0
    infer_seconds: float = 0.0


class PagewiseEngine(Engine):
    """An engine that answers one page per request, callable a page at a time."""

    @property
    @abstractmethod
    def max_in_flight(self) -> int:
        """Requests one engine keeps in flight at most (its --concurrency)."""

    @property
    @abstractmethod
    def server_count(self) -> int:
        """Model servers it spreads requests over: a default for the number of workers."""

    @abstractmethod
    def registry_options(self, options: ParseOptions) -> ParseOptions:
        """``options`` naming this engine and carrying its resolved settings (servers,
        key), so ``registry.select_engine`` builds the same engine on another machine."""

    @abstractmethod
    def encode(self, image: Image.Image) -> str:
        """A rendered page in the form :meth:`submit` sends (cheap to ship between
        processes, so the renderer's CPU does the encoding)."""

    @abstractmethod
    def answer_without_request(self, page: PageImage) -> Page | None:
        """The result of a page that needs no request (render error, blank page),
        or None when it must be sent."""

    @abstractmethod
    def submit(self, encoded: str, size: tuple[int, int]) -> Future[PageOutcome]:
        """Start all of one page's attempts; call :meth:`prepare` first."""

    @abstractmethod
    def outcome_of(self, future: Future[PageOutcome]) -> PageOutcome:
        """A finished submission's outcome; a bug in one page's path fails that page."""

    @abstractmethod
    def needs_text_layer(self, outcome: PageOutcome) -> bool:
        """Whether :meth:`finish` will hand the page to a fallback that reads its text
        layer (the caller then passes the page rendered with it)."""

    @abstractmethod
    def finish(self, page: PageImage, outcome: PageOutcome, encode_seconds: float) -> Page:
        """The Page for an outcome (a failed one may go to the fallback)."""
