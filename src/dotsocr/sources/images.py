"""Image inputs (PNG, JPEG, TIFF, WebP, BMP, GIF) as pages: upright, RGB on white,
within the pixel budget.

A multi-frame TIFF is a multi-page document (page ranges apply); every other
format contributes its first frame. Pillow's lazy decoding keeps one frame in
memory at a time.
"""

from __future__ import annotations

import logging
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps

from dotsocr.errors import InputError, LimitError, PageRangeError
from dotsocr.protocol import MAX_PIXELS
from dotsocr.sources.base import PageImage, SourceDocument
from dotsocr.sources.pages import parse_page_range
from dotsocr.sources.sizing import fit_size

logger = logging.getLogger("dotsocr")

#: Images above this many times the pixel budget are refused before decoding: a
#: small file can claim gigapixels (a decompression bomb). Pillow's own check
#: (2 x Image.MAX_IMAGE_PIXELS) may refuse earlier; both end as LimitError.
BOMB_FACTOR = 40
_WHITE = (255, 255, 255)
_ALPHA_MODES = ("RGBA", "LA", "PA", "RGBa", "La")
_DEEP_MODES = ("I", "F", "I;16", "I;16L", "I;16B", "I;16N")
_MULTI_PAGE_FORMATS = ("TIFF",)


def open_image(
    path: Path, image_format: str, *, pages: str | None = None, max_pixels: int = MAX_PIXELS
) -> SourceDocument:
    """Open the image at ``path`` (already sniffed as ``image_format``, a Pillow
    format name) and check that its first frame decodes.

    Raises LimitError for decompression bombs, InputError for unreadable files and
    for ``pages`` beyond the frame count.
    """
    image = _open(path, image_format, max_pixels)
    try:
        frames = getattr(image, "n_frames", 1) if image.format in _MULTI_PAGE_FORMATS else 1
        selected = parse_page_range(pages, frames)
        _decode(image, path)
    except PageRangeError as exc:
        image.close()
        raise InputError(path, str(exc)) from exc
    except BaseException:
        image.close()
        raise
    reader = _FrameReader(path, image, max_pixels)
    return SourceDocument(
        path=path,
        kind="image",
        page_count=frames,
        selected=selected,
        _pages=reader.iter_pages,
        _close=reader.close,
    )


def _open(path: Path, image_format: str, max_pixels: int) -> Image.Image:
    limit = BOMB_FACTOR * max_pixels
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path, formats=[image_format])
    except Image.DecompressionBombError as exc:
        raise LimitError(path, f"image too large to decode safely ({exc})") from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise InputError(path, f"unreadable {image_format} image ({exc})") from exc
    width, height = image.size
    if width * height > limit:
        image.close()
        raise LimitError(
            path, f"image is {width} x {height} pixels, above the limit of {limit:,} pixels"
        )
    if width < 1 or height < 1:
        image.close()
        raise InputError(path, f"image has no pixels ({width} x {height})")
    return image


def _decode(image: Image.Image, path: Path) -> None:
    """Decode the current frame now, so a truncated file fails at open, not later."""
    try:
        image.load()
    except Image.DecompressionBombError as exc:
        raise LimitError(path, f"image too large to decode safely ({exc})") from exc
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise InputError(path, f"unreadable {image.format} image ({exc})") from exc


class _FrameReader:
    """Yields the selected frames of one open image file as pages."""

    def __init__(self, path: Path, image: Image.Image, max_pixels: int) -> None:
        self.path = path
        self.max_pixels = max_pixels
        self._image: Image.Image | None = image

    def iter_pages(self, numbers: list[int]) -> Iterator[PageImage]:
        for number in numbers:
            if self._image is None:
                return
            yield self.read_page(number)

    def read_page(self, number: int) -> PageImage:
        """Frame ``number`` (1-based) as a page; a bad frame is recorded, not raised."""
        started = time.perf_counter()
        image = self._image
        if image is None:
            raise RuntimeError(f"{self.path}: image already closed")
        try:
            if image.tell() != number - 1:
                image.seek(number - 1)
            image.load()
            return prepare_page(self.path, number, image, self.max_pixels, started)
        except Exception as exc:  # one bad frame must not end the document
            logger.debug("%s frame %d failed", self.path, number, exc_info=True)
            return PageImage(
                source=self.path,
                number=number,
                image=None,
                dpi=None,
                error=f"image frame could not be decoded: {exc}",
                render_seconds=time.perf_counter() - started,
            )

    def close(self) -> None:
        if self._image is not None:
            self._image.close()
            self._image = None


def prepare_page(
    path: Path, number: int, frame: Image.Image, max_pixels: int, started: float
) -> PageImage:
    """Turn one decoded frame into a page: upright, RGB, within ``max_pixels``."""
    dpi = image_dpi(frame)
    upright = ImageOps.exif_transpose(frame)
    rgb = to_rgb(upright)
    fitted = fit_size(rgb.width, rgb.height, max_pixels)
    if fitted.downscaled_from is not None:
        rgb = rgb.resize((fitted.width, fitted.height), Image.Resampling.LANCZOS)
    return PageImage(
        source=path,
        number=number,
        image=rgb,
        dpi=dpi * fitted.scale if dpi is not None else None,
        text_layer=None,
        render_seconds=time.perf_counter() - started,
        downscaled_from=fitted.downscaled_from,
    )


def image_dpi(image: Image.Image) -> float | None:
    """The resolution the file declares, or None (many images declare none)."""
    dpi = image.info.get("dpi")
    try:
        values = [float(v) for v in dpi] if isinstance(dpi, tuple) else [float(dpi)]
    except (TypeError, ValueError):
        return None
    values = [v for v in values if v > 1.0 and np.isfinite(v)]
    return sum(values) / len(values) if values else None


def to_rgb(image: Image.Image) -> Image.Image:
    """8-bit RGB: deep (16-bit, float) images rescaled, transparency over white,
    palette, CMYK and 1-bit converted."""
    if image.mode in _DEEP_MODES:
        image = _deep_to_gray(image)
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    if image.mode in _ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, _WHITE)
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image if image.mode == "RGB" else image.convert("RGB")


def _deep_to_gray(image: Image.Image) -> Image.Image:
    """16-bit or float greyscale to 8 bits, keeping the full range visible
    (Pillow's own conversion clips everything above 255 to white)."""
    values = np.asarray(image, dtype=np.float64)
    peak = float(values.max()) if values.size else 0.0
    if image.mode == "F" and peak <= 1.0:
        values = values * 255.0
    elif peak > 255.0:
        values = values / 257.0
    gray = Image.fromarray(np.clip(values, 0, 255).astype(np.uint8))
    gray.info = {k: v for k, v in image.info.items() if k != "transparency"}
    return gray
