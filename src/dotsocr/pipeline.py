"""The parse pipeline: sources -> engine -> refine -> outputs, one page at a time.

Pages stream through: the source renders a page only when the engine asks for the
next one, and a finished page is written out (and its picture released) once it
leaves a small look-ahead window. The window exists so document-level refinement
(running headers and footers, which need several pages to be seen) can relabel a
page before it is written. One page failing never stops its document; one document
failing never stops the run.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image

from dotsocr.engines.base import Engine
from dotsocr.errors import InputError, LimitError, PasswordError
from dotsocr.model import Document, Page
from dotsocr.options import ParseOptions, settings_hash
from dotsocr.prefetch import prefetch
from dotsocr.reporting import Reporter, SilentReporter
from dotsocr.sources import open_source
from dotsocr.sources.base import PageImage, SourceDocument
from dotsocr.store import DocumentStore, safe_stem
from dotsocr.writers.registry import make_writers, writer_settings

__all__ = ["Pipeline", "Reporter", "RunSummary", "SilentReporter"]

logger = logging.getLogger("dotsocr")

#: Pages held back (with their pictures) so refinement can still relabel them.
LOOKAHEAD_PAGES = 8
#: Pages rendered ahead, in a worker thread, while the engine works.
RENDER_AHEAD = 2
#: Pages already written that refinement may look at for context.
CONTEXT_PAGES = 16

@dataclass
class RunSummary:
    documents: list[Document] = field(default_factory=list)
    resumed_pages: int = 0
    seconds: float = 0.0
    #: Tokens of the pages parsed in this run (dots engine), for tokens/s.
    prompt_tokens: int = 0
    completion_tokens: int = 0
    #: Pages the documents started so far asked for (resumed ones included).
    planned_pages: int = 0
    #: True when the run was stopped (Ctrl-C, SIGTERM, a cancelled job) before the end.
    interrupted: bool = False

    def count(self, status: str) -> int:
        return sum(p.status == status for d in self.documents for p in d.pages)

    @property
    def saved_pages(self) -> int:
        """Pages whose results are on disk (this run's and resumed), failed ones aside."""
        return sum(p.status != "failed" for d in self.documents for p in d.pages)

    @property
    def processed_pages(self) -> int:
        return sum(len(d.pages) for d in self.documents) - self.resumed_pages

    @property
    def failed_documents(self) -> list[Document]:
        return [d for d in self.documents if d.error is not None]

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.documents)


class Pipeline:
    """Parses documents with one engine and one set of options."""

    def __init__(
        self,
        engine: Engine,
        options: ParseOptions,
        *,
        output_dir: Path | None = None,
        reporter: Reporter | None = None,
        stop: threading.Event | None = None,
    ) -> None:
        self.engine = engine
        self.options = options
        self.output_dir = output_dir
        self.reporter = reporter or SilentReporter()
        #: Set from outside (a signal, a cancelled job): no new page is started.
        self.stop = stop or threading.Event()
        self.writers = make_writers(options)
        self.settings = options.output_settings(
            engine.settings(), writer_settings(self.writers, options.figures)
        )
        self.settings_hash = settings_hash(self.settings)
        self._stems: dict[str, Path] = {}
        self._tokens = (0, 0)
        self._planned: dict[str, int] = {}

    # -- whole runs -----------------------------------------------------------------

    def run(self, paths: Iterable[Path]) -> RunSummary:
        summary = RunSummary()
        started = time.perf_counter()
        for path in paths:
            if self.stop.is_set():
                break  # recorded as interrupted below
            try:
                doc = self.parse_document(path)
            except Exception as exc:  # a bug in one document must not end the batch
                logger.debug("%s failed", path, exc_info=True)
                doc = Document(source=str(path), error=f"internal error: {exc!r}")
                self.reporter.document_finished(doc)
            summary.documents.append(doc)
            summary.resumed_pages += doc.resumed_pages
            summary.planned_pages += self._planned.pop(str(path), len(doc.pages))
        summary.seconds = time.perf_counter() - started
        summary.prompt_tokens, summary.completion_tokens = self._tokens
        summary.interrupted = self.stop.is_set()
        return summary

    # -- one document ---------------------------------------------------------------

    def parse_document(self, path: Path) -> Document:
        doc = Document(source=str(path), settings=dict(self.settings))
        try:
            source = self.open_document(path)
        except InputError as exc:
            doc.error = exc.reason
            self.reporter.document_finished(doc)
            return doc
        with source:
            doc.kind = source.kind
            doc.page_count = source.page_count
            store = self.store_for(source)
            done = store.load(force=self.options.force) if store else {}
            done = {n: p for n, p in done.items() if n in set(source.selected)}
            source.selected = [n for n in source.selected if n not in done]
            doc.resumed_pages = len(done)
            self._planned[str(path)] = len(done) + len(source.selected)
            self.reporter.document_started(path, len(source.selected), len(done))
            written = self._process_pages(source, store, context=list(done.values()))
        doc.pages = sorted([*done.values(), *written], key=lambda p: p.number)
        if len(written) < len(source.selected):
            # Stopped part-way: the pages done are saved and a rerun resumes the rest;
            # no whole-document file is written for a document that is not whole.
            self.reporter.document_finished(doc)
            return doc
        doc.error = self.error_rate_verdict(doc)
        if store is not None:
            store.write_document(doc)
        self.reporter.document_finished(doc)
        return doc

    def open_document(self, path: Path) -> SourceDocument:
        """Open ``path`` within the limits, trying each candidate password."""
        options = self.options
        try:
            size = path.stat().st_size
        except OSError:
            size = 0  # open_source gives the clear error for a missing file
        if size > options.max_file_mb * 1024 * 1024:
            raise LimitError(
                path,
                f"file is {size / 1024 / 1024:.0f} MB, over the limit of "
                f"{options.max_file_mb:g} MB (raise it with --max-file-size)",
            )
        candidates = options.password_candidates(path.name)
        for number, password in enumerate(candidates, start=1):
            try:
                source = open_source(
                    path,
                    pages=options.pages,
                    dpi=options.dpi,
                    password=password,
                    max_pixels=options.max_pixels,
                )
                break
            except PasswordError as exc:
                if number == len(candidates):
                    if len(candidates) > 1:
                        raise PasswordError(
                            path, f"encrypted PDF: none of the {len(candidates)} passwords opens it"
                        ) from exc
                    raise
        if len(source.selected) > options.max_pages:
            source.close()
            raise LimitError(
                path,
                f"{len(source.selected)} pages selected, over the limit of {options.max_pages} "
                "(raise it with --max-pages, or choose pages with --pages)",
            )
        return source

    def error_rate_verdict(self, doc: Document) -> str | None:
        """The document's error when too many of its pages failed (--max-error-rate)."""
        if doc.error is not None or not doc.pages:
            return doc.error
        failed = sum(p.status == "failed" for p in doc.pages)
        share = failed / len(doc.pages)
        if failed and share > self.options.max_error_rate:
            return (
                f"{failed} of {len(doc.pages)} pages failed ({share:.0%}, over the maximum "
                f"error rate of {self.options.max_error_rate:.0%}); document marked failed"
            )
        return None

    def store_for(self, source: SourceDocument) -> DocumentStore | None:
        if self.output_dir is None:
            return None
        paged = source.kind == "pdf" or source.page_count > 1
        return DocumentStore(
            self.output_dir,
            self._unique_stem(source.path),
            paged=paged,
            settings_hash=self.settings_hash,
            writers=self.writers,
        )

    def _unique_stem(self, path: Path) -> str:
        """The input's stem, made unique within this run when two inputs share one."""
        stem = safe_stem(path.stem)
        resolved = path.resolve()
        owner = self._stems.setdefault(stem, resolved)
        if owner != resolved:
            digest = hashlib.sha256(str(resolved).encode("utf-8")).hexdigest()[:8]
            stem = f"{stem}_{digest}"
            self._stems[stem] = resolved
        return stem

    def _process_pages(
        self, source: SourceDocument, store: DocumentStore | None, context: list[Page]
    ) -> list[Page]:
        pictures: dict[int, Image.Image | None] = {}
        render_seconds: dict[int, float] = {}
        downscaled: dict[int, str] = {}
        deadline = time.monotonic() + self.options.document_timeout
        stop_reason: list[str] = []

        def feed() -> Iterator[PageImage]:
            for page_image in source.pages():
                pictures[page_image.number] = page_image.image
                render_seconds[page_image.number] = page_image.render_seconds
                if page_image.downscaled_from is not None and page_image.image is not None:
                    (w, h), (fw, fh) = page_image.downscaled_from, page_image.image.size
                    downscaled[page_image.number] = (
                        f"page scaled from {w}x{h} to {fw}x{fh} px to fit the pixel budget"
                    )
                yield page_image

        def within_deadline(pages: Iterator[PageImage]) -> Iterator[PageImage]:
            """Hand pages to the engine until the document's time is up or the run
            is stopped (then the pages not started are neither parsed nor recorded)."""
            for page_image in pages:
                if self.stop.is_set():
                    return
                if time.monotonic() > deadline:
                    stop_reason.append(
                        f"document timeout ({self.options.document_timeout:g} s) reached "
                        "before this page (raise it with --document-timeout)"
                    )
                    return
                yield page_image

        pending: list[Page] = []
        written: list[Page] = []
        recent: list[Page] = context[-CONTEXT_PAGES:]

        def flush(page: Page) -> None:
            page.timings.setdefault("render", round(render_seconds.pop(page.number, 0.0), 4))
            if page.number in downscaled:
                page.warnings.insert(0, downscaled.pop(page.number))
            picture = pictures.pop(page.number, None)
            self.engine.trim_to_prompt(page, self.options.prompt)
            if store is not None:
                self.write_outputs(store, page, picture)
            if page.tokens is not None:
                prompt, completion = self._tokens
                self._tokens = (prompt + page.tokens.prompt, completion + page.tokens.completion)
            written.append(page)
            recent.append(page)
            del recent[:-CONTEXT_PAGES]
            self.reporter.page_finished(page)

        rendered = prefetch(feed(), depth=RENDER_AHEAD)
        results = self.engine.process(within_deadline(rendered))
        try:
            for page in results:
                pending.append(page)
                if len(pending) > LOOKAHEAD_PAGES:
                    self._refine(recent, pending)
                    flush(pending.pop(0))
        except Exception as exc:  # an engine bug must not take the batch down
            logger.debug("engine failed on %s", source.path, exc_info=True)
            stop_reason.append(f"engine error: {exc}")
        finally:
            # However this loop ends (a KeyboardInterrupt too), end the engine's work
            # and join the render thread now, before the caller closes the source:
            # a PDF closed under a thread still rendering it crashes PDFium (this was
            # the segmentation fault on Ctrl-C).
            _close(results)
            rendered.close()
        finished = {p.number for p in (*pending, *written)}
        # Stopped from outside: pages not started stay unrecorded, for a rerun to do.
        dropped = self.stop.is_set() and not stop_reason
        pending.extend(
            Page(
                number=number,
                width=0,
                height=0,
                status="failed",
                engine=self.engine.name,
                error=stop_reason[0] if stop_reason else "page was not processed",
            )
            for number in source.selected
            if number not in finished and not dropped
        )
        self._refine(recent, pending)
        for page in sorted(pending, key=lambda p: p.number):
            flush(page)
        return written

    def write_outputs(self, store: DocumentStore, page: Page, picture: Image.Image | None) -> None:
        """Write one page's files; if that fails, the page is recorded as failed."""
        try:
            store.write_page(page, picture)
        except (OSError, ValueError) as exc:
            logger.debug("writing page %d failed", page.number, exc_info=True)
            page.status, page.error = "failed", f"could not write outputs: {exc}"
            page.elements = []
            store.write_page(page, None)

    def _refine(self, context: list[Page], pending: list[Page]) -> None:
        """Run document-level refinement; only pending pages keep its changes."""
        if not pending:
            return
        copies = [p.model_copy(deep=True) for p in context]
        self.engine.refine_document([*copies, *pending])


def _close(iterator: Iterator[Page]) -> None:
    """Close a generator (its ``finally`` blocks run now); other iterators have none."""
    if isinstance(iterator, Generator):
        iterator.close()
