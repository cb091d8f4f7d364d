"""The two Ray Data stages, as plain callables (they import nothing from Ray).

``render_batch`` (CPU tasks): opens each document itself (paths travel, not PDFs),
renders the batch's pages and encodes each in the form the engine sends.
``InferPages`` (actors, one HTTP client each): sends pages through the engine's own
per-page methods (:class:`~dotsocr.engines.vlm.paged.PagewiseEngine`), up to its
``concurrency`` in flight per actor, and writes every page's files and record
idempotently. A page's trouble becomes a failed record; nothing a page does raises
out of a stage. Engines do not travel: every worker builds its own from the job's
options through the engine registry.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from dotsocr.engines.base import failed_page
from dotsocr.engines.registry import select_engine
from dotsocr.engines.vlm.client import ServerError
from dotsocr.engines.vlm.images import image_from_data_url
from dotsocr.engines.vlm.paged import PageOutcome, PagewiseEngine
from dotsocr.errors import DotsOCRError, EngineError
from dotsocr.model import Page
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline
from dotsocr.sources.base import PageImage
from dotsocr.store import DocumentStore

logger = logging.getLogger("dotsocr")


@dataclass(frozen=True)
class EngineFactory:
    """The driver's engine as plain data: run options that name it (by its registry
    name) and carry its resolved settings. Workers rebuild it with the registry."""

    options: dict[str, Any]

    @classmethod
    def of(cls, engine: PagewiseEngine, options: ParseOptions) -> EngineFactory:
        return cls(engine.registry_options(options).model_dump())

    @property
    def name(self) -> str:
        """The engine's registry name (what its pages record as their engine)."""
        return str(self.options["engine"])

    def build(self) -> PagewiseEngine:
        engine = select_engine(ParseOptions(**self.options)).engine
        if not isinstance(engine, PagewiseEngine):
            engine.close()
            raise EngineError(f"the {engine.name} engine cannot send pages one at a time")
        return engine


@dataclass(frozen=True)
class RayJob:
    """Everything a worker needs, sent as a constructor/function argument. Options
    travel as plain dicts and are validated again on the worker."""

    parse_options: dict[str, Any]
    engine: EngineFactory
    output_dir: str
    settings_hash: str

    @classmethod
    def of(
        cls, options: ParseOptions, engine: PagewiseEngine, output_dir: Path, settings_hash: str
    ) -> RayJob:
        factory = EngineFactory.of(engine, options)
        return cls(options.model_dump(), factory, str(output_dir), settings_hash)

    def pipeline(self) -> Pipeline:
        """A local pipeline for its helpers: opening within limits, writing a page."""
        engine = self.engine.build()
        options = ParseOptions(**self.parse_options)
        pipeline = Pipeline(engine, options, output_dir=Path(self.output_dir))
        if pipeline.settings_hash != self.settings_hash:
            raise DotsOCRError(
                "this worker's dotsocr makes other settings than the driver's "
                f"({pipeline.settings_hash} != {self.settings_hash}); install the same "
                "dotsocr version on every node"
            )
        return pipeline


def _rows(batch: Any) -> list[dict[str, Any]]:
    """The rows of a ``pyarrow`` batch (nulls stay None, unlike NumPy's NaN)."""
    return batch.to_pylist()


def _columns(rows: list[dict[str, Any]], names: tuple[str, ...]) -> dict[str, list[Any]]:
    return {name: [row.get(name) for row in rows] for name in names}


# -- stage 1: render (CPU) -------------------------------------------------------------

RENDERED = (
    "doc", "path", "stem", "paged", "page", "record",
    "url", "dpi", "error", "render_seconds", "encode_seconds", "downscaled",
)  # fmt: skip


def render_batch(batch: Any, *, job: RayJob) -> dict[str, list[Any]]:
    """Render and encode the batch's pages, opening each document once."""
    rows = _rows(batch)
    by_path: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_path[row["path"]].append(row)
    try:
        pipeline = job.pipeline()
    except Exception as exc:  # e.g. another dotsocr version on this node
        for row in rows:
            row["error"] = f"worker setup failed: {exc}"
        return _columns(rows, RENDERED)
    engine: PagewiseEngine = pipeline.engine  # type: ignore[assignment]  # built by the job
    for path, doc_rows in by_path.items():
        _render_document(pipeline, engine, Path(path), doc_rows)
    return _columns(rows, RENDERED)


def _render_document(
    pipeline: Pipeline, engine: PagewiseEngine, path: Path, rows: list[dict[str, Any]]
) -> None:
    todo = {row["page"]: row for row in rows if not Path(row["record"]).exists()}
    if not todo:
        return  # a retried batch whose pages are all written already
    try:
        source = pipeline.open_document(path)  # passwords and limits exactly as the local runner
    except DotsOCRError as exc:
        for row in todo.values():
            row["error"] = getattr(exc, "reason", None) or str(exc)
        return
    with source:
        source.selected = [n for n in source.selected if n in todo]
        try:
            for page_image in source.pages():
                todo[page_image.number].update(_encoded(engine, page_image))
        except Exception as exc:  # a renderer bug must not take the batch down
            logger.debug("rendering %s failed", path, exc_info=True)
            for row in todo.values():
                if row.get("url") is None and row.get("error") is None:
                    row["error"] = f"render error: {exc}"
    for row in todo.values():
        if row.get("url") is None and row.get("error") is None:
            row["error"] = "page was not rendered"


def _encoded(engine: PagewiseEngine, page: PageImage) -> dict[str, Any]:
    fields: dict[str, Any] = {"dpi": page.dpi, "render_seconds": page.render_seconds}
    if page.error is not None or page.image is None:
        fields["error"] = page.error or "page has no image"
        return fields
    started = time.perf_counter()
    fields["url"] = engine.encode(page.image)
    fields["encode_seconds"] = time.perf_counter() - started
    if page.downscaled_from is not None:
        (w, h), (fw, fh) = page.downscaled_from, page.image.size
        fields["downscaled"] = f"page scaled from {w}x{h} to {fw}x{fh} px to fit the pixel budget"
    return fields


# -- stage 2: inference and writing (actors) --------------------------------------------

DONE = ("doc", "page")


class InferPages:
    """One engine (one HTTP client) per actor; calls may run on several threads at
    once, and all of them together keep at most ``concurrency`` requests in flight."""

    def __init__(self, job: RayJob) -> None:
        self.job = job
        self._prepare_lock = threading.Lock()
        self._prepared = False
        try:
            self.pipeline = job.pipeline()
        except Exception as exc:  # an actor that cannot start fails its pages, not the run
            self.setup_error: str | None = f"worker setup failed: {exc}"
            return
        self.setup_error = None
        self.engine: PagewiseEngine = self.pipeline.engine  # type: ignore[assignment]
        self._slots = threading.BoundedSemaphore(self.engine.max_in_flight)

    def __call__(self, batch: Any) -> dict[str, list[Any]]:
        rows = _rows(batch)
        if self.setup_error is not None:
            for row in rows:
                _write_failed_record(self.job, row, self.setup_error)
            return _columns(rows, DONE)
        in_flight: list[tuple[dict[str, Any], PageImage, Future[PageOutcome]]] = []
        for row in rows:
            if Path(row["record"]).exists():
                continue  # written by an earlier try of this batch: at-least-once runs
            try:
                started = self._start(row)
            except Exception as exc:  # one page's bug fails that page only
                logger.debug("page %s failed", row["page"], exc_info=True)
                self._write(row, self._failed(row, f"internal error: {exc!r}"), None)
                continue
            if started is not None:
                in_flight.append((row, *started))
        for row, page_image, future in in_flight:
            try:
                self._finish(row, page_image, future)
            except Exception as exc:
                logger.debug("page %s failed", row["page"], exc_info=True)
                self._write(row, self._failed(row, f"internal error: {exc!r}"), None)
        return _columns(rows, DONE)

    def _start(self, row: dict[str, Any]) -> tuple[PageImage, Future[PageOutcome]] | None:
        """Write the page now if it needs no request; else send it (returns the future)."""
        page_image = self._page_image(row)
        ready = self.engine.answer_without_request(page_image)
        if ready is not None:
            self._write(row, ready, page_image.image)
            return None
        try:
            self._prepare()
        except ServerError as exc:
            self._write(row, self._failed(row, str(exc)), None)
            return None
        self._slots.acquire()
        future = self.engine.submit(row["url"], page_image.size)
        future.add_done_callback(lambda _: self._slots.release())
        return page_image, future

    def _finish(
        self, row: dict[str, Any], page_image: PageImage, future: Future[PageOutcome]
    ) -> None:
        outcome = self.engine.outcome_of(future)
        if self.engine.needs_text_layer(outcome):
            page_image = self._with_text_layer(row) or page_image
        page = self.engine.finish(page_image, outcome, row.get("encode_seconds") or 0.0)
        self._write(row, page, page_image.image)

    def _prepare(self) -> None:
        with self._prepare_lock:
            if not self._prepared:
                self.engine.prepare()
                self._prepared = True

    def _page_image(self, row: dict[str, Any]) -> PageImage:
        image = None
        url = row.get("url")
        if url is not None and row.get("error") is None:
            image = image_from_data_url(url)
        return PageImage(
            source=Path(row["path"]),
            number=int(row["page"]),
            image=image,
            dpi=row.get("dpi"),
            error=row.get("error"),
            render_seconds=row.get("render_seconds") or 0.0,
        )

    def _with_text_layer(self, row: dict[str, Any]) -> PageImage | None:
        """The page rendered again with its text layer, for the CPU fallback."""
        try:
            source = self.pipeline.open_document(Path(row["path"]))
        except DotsOCRError:
            return None
        with source:
            source.selected = [int(row["page"])]
            return next(iter(source.pages()), None)

    def _failed(self, row: dict[str, Any], error: str) -> Page:
        image = PageImage(Path(row["path"]), int(row["page"]), None, row.get("dpi"))
        return failed_page(image, error, self.engine.name)

    def _write(self, row: dict[str, Any], page: Page, picture: Image.Image | None) -> None:
        """What the local pipeline does when a page leaves it, then the record."""
        page.timings.setdefault("render", round(row.get("render_seconds") or 0.0, 4))
        if row.get("downscaled"):
            page.warnings.insert(0, row["downscaled"])
        store = DocumentStore(
            Path(self.job.output_dir),
            row["stem"],
            paged=bool(row["paged"]),
            settings_hash=self.job.settings_hash,
            writers=self.pipeline.writers,
        )
        store.manifest_path = Path(row["record"])  # see page_records.write_page
        self.pipeline.write_outputs(store, page, picture)


def _write_failed_record(job: RayJob, row: dict[str, Any], error: str) -> None:
    """A failed page's record, for a worker that has no pipeline to write with."""
    store = DocumentStore(
        Path(job.output_dir), row["stem"], paged=bool(row["paged"]), settings_hash=job.settings_hash
    )
    store.manifest_path = Path(row["record"])
    image = PageImage(Path(row["path"]), int(row["page"]), None, row.get("dpi"))
    store.write_page(failed_page(image, error, job.engine.name), None)
