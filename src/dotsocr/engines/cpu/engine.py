"""CpuEngine: the embedded engine (text layer or RapidOCR, plus rapid-layout).

Per page: take the PDF text layer when it is usable, else OCR the image; detect
layout regions; assemble categorised elements in reading order. One page's
trouble becomes a failed Page, never an exception out of :meth:`CpuEngine.process`.

With more than one worker (``options.workers``, by default one per core), pages
are read in worker processes (``workers.py``), each running this same per-page
code, and come back in page order: the output is the same as with one.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import replace
from importlib import metadata
from typing import TYPE_CHECKING, Any

import numpy as np

from dotsocr.blank import is_blank
from dotsocr.engines.base import Engine, failed_page
from dotsocr.engines.cpu.assemble import assemble
from dotsocr.engines.cpu.boxes import to_int_box
from dotsocr.engines.cpu.broken_lines import reread_garbled_lines
from dotsocr.engines.cpu.headers import relabel_running_headers
from dotsocr.engines.cpu.layout import Region, detect_regions, forms_are_not_pictures
from dotsocr.engines.cpu.ocr import ocr_lines, recognize, to_bgr
from dotsocr.engines.cpu.options import CpuEngineOptions
from dotsocr.engines.cpu.orientation import box_back, rotate
from dotsocr.engines.cpu.orientation import choose as choose_orientation
from dotsocr.engines.cpu.ruby import element_text
from dotsocr.engines.cpu.table_continuation import carry_table_headings
from dotsocr.engines.cpu.textlayer_check import check_text_layer
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.engines.cpu.worker_count import effective_workers
from dotsocr.lang import detect_language, normalise_for_language
from dotsocr.model import HEADER_FOOTER, Element, Page
from dotsocr.sources.base import PageImage

if TYPE_CHECKING:
    from dotsocr.engines.cpu.workers import WorkerPool

#: Bumped whenever this engine's output for the same input changes.
ENGINE_VERSION = "cpu-7"


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


#: A page drawn blank whose text layer has text: most often fonts neither embedded
#: in the PDF nor installed (CJK PDFs on a machine without CJK fonts).
BLANK_RENDER_WARNING = (
    "the page renders blank, yet its text layer has text (fonts not embedded and not "
    "installed? for Japanese, Chinese or Korean: apt-get install fonts-noto-cjk); "
    "read from the text layer"
)


class CpuEngine(Engine):
    """The embedded CPU engine; models are shared by all instances in a process."""

    name = "cpu"

    def __init__(self, options: CpuEngineOptions | None = None) -> None:
        self.options = options or CpuEngineOptions()
        self._workers: int | None = None
        self._pool: WorkerPool | None = None

    def settings(self) -> dict[str, Any]:
        return {
            **self.options.output_settings(),
            "engine_version": ENGINE_VERSION,
            "rapidocr": _version("rapidocr"),
            "rapid_layout": _version("rapid-layout"),
        }

    @property
    def workers(self) -> int:
        """Pages read at once; 1 means in this process, with no worker processes.
        Fixed at first use, since the default depends on the memory free then."""
        if self._workers is None:
            self._workers = effective_workers(self.options)
        return self._workers

    def prepare(self) -> str | None:
        """Load the models now (in one worker, when there are workers), so the first
        page's time is the page's own and a setup problem is one clear error."""
        if self.workers > 1:
            self._worker_pool().start()
            return None
        from dotsocr.engines.cpu.models import get_layout, get_ocr

        get_layout(self.options.layout_conf)
        get_ocr(self.options.det_limit_side_len)
        return None

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        if self.workers > 1:
            yield from self._worker_pool().map(pages)
            return
        for page in pages:
            yield self.process_page(page)

    def worker_pids(self) -> list[int]:
        """Process ids of the live worker processes (none before the first page, or
        with one worker)."""
        return self._pool.pids() if self._pool is not None else []

    def close(self) -> None:
        """Stop the worker processes, if any were started."""
        if self._pool is not None:
            self._pool.close()
            self._pool = None

    def _worker_pool(self) -> WorkerPool:
        if self._pool is None:
            from dotsocr.engines.cpu.workers import WorkerPool

            self._pool = WorkerPool(self.options, self.workers)
        return self._pool

    def refine_document(self, pages: list[Page]) -> None:
        """Document-level pass the pipeline runs over a window of pages."""
        relabel_running_headers(pages)
        carry_table_headings(pages)

    def trim_to_prompt(self, page: Page, prompt: str) -> None:
        """This engine always finds the full layout; cut it to what the prompt asks."""
        if prompt == "layout_only":
            for element in page.elements:
                element.text = None
        elif prompt == "ocr":
            page.elements = [e for e in page.elements if e.category not in HEADER_FOOTER]

    # -- one page ------------------------------------------------------------

    def process_page(self, page: PageImage) -> Page:
        """Turn one page image into a Page; failures become ``status="failed"``."""
        if page.error is not None or page.image is None:
            return self._failed(page, page.error or "page has no image")
        try:
            return self._process(page)
        except Exception as exc:  # one page's trouble must not stop the document
            return self._failed(page, f"{type(exc).__name__}: {exc}")

    def _failed(self, page: PageImage, error: str) -> Page:
        return failed_page(page, error, self.name)

    def _text_or_ocr(
        self,
        page: PageImage,
        bgr: np.ndarray,
        blank: bool,
        timings: dict[str, float],
        warnings: list[str],
    ) -> tuple[list[Line], str]:
        """The page's lines and how they were obtained ("text-layer" or "ocr")."""
        opts = self.options
        if opts.ocr != "always":
            start = time.perf_counter()
            layer = page.text_layer
            lines = lines_from_chars(layer.chars) if layer is not None else []
            verify = opts.verify_text_layer and opts.ocr == "auto"

            def read(crops: Sequence[np.ndarray]) -> list[tuple[str, float]]:
                return recognize(crops, opts.det_limit_side_len)

            verdict = check_text_layer(
                layer, lines, bgr if verify else None, read if verify else None
            )
            notable = verdict.kind in ("invisible", "garbled")
            if verdict.usable and verify:
                lines, fixed = reread_garbled_lines(lines, bgr, read)
                if fixed:
                    warnings.append(
                        f"{fixed} line(s) of the text layer are garbled (a broken font map); "
                        "read them from the page image"
                    )
            timings["text"] = time.perf_counter() - start
            if verdict.usable:
                return lines, "text-layer"
            if opts.ocr == "never":
                if notable:
                    warnings.append(f"{verdict.reason}; OCR is off, kept the text layer")
                return lines, "text-layer"
            if notable:
                warnings.append(f"{verdict.reason}; used OCR")
        start = time.perf_counter()
        lines = [] if blank else ocr_lines(bgr, opts.det_limit_side_len)
        timings["ocr"] = time.perf_counter() - start
        return lines, "ocr"

    def _language(self, lines: list[Line]) -> str | None:
        """The page's language: as given with ``lang``, else from its text (None for
        a page without text)."""
        if self.options.lang != "auto":
            return self.options.lang
        text = "".join(line.text for line in lines)
        return detect_language(text) if text.strip() else None

    def _process(self, page: PageImage) -> Page:
        assert page.image is not None
        image = page.image if page.image.mode == "RGB" else page.image.convert("RGB")
        width, height = image.size
        bgr = to_bgr(image)
        blank = is_blank(image)
        timings: dict[str, float] = {}
        warnings: list[str] = []
        lines, method = self._text_or_ocr(page, bgr, blank, timings, warnings)
        if blank and method == "text-layer" and lines:
            warnings.append(BLANK_RENDER_WARNING)
        angle = 0
        if method == "ocr" and lines:
            start = time.perf_counter()
            reading = choose_orientation(
                lines, bgr, lambda img: ocr_lines(img, self.options.det_limit_side_len)
            )
            timings["orientation"] = time.perf_counter() - start
            if reading.angle:
                angle, lines = reading.angle, reading.lines
                warnings.append(f"page is turned: read after rotating it {angle}° anticlockwise")
        lang = self._language(lines)
        if lang is not None:
            # What OCR read: the page, or the garbled lines of a text layer (no glyphs).
            lines = [
                replace(line, text=normalise_for_language(line.text, lang))
                if method == "ocr" or not line.glyphs
                else line
                for line in lines
            ]
        work = rotate(bgr, angle) if angle else bgr
        work_h, work_w = work.shape[:2]

        regions: list[Region] = []
        if self.options.layout and (lines or not blank):
            start = time.perf_counter()
            regions = detect_regions(work, self.options.layout_conf)
            if not angle and page.text_layer is not None:
                regions = forms_are_not_pictures(regions, [f.box for f in page.text_layer.fields])
            timings["layout"] = time.perf_counter() - start

        start = time.perf_counter()
        blocks = assemble(lines, regions, work_w, work_h, first_page=page.number == 1, image=work)
        if method == "ocr" and lang is not None:
            # table cells read again during assembly come after the lines' fixes
            for b in blocks:
                b.text = normalise_for_language(b.text, lang) if b.text else b.text
        elements = [
            Element(
                bbox=to_int_box(box_back(b.box, angle, width, height), width, height),
                category=b.category,  # type: ignore[arg-type]
                **element_text(b.category, b.text, self.options.ruby),
            )
            for b in blocks
        ]
        timings["assemble"] = time.perf_counter() - start
        return Page(
            number=page.number,
            width=width,
            height=height,
            dpi=page.dpi,
            elements=elements,
            status="ok",
            engine=self.name,
            method=method,
            lang=lang,
            warnings=warnings,
            timings={k: round(v, 4) for k, v in timings.items()},
        )
