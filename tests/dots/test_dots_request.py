"""The request body and the page's data URL (DESIGN.md §3)."""

from __future__ import annotations

import base64
import io
import json

import pytest
from PIL import Image

from dotsocr.engines.dots.request import build_request, image_data_url
from dotsocr.protocol import IMAGE_PREFIX, PROMPTS

URL = "data:image/png;base64,AAAA"


def decode(url: str) -> Image.Image:
    prefix = "data:image/png;base64,"
    assert url.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(url[len(prefix) :])))


def test_layout_all_body_is_exactly_the_reference_shape():
    body = build_request(URL, prompt_mode="layout_all", model="dotsocr")
    assert body == {
        "model": "dotsocr",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": URL}},
                    {
                        "type": "text",
                        "text": "<|img|><|imgpad|><|endofimg|>" + PROMPTS["layout_all"],
                    },
                ],
            }
        ],
        "temperature": 0.1,
        "top_p": 1.0,
        "max_completion_tokens": 16384,
    }
    json.dumps(body)  # serialisable as is


def test_model_is_omitted_when_none_and_sampling_is_passed_through():
    body = build_request(
        URL, prompt_mode="ocr", model=None, temperature=0.0, top_p=0.9, max_tokens=4096
    )
    assert "model" not in body
    assert (body["temperature"], body["top_p"], body["max_completion_tokens"]) == (0.0, 0.9, 4096)
    assert body["messages"][0]["content"][1]["text"] == IMAGE_PREFIX + PROMPTS["ocr"]


@pytest.mark.parametrize("mode", ["layout_all", "layout_only", "ocr"])
def test_each_mode_uses_its_prompt(mode):
    body = build_request(URL, prompt_mode=mode, model="m")
    assert body["messages"][0]["content"][1]["text"] == IMAGE_PREFIX + PROMPTS[mode]


def test_grounding_ocr_appends_the_box_like_the_reference():
    box = [12, 34, 560, 78]
    body = build_request(URL, prompt_mode="grounding_ocr", model="m", bbox_model_space=box)
    text = body["messages"][0]["content"][1]["text"]
    assert text == IMAGE_PREFIX + PROMPTS["grounding_ocr"] + str(box)
    assert text.endswith("Bounding Box:[12, 34, 560, 78]")


def test_grounding_ocr_needs_a_box():
    with pytest.raises(ValueError, match="bbox"):
        build_request(URL, prompt_mode="grounding_ocr", model="m")
    with pytest.raises(ValueError, match="4 numbers"):
        build_request(URL, prompt_mode="grounding_ocr", model="m", bbox_model_space=[1, 2, 3])


def test_box_outside_grounding_is_refused():
    with pytest.raises(ValueError, match="grounding_ocr"):
        build_request(URL, prompt_mode="ocr", model="m", bbox_model_space=[1, 2, 3, 4])


def test_unknown_mode_lists_the_modes():
    with pytest.raises(ValueError) as info:
        build_request(URL, prompt_mode="layout", model="m")
    for mode in PROMPTS:
        assert mode in str(info.value)


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
