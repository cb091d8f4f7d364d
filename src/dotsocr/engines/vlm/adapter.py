"""What a model brings to the VLM engine: the request form and the reading of answers.

The transport (``client``) moves bodies and streamed text and knows no model; the
engine (``engine``) owns the page policy (blank pages, retries at rising
temperature, salvage, CPU fallback). Everything that depends on the model sits
behind :class:`ModelAdapter`, so another model is one adapter module (see
``engines/dots/adapter.py``) plus a small engine class naming it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, Protocol, TypeVar

from dotsocr.model import Element

#: How an answer was read. "ok" and "empty" are clean; "repaired" and "plain_text"
#: are salvage worth another attempt; "unusable" gave nothing.
ReadStatus = Literal["ok", "repaired", "plain_text", "empty", "unusable"]

CLEAN_STATUSES: frozenset[str] = frozenset({"ok", "empty"})


class Reading(Protocol):
    """One answer as the adapter read it, still in the model's own coordinates."""

    @property
    def status(self) -> ReadStatus: ...

    @property
    def elements(self) -> Sequence[object]: ...

    @property
    def notes(self) -> list[str]:
        """What had to be repaired, for the page's warnings."""
        ...


class Placed(Protocol):
    """A reading's elements on the page, with counted notes on what was bent."""

    @property
    def elements(self) -> list[Element]: ...

    @property
    def warnings(self) -> list[str]: ...


R = TypeVar("R", bound=Reading)


class ModelAdapter(Protocol[R]):
    """One model's side of a page request. Built once per engine from its options
    (prompt, sampling, request dialect); the engine supplies what varies per attempt."""

    def request_body(
        self, image_url: str, page_size: tuple[int, int], *, model: str | None, temperature: float
    ) -> dict[str, Any]:
        """The chat-completions body for a page (``page_size`` is its width, height)."""
        ...

    def read(self, text: str, page_size: tuple[int, int]) -> R:
        """The model's streamed answer as elements; never raises for a bad answer."""
        ...

    def place(self, reading: R, page_size: tuple[int, int]) -> Placed:
        """The reading's elements mapped from model-input pixels onto the page."""
        ...
