"""A pool of worker processes that read pages for the CPU engine, results in order.

Why processes: one page at a time leaves cores idle (onnxruntime's many small ops
and the Python between them), and N pages side by side in one process would fight
over the GIL. Each worker (``worker_process.py``) loads the models once and runs the
ordinary single-process engine with its share of the cores.

Each worker has its own pipe, so the parent knows which pages it holds and in
which order it reads them. When a worker dies (killed, out of memory), the page it
was reading fails with the reason and the pages queued behind it go to the other
workers; a replacement starts when one is needed. At most ``PAGES_PER_WORKER``
pages wait in a worker and at most ``WINDOW_PER_WORKER`` pages per worker are
taken from the caller ahead of the next one it gets back, so memory stays bounded
however long the document and however slow one page.

Workers start with the spawn method: forking a process whose onnxruntime threads
already exist is unsafe.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import signal
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing import util
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess

from dotsocr.engines.base import failed_page
from dotsocr.engines.cpu.options import CpuEngineOptions
from dotsocr.engines.cpu.worker_count import threads_per_worker
from dotsocr.engines.cpu.worker_process import worker_main
from dotsocr.model import Page
from dotsocr.sources.base import PageImage

#: Pages sent to one worker and not yet answered: one being read, one waiting, so
#: a worker never idles between pages.
PAGES_PER_WORKER = 2
#: Pages taken from the caller but not yet handed back, per worker.
WINDOW_PER_WORKER = 4
#: Workers that die before their models load, in a row, before the pool gives up.
MAX_START_FAILURES = 3
#: Seconds close() gives a worker to finish its page and exit before killing it.
CLOSE_GRACE_S = 10.0

ENGINE_NAME = "cpu"


class WorkerStartError(RuntimeError):
    """Workers could not load the models; every page would fail the same way."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection
    #: Sequence numbers sent to this worker, in the order it reads them.
    inflight: deque[int] = field(default_factory=deque)
    ready: bool = False


def _death_reason(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        try:
            return f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            return f"killed by signal {-exitcode}"
    return f"exit code {exitcode}"


def _shutdown(workers: list[_Worker], grace: float) -> None:
    """Ask every worker to stop, wait up to ``grace`` seconds, then kill the rest.

    A plain function over the worker list (not a method) so the exit-time
    finalizer does not keep the pool alive.
    """
    for worker in workers:
        with contextlib.suppress(OSError, ValueError):
            worker.conn.send(None)
        worker.conn.close()  # a worker blocked sending a result sees EOF and exits
    for worker in workers:
        worker.process.join(grace)
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        worker.process.close()
    workers.clear()


class WorkerPool:
    """Up to ``size`` worker processes reading pages with ``options``.

    Workers start when pages need them and stay up between calls of :meth:`map`
    (one document after another) until :meth:`close`. One caller at a time: the
    pool is driven from the thread that iterates :meth:`map`.
    """

    def __init__(self, options: CpuEngineOptions, size: int) -> None:
        self.options = options  # each worker reads its pages itself (worker_main)
        self.size = max(1, size)
        self.threads = threads_per_worker(self.size)
        self._context = multiprocessing.get_context("spawn")
        self._workers: list[_Worker] = []
        #: Every page sent to a worker and not yet answered, by sequence number.
        self._jobs: dict[int, PageImage] = {}
        self._next_seq = 0
        self._start_failures = 0
        self._closed = False
        #: Stops the workers at interpreter exit if close() was never called; runs
        #: before multiprocessing's own exit handler, which would wait forever on
        #: workers that ignore SIGTERM.
        self._finalizer = util.Finalize(self, _shutdown, args=(self._workers, 0.0), exitpriority=10)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> None:
        """Start one worker and wait until its models are loaded, so a setup problem
        is one clear error (WorkerStartError) before the first page."""
        worker = self._workers[0] if self._workers else self._spawn()
        while not worker.ready:
            self._collect({}, first=self._next_seq)
            if worker not in self._workers:  # died while loading: try again
                worker = self._workers[0] if self._workers else self._spawn()

    def pids(self) -> list[int]:
        """Process ids of the live workers."""
        return [w.process.pid for w in self._workers if w.process.pid is not None]

    def close(self) -> None:
        """Stop all workers (each finishes the page it is reading) and reap them."""
        self._closed = True
        self._finalizer.cancel()
        _shutdown(self._workers, CLOSE_GRACE_S)
        self._jobs.clear()

    # -- pages -------------------------------------------------------------------

    def map(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        """Read ``pages`` in the workers and yield their results in the same order."""
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        source = iter(pages)
        first = self._next_seq  # answers for earlier seqs belong to abandoned calls
        waiting: deque[tuple[int, PageImage]] = deque()  # taken, not yet sent
        results: dict[int, Page] = {}
        next_out = first
        exhausted = False
        while True:
            while not exhausted or waiting:
                if not waiting:
                    if self._next_seq - next_out >= self.size * WINDOW_PER_WORKER:
                        break
                    page = next(source, None)
                    if page is None:
                        exhausted = True
                        break
                    waiting.append((self._next_seq, page))
                    self._next_seq += 1
                worker = self._free_worker()
                if worker is None:
                    break
                self._send(worker, waiting, results, first)
            while next_out in results:
                yield results.pop(next_out)
                next_out += 1
            if exhausted and not waiting and next_out == self._next_seq:
                return
            self._collect(results, first, waiting)

    def _free_worker(self) -> _Worker | None:
        """An idle worker, else a new one while below ``size``, else one with room."""
        idle = [w for w in self._workers if not w.inflight]
        if idle:
            return idle[0]
        if len(self._workers) < self.size:
            return self._spawn()
        roomy = [w for w in self._workers if len(w.inflight) < PAGES_PER_WORKER]
        return min(roomy, key=lambda w: len(w.inflight)) if roomy else None

    def _spawn(self) -> _Worker:
        if self._closed:
            raise RuntimeError("the worker pool is closed")
        parent_end, child_end = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=worker_main,
            args=(child_end, self.options, self.threads),
            name="dotsocr-cpu-worker",
            daemon=True,
        )
        process.start()
        child_end.close()
        worker = _Worker(process=process, conn=parent_end)
        self._workers.append(worker)
        return worker

    def _send(
        self,
        worker: _Worker,
        waiting: deque[tuple[int, PageImage]],
        results: dict[int, Page],
        first: int,
    ) -> None:
        """Hand the first waiting page to ``worker``; a page that will not pickle
        fails here, and one sent to a worker that just died waits for another."""
        seq, page = waiting.popleft()
        try:
            data = pickle.dumps(page, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:
            reason = f"could not send the page to a worker: {type(exc).__name__}: {exc}"
            results[seq] = failed_page(page, reason, ENGINE_NAME)
            return
        try:
            worker.conn.send((seq, data))
        except OSError:
            waiting.appendleft((seq, page))
            self._lost(worker, results, first, waiting)
            return
        self._jobs[seq] = page
        worker.inflight.append(seq)

    # -- answers -------------------------------------------------------------------

    def _collect(
        self,
        results: dict[int, Page],
        first: int,
        waiting: deque[tuple[int, PageImage]] | None = None,
    ) -> None:
        """Wait for at least one answer or worker death and record what arrived."""
        by_conn = {w.conn: w for w in self._workers}
        by_sentinel = {w.process.sentinel: w for w in self._workers}
        for ready in wait([*by_conn, *by_sentinel]):
            worker = by_conn.get(ready) or by_sentinel.get(ready)  # type: ignore[call-overload]
            if worker is None or worker not in self._workers:
                continue
            self._drain(worker, results, first)
            if ready in by_sentinel or worker.conn.closed:
                self._lost(worker, results, first, waiting)

    def _drain(self, worker: _Worker, results: dict[int, Page], first: int) -> None:
        """Read every message ``worker`` has sent so far."""
        try:
            while not worker.conn.closed and worker.conn.poll():
                self._handle(worker, worker.conn.recv(), results, first)
        except (EOFError, OSError):
            worker.conn.close()

    def _handle(
        self, worker: _Worker, message: tuple, results: dict[int, Page], first: int
    ) -> None:
        kind = message[0]
        if kind == "ready":
            worker.ready = True
            self._start_failures = 0
            return
        if kind == "fatal":
            raise WorkerStartError(f"a CPU worker could not load the models: {message[1]}")
        seq = message[1]
        if seq in worker.inflight:
            worker.inflight.remove(seq)
        page = self._jobs.pop(seq, None)
        if seq < first or page is None:
            return  # an answer for a call that was abandoned
        if kind == "page":
            results[seq] = message[2]
        else:
            results[seq] = failed_page(page, message[2], ENGINE_NAME)

    def _lost(
        self,
        worker: _Worker,
        results: dict[int, Page],
        first: int,
        waiting: deque[tuple[int, PageImage]] | None,
    ) -> None:
        """A worker died: fail the page it was reading, re-queue the ones behind it."""
        self._workers.remove(worker)
        worker.process.join(CLOSE_GRACE_S)  # its pipe is closed: it is exiting
        if worker.process.is_alive():
            worker.process.kill()
            worker.process.join()
        reason = _death_reason(worker.process.exitcode)
        worker.conn.close()
        worker.process.close()
        seqs = list(worker.inflight)
        if not worker.ready:
            self._start_failures += 1
            if self._start_failures >= MAX_START_FAILURES:
                raise WorkerStartError(
                    f"CPU workers keep dying while loading the models ({reason}); with "
                    "the spawn start method the main module must be import-safe "
                    "(if __name__ == '__main__')"
                )
            culprit = None  # it died before reading anything
        else:
            culprit = seqs.pop(0) if seqs else None
        page = self._jobs.pop(culprit, None) if culprit is not None else None
        if page is not None and culprit is not None and culprit >= first:
            results[culprit] = failed_page(
                page, f"the worker process reading this page died ({reason})", ENGINE_NAME
            )
        for seq in reversed(seqs):
            queued = self._jobs.pop(seq, None)
            if queued is not None and seq >= first and waiting is not None:
                waiting.appendleft((seq, queued))
