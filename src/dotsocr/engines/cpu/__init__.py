"""The embedded CPU engine: PDF text layer or RapidOCR, rapid-layout regions,
DotsOCR categories and reading order, with no GPU and no downloads.

The engine's modules load numpy, OpenCV and onnxruntime; they are imported on
first use, so naming the engine's options (the engine registry, ``--help``) stays
cheap.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from dotsocr.engines.cpu.options import CpuEngineOptions

_LAZY = {
    "ENGINE_VERSION": "dotsocr.engines.cpu.engine",
    "CpuEngine": "dotsocr.engines.cpu.engine",
    "relabel_running_headers": "dotsocr.engines.cpu.headers",
}

__all__ = ["ENGINE_VERSION", "CpuEngine", "CpuEngineOptions", "relabel_running_headers"]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
