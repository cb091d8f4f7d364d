"""Progress events of a run: the pipeline sends them, front ends draw them.

:class:`Reporter` is what the pipeline (and the Ray runner) calls; the library's
default ignores every event. :class:`BatchProgress` turns the events into counts
(documents, pages, failures, pages/s, ETA) that any front end can show: the CLI's
terminal and log displays, or a service answering "how far is my batch". Events may
come from several threads, so it counts under a lock and hands out snapshots.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from dotsocr.model import Document, Page


class Reporter(Protocol):
    """Progress events; the CLI draws them, the library ignores them.

    ``batch_started`` comes once, before the first document, with the number of
    inputs; a reporter must also work when it never comes (a bare Pipeline).
    """

    def batch_started(self, documents: int) -> None: ...
    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None: ...
    def page_finished(self, page: Page) -> None: ...
    def document_finished(self, doc: Document) -> None: ...


class SilentReporter:
    """Ignores every event (the library default); a context manager, as the displays
    that subclass it are."""

    def __enter__(self) -> SilentReporter:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def batch_started(self, documents: int) -> None:
        pass

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        pass

    def page_finished(self, page: Page) -> None:
        pass

    def document_finished(self, doc: Document) -> None:
        pass


@dataclass(frozen=True)
class ProgressSnapshot:
    """The batch's counts at one moment; rate and ETA are derived from them."""

    #: Inputs in the batch; None when batch_started never came.
    documents_total: int | None = None
    #: Documents finished, read or not.
    documents_done: int = 0
    #: Documents started or finished so far (an unreadable one finishes unstarted).
    documents_seen: int = 0
    #: Pages of the documents started so far, resumed ones included.
    pages_total: int = 0
    #: Pages finished (this run's, failed ones included) plus resumed ones.
    pages_done: int = 0
    #: Pages finished in this run: what the rate is made of.
    pages_processed: int = 0
    #: Pages of this run that failed.
    pages_failed: int = 0
    #: Documents that ended with an error and no pages (could not be read).
    documents_failed: int = 0
    #: Seconds since the batch (or its first document) started.
    elapsed: float = 0.0
    #: The most recently started document still in progress.
    current: str | None = None

    @property
    def failures(self) -> int:
        """Failed pages plus documents that could not be read."""
        return self.pages_failed + self.documents_failed

    @property
    def rate(self) -> float:
        """Pages finished in this run per second."""
        return self.pages_processed / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def pages_left(self) -> float:
        """Pages still to do: the started documents' rest, and for documents not yet
        started as many pages as the started ones had on average."""
        left = float(self.pages_total - self.pages_done)
        started = self.documents_seen - self.documents_failed
        if self.documents_total is not None and started > 0:
            unstarted = max(0, self.documents_total - self.documents_seen)
            left += unstarted * self.pages_total / started
        return max(0.0, left)

    @property
    def eta(self) -> float | None:
        """Seconds to the end at the rate so far; None before any page finished."""
        rate = self.rate
        return self.pages_left / rate if rate > 0 else None

    @property
    def finished(self) -> bool:
        """Every input of the batch is done (only known after batch_started)."""
        return self.documents_total is not None and self.documents_done >= self.documents_total


@dataclass
class _Running:
    name: str
    started: float
    pages: int


@dataclass(frozen=True)
class FinishedDocument:
    """A document that started and ended: how long it ran, how many pages it asked for."""

    seconds: float
    pages: int


class BatchProgress:
    """Counts a batch's events (a Reporter itself); thread-safe; the clock injectable."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._started: float | None = None
        self._state = ProgressSnapshot()
        self._running: dict[str, _Running] = {}

    def batch_started(self, documents: int) -> None:
        with self._lock:
            self._started = self._clock()
            self._update(documents_total=documents)

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        with self._lock:
            now = self._clock()
            if self._started is None:
                self._started = now
            pages = pages_to_do + pages_done
            self._running[str(path)] = _Running(Path(path).name, now, pages)
            state = self._state
            self._update(
                documents_seen=state.documents_seen + 1,
                pages_total=state.pages_total + pages,
                pages_done=state.pages_done + pages_done,
            )

    def page_finished(self, page: Page) -> None:
        with self._lock:
            state = self._state
            self._update(
                pages_done=state.pages_done + 1,
                pages_processed=state.pages_processed + 1,
                pages_failed=state.pages_failed + (page.status == "failed"),
            )

    def document_finished(self, doc: Document) -> FinishedDocument | None:
        """Count ``doc`` as done; returns its run (None: it never started)."""
        with self._lock:
            now = self._clock()
            running = self._running.pop(doc.source, None)
            state = self._state
            unreadable = doc.error is not None and not doc.pages
            self._update(
                documents_done=state.documents_done + 1,
                documents_seen=state.documents_seen + (running is None),
                documents_failed=state.documents_failed + unreadable,
            )
            if running is None:
                return None
            return FinishedDocument(now - running.started, running.pages)

    @property
    def started(self) -> bool:
        """Whether any event of the batch came yet."""
        with self._lock:
            return self._started is not None or self._state.documents_done > 0

    def snapshot(self) -> ProgressSnapshot:
        """The counts now, with the elapsed time and the current document filled in."""
        with self._lock:
            elapsed = self._clock() - self._started if self._started is not None else 0.0
            current = next(reversed(self._running.values())).name if self._running else None
            return replace(self._state, elapsed=elapsed, current=current)

    def _update(self, **changes: int) -> None:
        self._state = replace(self._state, **changes)
