"""Parse a batch on a Ray cluster with Ray Data (``dotsocr[ray]``).

The driver lists the documents and reads their page counts, builds the table of
(document hash, page, settings hash) rows and drops the pages already done (resume);
CPU tasks render pages (``render_batch``), actors with the engine's HTTP client send them
and write each page idempotently (``InferPages``); the driver assembles each document's
manifest and Markdown once all its pages are on disk. Ray is imported only here, when
a run starts.

The local pipeline's own helpers are reused on both sides (opening within limits,
stems, stores, the error-rate verdict), so the files on disk are the local runner's.
"""

from __future__ import annotations

import hashlib
import inspect
import logging
import math
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dotsocr.engines.base import Engine
from dotsocr.engines.vlm.paged import PagewiseEngine
from dotsocr.errors import InputError, UsageError
from dotsocr.model import Document, Page
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline, Reporter, RunSummary, SilentReporter
from dotsocr.runners import page_records
from dotsocr.runners.shared_storage import check_shared_storage
from dotsocr.store import DocumentStore, remove_stale_temporaries

logger = logging.getLogger("dotsocr")

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


class RunnerError(UsageError):
    """The Ray runner cannot start (Ray missing, wrong engine, local-only paths)."""


@dataclass
class RayRunnerOptions:
    """How the batch is spread over the cluster."""

    #: Ray address: None (Ray's default: $RAY_ADDRESS, else a new local instance),
    #: "auto" (the running cluster), "local", or "ray://head:10001".
    address: str | None = None
    #: Inference actors; None: one per --server. Each keeps up to --concurrency
    #: requests in flight.
    actors: int | None = None
    #: Pages per Ray Data batch, in both stages.
    batch_size: int = 8
    #: CPUs reserved per rendering task.
    render_cpus: float = 1.0
    #: Skip the shared-storage check on multi-node clusters (paths known to be shared).
    assume_shared_storage: bool = False
    #: Extra keyword arguments for ray.init() when the runner starts Ray itself.
    init_kwargs: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Planned:
    """A document on the driver while its pages are out on the cluster."""

    doc: Document
    store: DocumentStore
    records: Path
    done: dict[int, Page]
    todo: set[int]
    finished: dict[int, Page] = field(default_factory=dict)


def document_hash(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class RayRunner:
    """Runs one engine's batch on Ray; same inputs and outputs as ``Pipeline.run``."""

    def __init__(
        self,
        engine: Engine,
        options: ParseOptions,
        *,
        output_dir: Path,
        reporter: Reporter | None = None,
        ray_options: RayRunnerOptions | None = None,
    ) -> None:
        if not isinstance(engine, PagewiseEngine):
            raise RunnerError(
                f"--runner ray sends pages to model servers one at a time, which the "
                f"{engine.name} engine does not: use --engine dots with --server"
            )
        self.engine: PagewiseEngine = engine
        self.options = options
        self.output_dir = Path(output_dir)
        self.reporter = reporter or SilentReporter()
        self.ray_options = ray_options or RayRunnerOptions()
        # The local pipeline's helpers, so stems, stores and verdicts match it exactly.
        self.pipeline = Pipeline(engine, options, output_dir=self.output_dir)

    # -- the run --------------------------------------------------------------------

    def run(self, paths: Iterable[Path]) -> RunSummary:
        ray = _import_ray()
        paths = list(paths)
        started_ray = not ray.is_initialized()
        if started_ray:
            ray.init(
                address=self.ray_options.address,
                logging_level=logging.WARNING,
                **self.ray_options.init_kwargs,
            )
        try:
            if not self.ray_options.assume_shared_storage:
                check_shared_storage(ray.nodes(), [*paths, self.output_dir])
            return self._run(ray, paths)
        finally:
            if started_ray:
                ray.shutdown()

    def _run(self, ray: Any, paths: list[Path]) -> RunSummary:
        summary = RunSummary()
        started = time.perf_counter()
        planned: list[_Planned | Document] = []
        rows: list[dict[str, Any]] = []
        for path in paths:
            try:
                item = self._plan(path, len(planned), rows)
            except Exception as exc:  # a bug in one document must not end the batch
                logger.debug("%s failed", path, exc_info=True)
                item = Document(source=str(path), error=f"internal error: {exc!r}")
            planned.append(item)
            if isinstance(item, Document):
                self.reporter.document_finished(item)
        waiting = {i: p for i, p in enumerate(planned) if isinstance(p, _Planned)}
        for index in [i for i, p in waiting.items() if not p.todo]:
            self._assemble(waiting.pop(index))
        stop_reason = "page was not processed"
        if rows:
            try:
                for result in self._dataset(ray, rows).iter_rows():
                    item = waiting.get(int(result["doc"]))
                    if item is None:
                        continue
                    self._page_done(item, int(result["page"]))
                    if item.todo <= set(item.finished):
                        self._assemble(waiting.pop(int(result["doc"])))
            except Exception as exc:  # Ray gave up (e.g. retries spent): fail what is left
                logger.debug("Ray dataset failed", exc_info=True)
                stop_reason = "Ray run failed: " + _ANSI.sub("", str(exc)).strip().splitlines()[0]
        for item in waiting.values():
            self._assemble(item, stop_reason=stop_reason)
        for item in planned:
            doc = item.doc if isinstance(item, _Planned) else item
            summary.documents.append(doc)
            summary.resumed_pages += doc.resumed_pages
            for page in item.finished.values() if isinstance(item, _Planned) else ():
                if page.tokens is not None:
                    summary.prompt_tokens += page.tokens.prompt
                    summary.completion_tokens += page.tokens.completion
        summary.seconds = time.perf_counter() - started
        return summary

    def _dataset(self, ray: Any, rows: list[dict[str, Any]]) -> Any:
        from dotsocr.runners.ray_stages import InferPages, RayJob, render_batch

        context = ray.data.DataContext.get_current()
        context.enable_progress_bars = False
        logging.getLogger("ray.data").setLevel(logging.WARNING)
        job = RayJob.of(self.options, self.engine, self.output_dir, self.pipeline.settings_hash)
        batch = self.ray_options.batch_size
        concurrency = self.engine.max_in_flight
        actors = self.ray_options.actors or self.engine.server_count
        calls = min(64, math.ceil(concurrency / batch) + 1)  # batches that fill the window
        blocks = max(1, min(len(rows), math.ceil(len(rows) / batch)))
        dataset = ray.data.from_items(rows, override_num_blocks=blocks)
        rendered = dataset.map_batches(
            render_batch,
            batch_size=batch,
            batch_format="pyarrow",
            num_cpus=self.ray_options.render_cpus,
            fn_kwargs={"job": job},
        )
        compute, remote_args = _actor_pool(ray, actors, calls)
        return rendered.map_batches(
            InferPages,
            batch_size=batch,
            batch_format="pyarrow",
            num_cpus=0,  # waiting on HTTP; the CPUs are the renderers'
            compute=compute,
            fn_constructor_kwargs={"job": job},
            **remote_args,
        )

    # -- documents on the driver ------------------------------------------------------

    def _plan(self, path: Path, index: int, rows: list[dict[str, Any]]) -> _Planned | Document:
        """Open the document (page count, limits), resume, and add its rows."""
        pipeline = self.pipeline
        doc = Document(source=str(path), settings=dict(pipeline.settings))
        try:
            source = pipeline.open_document(path)
        except InputError as exc:
            doc.error = exc.reason
            return doc
        with source:
            doc.kind, doc.page_count = source.kind, source.page_count
            store = pipeline.store_for(source)
            assert store is not None
            selected = list(source.selected)
        digest = document_hash(path)
        folder = page_records.records_folder(self.output_dir, store.stem, digest)
        if self.options.force:
            page_records.remove_records(folder)
        done = store.load(force=self.options.force)
        done = {n: p for n, p in done.items() if n in set(selected)}
        leftovers = self._leftover_records(store, folder, [n for n in selected if n not in done])
        if leftovers:  # pages a killed driver had on disk but not in the manifest yet
            page_records.adopt_records(store, {n: r for n, (r, _) in leftovers.items()})
            done.update({n: p for n, (_, p) in leftovers.items()})
        todo = [n for n in selected if n not in done]
        doc.resumed_pages = len(done)
        self.reporter.document_started(path, len(todo), len(done))
        for number in todo:
            record = page_records.record_path(folder, number, pipeline.settings_hash)
            record.unlink(missing_ok=True)  # a failed page's record from an earlier run
            rows.append(
                {
                    "doc": index,
                    "path": str(path),
                    "stem": store.stem,
                    "paged": store.paged,
                    "page": number,
                    "record": str(record),
                }
            )
        return _Planned(doc=doc, store=store, records=folder, done=done, todo=set(todo))

    def _leftover_records(
        self, store: DocumentStore, folder: Path, numbers: list[int]
    ) -> dict[int, tuple[dict[str, Any], Page]]:
        found = {}
        for number in numbers:
            path = page_records.record_path(folder, number, self.pipeline.settings_hash)
            record = page_records.read_record(path) if path.is_file() else None
            if record is None or record.get("status") == "failed":
                continue
            page = page_records.page_from_record(store, record)
            if page is not None:
                found[number] = (record, page)
        return found

    def _page_done(self, item: _Planned, number: int) -> None:
        if number in item.finished or number not in item.todo:
            return  # a retried batch reported it twice: once on disk is what counts
        path = page_records.record_path(item.records, number, self.pipeline.settings_hash)
        record = page_records.read_record(path)
        page = page_records.page_from_record(item.store, record) if record else None
        if page is None:
            return  # counted as not processed when the document is assembled
        item.finished[number] = page
        self.reporter.page_finished(page)

    def _assemble(self, item: _Planned, *, stop_reason: str = "page was not processed") -> None:
        """Manifest and Markdown of a document whose pages are all on disk."""
        for number in sorted(item.todo - set(item.finished)):
            self._page_done(item, number)  # a record may be there without its result row
        records = {}
        for number in item.finished:
            path = page_records.record_path(item.records, number, self.pipeline.settings_hash)
            record = page_records.read_record(path)
            if record is not None:
                records[number] = record
        page_records.adopt_records(item.store, records)
        for number in sorted(item.todo - set(item.finished)):
            page = Page(
                number=number,
                width=0,
                height=0,
                status="failed",
                engine=self.engine.name,
                error=stop_reason,
            )
            item.store.write_page(page, None)
            item.finished[number] = page
            self.reporter.page_finished(page)
        doc = item.doc
        doc.pages = sorted([*item.done.values(), *item.finished.values()], key=lambda p: p.number)
        doc.error = self.pipeline.error_rate_verdict(doc)
        item.store.write_document(doc)
        page_records.remove_records(item.records)
        remove_stale_temporaries(item.store.folder)  # left by a killed worker, mid-write
        self.reporter.document_finished(doc)


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError:
        raise RunnerError("--runner ray needs Ray: pip install 'dotsocr[ray]'") from None
    return ray


def _actor_pool(ray: Any, actors: int, calls: int) -> tuple[Any, dict[str, Any]]:
    """A fixed pool whose actors each run ``calls`` batches at once (threads), across
    the Ray versions that spell this differently."""
    strategy = ray.data.ActorPoolStrategy
    params = inspect.signature(strategy).parameters
    kwargs: dict[str, Any] = {"size": actors, "max_tasks_in_flight_per_actor": calls}
    if "enable_true_multi_threading" in params:
        kwargs.update(max_concurrent_calls_per_actor=calls, enable_true_multi_threading=True)
        return strategy(**kwargs), {}
    return strategy(**kwargs), {"max_concurrency": calls}
