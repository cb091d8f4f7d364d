"""Wake-ups for the coroutines that wait on a job (progress streams, ``/v1/parse``).

Why: the job pool writes from worker threads, and a waiter that polled would see a
finished page up to one polling interval late, which on a one-page job is a good
share of its whole time. The store calls :meth:`JobChanges.changed` after each
write; that sets the asyncio events of the job's waiters on their own loops.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager


class JobChanges:
    """Per job, the events of the coroutines waiting for its next write."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiters: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}

    def changed(self, job_id: str) -> None:
        """Called from any thread after the job was written."""
        with self._lock:
            waiters = list(self._waiters.get(job_id, ()))
        for loop, event in waiters:
            try:
                loop.call_soon_threadsafe(event.set)
            except RuntimeError:  # that loop has closed: nobody waits there any more
                continue

    @contextmanager
    def watching(self, job_id: str) -> Iterator[asyncio.Event]:
        """An event set on each write to the job while the block runs. Clear it
        before reading the job, so a write between the read and the wait is seen."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            self._waiters.setdefault(job_id, set()).add(entry)
        try:
            yield entry[1]
        finally:
            with self._lock:
                waiters = self._waiters.get(job_id)
                if waiters is not None:
                    waiters.discard(entry)
                    if not waiters:
                        del self._waiters[job_id]


async def wait_for_change(event: asyncio.Event, timeout: float) -> bool:
    """Whether the event was set within ``timeout`` seconds."""
    try:
        await asyncio.wait_for(event.wait(), timeout)
    except asyncio.TimeoutError:
        return False
    return True
