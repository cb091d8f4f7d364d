"""Progress and summary for the terminal (Rich); silent when quiet or not a TTY."""

from __future__ import annotations

from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from dotsocr.model import Document, Page
from dotsocr.pipeline import RunSummary


class ConsoleReporter:
    """Draws a pages bar for the current document and prints one line per problem."""

    def __init__(self, console: Console, *, show_progress: bool) -> None:
        self.console = console
        self.progress: Progress | None = None
        if show_progress:
            self.progress = Progress(
                TextColumn("[bold]{task.description}", justify="left"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("pages"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=console,
                transient=True,
            )
        self._task: int | None = None

    def __enter__(self) -> ConsoleReporter:
        if self.progress is not None:
            self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.progress is not None:
            self.progress.stop()

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        if self.progress is None:
            return
        if self._task is not None:
            self.progress.remove_task(self._task)
        name = path.name if len(path.name) <= 40 else path.name[:37] + "..."
        self._task = self.progress.add_task(name, total=pages_to_do + pages_done)
        self.progress.update(self._task, completed=pages_done)

    def page_finished(self, page: Page) -> None:
        if self.progress is not None and self._task is not None:
            self.progress.advance(self._task)

    def document_finished(self, doc: Document) -> None:
        if doc.error is not None:
            self.console.print(f"[red]error[/red]: {doc.source}: {doc.error}", highlight=False)
        for page in doc.pages:
            if page.status == "failed":
                self.console.print(
                    f"[red]error[/red]: {doc.source}: page {page.number}: {page.error}",
                    highlight=False,
                )


def print_summary(console: Console, summary: RunSummary, output_dir: Path) -> None:
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
