"""Pages as PNG data URLs, the image form every OpenAI-compatible server takes."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from dotsocr.engines.vlm.images import image_data_url, image_from_data_url


def decode(url: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])))


@pytest.mark.parametrize("mode", ["RGB", "L", "1", "RGBA", "LA", "P", "CMYK", "I;16"])
def test_data_url_is_an_rgb_png_of_the_same_picture(mode):
    image = Image.new("RGB", (64, 40), (200, 30, 90))
    image.putpixel((3, 5), (0, 0, 0))
    image = image.convert(mode)
    out = decode(image_data_url(image))
    assert out.format == "PNG" and out.mode == "RGB" and out.size == (64, 40)


def test_transparency_is_flattened_onto_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    image.putpixel((1, 1), (255, 0, 0, 255))
    out = decode(image_data_url(image)).convert("RGB")
    assert out.getpixel((0, 0)) == (255, 255, 255)
    assert out.getpixel((1, 1)) == (255, 0, 0)


def test_png_is_lossless():
    image = Image.effect_noise((50, 30), 64).convert("RGB")
    assert decode(image_data_url(image)).tobytes() == image.tobytes()


def test_a_data_url_decodes_to_the_same_pixels():
    image = Image.effect_noise((20, 12), 64).convert("RGB")
    back = image_from_data_url(image_data_url(image))
    assert back.size == (20, 12) and back.convert("RGB").tobytes() == image.tobytes()
    with pytest.raises(ValueError, match="png"):
        image_from_data_url("data:image/jpeg;base64,AAAA")
