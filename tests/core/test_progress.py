"""The terminal reporter: a progress bar on a terminal, one line per problem."""

import io
from pathlib import Path

from rich.console import Console

from dotsocr.model import Document, Page
from dotsocr.pipeline import RunSummary
from dotsocr.progress import ConsoleReporter, print_summary


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=120, soft_wrap=True), buffer


def test_problems_are_one_line_each_naming_the_file():
    console, buffer = _console(terminal=False)
    reporter = ConsoleReporter(console, show_progress=False)
    reporter.document_finished(Document(source="bad.pdf", error="corrupt or unreadable PDF"))
    failed = Page(number=3, width=0, height=0, status="failed", error="render failed")
    reporter.document_finished(Document(source="ok.pdf", pages=[failed]))
    lines = buffer.getvalue().splitlines()
    assert lines == [
        "error: bad.pdf: corrupt or unreadable PDF",
        "error: ok.pdf: page 3: render failed",
    ]


def test_progress_bar_tracks_pages_on_a_terminal():
    console, buffer = _console(terminal=True)
    with ConsoleReporter(console, show_progress=True) as reporter:
        reporter.document_started(Path("doc.pdf"), pages_to_do=3, pages_done=1)
        reporter.page_finished(Page(number=2, width=1, height=1))
        task = reporter.progress.tasks[0]
        assert (task.completed, task.total) == (2, 4)
    assert "doc.pdf" in buffer.getvalue()


def test_summary_counts_statuses_and_rate():
    console, buffer = _console(terminal=False)
    pages = [Page(number=1, width=1, height=1), Page(number=2, width=1, height=1, status="failed")]
    summary = RunSummary(documents=[Document(source="a.pdf", pages=pages)], seconds=2.0)
    print_summary(console, summary, Path("out"))
    text = buffer.getvalue()
    assert "2 page(s) parsed in 2.0 s (1.00 pages/s)" in text
    assert "ok 1, repaired 0, fallback 0, failed 1" in text
    assert text.rstrip().endswith("output: out")
