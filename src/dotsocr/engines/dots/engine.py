"""DotsEngine: the VLM engine with the DotsOCR adapter, under the name "dots".

The page policy and the transport are the VLM engine's (``engines/vlm``); this
class adds the DotsOCR adapter and the settings that change its output, which
are hashed into resume keys and so must stay as they are for default options.
"""

from __future__ import annotations

from typing import Any

from dotsocr.engines.dots.adapter import DotsAdapter
from dotsocr.engines.dots.options import DotsEngineOptions
from dotsocr.engines.vlm.engine import VlmEngine

ENGINE_VERSION = "dots-1"


class DotsEngine(VlmEngine):
    """The GPU engine; one HTTP client and event loop for its whole life (close it)."""

    name = "dots"
    options: DotsEngineOptions

    def __init__(self, options: DotsEngineOptions) -> None:
        super().__init__(options, DotsAdapter(options))  # which refuses no servers

    def settings(self) -> dict[str, Any]:
        o = self.options
        return (
            {
                "engine_version": ENGINE_VERSION,
                "model": o.model or "(served model)",
                "prompt": o.prompt,
                "bbox": o.bbox,
                "temperatures": list(o.temperatures),
                "top_p": o.top_p,
                "max_tokens": o.max_tokens,
                "fallback": o.fallback,
            }
            | ({"extra_body": o.extra_body} if o.extra_body else {})
            | ({"dialect": o.dialect} if o.dialect != "vllm" else {})
        )
