"""Image inputs, made with Pillow in tmp_path."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dotsocr.errors import InputError, LimitError
from dotsocr.sources import open_source


def _pages(path: Path, **options: object):
    with open_source(path, **options) as doc:
        return doc, list(doc.pages())


def _only(path: Path, **options: object):
    doc, pages = _pages(path, **options)
    assert doc.kind == "image" and len(pages) == 1
    page = pages[0]
    assert page.error is None and page.image is not None and page.image.mode == "RGB"
    assert page.text_layer is None
    return page


@pytest.mark.parametrize(
    ("suffix", "fmt", "options"),
    [
        (".png", "PNG", {}),
        (".jpg", "JPEG", {"quality": 95}),
        (".webp", "WEBP", {"lossless": True}),
        (".bmp", "BMP", {}),
        (".gif", "GIF", {}),
        (".tif", "TIFF", {}),
    ],
)
def test_formats(tmp_path: Path, suffix: str, fmt: str, options: dict) -> None:
    path = tmp_path / f"pic{suffix}"
    image = Image.new("RGB", (120, 80), (255, 255, 255))
    image.paste((0, 0, 0), (10, 10, 60, 40))
    image.save(path, fmt, **options)
    page = _only(path)
    assert page.size == (120, 80) and page.number == 1
    pixels = np.asarray(page.image)
    assert pixels[20, 20].max() < 60 and pixels[70, 100].min() > 200
    assert page.downscaled_from is None


def test_dpi_from_file(tmp_path: Path) -> None:
    path = tmp_path / "scan.jpg"
    Image.new("RGB", (50, 50), "white").save(path, dpi=(300, 300))
    assert _only(path).dpi == pytest.approx(300, abs=0.5)
    bare = tmp_path / "bare.png"
    Image.new("RGB", (50, 50), "white").save(bare)
    assert _only(bare).dpi is None


def test_multi_frame_tiff_is_paged(tmp_path: Path) -> None:
    path = tmp_path / "scan.tiff"
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [Image.new("RGB", (30, 20), c) for c in colours]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc, pages = _pages(path, pages="2-3")
    assert doc.page_count == 3 and doc.selected == [2, 3]
    assert [p.number for p in pages] == [2, 3]
    assert [p.image.getpixel((5, 5)) for p in pages] == colours[1:]
    with pytest.raises(InputError, match="3 pages"):
        open_source(path, pages="4")


def test_animated_gif_gives_first_frame(tmp_path: Path) -> None:
    path = tmp_path / "anim.gif"
    frames = [Image.new("RGB", (20, 20), c) for c in [(255, 0, 0), (0, 0, 255)]]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    doc, pages = _pages(path)
    assert doc.page_count == 1 and len(pages) == 1
    red, _green, blue = pages[0].image.getpixel((3, 3))
    assert red > 200 and blue < 50


@pytest.mark.parametrize("mode", ["RGBA", "LA", "P"])
def test_transparency_is_composited_on_white(tmp_path: Path, mode: str) -> None:
    path = tmp_path / f"alpha_{mode}.png"
    rgba = Image.new("RGBA", (20, 10), (0, 0, 0, 0))
    rgba.paste((0, 0, 0, 255), (0, 0, 10, 10))
    if mode == "P":
        image = Image.new("P", (20, 10), 1)
        image.putpalette([0, 0, 0, 255, 0, 0])
        image.paste(0, (0, 0, 10, 10))
        image.save(path, transparency=1)
    else:
        rgba.convert(mode).save(path)
    page = _only(path)
    assert page.image.getpixel((15, 5)) == (255, 255, 255)
    assert page.image.getpixel((5, 5)) == (0, 0, 0)


def test_sixteen_bit_grey_keeps_its_range(tmp_path: Path) -> None:
    path = tmp_path / "deep.png"
    values = np.array([[0, 32896, 65535]], dtype=np.uint16)
    Image.fromarray(values).save(path)
    page = _only(path)
    assert [page.image.getpixel((x, 0))[0] for x in range(3)] == [0, 128, 255]


@pytest.mark.parametrize(("mode", "fmt"), [("CMYK", "JPEG"), ("CMYK", "TIFF"), ("1", "PNG"),
                                           ("L", "PNG"), ("1", "TIFF")])
def test_other_modes_become_rgb(tmp_path: Path, mode: str, fmt: str) -> None:
    path = tmp_path / f"m.{fmt.lower()}"
    Image.new("RGB", (16, 16), "white").convert(mode).save(path, fmt)
    page = _only(path)
    assert min(page.image.getpixel((8, 8))) > 240


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    path = tmp_path / "phone.jpg"
    image = Image.new("RGB", (40, 20), "white")
    image.paste((255, 0, 0), (0, 0, 20, 20))  # left half red as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # display rotated 90° clockwise
    image.save(path, exif=exif, quality=95)
    page = _only(path)
    assert page.size == (20, 40)
    top, bottom = page.image.getpixel((10, 5)), page.image.getpixel((10, 35))
    assert top[0] > 200 and top[1] < 60  # the red half is now on top
    assert min(bottom) > 200


def test_large_image_is_scaled_to_budget(tmp_path: Path) -> None:
    path = tmp_path / "big.png"
    Image.new("RGB", (400, 300), "white").save(path, dpi=(300, 300))
    page = _only(path, max_pixels=30_000)
    width, height = page.size
    assert width * height <= 30_000 and width / height == pytest.approx(4 / 3, rel=0.02)
    assert page.downscaled_from == (400, 300)
    assert page.dpi == pytest.approx(300 * width / 400, rel=0.01)


def test_decompression_bomb_is_refused_by_size(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("L", (300, 200)).save(path)
    with pytest.raises(LimitError, match="300 x 200"):
        open_source(path, max_pixels=1_000)


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def test_huge_claimed_size_is_refused_before_decoding(tmp_path: Path) -> None:
    header = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 0, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IEND", b"")
    path = tmp_path / "claims.png"
    path.write_bytes(data)
    with pytest.raises(LimitError) as caught:
        open_source(path)
    assert "\n" not in caught.value.reason


def test_truncated_image_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "cut.png"
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    noisy.save(path)
    path.write_bytes(path.read_bytes()[:400])
    with pytest.raises(InputError, match="unreadable PNG"):
        open_source(path)


def test_garbage_after_magic_is_input_error(tmp_path: Path) -> None:
    path = tmp_path / "fake.jpg"
    path.write_bytes(b"\xff\xd8\xff" + b"\x00" * 50)
    with pytest.raises(InputError):
        open_source(path)
