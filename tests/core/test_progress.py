"""Progress on stderr: a live display on a terminal, plain lines in a log, errors only
with --quiet; the counts behind them (pages/s, ETA) and the end-of-run summary."""

import io
import threading
import time
from pathlib import Path

import pytest
from rich.console import Console

from dotsocr.model import Document, Page
from dotsocr.pipeline import RunSummary
from dotsocr.progress import (
    ConsoleReporter,
    LiveReporter,
    PlainReporter,
    format_duration,
    make_reporter,
    print_summary,
)
from dotsocr.reporting import BatchProgress


class FakeClock:
    """Time that moves only when the test says so."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, force_terminal=terminal, width=160, soft_wrap=True), buffer


def _page(number: int, status: str = "ok", error: str | None = None) -> Page:
    return Page(number=number, width=1, height=1, status=status, error=error)


def _progress_lines(buffer: io.StringIO) -> list[str]:
    return [line for line in buffer.getvalue().splitlines() if line.startswith("progress:")]


# -- error lines (every reporter, --quiet included) -----------------------------------


def test_problems_are_one_line_each_naming_the_file():
    console, buffer = _console(terminal=False)
    reporter = ConsoleReporter(console)
    reporter.document_finished(Document(source="bad.pdf", error="corrupt or unreadable PDF"))
    failed = _page(3, status="failed", error="render failed")
    reporter.document_finished(Document(source="ok.pdf", pages=[failed]))
    assert buffer.getvalue().splitlines() == [
        "error: bad.pdf: corrupt or unreadable PDF",
        "error: ok.pdf: page 3: render failed",
    ]


def test_error_text_that_looks_like_markup_is_printed_as_written():
    console, buffer = _console(terminal=False)
    ConsoleReporter(console).document_finished(Document(source="[draft].pdf", error="bad [b]"))
    assert buffer.getvalue() == "error: [draft].pdf: bad [b]\n"


def test_quiet_prints_no_progress_even_on_a_terminal():
    console, buffer = _console(terminal=True)
    with make_reporter(console, quiet=True, interval=0.01) as reporter:
        reporter.batch_started(1)
        reporter.document_started(Path("a.pdf"), pages_to_do=2, pages_done=0)
        reporter.page_finished(_page(1))
        time.sleep(0.05)
        reporter.page_finished(_page(2))
        reporter.document_finished(Document(source="a.pdf", pages=[_page(1), _page(2)]))
    assert buffer.getvalue() == ""


def test_the_factory_picks_the_display_by_terminal_and_quiet():
    terminal, _ = _console(terminal=True)
    log, _ = _console(terminal=False)
    assert type(make_reporter(terminal, quiet=False)) is LiveReporter
    assert type(make_reporter(log, quiet=False)) is PlainReporter
    assert type(make_reporter(log, quiet=True)) is ConsoleReporter
    assert type(make_reporter(terminal, quiet=True)) is ConsoleReporter


# -- the counts: pages/s and ETA --------------------------------------------------------


def test_rate_and_eta_follow_the_pages_of_this_run():
    clock = FakeClock()
    progress = BatchProgress(clock)
    progress.batch_started(2)
    progress.document_started(Path("/in/a.pdf"), pages_to_do=8, pages_done=2)
    for number in range(3, 7):
        clock.advance(2.0)
        progress.page_finished(_page(number))
    state = progress.snapshot()
    assert (state.documents_done, state.documents_total) == (0, 2)
    assert (state.pages_done, state.pages_total) == (6, 10)
    assert state.rate == pytest.approx(0.5)  # resumed pages are not this run's work
    # 4 pages left here, and the unstarted document is guessed at 10 pages like this one
    assert state.eta == pytest.approx(14 / 0.5)
    assert state.current == "a.pdf"


def test_eta_counts_only_known_pages_without_a_batch_size():
    clock = FakeClock()
    progress = BatchProgress(clock)  # batch_started never comes (a bare Pipeline)
    progress.document_started(Path("a.pdf"), pages_to_do=3, pages_done=0)
    clock.advance(4.0)
    progress.page_finished(_page(1))
    state = progress.snapshot()
    assert state.documents_total is None
    assert state.eta == pytest.approx(2 / 0.25)


def test_no_eta_before_the_first_page():
    progress = BatchProgress(FakeClock())
    progress.batch_started(1)
    progress.document_started(Path("a.pdf"), pages_to_do=3, pages_done=0)
    assert progress.snapshot().eta is None


def test_failures_count_failed_pages_and_unreadable_documents():
    progress = BatchProgress(FakeClock())
    progress.batch_started(2)
    progress.document_finished(Document(source="bad.pdf", error="not a PDF"))
    progress.document_started(Path("ok.pdf"), pages_to_do=2, pages_done=0)
    progress.page_finished(_page(1, status="failed", error="render failed"))
    progress.page_finished(_page(2))
    state = progress.snapshot()
    assert (state.failures, state.documents_done, state.pages_done) == (2, 1, 2)


def test_events_from_many_threads_are_all_counted():
    progress = BatchProgress()
    progress.batch_started(8)

    def one_document(index: int) -> None:
        path = Path(f"doc{index}.pdf")
        progress.document_started(path, pages_to_do=250, pages_done=0)
        pages = [_page(n) for n in range(1, 251)]
        for page in pages:
            progress.page_finished(page)
        progress.document_finished(Document(source=str(path), pages=pages))

    threads = [threading.Thread(target=one_document, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    state = progress.snapshot()
    assert (state.documents_done, state.pages_done, state.pages_total) == (8, 2000, 2000)
    assert state.finished and state.current is None


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.4, "0 s"), (46.2, "46 s"), (200, "3 min 20 s"), (7500, "2 h 05 min")],
)
def test_durations_read_short(seconds: float, text: str):
    assert format_duration(seconds) == text


# -- plain lines when stderr is not a terminal -------------------------------------------


def test_plain_lines_come_every_interval_with_rate_and_eta():
    clock = FakeClock()
    console, buffer = _console(terminal=False)
    reporter = PlainReporter(console, interval=10.0, clock=clock)
    reporter.batch_started(5)
    reporter.document_started(Path("/in/report.pdf"), pages_to_do=12, pages_done=0)
    for number in range(1, 10):
        clock.advance(2.5)
        reporter.page_finished(_page(number))
    assert _progress_lines(buffer) == [
        "progress: 0/5 documents, 4/12 pages, 0.40 pages/s, ETA 2 min 20 s, 0 failed",
        "progress: 0/5 documents, 8/12 pages, 0.40 pages/s, ETA 2 min 10 s, 0 failed",
    ]


def test_plain_line_per_finished_document():
    clock = FakeClock()
    console, buffer = _console(terminal=False)
    reporter = PlainReporter(console, interval=1000.0, clock=clock)
    reporter.batch_started(2)
    reporter.document_started(Path("/in/report.pdf"), pages_to_do=2, pages_done=3)
    pages = [_page(n) for n in (1, 2, 3)]
    for number in (4, 5):
        clock.advance(3.05)
        pages.append(_page(number, "failed", "render failed") if number == 5 else _page(number))
        reporter.page_finished(pages[-1])
    reporter.document_finished(Document(source="/in/report.pdf", pages=pages, resumed_pages=3))
    reporter.document_finished(Document(source="/in/broken.pdf", error="not a PDF"))
    assert buffer.getvalue().splitlines() == [
        "error: /in/report.pdf: page 5: render failed",
        "done: report.pdf: 5 pages (3 resumed), 1 failed, 6.1 s",
        "error: /in/broken.pdf: not a PDF",
        "done: broken.pdf: could not be read",
    ]


def test_a_document_stopped_part_way_says_so():
    clock = FakeClock()
    console, buffer = _console(terminal=False)
    reporter = PlainReporter(console, interval=1000.0, clock=clock)
    reporter.batch_started(1)
    reporter.document_started(Path("/in/book.pdf"), pages_to_do=10, pages_done=0)
    pages = [_page(1), _page(2)]
    for page in pages:
        clock.advance(1.0)
        reporter.page_finished(page)
    reporter.document_finished(Document(source="/in/book.pdf", pages=pages))
    assert buffer.getvalue().splitlines() == ["stopped: book.pdf: 2 of 10 pages, 0 failed, 2.0 s"]


def test_plain_lines_stop_once_every_document_is_done():
    clock = FakeClock()
    console, buffer = _console(terminal=False)
    reporter = PlainReporter(console, interval=1.0, clock=clock)
    reporter.batch_started(1)
    reporter.document_started(Path("a.png"), pages_to_do=1, pages_done=0)
    reporter.page_finished(_page(1))
    reporter.document_finished(Document(source="a.png", pages=[_page(1)]))
    clock.advance(5.0)
    assert reporter.tick() is False
    assert _progress_lines(buffer) == []


def test_the_timer_keeps_lines_coming_during_a_long_page_and_stops_on_exit():
    console, buffer = _console(terminal=False)
    with PlainReporter(console, interval=0.05) as reporter:
        reporter.batch_started(1)
        reporter.document_started(Path("slow.pdf"), pages_to_do=1, pages_done=0)
        deadline = time.monotonic() + 5
        while len(_progress_lines(buffer)) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)  # no event at all: only the timer can write
    written = len(_progress_lines(buffer))
    assert written >= 3
    assert _progress_lines(buffer)[0] == (
        "progress: 0/1 documents, 0/1 pages, 0.00 pages/s, ETA ?, 0 failed"
    )
    time.sleep(0.2)
    assert len(_progress_lines(buffer)) == written


def test_no_line_before_the_batch_starts():
    console, buffer = _console(terminal=False)
    with PlainReporter(console, interval=0.01):
        time.sleep(0.1)  # the engine loading: nothing to report yet
    assert buffer.getvalue() == ""


# -- the live display on a terminal -------------------------------------------------------


def test_live_display_shows_documents_pages_rate_eta_and_failures():
    clock = FakeClock()
    console, buffer = _console(terminal=True)
    with LiveReporter(console, clock=clock) as reporter:
        reporter.batch_started(2)
        reporter.document_finished(Document(source="bad.pdf", error="not a PDF"))
        reporter.document_started(Path("/in/report.pdf"), pages_to_do=3, pages_done=1)
        for number in (2, 3):
            clock.advance(4.0)
            reporter.page_finished(_page(number))
        reporter.refresh()
        frame = buffer.getvalue()
    assert "report.pdf" in frame
    assert "1/2 documents, 3/4 pages, 0.25 pages/s, ETA 4 s, 1 failed" in frame
    assert ": bad.pdf: not a PDF\n" in frame  # "error" is red here


def test_live_display_renders_without_a_batch_size():
    clock = FakeClock()
    console, _ = _console(terminal=True)
    reporter = LiveReporter(console, clock=clock)
    reporter.document_started(Path("doc.pdf"), pages_to_do=3, pages_done=1)
    clock.advance(1.0)
    reporter.page_finished(_page(2))
    capture, text = _console(terminal=False)
    capture.print(reporter.render())
    assert "doc.pdf" in text.getvalue()
    assert "0/? documents, 2/4 pages, 1.0 pages/s, ETA 2 s, 0 failed" in text.getvalue()


# -- the summary at the end ----------------------------------------------------------------


def test_summary_counts_statuses_and_rate():
    console, buffer = _console(terminal=False)
    pages = [_page(1), _page(2, status="failed")]
    summary = RunSummary(documents=[Document(source="a.pdf", pages=pages)], seconds=2.0)
    print_summary(console, summary, Path("out"))
    text = buffer.getvalue()
    assert "2 page(s) parsed in 2.0 s (1.00 pages/s)" in text
    assert "ok 1, repaired 0, fallback 0, failed 1" in text
    assert text.rstrip().endswith("output: out")
