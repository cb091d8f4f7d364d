"""--dialect over real loopback HTTP: what each request form puts on the wire, that
the fake server accepts only its own form, and that only a non-default dialect
enters the settings (so resume keys of existing outputs stay as they were)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from dotsocr.engines.dots import ENGINE_VERSION, DotsEngine, DotsEngineOptions
from dotsocr.model import Page
from dotsocr.protocol import IMAGE_PREFIX, PROMPTS
from dotsocr.sources.base import PageImage
from support.fake_dots_server import PLACEHOLDER_TOKENS, FakeServer

#: The reference's request keys, in the order the engine has always sent them.
VLLM_KEYS = ["model", "messages", "temperature", "top_p", "max_completion_tokens"]
OPENAI_KEYS = ["model", "messages", "temperature", "top_p", "max_tokens"]
STREAM_KEYS = ["stream", "stream_options"]


def page() -> PageImage:
    image = Image.new("RGB", (600, 800), "white")
    ImageDraw.Draw(image).rectangle((60, 60, 400, 90), fill="black")
    return PageImage(Path("doc.png"), 1, image, 200)


def run_engine(server: FakeServer, **options: object) -> Page:
    values = {"servers": [server.url], "retry_backoff": 0.01, "fallback": False} | options
    with DotsEngine(DotsEngineOptions(**values)) as engine:  # type: ignore[arg-type]
        (result,) = engine.process([page()])
    return result


def sent_body(server: FakeServer) -> dict:
    (info,) = server.chat_requests()
    body = json.loads(info.raw)
    assert body == info.body
    return body


def test_vllm_dialect_sends_todays_body():
    with FakeServer() as server:
        result = run_engine(server)
        body = sent_body(server)
    assert result.status == "ok"
    assert list(body) == VLLM_KEYS + STREAM_KEYS
    image_part, text_part = body["messages"][0]["content"]
    assert image_part["type"] == "image_url"
    assert image_part["image_url"]["url"].startswith("data:image/png;base64,")
    assert text_part == {"type": "text", "text": IMAGE_PREFIX + PROMPTS["layout_all"]}
    assert (body["model"], body["temperature"], body["top_p"]) == ("dotsocr-model", 0.1, 1.0)
    assert body["max_completion_tokens"] == 16384
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_openai_dialect_sends_the_plain_multimodal_message():
    with FakeServer(dialect="openai", owned_by="library", max_model_len=None) as server:
        result = run_engine(server, dialect="openai", max_tokens=4096)
        body = sent_body(server)
        (info,) = server.chat_requests()
    assert result.status == "ok" and len(result.elements) == 2
    assert list(body) == OPENAI_KEYS + STREAM_KEYS
    image_part, text_part = body["messages"][0]["content"]
    assert image_part["type"] == "image_url"
    assert text_part == {"type": "text", "text": PROMPTS["layout_all"]}
    assert not any(token in json.dumps(body) for token in PLACEHOLDER_TOKENS)
    assert info.max_tokens == 4096  # read from max_tokens, the key ollama honours


@pytest.mark.parametrize(("sent", "served"), [("vllm", "openai"), ("openai", "vllm")])
def test_each_server_refuses_the_other_dialect(sent, served):
    with FakeServer(dialect=served) as server:
        result = run_engine(server, dialect=sent)
        (info,) = server.chat_requests()
    assert info.status == 400
    assert result.status == "failed" and "HTTP 400" in result.error


def test_grounding_box_reaches_an_openai_server():
    with FakeServer(dialect="openai") as server:
        run_engine(server, dialect="openai", prompt="grounding_ocr", bbox=[60, 60, 400, 90])
        (info,) = server.chat_requests()
    assert info.prompt is not None
    assert info.prompt.startswith(PROMPTS["grounding_ocr"] + "[")
    assert not info.prompt.startswith(IMAGE_PREFIX)


def test_only_a_non_default_dialect_enters_the_settings():
    default = DotsEngine(DotsEngineOptions(servers=["http://x"])).settings()
    assert default == {
        "engine_version": ENGINE_VERSION,
        "model": "(served model)",
        "prompt": "layout_all",
        "bbox": None,
        "temperatures": [0.1, 0.3, 0.5],
        "top_p": 1.0,
        "max_tokens": 16384,
        "fallback": True,
    }
    vllm = DotsEngine(DotsEngineOptions(servers=["http://x"], dialect="vllm")).settings()
    openai = DotsEngine(DotsEngineOptions(servers=["http://x"], dialect="openai")).settings()
    assert vllm == default
    assert openai == default | {"dialect": "openai"}
