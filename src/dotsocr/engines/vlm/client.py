"""Async client for a vision-language model behind an OpenAI-compatible chat API
(vLLM, ollama, llama.cpp's server, LM Studio): the transport, blind to the model.

It sends the bodies a model adapter builds and streams every answer, so a
repetition loop can be cut the moment it is seen (closing the connection makes
vLLM abort the generation), and so a slow page never looks like a dead connection.
Transient failures (connection trouble, 429, 5xx) are retried with backoff,
spreading over several servers; everything else becomes a ``ServerError`` whose
message says what to do and never holds the API key or a full server URL.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import urlsplit

import httpx

from dotsocr.engines.vlm.loops import RepetitionDetector
from dotsocr.errors import EngineError

T = TypeVar("T")

#: HTTP statuses worth another try: overload and gateway trouble.
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
#: Cool-off of a server whose connection failed: doubles per failure up to the cap.
DOWN_BASE_S = 10.0
DOWN_MAX_S = 60.0
CONNECT_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 512


class ServerError(EngineError):
    """The model server cannot be used or refused a request."""


@dataclass(frozen=True)
class ClientOptions:
    """How to reach the server(s) and how patiently to retry."""

    servers: tuple[str, ...]
    model: str | None = None
    api_key: str | None = None
    timeout: float = 600.0
    max_retries: int = 4
    backoff_base: float = 0.5
    backoff_max: float = 20.0
    loop_detection: bool = True
    #: Longest wait for the next bytes of a stream; None: the whole ``timeout``
    #: (a queued request may see no bytes for a long while on a busy server).
    read_timeout: float | None = None
    connect_timeout: float = CONNECT_TIMEOUT_S

    def __post_init__(self) -> None:
        servers = (self.servers,) if isinstance(self.servers, str) else tuple(self.servers)
        if not servers:
            raise ServerError("no model server given")
        object.__setattr__(self, "servers", tuple(normalise_server_url(s) for s in servers))
        if self.max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        if self.timeout <= 0:
            raise ValueError("timeout must be positive")


def normalise_server_url(url: str) -> str:
    """``host:port``, ``http://host:port/`` or ``.../v1/`` -> ``http://host:port/v1``."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    url = url.rstrip("/")
    if not url.endswith("/v1"):
        url += "/v1"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ServerError(f"not an http(s) server address: {server_label(url)}")
    return url


def server_label(url: str) -> str:
    """host:port of a URL: enough to tell servers apart, no credentials or query."""
    try:
        parts = urlsplit(url if "://" in url else "http://" + url)
        host = parts.hostname or "?"
        return f"{host}:{parts.port}" if parts.port else host
    except ValueError:
        return "?"


@dataclass
class Completion:
    """One answer of the model, with what it cost."""

    text: str
    finish_reason: str | None  # "stop", "length", or "loop" when we cut a repetition
    prompt_tokens: int
    completion_tokens: int
    seconds: float  # wall time of complete(), retries and backoff included
    retries: int  # retryable failures before this answer
    server_index: int  # which server answered (index into options.servers)
    loop_reason: str | None = None


class _Retryable(Exception):
    """A failure worth another try, possibly on another server."""

    def __init__(
        self, reason: str, *, retry_after: float | None = None, connect: bool = False
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.connect = connect


@dataclass
class _ServerState:
    url: str
    label: str
    failures: int = 0
    down_until: float = 0.0
    last_failure: float = field(default=0.0)


class ChatClient:
    """Talks to one or more model servers; safe for many concurrent calls."""

    def __init__(
        self, options: ClientOptions, *, transport: httpx.AsyncBaseTransport | None = None
    ) -> None:
        self.options = options
        self._servers = [
            _ServerState(url, f"server {i + 1} ({server_label(url)})")
            for i, url in enumerate(options.servers)
        ]
        headers = {"Accept": "application/json"}
        if options.api_key:
            headers["Authorization"] = f"Bearer {options.api_key}"
        read = options.read_timeout if options.read_timeout is not None else options.timeout
        self._http = httpx.AsyncClient(
            headers=headers,
            timeout=httpx.Timeout(
                connect=min(options.connect_timeout, options.timeout),
                read=read,
                write=options.timeout,
                pool=None,
            ),
            limits=httpx.Limits(
                max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS
            ),
            transport=transport,
            trust_env=False,
        )
        self._next = 0
        self._model: str | None = None
        self._model_lock = asyncio.Lock()
        #: max_model_len per served model, as /v1/models lists it (vLLM does).
        self.max_model_len: dict[str, int] = {}

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    # ------------------------------------------------------------------ model

    async def model_name(self) -> str:
        """The served model to ask for, checked against GET /v1/models once."""
        if self._model is not None:
            return self._model
        async with self._model_lock:
            if self._model is None:
                listed, _, _ = await self._with_retries(self._list_models)
                self._model = self._choose_model(listed)
        return self._model

    def _choose_model(self, listed: list[str]) -> str:
        wanted = self.options.model
        if not listed:
            raise ServerError("the server lists no models at /v1/models; is the model loaded?")
        if wanted is None:
            return listed[0]
        if wanted not in listed:
            raise ServerError(
                f"model {wanted!r} not served; the server lists: {', '.join(listed)}"
                f" — pass --model {listed[0]}"
            )
        return wanted

    async def _list_models(self, index: int) -> list[str]:
        server = self._servers[index]
        try:
            response = await self._http.get(f"{server.url}/models")
        except httpx.HTTPError as exc:
            raise self._transport_failure(server, exc) from None
        if response.status_code != 200:
            self._raise_for_status(server, response.status_code, response.text, response)
        try:
            data = response.json()["data"]
            for item in data:
                if isinstance(item.get("max_model_len"), int):
                    self.max_model_len[str(item["id"])] = item["max_model_len"]
            return [str(item["id"]) for item in data]
        except (ValueError, KeyError, TypeError):
            raise ServerError(
                f"{server.label} answered /v1/models with something other than an "
                "OpenAI model list; is it an OpenAI-compatible server?"
            ) from None

    # ------------------------------------------------------------- completion

    async def complete(self, payload: dict[str, Any]) -> Completion:
        """Send one chat-completions request, streamed; retry what is transient."""
        started = time.monotonic()
        body = dict(payload)
        if not body.get("model"):
            body["model"] = await self.model_name()
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}

        async def attempt(index: int) -> Completion:
            return await self._stream_completion(index, body)

        completion, retries, index = await self._with_retries(attempt)
        completion.retries = retries
        completion.server_index = index
        completion.seconds = time.monotonic() - started
        return completion

    async def _stream_completion(self, index: int, body: dict[str, Any]) -> Completion:
        server = self._servers[index]
        detector = RepetitionDetector() if self.options.loop_detection else None
        parts: list[str] = []
        chunks = 0
        finish: str | None = None
        usage: dict[str, Any] | None = None
        done = False
        loop_reason: str | None = None
        try:
            async with self._http.stream(
                "POST", f"{server.url}/chat/completions", json=body
            ) as response:
                if response.status_code != 200:
                    text = (await response.aread()).decode("utf-8", "replace")
                    self._raise_for_status(server, response.status_code, text, response)
                async for line in response.aiter_lines():
                    if not line.startswith("data:"):
                        continue  # blank separators, ": comments", event names
                    data = line[5:].strip()
                    if data == "[DONE]":
                        done = True
                        break
                    event = self._parse_event(server, data)
                    if event.get("usage"):
                        usage = event["usage"]
                    choices = event.get("choices") or []
                    if not choices:
                        continue
                    choice = choices[0]
                    content = (choice.get("delta") or {}).get("content")
                    if content:
                        parts.append(content)
                        chunks += 1
                        if detector is not None and detector.feed(content):
                            loop_reason = detector.reason
                            finish = "loop"
                            break  # leaving the block closes the connection: vLLM aborts
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
        except httpx.HTTPError as exc:
            raise self._transport_failure(server, exc) from None
        if not done and finish is None:
            raise _Retryable(f"{server.label} closed the stream before the answer ended")
        usage = usage or {}
        return Completion(
            text="".join(parts),
            finish_reason=finish,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or chunks),
            seconds=0.0,
            retries=0,
            server_index=index,
            loop_reason=loop_reason,
        )

    def _parse_event(self, server: _ServerState, data: str) -> dict[str, Any]:
        try:
            event = json.loads(data)
        except ValueError:
            raise _Retryable(f"{server.label} sent a malformed stream event") from None
        if not isinstance(event, dict):
            raise _Retryable(f"{server.label} sent a malformed stream event")
        if "error" in event or event.get("object") == "error":
            message = self._scrub(_error_message(data))
            code = _error_code(event)
            if code is not None and 400 <= code < 500 and code != 429:
                raise ServerError(f"{server.label} stopped the answer: {message}")
            raise _Retryable(f"{server.label} stopped the answer: {message}")
        return event

    # ------------------------------------------------------------- failures

    def _raise_for_status(
        self, server: _ServerState, status: int, text: str, response: httpx.Response
    ) -> None:
        message = self._scrub(_error_message(text))
        if status in RETRYABLE_STATUSES:
            raise _Retryable(
                f"{server.label} answered HTTP {status}" + (f": {message}" if message else ""),
                retry_after=_retry_after(response.headers.get("retry-after")),
            )
        if status in (401, 403):
            raise ServerError(f"{server.label} refused the API key (HTTP {status})")
        if status == 404:
            if "model" in message.lower():
                raise ServerError(
                    f"{server.label}: {message} — pass --model with a name the server lists "
                    "at /v1/models, or check vLLM's --served-model-name"
                )
            raise ServerError(
                f"{server.label} answered HTTP 404; is it an OpenAI-compatible server "
                "(the address should end in /v1)?"
            )
        raise ServerError(
            f"{server.label} rejected the request (HTTP {status})"
            + (f": {message}" if message else "")
        )

    def _transport_failure(self, server: _ServerState, exc: httpx.HTTPError) -> _Retryable:
        kind = type(exc).__name__
        detail = self._scrub(str(exc).splitlines()[0] if str(exc) else "")
        connect = isinstance(exc, (httpx.ConnectError, httpx.ConnectTimeout))
        if isinstance(exc, httpx.TimeoutException):
            what = "timed out connecting" if connect else "timed out"
        elif connect:
            what = "could not be reached"
        else:
            what = "dropped the connection"
        reason = f"{server.label} {what} ({kind}" + (f": {detail})" if detail else ")")
        return _Retryable(reason, connect=connect)

    def _scrub(self, text: str) -> str:
        """Remove what must never show in a message: the key and full URLs."""
        key = self.options.api_key
        if key:
            text = text.replace(key, "***")
        for server in self._servers:
            text = text.replace(server.url, server.label)
        return text

    # -------------------------------------------------------------- retries

    async def _with_retries(self, operation: Callable[[int], Awaitable[T]]) -> tuple[T, int, int]:
        """Run operation(server_index) until it succeeds or the retries are spent.

        Returns (result, retries, server_index). Each try has the whole ``timeout``.
        """
        attempts = self.options.max_retries + 1
        previous: int | None = None
        last_reason = "no attempt made"
        for attempt in range(attempts):
            index = self._pick_server(avoid=previous)
            server = self._servers[index]
            retry_after: float | None = None
            try:
                result = await asyncio.wait_for(operation(index), self.options.timeout)
            except _Retryable as exc:
                last_reason = exc.reason
                retry_after = exc.retry_after
                if exc.connect:
                    self._mark_down(index)
            except asyncio.TimeoutError:
                limit = self.options.timeout
                last_reason = f"{server.label} gave no complete answer in {limit:g} s"
            else:
                self._mark_up(index)
                return result, attempt, index
            previous = index
            if attempt + 1 < attempts:
                await asyncio.sleep(self._backoff(attempt, retry_after, previous))
        raise ServerError(f"server unavailable after {attempts} attempts: {last_reason}")

    def _backoff(self, attempt: int, retry_after: float | None, failed: int) -> float:
        """Full-jitter exponential backoff; Retry-After wins, both capped."""
        cap = self.options.backoff_max
        if retry_after is not None:
            return min(max(retry_after, 0.0), cap)
        if self._has_other_up_server(failed):
            return 0.0  # another server can take the retry right away
        return random.uniform(0.0, min(cap, self.options.backoff_base * 2**attempt))

    def _has_other_up_server(self, failed: int) -> bool:
        now = time.monotonic()
        return any(
            i != failed and s.down_until <= now and s.failures == 0
            for i, s in enumerate(self._servers)
        )

    def _pick_server(self, avoid: int | None = None) -> int:
        """Round-robin over servers that are up; if none is, the longest-failed one."""
        now = time.monotonic()
        count = len(self._servers)
        fallback: int | None = None
        for step in range(count):
            index = (self._next + step) % count
            if self._servers[index].down_until > now:
                continue
            if index == avoid and count > 1:
                fallback = index if fallback is None else fallback
                continue
            self._next = (index + 1) % count
            return index
        if fallback is not None:
            self._next = (fallback + 1) % count
            return fallback
        return min(range(count), key=lambda i: self._servers[i].last_failure)

    def _mark_down(self, index: int) -> None:
        server = self._servers[index]
        now = time.monotonic()
        server.down_until = now + min(DOWN_MAX_S, DOWN_BASE_S * 2**server.failures)
        server.failures += 1
        server.last_failure = now

    def _mark_up(self, index: int) -> None:
        server = self._servers[index]
        server.failures = 0
        server.down_until = 0.0


def _error_message(text: str, limit: int = 300) -> str:
    """The human part of an OpenAI/vLLM error body, one line, bounded."""
    message = text
    try:
        data = json.loads(text)
    except ValueError:
        data = None
    if isinstance(data, dict):
        error = data.get("error")
        if isinstance(error, dict) and error.get("message"):
            message = str(error["message"])
        elif isinstance(error, str) and error:
            message = error
        elif data.get("message"):
            message = str(data["message"])
        elif data.get("detail"):
            message = str(data["detail"])
    message = " ".join(message.split())
    if len(message) > limit:
        message = message[: limit - 1] + "…"
    return message


def _error_code(event: dict[str, Any]) -> int | None:
    error = event.get("error")
    code = error.get("code") if isinstance(error, dict) else event.get("code")
    try:
        return int(code) if code is not None else None
    except (TypeError, ValueError):
        return None


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (the delta form; dates are ignored)."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
