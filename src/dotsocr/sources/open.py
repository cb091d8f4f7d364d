"""open_source: one entry point for every input, dispatched by content.

The extension is only a hint for the error message: a PNG named .pdf is read as a
PNG, and a text file named .pdf gets "not a PDF" rather than a pdfium error.
"""

from __future__ import annotations

import errno
from pathlib import Path

from dotsocr.errors import InputError
from dotsocr.protocol import DEFAULT_DPI, MAX_PIXELS
from dotsocr.sources.base import SourceDocument
from dotsocr.sources.images import open_image
from dotsocr.sources.pdf import open_pdf

#: pdfium accepts a PDF header anywhere in the first 1024 bytes (junk may precede it).
_PDF_HEADER_WINDOW = 1024
_PDF_MAGIC = b"%PDF-"

#: (magic prefix, Pillow format); WebP is checked separately (RIFF container).
_IMAGE_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "PNG"),
    (b"\xff\xd8\xff", "JPEG"),
    (b"II*\x00", "TIFF"),
    (b"MM\x00*", "TIFF"),
    (b"II+\x00", "TIFF"),  # BigTIFF
    (b"MM\x00+", "TIFF"),
    (b"GIF87a", "GIF"),
    (b"GIF89a", "GIF"),
    (b"BM", "BMP"),
)


def open_source(
    path: str | Path,
    *,
    pages: str | None = None,
    dpi: float = DEFAULT_DPI,
    password: str | None = None,
    max_pixels: int = MAX_PIXELS,
) -> SourceDocument:
    """Open a PDF or image for lazy page rendering.

    ``pages`` is a page-range expression ("1-3,7"); a range beyond this document's
    end is an InputError for this file (so a batch goes on), like every other
    problem with it: missing, a folder, empty, corrupt, encrypted (PasswordError),
    too large (LimitError), or of an unsupported type. Each error's ``reason`` is
    one line fit for the user. PDF pages render at ``dpi``; PDFs and images are
    scaled down to ``max_pixels`` when larger.

    pdfium is not thread-safe; every call into it holds ``pdf.PDFIUM_LOCK``.
    """
    path = Path(path)
    head = _read_head(path)
    kind = sniff(head)
    if kind == "PDF":
        return open_pdf(path, pages=pages, dpi=dpi, password=password, max_pixels=max_pixels)
    if kind is not None:
        return open_image(path, kind, pages=pages, max_pixels=max_pixels)
    start = _describe(head)
    if path.suffix.lower() == ".pdf":
        raise InputError(path, f"not a PDF (no %PDF- header; starts with {start})")
    raise InputError(path, f"unsupported file type (starts with {start})")


def sniff(head: bytes) -> str | None:
    """"PDF", a Pillow image format name, or None, judged from the first bytes."""
    if _PDF_MAGIC in head[:_PDF_HEADER_WINDOW]:
        return "PDF"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP"
    for magic, image_format in _IMAGE_MAGIC:
        if head.startswith(magic):
            return image_format
    return None


def _read_head(path: Path) -> bytes:
    """The first bytes of ``path``, with one-line errors for what is not a readable file."""
    try:
        if path.is_dir():
            raise InputError(path, "is a folder, not a file")
        with path.open("rb") as handle:
            head = handle.read(_PDF_HEADER_WINDOW + len(_PDF_MAGIC))
    except FileNotFoundError as exc:
        raise InputError(path, "no such file") from exc
    except IsADirectoryError as exc:
        raise InputError(path, "is a folder, not a file") from exc
    except PermissionError as exc:
        raise InputError(path, "permission denied") from exc
    except OSError as exc:
        reason = exc.strerror or errno.errorcode.get(exc.errno or 0, str(exc))
        raise InputError(path, f"cannot read file ({reason})") from exc
    if not head:
        raise InputError(path, "empty file")
    return head


def _describe(head: bytes) -> str:
    """The first bytes of a file as a short, printable literal."""
    return repr(head[:8])
