"""The chat-completions request body for one page (DESIGN.md §3, exactly).

Kept apart from the HTTP client so the body can be checked byte for byte against
the reference's: one user message, the page as a PNG data URL, then the image
placeholder and the prompt. That is the ``vllm`` dialect. The ``openai`` dialect is
the plain OpenAI multimodal message for servers that apply the model's own chat
template (ollama, llama.cpp's server, LM Studio): they insert the image tokens
themselves, so the placeholder stays out of the text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dotsocr.engines.dots.options import Dialect
from dotsocr.protocol import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    IMAGE_PREFIX,
    PROMPTS,
)


def _format_bbox(bbox: Sequence[int]) -> str:
    """``[x1, y1, x2, y2]``: what the reference appends (``str`` of a list of ints)."""
    if len(bbox) != 4:
        raise ValueError(f"bbox must have 4 numbers, got {list(bbox)!r}")
    return str([round(v) for v in bbox])


def prompt_text(prompt_mode: str, bbox_model_space: Sequence[int] | None = None) -> str:
    """The prompt of a mode, with grounding_ocr's box (model-input pixels) appended."""
    if prompt_mode not in PROMPTS:
        raise ValueError(
            f"unknown prompt mode {prompt_mode!r}; choose one of: {', '.join(PROMPTS)}"
        )
    prompt = PROMPTS[prompt_mode]
    if prompt_mode == "grounding_ocr":
        if bbox_model_space is None:
            raise ValueError("prompt mode 'grounding_ocr' needs a bbox (bbox_model_space)")
        prompt += _format_bbox(bbox_model_space)
    elif bbox_model_space is not None:
        raise ValueError(f"a bbox is only used by 'grounding_ocr', not {prompt_mode!r}")
    return prompt


def build_request(
    image_url: str,
    *,
    prompt_mode: str,
    model: str | None,
    temperature: float = DEFAULT_TEMPERATURE,
    top_p: float = DEFAULT_TOP_P,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    bbox_model_space: Sequence[int] | None = None,
    dialect: Dialect = "vllm",
) -> dict[str, Any]:
    """The JSON body for POST /v1/chat/completions.

    ``model`` None leaves the name out for the client to fill in (it may ask the
    server which model it serves). ``bbox_model_space`` is grounding_ocr's box, in the
    model's input pixels (see ``geometry.to_model_space``). ``dialect`` "openai"
    drops the image placeholder and limits tokens with ``max_tokens``: ollama's
    OpenAI layer reads only that key, and llama.cpp and LM Studio read it too.
    """
    prompt = prompt_text(prompt_mode, bbox_model_space)
    text = IMAGE_PREFIX + prompt if dialect == "vllm" else prompt
    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    body["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": text},
            ],
        }
    ]
    body["temperature"] = temperature
    body["top_p"] = top_p
    body["max_completion_tokens" if dialect == "vllm" else "max_tokens"] = max_tokens
    return body
