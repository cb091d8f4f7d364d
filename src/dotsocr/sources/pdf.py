"""PDF inputs: open with pdfium (passwords, clear errors), then render one page per
``next()`` within the pixel budget, each with its text layer in image pixels.

pdfium is not thread-safe: every call for one document (opening, iterating its
pages, closing) must happen on one thread. The pipeline may render on a worker
thread, but then that thread must own the whole SourceDocument.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
from PIL import Image

from dotsocr.errors import InputError, PageRangeError, PasswordError
from dotsocr.protocol import DEFAULT_DPI, MAX_PIXELS
from dotsocr.sources.base import PageImage, SourceDocument, TextChar, TextLayer
from dotsocr.sources.form_fields import field_chars, read_form_fields
from dotsocr.sources.pages import parse_page_range
from dotsocr.sources.passwords import password_candidates
from dotsocr.sources.sizing import FittedSize, fit_size
from dotsocr.sources.textlayer import device_transform, extract_text_layer

logger = logging.getLogger("dotsocr")

POINTS_PER_INCH = 72.0
#: A page whose shorter side would come out below this many pixels after fitting
#: the budget (a page 2^31 pt tall) carries nothing legible: it fails, clearly.
MIN_LEGIBLE_SIDE = 16
#: Draw annotations (and, below, form fields) as a viewer would; ask pdfium for RGB
#: byte order so the bitmap becomes a PIL image without a channel swap.
_RENDER_FLAGS = pdfium_c.FPDF_ANNOT | pdfium_c.FPDF_REVERSE_BYTE_ORDER

#: pdfium's own names for its load errors, quoted in messages.
_PDFIUM_ERROR_NAMES = {
    pdfium_c.FPDF_ERR_SUCCESS: "Success",
    pdfium_c.FPDF_ERR_UNKNOWN: "Unknown error",
    pdfium_c.FPDF_ERR_FILE: "File access error",
    pdfium_c.FPDF_ERR_FORMAT: "Data format error",
    pdfium_c.FPDF_ERR_PASSWORD: "Incorrect password error",
    pdfium_c.FPDF_ERR_SECURITY: "Unsupported security scheme error",
    pdfium_c.FPDF_ERR_PAGE: "Page not found or content error",
}
_LOAD_ERRORS = {
    pdfium_c.FPDF_ERR_FILE: "cannot read the file",
    pdfium_c.FPDF_ERR_SECURITY: "unsupported encryption",
}


#: PDFium is not thread-safe across documents either: two threads rendering two
#: different PDFs at once crash it. Every PDFium call of the process goes through
#: this lock (open, render a page with its text layer, close), so batches running in
#: threads side by side (the HTTP service, run_batch in threads) stay safe. The
#: engines' work on a rendered page happens outside it.
PDFIUM_LOCK = threading.RLock()


def open_pdf(
    path: Path,
    *,
    pages: str | None = None,
    dpi: float = DEFAULT_DPI,
    password: str | None = None,
    max_pixels: int = MAX_PIXELS,
) -> SourceDocument:
    """Open the PDF at ``path`` and select ``pages``; nothing is rendered yet.

    Raises PasswordError (encrypted, or the password is wrong), InputError (corrupt,
    no pages, or ``pages`` beyond the end of this document).
    """
    with PDFIUM_LOCK:
        raw = _load(path, password)
        pdf = pdfium.PdfDocument(raw)
        try:
            _init_forms(pdf, path)
            page_count = len(pdf)
            if page_count < 1:
                raise InputError(path, "PDF has no pages (its page tree is missing or unreadable)")
            selected = parse_page_range(pages, page_count)
        except PageRangeError as exc:
            pdf.close()
            raise InputError(path, str(exc)) from exc
        except BaseException:
            pdf.close()
            raise
    renderer = PdfRenderer(path, pdf, dpi=dpi, max_pixels=max_pixels)
    return SourceDocument(
        path=path,
        kind="pdf",
        page_count=page_count,
        selected=selected,
        _pages=renderer.iter_pages,
        _close=renderer.close,
    )


def _load(path: Path, password: str | None) -> object:
    """The raw pdfium document, trying each plausible form of the password."""
    tries: list[bytes | None] = [None]
    if password is not None:
        # None last: files with only an owner password open without one.
        tries = [form.encode("utf-8") for form in password_candidates(password)] + [None]
    error = pdfium_c.FPDF_ERR_UNKNOWN
    for attempt in tries:
        raw = pdfium_c.FPDF_LoadDocument(os.fsencode(path), attempt)
        if raw:
            return raw
        error = pdfium_c.FPDF_GetLastError()
        if error != pdfium_c.FPDF_ERR_PASSWORD:
            break
    raise _load_error(path, error, password)


def _load_error(path: Path, error: int, password: str | None) -> InputError:
    if error == pdfium_c.FPDF_ERR_PASSWORD:
        if password is None:
            return PasswordError(path, "encrypted PDF: pass --password")
        return PasswordError(path, "wrong password")
    detail = _PDFIUM_ERROR_NAMES.get(error, f"error {error}")
    what = _LOAD_ERRORS.get(error, "corrupt or unreadable PDF")
    return InputError(path, f"{what} (pdfium: {detail})")


def _init_forms(pdf: pdfium.PdfDocument, path: Path) -> None:
    """Set up form rendering so filled-in fields show as in a viewer; a broken
    form only loses its fields, never the document."""
    try:
        pdf.init_forms()
    except pdfium.PdfiumError as exc:
        logger.warning("%s: form fields will not be drawn (%s)", path, exc)


class PdfRenderer:
    """Renders pages of one open PDF on demand. Owns the pdfium document; each call
    holds :data:`PDFIUM_LOCK`."""

    def __init__(self, path: Path, pdf: pdfium.PdfDocument, *, dpi: float, max_pixels: int) -> None:
        if dpi <= 0:
            raise ValueError(f"dpi must be positive, got {dpi}")
        self.path = path
        self.dpi = float(dpi)
        self.max_pixels = max_pixels
        self._pdf: pdfium.PdfDocument | None = pdf

    def iter_pages(self, numbers: list[int]) -> Iterator[PageImage]:
        """One PageImage per number (1-based), each rendered only when asked for."""
        for number in numbers:
            if self._pdf is None:
                return
            yield self.render_page(number)

    def render_page(self, number: int) -> PageImage:
        """Render page ``number``; a failure is recorded in the PageImage, not raised."""
        with PDFIUM_LOCK:
            return self._render(number)

    def _render(self, number: int) -> PageImage:
        started = time.perf_counter()
        if self._pdf is None:
            raise RuntimeError(f"{self.path}: document already closed")
        try:
            page = self._pdf.get_page(number - 1)
        except pdfium.PdfiumError:
            return self._failed(number, "page could not be loaded (pdfium)", started)
        try:
            return self._render_loaded(page, number, started)
        except Exception as exc:  # one bad page must not end the document
            logger.debug("%s page %d failed", self.path, number, exc_info=True)
            return self._failed(number, f"page could not be rendered: {exc}", started)
        finally:
            page.close()

    def _render_loaded(self, page: pdfium.PdfPage, number: int, started: float) -> PageImage:
        width_pt, height_pt = page.get_size()
        scale = self.dpi / POINTS_PER_INCH
        try:
            fitted = fit_size(width_pt * scale, height_pt * scale, self.max_pixels)
        except ValueError:
            return self._failed(
                number, f"page has no usable size ({width_pt:g} x {height_pt:g} pt)", started
            )
        if min(fitted.width, fitted.height) < MIN_LEGIBLE_SIDE <= min(fitted.natural):
            return self._failed(
                number,
                f"page is {width_pt:g} x {height_pt:g} pt: within the pixel budget it would be "
                f"{fitted.width} x {fitted.height} px, too thin to read",
                started,
            )
        image = render_bitmap(page, fitted.width, fitted.height)
        text_layer = self._text_layer(page, fitted, number)
        return PageImage(
            source=self.path,
            number=number,
            image=image,
            dpi=self.dpi * fitted.scale,
            text_layer=text_layer,
            render_seconds=time.perf_counter() - started,
            downscaled_from=fitted.downscaled_from,
        )

    def _text_layer(self, page: pdfium.PdfPage, fitted: FittedSize, number: int) -> TextLayer:
        """The page's text layer; if pdfium cannot read it the page still goes on."""
        try:
            transform = device_transform(page.raw, fitted.width, fitted.height)
            layer = extract_text_layer(page.raw, transform)
        except Exception as exc:
            logger.warning("%s page %d: text layer unreadable (%s)", self.path, number, exc)
            return TextLayer()
        form = self._pdf.formenv if self._pdf is not None else None
        if form is not None:
            try:
                layer.fields = read_form_fields(page.raw, form.raw, transform)
            except Exception as exc:
                logger.warning("%s page %d: form fields unreadable (%s)", self.path, number, exc)
            values = field_chars(layer.fields)
            if values and layer.chars and layer.chars[-1].text != "\n":
                last = layer.chars[-1]
                layer.chars.append(TextChar("\n", last.box, last.font_size, generated=True))
            layer.chars.extend(values)
        return layer

    def _failed(self, number: int, error: str, started: float) -> PageImage:
        return PageImage(
            source=self.path,
            number=number,
            image=None,
            dpi=None,
            error=error,
            render_seconds=time.perf_counter() - started,
        )

    def close(self) -> None:
        with PDFIUM_LOCK:
            if self._pdf is not None:
                self._pdf.close()
                self._pdf = None


def render_bitmap(page: pdfium.PdfPage, width: int, height: int) -> Image.Image:
    """Rasterise ``page`` to exactly ``width`` x ``height`` RGB pixels, white paper,
    /Rotate applied (rotate 0 means "as the page says"), annotations and forms drawn."""
    bitmap = pdfium.PdfBitmap.new_native(width, height, pdfium_c.FPDFBitmap_BGR, rev_byteorder=True)
    try:
        bitmap.fill_rect((255, 255, 255, 255), 0, 0, width, height)
        args = (bitmap, page, 0, 0, width, height, 0, _RENDER_FLAGS)
        pdfium_c.FPDF_RenderPageBitmap(*args)
        if page.formenv:
            pdfium_c.FPDF_FFLDraw(page.formenv, *args)
        image = bitmap.to_pil()  # PIL copies RGB data out of the buffer
        if image.mode != "RGB":
            image = image.convert("RGB")
        return image
    finally:
        bitmap.close()
