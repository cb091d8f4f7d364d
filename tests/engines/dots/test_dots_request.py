"""The request body of each dialect (DESIGN.md §3)."""

from __future__ import annotations

import json

import pytest

from dotsocr.engines.dots.request import build_request
from dotsocr.protocol import IMAGE_PREFIX, PROMPTS

URL = "data:image/png;base64,AAAA"


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


#: Today's body as sent, key order included (json.dumps keeps insertion order).
VLLM_BYTES = (
    '{"model": "dotsocr", "messages": [{"role": "user", "content": [{"type": "image_url", '
    '"image_url": {"url": "data:image/png;base64,AAAA"}}, {"type": "text", "text": '
    '"<|img|><|imgpad|><|endofimg|>Extract the text content from this image."}]}], '
    '"temperature": 0.1, "top_p": 1.0, "max_completion_tokens": 16384}'
)


def test_default_dialect_body_is_byte_for_byte_the_vllm_one():
    body = build_request(URL, prompt_mode="ocr", model="dotsocr")
    assert json.dumps(body) == VLLM_BYTES
    assert json.dumps(build_request(URL, prompt_mode="ocr", model="dotsocr", dialect="vllm")) == (
        VLLM_BYTES
    )


def test_openai_dialect_is_the_plain_multimodal_message():
    body = build_request(
        URL, prompt_mode="layout_all", model="dots", temperature=0.3, dialect="openai"
    )
    assert body == {
        "model": "dots",
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": URL}},
                    {"type": "text", "text": PROMPTS["layout_all"]},
                ],
            }
        ],
        "temperature": 0.3,
        "top_p": 1.0,
        "max_tokens": 16384,
    }


def test_openai_dialect_keeps_the_grounding_box():
    box = [1, 2, 30, 40]
    body = build_request(
        URL, prompt_mode="grounding_ocr", model="m", bbox_model_space=box, dialect="openai"
    )
    text = body["messages"][0]["content"][1]["text"]
    assert text == PROMPTS["grounding_ocr"] + "[1, 2, 30, 40]"
    assert IMAGE_PREFIX not in text
