"""Run a page iterator a few items ahead in a background thread.

Rendering (PDFium, in C) and inference (ONNX Runtime, in C) both release the GIL, so
rendering the next page while the engine works on this one overlaps them. The queue
is bounded, so memory stays bounded; all PDFium calls still happen in one thread at a
time, because the consumer never touches PDFium while the producer runs.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failure:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def prefetch(items: Iterable[T], depth: int = 2) -> Iterator[T]:
    """Yield ``items`` in order while a worker thread stays up to ``depth`` ahead."""
    if depth <= 0:
        yield from items
        return
    buffer: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        buffer.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            buffer.put(_DONE)
        except BaseException as error:  # handed to the consumer, raised there
            buffer.put(_Failure(error))

    worker = threading.Thread(target=produce, name="dotsocr-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item = buffer.get()
            if item is _DONE:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():  # unblock a producer waiting on a full queue
            with contextlib.suppress(queue.Empty):
                buffer.get_nowait()
            worker.join(timeout=0.05)
