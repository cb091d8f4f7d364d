"""A real OpenAI-compatible HTTP server on 127.0.0.1 standing in for vLLM + DotsOCR.

Tests script its answers with a ``responder(info, attempt) -> Reply``; it validates
each chat request the way vLLM would (DESIGN.md §3) and records every request.
With ``dialect="openai"`` it checks requests as a server that applies the model's
own chat template would want them (ollama, llama.cpp, LM Studio): no image
placeholder in the text, the token limit in ``max_tokens``. ``owned_by``,
``max_model_len=None`` and ``routes`` (extra GET paths answering fixed JSON) let it
pose as those servers for dialect detection.

    with FakeServer(responder=lambda info, attempt: Reply(text="hi")) as server:
        options = ClientOptions(servers=(server.url,))
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import json
import socket
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from PIL import Image

from dotsocr.geometry import smart_resize
from dotsocr.protocol import IMAGE_PREFIX

DEFAULT_MODEL = "dotsocr-model"
#: vLLM's image placeholder tokens; a server with its own chat template adds them.
PLACEHOLDER_TOKENS = ("<|img|>", "<|imgpad|>", "<|endofimg|>")


@dataclass
class Reply:
    """What the fake server does with one chat request."""

    text: str = ""
    finish_reason: str = "stop"
    prompt_tokens: int | None = None  # None: an estimate from the image size
    completion_tokens: int | None = None  # None: the number of streamed chunks
    usage: bool = True  # send usage (when the client asked for it)
    status: int = 200
    retry_after: float | None = None  # Retry-After header on an error status
    body: str | None = None  # raw error body; None: a vLLM-style one
    delay: float = 0.0  # seconds before the status line
    chunk_delay: float = 0.0  # seconds between streamed chunks
    chunk_size: int = 16  # characters of text per streamed chunk
    # None, "before" (close without answering), "headers" (close after the headers),
    # "mid" (close after half the chunks, without the chunked terminator).
    drop: str | None = None
    loop_forever: bool = False  # after text, stream loop_chunk until the client leaves
    loop_chunk: str = "ab"


@dataclass
class RequestInfo:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict[str, Any] | None = None
    raw: bytes = b""  # the request body as it arrived
    model: str | None = None
    image_size: tuple[int, int] | None = None  # (width, height) of the decoded PNG
    image_key: str | None = None  # sha1 of the PNG bytes
    pixel: tuple[int, ...] | None = None  # RGB of the top-left pixel: a page marker
    prompt: str | None = None  # the text part, after the image placeholder (vllm dialect)
    temperature: float | None = None
    top_p: float | None = None
    max_tokens: int | None = None
    stream: bool = False
    attempt: int = 0  # 1 for the first request with this image
    status: int | None = None  # what the server answered


Responder = Callable[[RequestInfo, int], Reply]


def layout_json(elements: Sequence[dict[str, Any]]) -> str:
    """The model's answer for a list of {bbox, category, text} elements."""
    return json.dumps(list(elements), ensure_ascii=False)


def default_elements(width: int, height: int) -> list[dict[str, Any]]:
    """A title and a paragraph, in the model's smart_resize space for this image."""
    h, w = smart_resize(height, width)
    return [
        {
            "bbox": [w // 10, h // 20, w * 9 // 10, h // 10],
            "category": "Title",
            "text": "# A Title",
        },
        {
            "bbox": [w // 10, h // 8, w * 9 // 10, h // 2],
            "category": "Text",
            "text": "Some paragraph text.",
        },
    ]


def default_responder(info: RequestInfo, attempt: int) -> Reply:
    """A valid layout answer sized to the received image."""
    width, height = info.image_size or (1000, 1000)
    return Reply(text=layout_json(default_elements(width, height)))


def make_png(
    width: int = 200,
    height: int = 300,
    marker: tuple[int, int, int] | None = None,
    background: tuple[int, int, int] = (255, 255, 255),
) -> bytes:
    """A blank page; ``marker`` colours the top-left pixel so responders can key on it."""
    image = Image.new("RGB", (width, height), background)
    if marker is not None:
        image.putpixel((0, 0), marker)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def chat_payload(
    png: bytes,
    prompt: str = "Extract the text content from this image.",
    *,
    model: str | None = None,
    temperature: float = 0.1,
    top_p: float = 1.0,
    max_completion_tokens: int = 16384,
) -> dict[str, Any]:
    """A chat-completions body as the DotsOCR engine sends it."""
    url = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    body: dict[str, Any] = {
        "messages": [
            {
                "role": "user",
                "content": [
                    {"type": "image_url", "image_url": {"url": url}},
                    {"type": "text", "text": IMAGE_PREFIX + prompt},
                ],
            }
        ],
        "temperature": temperature,
        "top_p": top_p,
        "max_completion_tokens": max_completion_tokens,
    }
    if model is not None:
        body["model"] = model
    return body


class _BadRequest(Exception):
    def __init__(
        self,
        status: int,
        message: str,
        kind: str = "BadRequestError",
        param: str | None = None,
    ) -> None:
        self.param = param
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind


class _ClientGone(Exception):
    """The client closed its end (or the server is stopping)."""


class _QuietHTTPServer(ThreadingHTTPServer):
    """Connections reset by the client are routine here, not worth a traceback."""

    request_queue_size = 512  # many concurrent clients connect at once

    def handle_error(self, request: Any, client_address: Any) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FakeServer:
    """The server, on an ephemeral port, serving from background threads."""

    def __init__(
        self,
        responder: Responder = default_responder,
        *,
        models: Sequence[str] = (DEFAULT_MODEL,),
        api_key: str | None = None,
        max_model_len: int | None = 16384,
        dialect: str = "vllm",
        owned_by: str = "vllm",
        routes: dict[str, Any] | None = None,
    ) -> None:
        self.responder = responder
        self.models = list(models)
        #: Listed at /v1/models and enforced when set (vLLM does); None: neither.
        self.max_model_len = max_model_len
        self.api_key = api_key
        if dialect not in ("vllm", "openai"):
            raise ValueError(f"unknown dialect {dialect!r}")
        self.dialect = dialect
        self.owned_by = owned_by
        #: Extra GET paths (no key needed) and the JSON each answers, e.g. "/api/version".
        self.routes = dict(routes or {})
        self.requests: list[RequestInfo] = []
        self.disconnects = 0  # streams cut short because the client went away
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._connections: set[socket.socket] = set()
        self._httpd: _QuietHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port: int | None = None

    # ------------------------------------------------------------- lifecycle

    def start(self) -> FakeServer:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._httpd = _QuietHTTPServer(("127.0.0.1", 0), handler)
        self._port = int(self._httpd.server_address[1])
        self._httpd.daemon_threads = False
        self._httpd.block_on_close = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving; cut open connections so no handler thread lingers."""
        if self._httpd is None:
            return
        self._stopping.set()
        self._httpd.shutdown()
        with self._lock:
            connections = list(self._connections)
        for sock in connections:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        self._httpd.server_close()  # joins the handler threads
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port it listens (or listened) on."""
        assert self._port is not None, "server not started"
        return self._port

    @property
    def url(self) -> str:
        """Base URL ending in /v1, as the client takes it."""
        return f"http://127.0.0.1:{self.port}/v1"

    # -------------------------------------------------------------- records

    def chat_requests(self) -> list[RequestInfo]:
        with self._lock:
            return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def _record(self, info: RequestInfo) -> None:
        with self._lock:
            self.requests.append(info)

    def _next_attempt(self, key: str) -> int:
        with self._lock:
            self._attempts[key] = self._attempts.get(key, 0) + 1
            return self._attempts[key]

    def _register(self, sock: socket.socket, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(sock)
            else:
                self._connections.discard(sock)

    def _count_disconnect(self) -> None:
        with self._lock:
            self.disconnects += 1

    # ------------------------------------------------------------ validation

    def validate_chat(self, body: Any, info: RequestInfo) -> None:
        """Check a chat request as vLLM would; fill ``info``; raise _BadRequest."""
        if not isinstance(body, dict):
            raise _BadRequest(400, "request body must be a JSON object")
        info.model = body.get("model")
        if info.model not in self.models:
            raise _BadRequest(
                404,
                f"The model `{info.model}` does not exist. "
                f"Valid aliases: {', '.join(self.models)}.",
                "NotFoundError",
                "model",
            )
        messages = body.get("messages")
        if not isinstance(messages, list) or len(messages) != 1:
            raise _BadRequest(400, "expected exactly one message")
        message = messages[0]
        if not isinstance(message, dict) or message.get("role") != "user":
            raise _BadRequest(400, "the message must have role 'user'")
        content = message.get("content")
        if not isinstance(content, list) or len(content) != 2:
            raise _BadRequest(400, "the user content must be a list of two parts")
        image_part, text_part = content
        if not isinstance(image_part, dict) or image_part.get("type") != "image_url":
            raise _BadRequest(400, "the first content part must be an image_url")
        url = (image_part.get("image_url") or {}).get("url", "")
        prefix = "data:image/png;base64,"
        if not isinstance(url, str) or not url.startswith(prefix):
            raise _BadRequest(400, "image_url must be a data:image/png;base64 URL")
        try:
            png = base64.b64decode(url[len(prefix) :], validate=True)
            with Image.open(io.BytesIO(png)) as image:
                if image.format != "PNG":
                    raise ValueError("not a PNG")
                image.load()
                info.image_size = image.size
                info.pixel = tuple(image.convert("RGB").getpixel((0, 0)))
        except Exception as exc:
            raise _BadRequest(400, f"Failed to load image: {exc}") from None
        info.image_key = hashlib.sha1(png).hexdigest()
        if not isinstance(text_part, dict) or text_part.get("type") != "text":
            raise _BadRequest(400, "the second content part must be text")
        text = text_part.get("text")
        if not isinstance(text, str):
            raise _BadRequest(400, "the text part must be a string")
        if self.dialect == "vllm":
            if not text.startswith(IMAGE_PREFIX):
                raise _BadRequest(400, f"the text must start with {IMAGE_PREFIX}")
            info.prompt = text[len(IMAGE_PREFIX) :]
        else:
            if any(token in text for token in PLACEHOLDER_TOKENS):
                raise _BadRequest(400, "the text holds image placeholder tokens; leave them out")
            info.prompt = text
        for name in ("temperature", "top_p"):
            value = body.get(name)
            if value is not None and (
                isinstance(value, bool) or not isinstance(value, (int, float))
            ):
                raise _BadRequest(400, f"{name} must be a number")
        info.temperature = body.get("temperature")
        info.top_p = body.get("top_p")
        if self.dialect == "vllm":
            max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
        else:  # ollama's OpenAI layer reads max_tokens only
            max_tokens = body.get("max_tokens")
        if max_tokens is not None and (
            isinstance(max_tokens, bool) or not isinstance(max_tokens, int)
        ):
            raise _BadRequest(400, "max_completion_tokens must be an integer")
        limit = self.max_model_len
        if max_tokens is not None and limit is not None and max_tokens > limit:
            name = "max_completion_tokens" if "max_completion_tokens" in body else "max_tokens"
            raise _BadRequest(
                400,
                f"{name}={max_tokens} cannot be greater than max_model_len="
                f"{limit}. Please request fewer output tokens. "
                f"(parameter={name}, value={max_tokens})",
                param=name,
            )
        info.max_tokens = max_tokens
        stream = body.get("stream", False)
        if not isinstance(stream, bool):
            raise _BadRequest(400, "stream must be a boolean")
        info.stream = stream


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    fake: FakeServer  # set on the subclass made per server
    timeout = 30

    def setup(self) -> None:
        super().setup()
        self.fake._register(self.connection, True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.fake._register(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output quiet

    # ---------------------------------------------------------------- basics

    def _info(self) -> RequestInfo:
        return RequestInfo(self.command, self.path, {k.lower(): v for k, v in self.headers.items()})

    def _send_json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> None:
        raw = (
            json.dumps(data).encode()
            if not isinstance(data, (bytes, str))
            else (data.encode() if isinstance(data, str) else data)
        )
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(raw)
        self.wfile.flush()

    def _send_error(
        self,
        status: int,
        message: str,
        kind: str = "BadRequestError",
        headers: dict[str, str] | None = None,
        param: str | None = None,
    ) -> None:
        # vLLM 0.32's error body (seen against the real server): message, type, param, code.
        error = {"message": message, "type": kind, "param": param, "code": status}
        self._send_json(status, {"error": error}, headers)

    def _authorised(self, info: RequestInfo) -> bool:
        key = self.fake.api_key
        if key is None or info.headers.get("authorization") == f"Bearer {key}":
            return True
        info.status = 401
        self._send_json(401, {"error": "Unauthorized"})
        return False

    # ---------------------------------------------------------------- routes

    def do_GET(self) -> None:  # http.server names its handlers so
        info = self._info()
        self.fake._record(info)
        if self.path == "/health":
            info.status = 200
            self._send_json(200, b"")
            return
        if self.path in self.fake.routes:
            info.status = 200
            self._send_json(200, self.fake.routes[self.path])
            return
        if not self._authorised(info):
            return
        if self.path == "/v1/models":
            info.status = 200
            limit = self.fake.max_model_len
            self._send_json(
                200,
                {
                    "object": "list",
                    "data": [
                        {"id": name, "object": "model", "owned_by": self.fake.owned_by}
                        | ({"max_model_len": limit} if limit is not None else {})
                        for name in self.fake.models
                    ],
                },
            )
            return
        info.status = 404
        self._send_json(404, {"detail": "Not Found"})

    def do_POST(self) -> None:
        info = self._info()
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        info.raw = raw
        self.fake._record(info)
        if not self._authorised(info):
            return
        if self.path != "/v1/chat/completions":
            info.status = 404
            self._send_json(404, {"detail": "Not Found"})
            return
        try:
            body = json.loads(raw)
            info.body = body
            self.fake.validate_chat(body, info)
        except ValueError:
            info.status = 400
            self._send_error(400, "request body is not valid JSON")
            return
        except _BadRequest as bad:
            info.status = bad.status
            self._send_error(bad.status, bad.message, bad.kind, param=bad.param)
            return
        assert info.image_key is not None
        info.attempt = self.fake._next_attempt(info.image_key)
        reply = self.fake.responder(info, info.attempt)
        info.status = reply.status
        try:
            self._answer(info, body, reply)
        except _ClientGone:
            self.close_connection = True

    # --------------------------------------------------------------- answers

    def _sleep(self, seconds: float) -> None:
        if seconds > 0 and self.fake._stopping.wait(seconds):
            raise _ClientGone

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.wfile.flush()
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        raise _ClientGone

    def _answer(self, info: RequestInfo, body: dict[str, Any], reply: Reply) -> None:
        self._sleep(reply.delay)
        if reply.drop == "before":
            self._drop()
        if reply.status != 200:
            headers = {}
            if reply.retry_after is not None:
                headers["Retry-After"] = f"{reply.retry_after:g}"
            if reply.body is not None:
                self._send_json(reply.status, reply.body, headers)
            else:
                self._send_error(
                    reply.status, f"scripted failure {reply.status}", "InternalServerError", headers
                )
            return
        size = max(1, reply.chunk_size)
        pieces = [reply.text[i : i + size] for i in range(0, len(reply.text), size)]
        prompt_tokens = reply.prompt_tokens
        if prompt_tokens is None:
            w, h = info.image_size or (28, 28)
            rh, rw = smart_resize(h, w)
            prompt_tokens = rh * rw // (28 * 28) + 200
        completion_tokens = reply.completion_tokens
        if completion_tokens is None:
            completion_tokens = len(pieces)
        usage = {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        }
        if not info.stream:
            self._answer_whole(info, reply, usage)
        else:
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            self._answer_stream(info, reply, pieces, usage if include_usage else None)

    def _answer_whole(self, info: RequestInfo, reply: Reply, usage: dict[str, int]) -> None:
        if reply.drop in ("headers", "mid"):
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self._drop()
        data: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": info.model,
            "choices": [
                {
                    "index": 0,
                    "finish_reason": reply.finish_reason,
                    "message": {"role": "assistant", "content": reply.text},
                }
            ],
        }
        if reply.usage:
            data["usage"] = usage
        self._send_json(200, data)

    def _write_chunk(self, data: bytes) -> None:
        if self.fake._stopping.is_set():
            raise _ClientGone
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except OSError:
            raise _ClientGone from None

    def _event(
        self,
        info: RequestInfo,
        delta: dict[str, Any],
        finish: str | None = None,
        usage: dict[str, int] | None = None,
    ) -> bytes:
        event: dict[str, Any] = {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": info.model,
            "choices": []
            if usage is not None
            else [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
        }
        if usage is not None:
            event["usage"] = usage
        return b"data: " + json.dumps(event, ensure_ascii=False).encode() + b"\n\n"

    def _answer_stream(
        self, info: RequestInfo, reply: Reply, pieces: list[str], usage: dict[str, int] | None
    ) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        self.wfile.flush()
        if reply.drop == "headers":
            self._drop()
        self._write_chunk(self._event(info, {"role": "assistant", "content": ""}))
        for number, piece in enumerate(pieces):
            if reply.drop == "mid" and number >= len(pieces) // 2:
                self._drop()
            self._sleep(reply.chunk_delay)
            self._write_chunk(self._event(info, {"content": piece}))
        if reply.drop == "mid":
            self._drop()
        if reply.loop_forever:
            event = self._event(info, {"content": reply.loop_chunk})
            try:
                while True:
                    self._sleep(max(reply.chunk_delay, 0.001))
                    self._write_chunk(event)
            except _ClientGone:
                if not self.fake._stopping.is_set():
                    self.fake._count_disconnect()
                raise
        # vLLM ends with an empty content delta carrying finish_reason, then usage.
        self._write_chunk(self._event(info, {"content": ""}, reply.finish_reason))
        if usage is not None and reply.usage:
            self._write_chunk(self._event(info, {}, usage=usage))
        self._write_chunk(b"data: [DONE]\n\n")
        self._write_chunk(b"")  # the chunked terminator
