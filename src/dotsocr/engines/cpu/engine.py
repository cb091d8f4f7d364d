"""CpuEngine: the embedded engine (text layer or RapidOCR, plus rapid-layout).

Per page: take the PDF text layer when it is usable, else OCR the image; detect
layout regions; assemble categorised elements in reading order. One page's
trouble becomes a failed Page, never an exception out of :meth:`CpuEngine.process`.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from importlib import metadata
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from dotsocr.blank import is_blank
from dotsocr.engines.base import failed_page
from dotsocr.engines.cpu.assemble import assemble
from dotsocr.engines.cpu.boxes import to_int_box
from dotsocr.engines.cpu.headers import relabel_running_headers
from dotsocr.engines.cpu.layout import Region, detect_regions
from dotsocr.engines.cpu.ocr import ocr_lines, recognize, to_bgr
from dotsocr.engines.cpu.orientation import box_back, rotate
from dotsocr.engines.cpu.orientation import choose as choose_orientation
from dotsocr.engines.cpu.textlayer_check import check_text_layer
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.model import Element, Page
from dotsocr.sources.base import PageImage

#: Bumped whenever this engine's output for the same input changes.
ENGINE_VERSION = "cpu-5"


class CpuEngineOptions(BaseModel):
    """Everything that changes the CPU engine's output."""

    model_config = ConfigDict(extra="forbid")

    ocr: Literal["auto", "always", "never"] = Field(
        default="auto",
        description="auto: OCR only pages without a usable text layer; always: OCR every "
        "page; never: text layer only",
    )
    det_limit_side_len: int = Field(
        default=1280, ge=320, le=4096, description="longest side for text detection"
    )
    layout: bool = Field(default=True, description="run the layout model")
    layout_conf: float = Field(default=0.5, gt=0, lt=1, description="layout box threshold")
    verify_text_layer: bool = Field(
        default=True, description="read a few line crops to catch garbled text layers"
    )


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "unknown"


class CpuEngine:
    """The embedded CPU engine; models are shared by all instances in a process."""

    name = "cpu"

    def __init__(self, options: CpuEngineOptions | None = None) -> None:
        self.options = options or CpuEngineOptions()

    def settings(self) -> dict[str, Any]:
        return {
            **self.options.model_dump(),
            "engine_version": ENGINE_VERSION,
            "rapidocr": _version("rapidocr"),
            "rapid_layout": _version("rapid-layout"),
        }

    def process(self, pages: Iterable[PageImage]) -> Iterator[Page]:
        for page in pages:
            yield self.process_page(page)

    def refine_document(self, pages: list[Page]) -> None:
        """Document-level pass the pipeline runs over a window of pages."""
        relabel_running_headers(pages)

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
            verdict = check_text_layer(
                layer,
                lines,
                bgr if verify else None,
                (lambda crops: recognize(crops, opts.det_limit_side_len)) if verify else None,
            )
            timings["text"] = time.perf_counter() - start
            notable = verdict.kind in ("invisible", "garbled")
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

    def _process(self, page: PageImage) -> Page:
        assert page.image is not None
        image = page.image if page.image.mode == "RGB" else page.image.convert("RGB")
        width, height = image.size
        bgr = to_bgr(image)
        blank = is_blank(image)
        timings: dict[str, float] = {}
        warnings: list[str] = []
        lines, method = self._text_or_ocr(page, bgr, blank, timings, warnings)
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
        work = rotate(bgr, angle) if angle else bgr
        work_h, work_w = work.shape[:2]

        regions: list[Region] = []
        if self.options.layout and (lines or not blank):
            start = time.perf_counter()
            regions = detect_regions(work, self.options.layout_conf)
            timings["layout"] = time.perf_counter() - start

        start = time.perf_counter()
        blocks = assemble(lines, regions, work_w, work_h, first_page=page.number == 1, image=work)
        elements = [
            Element(
                bbox=to_int_box(box_back(b.box, angle, width, height), width, height),
                category=b.category,  # type: ignore[arg-type]
                text=None if b.category == "Picture" else b.text,
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
            warnings=warnings,
            timings={k: round(v, 4) for k, v in timings.items()},
        )
