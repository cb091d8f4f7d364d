"""Which ``--dialect`` a model server needs, from what the server says about itself.

vLLM serves DotsOCR with the client's own image placeholder (``--dialect vllm``);
ollama, llama.cpp's server and LM Studio apply the model's chat template and want
the plain OpenAI message (``--dialect openai``). The signals are what each server
really answers (read in their sources, not guessed):

- ``GET /v1/models``: vLLM's model cards say ``owned_by: "vllm"`` and carry
  ``max_model_len``; llama.cpp's say ``owned_by: "llamacpp"``; LM Studio's say
  ``owned_by: "organization_owner"``. ollama puts the model's namespace there
  (``library`` for most), which says nothing about the server, so:
- ``GET /api/version``: ollama answers ``{"version": "..."}``;
- ``GET /props``: llama.cpp answers ``default_generation_settings`` and ``total_slots``.

Nothing here raises for server trouble: an unknown server is a result too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from dotsocr.engines.dots.options import Dialect
from dotsocr.engines.vlm.client import ServerError, normalise_server_url

#: ``owned_by`` values a server writes for itself: (server, dialect it needs).
OWNERS: dict[str, tuple[str, Dialect]] = {
    "vllm": ("vLLM", "vllm"),
    "llamacpp": ("llama.cpp", "openai"),
    "organization_owner": ("LM Studio", "openai"),
}


@dataclass(frozen=True)
class ServerKind:
    """The server software found (None: could not tell), the dialect it needs, and
    the answer that showed it."""

    server: str | None
    dialect: Dialect | None
    evidence: str

    def describe(self) -> str:
        """One line for the doctor."""
        if self.dialect is None:
            return (
                f"could not tell ({self.evidence}); --dialect vllm is the default, "
                "openai is for ollama, llama.cpp and LM Studio"
            )
        default = ", the default" if self.dialect == "vllm" else ""
        return f"{self.server} ({self.evidence}): --dialect {self.dialect}{default}"


def kind_from_models(listing: Any) -> ServerKind | None:
    """The server a ``/v1/models`` answer names, or None when it names none."""
    items = listing.get("data") if isinstance(listing, dict) else None
    if not isinstance(items, list):
        return None
    cards = [item for item in items if isinstance(item, dict)]
    for card in cards:
        owner = card.get("owned_by")
        if isinstance(owner, str) and owner in OWNERS:
            server, dialect = OWNERS[owner]
            return ServerKind(server, dialect, f'owned_by "{owner}" at /v1/models')
    if any(isinstance(card.get("max_model_len"), int) for card in cards):
        return ServerKind("vLLM", "vllm", "max_model_len at /v1/models")
    return None


def is_ollama_version(answer: Any) -> bool:
    """ollama's ``GET /api/version``: ``{"version": "0.12.3"}``."""
    return isinstance(answer, dict) and isinstance(answer.get("version"), str)


def is_llamacpp_props(answer: Any) -> bool:
    """llama.cpp's ``GET /props``: its slots and default generation settings."""
    return (
        isinstance(answer, dict)
        and "default_generation_settings" in answer
        and "total_slots" in answer
    )


def _get_json(http: httpx.Client, url: str) -> tuple[int | None, Any]:
    """(status, JSON body or None); status None when the server could not be reached."""
    try:
        response = http.get(url)
    except httpx.HTTPError:
        return None, None
    try:
        return response.status_code, response.json()
    except ValueError:
        return response.status_code, None


def detect_server_kind(url: str, *, api_key: str | None = None, timeout: float = 5.0) -> ServerKind:
    """Ask the server at ``url`` (``host:port``, ``http://host:port`` or ``.../v1``)."""
    try:
        base = normalise_server_url(url)
    except ServerError as exc:
        return ServerKind(None, None, str(exc))
    root = base.removesuffix("/v1")
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    with httpx.Client(headers=headers, timeout=timeout, trust_env=False) as http:
        status, listing = _get_json(http, f"{base}/models")
        if status is None:
            return ServerKind(None, None, "the server could not be reached")
        found = kind_from_models(listing) if status == 200 else None
        if found is not None:
            return found
        status_version, version = _get_json(http, f"{root}/api/version")
        if status_version == 200 and is_ollama_version(version):
            return ServerKind("ollama", "openai", "/api/version answered")
        status_props, props = _get_json(http, f"{root}/props")
        if status_props == 200 and is_llamacpp_props(props):
            return ServerKind("llama.cpp", "openai", "/props answered")
    if status in (401, 403):
        return ServerKind(None, None, f"/v1/models wants an API key (HTTP {status})")
    return ServerKind(None, None, "no server-specific answer at /v1/models, /api/version, /props")
