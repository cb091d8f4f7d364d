"""What an upload is, judged from its bytes, never from its name; and its pages.

The file lands in the job's folder as ``document.<ext>``, the extension following
the sniffed type, so nothing a client sends becomes part of a path on disk.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import BinaryIO

from dotsocr.errors import DotsOCRError, PageRangeError
from dotsocr.sources import parse_page_range
from dotsocr.sources.open import open_source, sniff

_EXTENSIONS = {
    "PDF": ".pdf",
    "PNG": ".png",
    "JPEG": ".jpg",
    "TIFF": ".tif",
    "GIF": ".gif",
    "BMP": ".bmp",
    "WEBP": ".webp",
}
_HEAD = 1024
INPUT_STEM = "document"


class UploadError(Exception):
    """An upload refused, with the HTTP status that says why (415, 422)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def save_upload(stream: BinaryIO, folder: Path) -> Path:
    """Copy the upload into ``folder`` as ``document.<ext>``; 415 when its bytes are
    neither a PDF nor an image dotsocr reads."""
    head = stream.read(_HEAD)
    kind = sniff(head)
    if kind is None:
        raise UploadError(415, "not a PDF or an image (PNG, JPEG, TIFF, GIF, BMP, WebP)")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{INPUT_STEM}{_EXTENSIONS[kind]}"
    partial = path.with_name(f".{path.name}.part")
    with open(partial, "wb") as out:
        out.write(head)
        shutil.copyfileobj(stream, out, 1024 * 1024)
        out.flush()
        os.fsync(out.fileno())  # on disk before the 202, so a crash cannot lose it
    partial.replace(path)
    return path


def count_pages(path: Path, *, max_pages: int, pages: str | None = None) -> int:
    """The pages a job will parse: those ``pages`` selects of the file's. 422 when
    the file cannot be opened, holds too many pages, or ``pages`` selects none."""
    try:
        with open_source(path) as source:
            total = source.page_count
    except DotsOCRError as exc:
        reason = getattr(exc, "reason", None) or str(exc)
        raise UploadError(422, f"cannot read the file: {reason}") from None
    if total > max_pages:
        raise UploadError(422, f"{total} pages, over the limit of {max_pages} pages")
    try:
        return len(parse_page_range(pages, total)) or total
    except PageRangeError as exc:
        raise UploadError(422, f"pages: {exc}") from None
