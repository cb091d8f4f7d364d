"""Runs jobs: a bounded pool of threads, each parsing one document at a time with
its own engines through the run layer, reporting pages to the job store.

Every job writes into its own output folder, so a job taken up again after a crash
resumes page by page from the store's manifest: nothing done is redone. Stopping
the service finishes the pages in flight and leaves the job queued.
"""

from __future__ import annotations

import logging
import queue
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from dotsocr.engines.registry import select_engine
from dotsocr.errors import DotsOCRError
from dotsocr.reporting import SilentReporter
from dotsocr.run import Batch, run_batch
from dotsocr.service.jobstore import FINISHED, JobRecord, JobStore
from dotsocr.store import atomic_write

if TYPE_CHECKING:
    from dotsocr.engines.base import Engine
    from dotsocr.model import Document, Page
    from dotsocr.options import ParseOptions

logger = logging.getLogger("dotsocr.service")

#: What a job's folder holds besides the upload.
OUTPUT_FOLDER = "out"
DOCUMENT_JSON = "document.json"
#: Seconds between tries to prepare an engine that could not be (a server down).
PREPARE_RETRY = 5.0


class JobReporter(SilentReporter):
    """Counts a job's pages into the job store as they finish."""

    def __init__(self, store: JobStore, job_id: str, folder: Path) -> None:
        self.store = store
        self.job_id = job_id
        self.folder = folder
        self.document: Document | None = None

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        self.store.update(
            self.job_id, pages_total=pages_to_do + pages_done, pages_done=pages_done,
            pages_failed=0,
        )  # fmt: skip

    def page_finished(self, page: Page) -> None:
        self.store.add_page(self.job_id, page.number, failed=page.status == "failed")

    def document_finished(self, doc: Document) -> None:
        self.document = doc


class JobRunner:
    """The pool that runs queued jobs, ``workers`` at a time."""

    def __init__(
        self,
        store: JobStore,
        jobs_dir: Path,
        options_for: Callable[[JobRecord], ParseOptions],
        workers: int,
    ) -> None:
        self.store = store
        self.jobs_dir = jobs_dir
        self.options_for = options_for
        self.workers = workers
        self.ready = threading.Event()
        self.ready_error: str | None = None
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._running: dict[str, threading.Event] = {}
        self._cancelled: set[str] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    # -- lifecycle -------------------------------------------------------------------

    def start(self, default_options: ParseOptions) -> None:
        """Take up every job left queued or running, then start the workers; each
        prepares the default engine first (``/ready`` waits for one)."""
        for job in self.store.unfinished():
            self.store.update(job.id, status="queued")
            self._queue.put(job.id)
        for n in range(self.workers):
            thread = threading.Thread(
                target=self._work, args=(default_options,), name=f"dotsocr-job-{n}", daemon=True
            )
            thread.start()
            self._threads.append(thread)

    def shutdown(self, timeout: float | None = None) -> None:
        """Stop starting jobs and pages; the pages in flight finish and their jobs
        stay queued for the next start."""
        self._stopping.set()
        with self._lock:
            for stop in self._running.values():
                stop.set()
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join(timeout)

    # -- requests --------------------------------------------------------------------

    def submit(self, job_id: str) -> None:
        self._queue.put(job_id)

    def folder(self, job_id: str) -> Path:
        return self.jobs_dir / job_id

    def cancel(self, job_id: str) -> None:
        """Cancel a queued or running job; a running one finishes its pages in flight."""
        with self._lock:
            self._cancelled.add(job_id)
            stop = self._running.get(job_id)
        if stop is not None:
            stop.set()
        else:
            self.store.update(job_id, status="cancelled", finished=time.time())

    def remove(self, job_id: str) -> None:
        """Forget a finished job and delete its files."""
        self.store.delete(job_id)
        shutil.rmtree(self.folder(job_id), ignore_errors=True)

    # -- the workers -----------------------------------------------------------------

    def _work(self, default_options: ParseOptions) -> None:
        engines: dict[str, Engine] = {}
        try:
            while not self._stopping.is_set() and not self._prepare(engines, default_options):
                self._stopping.wait(PREPARE_RETRY)
            while not self._stopping.is_set():
                job_id = self._queue.get()
                if job_id is None:
                    break
                self._run(job_id, engines)
        finally:
            for engine in engines.values():
                engine.close()

    def _prepare(self, engines: dict[str, Engine], options: ParseOptions) -> bool:
        try:
            self._engine(engines, options)
        except DotsOCRError as exc:
            self.ready_error = str(exc)
            logger.warning("engine not ready: %s", exc)
            return False
        self.ready_error = None
        self.ready.set()
        return True

    def _engine(self, engines: dict[str, Engine], options: ParseOptions) -> Engine:
        """This worker's engine for ``options.engine`` (built once, then reused)."""
        if options.engine not in engines:
            engine = select_engine(options).engine
            engine.prepare()
            engines[options.engine] = engine
        return engines[options.engine]

    def _run(self, job_id: str, engines: dict[str, Engine]) -> None:
        job = self.store.get(job_id)
        if job is None or job.status in FINISHED:
            return
        stop = threading.Event()
        with self._lock:  # a cancel sees the job running, or the job sees the cancel
            if job_id in self._cancelled:
                return
            self._running[job_id] = stop
        self.store.update(job_id, status="running", started=time.time(), error=None)
        try:
            self._parse(job, engines, stop)
        except Exception as exc:  # a job's trouble must not take the worker down
            logger.exception("job %s failed", job_id)
            self.store.update(job_id, status="failed", error=str(exc), finished=time.time())
        finally:
            with self._lock:
                self._running.pop(job_id, None)

    def _parse(self, job: JobRecord, engines: dict[str, Engine], stop: threading.Event) -> None:
        folder = self.folder(job.id)
        options = self.options_for(job)
        reporter = JobReporter(self.store, job.id, folder)
        batch = Batch(
            [folder / job.input_name], options, folder / OUTPUT_FOLDER, reporter, stop=stop
        )
        summary = run_batch(batch, engine=self._engine(engines, options))
        doc = reporter.document or (summary.documents[0] if summary.documents else None)
        if summary.interrupted:
            cancelled = job.id in self._cancelled
            status = "cancelled" if cancelled else "queued"
            self.store.update(job.id, status=status, finished=time.time() if cancelled else None)
            return
        if doc is not None:
            atomic_write(folder / DOCUMENT_JSON, doc.model_dump_json(exclude_none=True))
        error = doc.error if doc is not None else "nothing was parsed"
        self.store.update(
            job.id,
            status="failed" if error else "done",
            error=error,
            finished=time.time(),
        )
