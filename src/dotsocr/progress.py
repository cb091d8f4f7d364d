"""Progress and summary on stderr, for whoever watches the run.

On a terminal a live display (documents, pages done/total, pages/s, ETA, failures);
when stderr is a log file, CI or nohup, plain lines instead: one every ``interval``
seconds (a timer thread keeps them coming while a long page runs) and one per
finished document. With --quiet only the error lines. Every reporter prints one
``error: <source>: ...`` line per problem, and all of them take events from any
thread.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console, RenderableType
from rich.live import Live
from rich.markup import escape
from rich.progress_bar import ProgressBar
from rich.table import Table
from rich.text import Text

from dotsocr.model import Document, Page
from dotsocr.reporting import BatchProgress, FinishedDocument, ProgressSnapshot, SilentReporter

if TYPE_CHECKING:
    from dotsocr.pipeline import RunSummary

Clock = Callable[[], float]


# -- text pieces shared by both displays ---------------------------------------------


def format_duration(seconds: float) -> str:
    """``46 s``, ``3 min 20 s``, ``2 h 05 min``: short enough for a status line."""
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def format_rate(rate: float) -> str:
    """Pages/s with two figures below 1 (a VLM may do 0.25 pages/s), else one."""
    return f"{rate:.2f} pages/s" if rate < 1 else f"{rate:.1f} pages/s"


def progress_counts(state: ProgressSnapshot) -> str:
    """``2/5 documents, 37/120 pages, 1.8 pages/s, ETA 46 s, 0 failed``."""
    total = "?" if state.documents_total is None else str(state.documents_total)
    eta = "?" if state.eta is None else format_duration(state.eta)
    return (
        f"{state.documents_done}/{total} documents, {state.pages_done}/{state.pages_total} "
        f"pages, {format_rate(state.rate)}, ETA {eta}, {state.failures} failed"
    )


def document_line(doc: Document, run: FinishedDocument | None) -> str:
    """``done: report.pdf: 12 pages (3 resumed), 0 failed, 6.1 s``, or ``stopped: ...:
    29 of 352 pages, ...`` for a document the run stopped part-way."""
    name = Path(doc.source).name
    if doc.error is not None and not doc.pages:
        return f"done: {name}: could not be read"
    resumed = f" ({doc.resumed_pages} resumed)" if doc.resumed_pages else ""
    failed = sum(p.status == "failed" for p in doc.pages)
    took = "" if run is None else f", {run.seconds:.1f} s"
    count = len(doc.pages)
    if run is not None and count < run.pages:
        verdict, pages = "stopped", f"{count} of {run.pages} pages"
    else:
        verdict, pages = "done", f"{count} page" + ("" if count == 1 else "s")
    return f"{verdict}: {name}: {pages}{resumed}, {failed} failed{took}"


def _short(name: str, width: int = 40) -> str:
    return name if len(name) <= width else name[: width - 3] + "..."


# -- reporters --------------------------------------------------------------------------


class ConsoleReporter(SilentReporter):
    """One line per problem and nothing else: --quiet, and the base of both displays."""

    def __init__(self, console: Console) -> None:
        self.console = console

    def document_finished(self, doc: Document) -> None:
        self.print_errors(doc)

    def print_errors(self, doc: Document) -> None:
        source = escape(doc.source)
        if doc.error is not None:
            self.console.print(f"[red]error[/red]: {source}: {escape(doc.error)}", highlight=False)
        for page in doc.pages:
            if page.status == "failed":
                reason = escape(page.error or "failed")
                self.console.print(
                    f"[red]error[/red]: {source}: page {page.number}: {reason}", highlight=False
                )


class PlainReporter(ConsoleReporter):
    """Log-friendly lines: ``progress: ...`` every ``interval`` s, ``done: ...`` per document.

    Used as a context manager, a daemon thread writes the periodic line even while no
    event comes (one long page); without it, events check whether a line is due.
    """

    def __init__(
        self, console: Console, *, interval: float = 10.0, clock: Clock = time.monotonic
    ) -> None:
        super().__init__(console)
        self.interval = interval
        self.progress = BatchProgress(clock)
        self._clock = clock
        self._lock = threading.Lock()
        self._last_line: float | None = None
        self._stop = threading.Event()
        self._timer: threading.Thread | None = None

    def __enter__(self) -> PlainReporter:
        self._stop.clear()
        self._timer = threading.Thread(target=self._tick_until_stopped, daemon=True)
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._timer is not None:
            self._timer.join(timeout=5)
            self._timer = None

    def batch_started(self, documents: int) -> None:
        self.progress.batch_started(documents)
        with self._lock:
            self._last_line = self._clock()

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        self.progress.document_started(path, pages_to_do, pages_done)
        self.tick()

    def page_finished(self, page: Page) -> None:
        self.progress.page_finished(page)
        self.tick()

    def document_finished(self, doc: Document) -> None:
        run = self.progress.document_finished(doc)
        self.print_errors(doc)
        self.console.print(escape(document_line(doc, run)), highlight=False)
        self.tick()

    def tick(self) -> bool:
        """Write the progress line if one is due; True when it did."""
        if not self.progress.started:
            return False
        with self._lock:
            now = self._clock()
            if self._last_line is None:
                self._last_line = now  # the first line comes one interval after the start
                return False
            if now - self._last_line < self.interval:
                return False
            state = self.progress.snapshot()
            if state.finished:
                return False
            self._last_line = now
            self.console.print(f"progress: {progress_counts(state)}", highlight=False)
            return True

    def _tick_until_stopped(self) -> None:
        step = max(0.01, min(self.interval / 4, 1.0))
        while not self._stop.wait(step):
            self.tick()


class LiveReporter(ConsoleReporter):
    """A live display on the terminal; error lines are printed above it."""

    def __init__(self, console: Console, *, clock: Clock = time.monotonic) -> None:
        super().__init__(console)
        self.progress = BatchProgress(clock)
        self.live = Live(
            console=console,
            get_renderable=self.render,
            refresh_per_second=4,
            transient=True,
        )

    def __enter__(self) -> LiveReporter:
        self.live.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.live.stop()

    def batch_started(self, documents: int) -> None:
        self.progress.batch_started(documents)

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        self.progress.document_started(path, pages_to_do, pages_done)

    def page_finished(self, page: Page) -> None:
        self.progress.page_finished(page)

    def document_finished(self, doc: Document) -> None:
        self.progress.document_finished(doc)
        self.print_errors(doc)

    def render(self) -> RenderableType:
        """One line: current document, a pages bar, then the counts."""
        if not self.progress.started:
            return Text("starting ...")  # the engine is loading; no counts yet
        state = self.progress.snapshot()
        grid = Table.grid(padding=(0, 1))
        grid.add_column(no_wrap=True)
        grid.add_column(width=30)
        grid.add_column(no_wrap=True)
        name = Text(_short(state.current or ""))
        name.stylize("bold")
        bar = ProgressBar(total=max(state.pages_total, 1), completed=state.pages_done, width=30)
        grid.add_row(name, bar, Text(progress_counts(state)))
        return grid

    def refresh(self) -> None:
        """Redraw now (the display also redraws itself 4 times a second)."""
        self.live.refresh()


def make_reporter(console: Console, *, quiet: bool, interval: float = 10.0) -> ConsoleReporter:
    """Errors only with ``quiet``; a live display on a terminal; plain lines otherwise."""
    if quiet:
        return ConsoleReporter(console)
    if console.is_terminal:
        return LiveReporter(console)
    return PlainReporter(console, interval=interval)


# -- the end of the run -----------------------------------------------------------------


def print_summary(console: Console, summary: RunSummary, output_dir: Path) -> None:
    """One line: documents, pages and rate, statuses, tokens, resumed pages, output."""
    pages = summary.processed_pages
    rate = pages / summary.seconds if summary.seconds > 0 else 0.0
    failed_docs = len(summary.failed_documents)
    parts = [
        f"{len(summary.documents)} document(s)"
        + (f" ({failed_docs} could not be read)" if failed_docs else ""),
        f"{pages} page(s) parsed in {summary.seconds:.1f} s ({rate:.2f} pages/s)",
        f"ok {summary.count('ok')}, repaired {summary.count('repaired')}, "
        f"fallback {summary.count('fallback')}, failed {summary.count('failed')}",
    ]
    tokens = summary.prompt_tokens + summary.completion_tokens
    if tokens and summary.seconds > 0:
        parts.append(
            f"{tokens} tokens ({summary.completion_tokens / summary.seconds:.0f} "
            f"generated tokens/s)"
        )
    if summary.resumed_pages:
        parts.append(f"{summary.resumed_pages} page(s) already done, skipped")
    parts.append(f"output: {output_dir}")
    console.print("; ".join(parts), highlight=False)
