"""Ctrl-C and SIGTERM during a run: stop starting pages, keep what is done.

The first signal sets the run's stop event: no new page starts, the pages in
flight finish and are written whole, and the run returns normally, so the engine
is closed and worker processes and threads are ended before the interpreter exits
(an interpreter torn down under running onnxruntime threads is what crashed).
A second signal raises KeyboardInterrupt to drop the pages in flight; files are
written atomically, so nothing half-written is left either way.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from types import FrameType

#: Exit codes of a run stopped by a signal: 128 + the signal number, as shells do.
EXIT_SIGINT = 128 + signal.SIGINT
EXIT_SIGTERM = 128 + signal.SIGTERM


class StopOnSignal:
    """Within ``with``: SIGINT and SIGTERM set ``stop`` (then raise on a repeat).

    Only the main thread may install handlers; elsewhere this does nothing, so a
    run in a worker thread (the HTTP service) is stopped through ``stop`` alone.
    """

    def __init__(
        self, stop: threading.Event, *, notice: Callable[[int], None] | None = None
    ) -> None:
        self.stop = stop
        self.notice = notice
        #: The first signal received, or None.
        self.received: int | None = None
        self._previous: dict[int, object] = {}

    @property
    def exit_code(self) -> int:
        return EXIT_SIGTERM if self.received == signal.SIGTERM else EXIT_SIGINT

    def __enter__(self) -> StopOnSignal:
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]
        self._previous.clear()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        if self.received is not None:
            raise KeyboardInterrupt
        self.received = signum
        self.stop.set()
        if self.notice is not None:
            self.notice(signum)
