"""Pick and build the engine a run asked for (``--engine auto|cpu|dots``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from pydantic import ValidationError

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


API_KEY_ENV = "DOTSOCR_API_KEY"


def _dots_engine(options: ParseOptions, servers: list[str]) -> Engine:
    if not servers:
        raise EngineError(
            f"the dots engine needs a server: pass --server URL or set {SERVER_ENV} "
            "(start one with `vllm serve`)"
        )
    from dotsocr.engines.dots import DotsEngine, DotsEngineOptions

    try:
        return DotsEngine(
            DotsEngineOptions(
                servers=servers,
                model=options.model,
                api_key=options.api_key or os.environ.get(API_KEY_ENV) or None,
                prompt=options.prompt,
                bbox=options.bbox,
                concurrency=options.concurrency,
                timeout=options.timeout,
                max_tokens=options.max_tokens,
                fallback=options.fallback,
                page_timeout=options.page_timeout,
                max_retries=options.retries,
                retry_backoff=options.retry_backoff,
                extra_body=dict(options.extra_body),
            )
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        raise EngineError(f"{'.'.join(map(str, first['loc']))}: {first['msg']}") from None
    except ValueError as exc:
        raise EngineError(str(exc)) from None


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
        return EngineChoice(_dots_engine(options, servers), f"dots ({reason})")
    if options.prompt == "grounding_ocr":
        raise EngineError("the grounding_ocr prompt needs the DotsOCR engine (--engine dots)")
    from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions

    return EngineChoice(CpuEngine(CpuEngineOptions(ocr=options.ocr)), f"cpu ({reason})")
