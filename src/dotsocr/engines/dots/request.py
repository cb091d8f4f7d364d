"""The chat-completions request body for one page (DESIGN.md §3, exactly).

Kept apart from the HTTP client so the body can be checked byte for byte against
the reference's: one user message, the page as a PNG data URL, then the image
placeholder and the prompt.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Sequence
from typing import Any

from PIL import Image

from dotsocr.protocol import (
    DEFAULT_MAX_TOKENS,
    DEFAULT_TEMPERATURE,
    DEFAULT_TOP_P,
    IMAGE_PREFIX,
    PROMPTS,
)

#: zlib level 1: on 1654x2339 pages of multi_page.pdf it took 35-64 ms against 58-109 ms
#: for Pillow's default (6), and its PNGs were no bigger on 4 of 5 pages (+25% on the
#: sparsest); the encode sits on the path of every request.
PNG_COMPRESS_LEVEL = 1


def _rgb(image: Image.Image) -> Image.Image:
    """RGB, with transparency flattened onto white (as a page would be printed)."""
    if image.mode == "RGB":
        return image
    has_alpha = image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )
    if has_alpha:
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return image.convert("RGB")


def image_data_url(image: Image.Image, *, compress_level: int = PNG_COMPRESS_LEVEL) -> str:
    """The page as ``data:image/png;base64,...``: lossless (PNG) so the model reads
    what was rendered; fast compression, since the bytes only cross a local link."""
    buf = io.BytesIO()
    _rgb(image).save(buf, format="PNG", compress_level=compress_level)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _format_bbox(bbox: Sequence[int]) -> str:
    """``[x1, y1, x2, y2]``: what the reference appends (``str`` of a list of ints)."""
    if len(bbox) != 4:
        raise ValueError(f"bbox must have 4 numbers, got {list(bbox)!r}")
    return str([round(v) for v in bbox])


def build_request(
    image_url: str,
    *,
    prompt_mode: str,
    model: str | None,
    temperature: float = DEFAULT_TEMPERATURE,
    top_p: float = DEFAULT_TOP_P,
    max_tokens: int = DEFAULT_MAX_TOKENS,
    bbox_model_space: Sequence[int] | None = None,
) -> dict[str, Any]:
    """The JSON body for POST /v1/chat/completions.

    ``model`` None leaves the name out for the client to fill in (it may ask the
    server which model it serves). ``bbox_model_space`` is grounding_ocr's box, in the
    model's input pixels (see ``geometry.to_model_space``).
    """
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

    body: dict[str, Any] = {}
    if model is not None:
        body["model"] = model
    body["messages"] = [
        {
            "role": "user",
            "content": [
                {"type": "image_url", "image_url": {"url": image_url}},
                {"type": "text", "text": IMAGE_PREFIX + prompt},
            ],
        }
    ]
    body["temperature"] = temperature
    body["top_p"] = top_p
    body["max_completion_tokens"] = max_tokens
    return body
