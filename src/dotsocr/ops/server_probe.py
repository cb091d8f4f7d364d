"""Is a DotsOCR server usable? GET /v1/models, then one tiny real request.

Uses the dots engine's own client, so the doctor sees the server exactly as
``parse`` will (same URL handling, same error messages, no secrets in them).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass

import httpx
from PIL import Image

from dotsocr.engines.dots.request import build_request
from dotsocr.engines.vlm.client import (
    ChatClient,
    ClientOptions,
    ServerError,
    normalise_server_url,
    server_label,
)
from dotsocr.engines.vlm.images import image_data_url


@dataclass(frozen=True)
class ServerFacts:
    """What a DotsOCR server answered; part of the doctor's MachineFacts."""

    url_label: str
    reachable: bool
    models: tuple[str, ...] = ()
    model: str | None = None
    smoke_ok: bool = False
    smoke_seconds: float | None = None
    error: str | None = None


#: The smoke image: a white square at the smallest side Qwen2-VL's resizer accepts
#: (some versions reject sides under 28 px), so the request is as cheap as possible.
SMOKE_SIDE = 28
SMOKE_MAX_TOKENS = 16


async def _probe(url: str, api_key: str | None, model: str | None, timeout: float) -> ServerFacts:
    label = server_label(url)
    options = ClientOptions(
        servers=(url,), model=model, api_key=api_key, timeout=timeout, max_retries=0
    )
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx.AsyncClient(headers=headers, timeout=timeout, trust_env=False) as http:
        try:
            response = await http.get(f"{options.servers[0]}/models")
        except httpx.HTTPError as exc:
            return ServerFacts(
                label, False, error=f"{label} could not be reached ({type(exc).__name__})"
            )
    listed: tuple[str, ...] = ()
    with contextlib.suppress(ValueError, KeyError, TypeError):
        listed = tuple(str(m["id"]) for m in response.json()["data"])
    async with ChatClient(options) as client:
        try:
            chosen = await client.model_name()
        except ServerError as exc:
            return ServerFacts(label, True, listed, error=str(exc))
        except Exception as exc:  # transport trouble after a first answer
            return ServerFacts(label, True, listed, error=f"{label}: {type(exc).__name__}")
        image = Image.new("RGB", (SMOKE_SIDE, SMOKE_SIDE), "white")
        body = build_request(
            image_data_url(image), prompt_mode="ocr", model=chosen, max_tokens=SMOKE_MAX_TOKENS
        )
        started = time.perf_counter()
        try:
            await client.complete(body)
        except ServerError as exc:
            return ServerFacts(label, True, listed, chosen, error=f"smoke request: {exc}")
        except Exception as exc:
            reason = getattr(exc, "reason", None) or type(exc).__name__
            return ServerFacts(label, True, listed, chosen, error=f"smoke request: {reason}")
        return ServerFacts(label, True, listed, chosen, True, time.perf_counter() - started)


def probe_server(
    url: str, *, api_key: str | None = None, model: str | None = None, timeout: float = 60.0
) -> ServerFacts:
    """What the server at ``url`` answers; never raises for server trouble."""
    try:
        normalised = normalise_server_url(url)
    except ServerError as exc:
        return ServerFacts(server_label(url), False, error=str(exc))
    return asyncio.run(_probe(normalised, api_key, model, timeout))
