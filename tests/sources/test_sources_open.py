"""open_source: dispatch by content and one-line errors for unusable inputs."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image

from dotsocr.errors import InputError
from dotsocr.sources import open_source
from dotsocr.sources.open import sniff
from support.sources import PageSpec, build_pdf, text_content


def _reason(path: Path) -> str:
    with pytest.raises(InputError) as caught:
        open_source(path)
    assert "\n" not in caught.value.reason
    assert caught.value.path == str(path)
    return caught.value.reason


def test_missing_file(tmp_path: Path) -> None:
    assert _reason(tmp_path / "nope.pdf") == "no such file"


def test_directory(tmp_path: Path) -> None:
    assert "folder" in _reason(tmp_path)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _reason(path) == "empty file"


def test_text_named_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("hello, I am not a PDF\n")
    reason = _reason(path)
    assert reason.startswith("not a PDF (no %PDF- header; starts with") and "hello" in reason


def test_unknown_type(tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert _reason(path).startswith("unsupported file type (starts with b'PK")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads all")
def test_permission_denied(tmp_path: Path) -> None:
    path = tmp_path / "secret.pdf"
    path.write_bytes(build_pdf([PageSpec()]))
    path.chmod(0)
    assert _reason(path) == "permission denied"


def test_content_wins_over_extension(tmp_path: Path) -> None:
    png_named_pdf = tmp_path / "picture.pdf"
    Image.new("RGB", (10, 10), "white").save(png_named_pdf, "PNG")
    with open_source(png_named_pdf) as doc:
        assert doc.kind == "image"
    pdf_named_png = tmp_path / "document.png"
    pdf_named_png.write_bytes(build_pdf([PageSpec(content=text_content(72, 700, "Hi"))]))
    with open_source(pdf_named_png) as doc:
        assert doc.kind == "pdf"
        assert next(doc.pages()).text_layer.text == "Hi"


def test_odd_extension_is_opened_by_content(tmp_path: Path) -> None:
    path = tmp_path / "scan.data"
    Image.new("RGB", (10, 10), "white").save(path, "TIFF")
    with open_source(str(path)) as doc:
        assert doc.kind == "image" and doc.path == path


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"%PDF-1.7\n", "PDF"),
        (b"junk\n" * 10 + b"%PDF-1.4", "PDF"),
        (b"\x89PNG\r\n\x1a\n....", "PNG"),
        (b"\xff\xd8\xff\xe0", "JPEG"),
        (b"II*\x00....", "TIFF"),
        (b"MM\x00*....", "TIFF"),
        (b"RIFF\x00\x00\x00\x00WEBPVP8 ", "WEBP"),
        (b"GIF89a..", "GIF"),
        (b"BM......", "BMP"),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", None),
        (b"<html>", None),
        (b" " * 1100 + b"%PDF-1.4", None),  # beyond the window pdfium searches
    ],
)
def test_sniff(head: bytes, kind: str | None) -> None:
    assert sniff(head) == kind
