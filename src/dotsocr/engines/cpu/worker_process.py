"""The body of one CPU-engine worker process (the parent side is ``workers.py``).

A worker ignores SIGINT and SIGTERM (Ctrl-C reaches the whole process group; the
parent decides when workers stop), loads the models once, then reads pages from
its pipe and answers each with a Page, strictly in the order they came. A thread
keeps draining the pipe so the parent's sends never wait on a page being read.

Messages to the parent: ``("ready", pid)`` once the models are loaded,
``("fatal", reason)`` if they could not be, then for each request either
``("page", seq, Page)`` or ``("error", seq, reason)`` (a request or result that
would not pickle).
From the parent: ``(seq, pickled PageImage)``, or None to stop.
"""

from __future__ import annotations

import os
import pickle
import queue
import signal
import threading
from multiprocessing.connection import Connection

from dotsocr.engines.cpu import models
from dotsocr.engines.cpu.engine import CpuEngine
from dotsocr.engines.cpu.options import CpuEngineOptions
from dotsocr.model import Page
from dotsocr.sources.base import PageImage

#: What the reader thread hands the main loop when the pipe says stop (None or EOF).
_STOP = object()


def _read_pipe(conn: Connection, inbox: queue.Queue[object], stop: threading.Event) -> None:
    """Move requests from the pipe to ``inbox`` until the parent says stop or goes away."""
    while True:
        try:
            item = conn.recv()
        except Exception:  # EOF, or a message cut short (the parent was interrupted)
            item = None
        if item is None:
            stop.set()
            inbox.put(_STOP)
            return
        inbox.put(item)


def _read_page(engine: CpuEngine, data: bytes) -> Page:
    """Unpickle one request and read it; a failure of either becomes a failed Page."""
    page = pickle.loads(data)
    if not isinstance(page, PageImage):
        raise TypeError(f"expected a PageImage, got {type(page).__name__}")
    return engine.process_page(page)  # catches a page's own trouble


def _answer(conn: Connection, engine: CpuEngine, seq: int, data: bytes) -> None:
    """Send the page's result, or ``("error", seq, reason)`` for the parent to record."""
    try:
        conn.send(("page", seq, _read_page(engine, data)))
    except (OSError, EOFError):  # the pipe: the caller stops
        raise
    except Exception as exc:  # unpicklable request or result: this page only
        conn.send(("error", seq, f"{type(exc).__name__}: {exc}"))


def worker_main(conn: Connection, options: object, threads: int) -> None:
    """Entry point of a worker process (started with the spawn method)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    inbox: queue.Queue[object] = queue.Queue()
    stop = threading.Event()
    # Reading starts before the models load, so the parent's first sends return.
    threading.Thread(target=_read_pipe, args=(conn, inbox, stop), daemon=True).start()
    try:
        assert isinstance(options, CpuEngineOptions)
        models.set_threads(threads)
        engine = CpuEngine(options.model_copy(update={"workers": 1}))
        engine.prepare()
    except Exception as exc:
        conn.send(("fatal", f"{type(exc).__name__}: {exc}"))
        return
    conn.send(("ready", os.getpid()))
    while not stop.is_set():
        item = inbox.get()
        if item is _STOP or stop.is_set():
            return
        seq, data = item  # type: ignore[misc]
        try:
            _answer(conn, engine, seq, data)
        except (OSError, EOFError):  # the parent is gone
            return
