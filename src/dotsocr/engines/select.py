"""Pick and build the engine a run asked for (``--engine auto|cpu|dots``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from dotsocr.engines.base import Engine
from dotsocr.errors import EngineError
from dotsocr.options import ParseOptions

SERVER_ENV = "DOTSOCR_SERVER_URL"


@dataclass(frozen=True)
class EngineChoice:
    engine: Engine
    reason: str  # one line saying why this engine was picked, for the user


def configured_servers(options: ParseOptions) -> list[str]:
    """--server URLs, else the DOTSOCR_SERVER_URL environment variable (comma-separated)."""
    if options.server:
        return list(options.server)
    env = os.environ.get(SERVER_ENV, "")
    return [url.strip() for url in env.split(",") if url.strip()]


def select_engine(options: ParseOptions) -> EngineChoice:
    servers = configured_servers(options)
    name = options.engine
    if name == "auto":
        if servers:
            name, reason = "dots", "a DotsOCR server is configured"
        else:
            name, reason = "cpu", f"no --server or {SERVER_ENV} given"
    else:
        reason = "chosen with --engine"
    if name == "dots":
        raise EngineError(
            "the DotsOCR (GPU) engine is not available in this version; "
            "use --engine cpu for the embedded CPU engine"
        )
    from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions

    return EngineChoice(CpuEngine(CpuEngineOptions(ocr=options.ocr)), f"cpu ({reason})")
