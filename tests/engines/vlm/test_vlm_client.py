"""The VLM transport (the chat client) against a real fake vLLM server on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Coroutine
from typing import Any, TypeVar

import pytest

from dotsocr.engines.vlm.client import (
    ChatClient,
    ClientOptions,
    Completion,
    ServerError,
    normalise_server_url,
)
from dotsocr.geometry import smart_resize
from support.fake_dots_server import (
    DEFAULT_MODEL,
    FakeServer,
    Reply,
    RequestInfo,
    chat_payload,
    default_elements,
    layout_json,
    make_png,
)

T = TypeVar("T")
KEY = "sk-very-secret-key-123"


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def options(*servers: str, **kwargs: Any) -> ClientOptions:
    kwargs.setdefault("backoff_base", 0.01)
    kwargs.setdefault("backoff_max", 0.05)
    return ClientOptions(servers=servers, **kwargs)


async def complete_once(opts: ClientOptions, payload: dict[str, Any]) -> Completion:
    async with ChatClient(opts) as client:
        return await client.complete(payload)


def closed_port_url() -> str:
    """An address where nothing listens: connections are refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


PAGE = make_png(300, 400)


# ------------------------------------------------------------------ options


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("127.0.0.1:8000", "http://127.0.0.1:8000/v1"),
        ("http://gpu-box:8000/", "http://gpu-box:8000/v1"),
        ("https://gpu-box/v1/", "https://gpu-box/v1"),
        ("http://gpu-box:8000/v1", "http://gpu-box:8000/v1"),
    ],
)
def test_server_urls_are_normalised(given: str, expected: str) -> None:
    assert normalise_server_url(given) == expected
    assert ClientOptions(servers=(given,)).servers == (expected,)


def test_no_server_is_an_error() -> None:
    with pytest.raises(ServerError):
        ClientOptions(servers=())


# ------------------------------------------------------------ model discovery


def test_model_discovered_when_not_given() -> None:
    with FakeServer(models=["first-model", "second"]) as server:

        async def go() -> tuple[str, Completion]:
            async with ChatClient(options(server.url)) as client:
                name = await client.model_name()
                return name, await client.complete(chat_payload(PAGE))

        name, completion = run(go())
    assert name == "first-model"
    assert completion.finish_reason == "stop"
    assert server.chat_requests()[0].model == "first-model"
    # Discovery happens once.
    assert sum(r.path == "/v1/models" for r in server.requests) == 1


def test_given_model_is_checked() -> None:
    with FakeServer(models=["a", "b"]) as server:

        async def ask(model: str) -> str:
            async with ChatClient(options(server.url, model=model)) as client:
                return await client.model_name()

        assert run(ask("b")) == "b"
        with pytest.raises(ServerError) as caught:
            run(ask("x"))
    message = str(caught.value)
    assert "'x' not served" in message
    assert "a, b" in message
    assert "--model a" in message


def test_server_without_models() -> None:
    with FakeServer(models=[]) as server, pytest.raises(ServerError, match="no models"):
        run(complete_once(options(server.url), chat_payload(PAGE)))


# ------------------------------------------------------------- completions


def test_good_completion_with_usage() -> None:
    with FakeServer() as server:  # the default responder: layout sized to the image
        completion = run(complete_once(options(server.url), chat_payload(PAGE, "Layout please")))
    elements = json.loads(completion.text)
    assert elements == default_elements(300, 400)
    h, w = smart_resize(400, 300)
    assert max(e["bbox"][2] for e in elements) <= w
    assert max(e["bbox"][3] for e in elements) <= h
    assert completion.finish_reason == "stop"
    assert completion.prompt_tokens > 0
    assert completion.completion_tokens > 0
    assert completion.retries == 0
    assert completion.server_index == 0
    assert completion.loop_reason is None
    assert completion.seconds > 0
    (request,) = server.chat_requests()
    assert request.stream is True
    assert request.body is not None
    assert request.body["stream_options"] == {"include_usage": True}
    assert request.model == DEFAULT_MODEL
    assert request.prompt == "Layout please"
    assert request.temperature == 0.1
    assert request.image_size == (300, 400)


def test_usage_numbers_come_from_the_server() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text="hello", prompt_tokens=1234, completion_tokens=56, finish_reason="length")

    with FakeServer(responder) as server:
        completion = run(complete_once(options(server.url), chat_payload(PAGE)))
    assert (completion.prompt_tokens, completion.completion_tokens) == (1234, 56)
    assert completion.finish_reason == "length"


def test_many_small_chunks_and_no_usage() -> None:
    text = layout_json(
        [
            {"bbox": [i, i, i + 5, i + 5], "category": "Text", "text": f"ünïcode {i} 字"}
            for i in range(150)
        ]
    )

    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text=text, chunk_size=1, usage=False)

    with FakeServer(responder) as server:
        completion = run(complete_once(options(server.url), chat_payload(PAGE)))
    assert completion.text == text
    assert completion.completion_tokens == len(text)  # estimated from the chunk count
    assert completion.prompt_tokens == 0


def test_payload_model_is_kept_and_validated() -> None:
    with FakeServer(models=["m"]) as server:
        completion = run(complete_once(options(server.url), chat_payload(PAGE, model="m")))
        assert completion.finish_reason == "stop"
        with pytest.raises(ServerError) as caught:
            run(complete_once(options(server.url), chat_payload(PAGE, model="other")))
    message = str(caught.value)
    assert "does not exist" in message
    assert "--model" in message
    # Not retried; and no discovery was needed since the payload named a model.
    assert [r.status for r in server.chat_requests()] == [200, 404]
    assert not any(r.path == "/v1/models" for r in server.requests)


# ----------------------------------------------------------------- retries


def test_retries_on_500() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=500) if attempt <= 2 else Reply(text="ok")

    with FakeServer(responder) as server:
        completion = run(complete_once(options(server.url), chat_payload(PAGE)))
    assert completion.text == "ok"
    assert completion.retries == 2
    assert [r.status for r in server.chat_requests()] == [500, 500, 200]


def test_retry_after_is_honoured() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=429, retry_after=1) if attempt == 1 else Reply(text="ok")

    with FakeServer(responder) as server:
        start = time.monotonic()
        completion = run(complete_once(options(server.url, backoff_max=5), chat_payload(PAGE)))
        elapsed = time.monotonic() - start
    assert completion.retries == 1
    assert elapsed >= 0.9


def test_retry_after_is_capped() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=503, retry_after=100) if attempt == 1 else Reply(text="ok")

    with FakeServer(responder) as server:
        start = time.monotonic()
        completion = run(complete_once(options(server.url, backoff_max=0.2), chat_payload(PAGE)))
    assert completion.retries == 1
    assert time.monotonic() - start < 3


@pytest.mark.parametrize("drop", ["before", "headers", "mid"])
def test_dropped_connection_then_success(drop: str) -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        if attempt == 1:
            return Reply(text="partial answer " * 20, drop=drop)
        return Reply(text="full answer")

    with FakeServer(responder) as server:
        completion = run(complete_once(options(server.url), chat_payload(PAGE)))
    assert completion.text == "full answer"
    assert completion.retries == 1


def test_timeout_is_retried_then_gives_up() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text="late", delay=3)

    with FakeServer(responder) as server:
        start = time.monotonic()
        with pytest.raises(ServerError, match="after 2 attempts") as caught:
            run(complete_once(options(server.url, timeout=0.4, max_retries=1), chat_payload(PAGE)))
        elapsed = time.monotonic() - start
    assert elapsed < 2.5
    assert "http://" not in str(caught.value)


def test_slow_first_try_then_quick_answer() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text="late", delay=3) if attempt == 1 else Reply(text="quick")

    with FakeServer(responder) as server:
        completion = run(complete_once(options(server.url, timeout=0.5), chat_payload(PAGE)))
    assert completion.text == "quick"
    assert completion.retries == 1


def test_bounded_retries_then_server_error() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=503)

    with FakeServer(responder) as server:
        with pytest.raises(ServerError) as caught:
            run(complete_once(options(server.url, max_retries=2), chat_payload(PAGE)))
        assert len(server.chat_requests()) == 3
    message = str(caught.value)
    assert message.startswith("server unavailable after 3 attempts:")
    assert "HTTP 503" in message


def test_bad_request_is_not_retried_and_carries_the_message() -> None:
    body = json.dumps(
        {
            "object": "error",
            "message": "This model's maximum context length is 16384 tokens.\nHowever, you asked "
            "for 20000 tokens.",
            "type": "BadRequestError",
            "param": None,
            "code": 400,
        }
    )

    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=400, body=body)

    with FakeServer(responder) as server:
        with pytest.raises(ServerError) as caught:
            run(complete_once(options(server.url), chat_payload(PAGE)))
        assert len(server.chat_requests()) == 1
    message = str(caught.value)
    assert "HTTP 400" in message
    assert "maximum context length is 16384 tokens. However" in message
    assert "\n" not in message


def test_fake_server_validates_like_vllm() -> None:
    payload = chat_payload(PAGE)
    payload["messages"][0]["content"][1]["text"] = "no image placeholder"
    broken_image = chat_payload(PAGE)
    broken_image["messages"][0]["content"][0]["image_url"]["url"] = "data:image/png;base64,aGVsbG8="
    with FakeServer() as server:
        with pytest.raises(ServerError, match="must start with"):
            run(complete_once(options(server.url), payload))
        with pytest.raises(ServerError, match="Failed to load image"):
            run(complete_once(options(server.url), broken_image))


# ----------------------------------------------------------------- servers


def test_round_robin_across_two_servers() -> None:
    with FakeServer() as one, FakeServer() as two:

        async def go() -> list[Completion]:
            async with ChatClient(options(one.url, two.url)) as client:
                return [await client.complete(chat_payload(PAGE)) for _ in range(6)]

        completions = run(go())
        indexes = [c.server_index for c in completions]
        assert indexes in ([0, 1] * 3, [1, 0] * 3)  # discovery took the first turn
        assert len(one.chat_requests()) == len(two.chat_requests()) == 3


def test_server_that_is_down_is_skipped() -> None:
    down = closed_port_url()
    with FakeServer() as server:

        async def go() -> list[Completion]:
            async with ChatClient(options(down, server.url)) as client:
                payload = chat_payload(PAGE, model=DEFAULT_MODEL)
                return [await client.complete(payload) for _ in range(5)]

        start = time.monotonic()
        completions = run(go())
        assert time.monotonic() - start < 3
        assert len(server.chat_requests()) == 5
    assert all(c.server_index == 1 for c in completions)
    assert [c.retries for c in completions] == [1, 0, 0, 0, 0]  # tried once, then skipped


def test_all_servers_down() -> None:
    with pytest.raises(ServerError) as caught:
        run(
            complete_once(
                options(closed_port_url(), closed_port_url(), max_retries=3),
                chat_payload(PAGE, model="m"),
            )
        )
    message = str(caught.value)
    assert "after 4 attempts" in message
    assert "could not be reached" in message
    assert "http://" not in message


# ------------------------------------------------------------------- loops


def test_loop_is_cut_and_server_sees_the_disconnect() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(
            text='[{"bbox": [1, 2, 3, 4], "category": "Text", "text": "',
            loop_forever=True,
            loop_chunk="\u3000",
            chunk_delay=0.002,
        )

    with FakeServer(responder) as server:
        start = time.monotonic()
        completion = run(complete_once(options(server.url), chat_payload(PAGE)))
        elapsed = time.monotonic() - start
        deadline = time.monotonic() + 3
        while server.disconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert server.disconnects == 1
    assert elapsed < 5
    assert completion.finish_reason == "loop"
    assert completion.loop_reason and "'\\u3000'" in completion.loop_reason
    assert completion.text.startswith('[{"bbox"')
    assert completion.completion_tokens > 0


def test_loop_detection_can_be_off() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text="ab" * 2000, chunk_size=64)

    with FakeServer(responder) as server:
        completion = run(
            complete_once(options(server.url, loop_detection=False), chat_payload(PAGE))
        )
    assert completion.finish_reason == "stop"
    assert completion.text == "ab" * 2000


def test_server_stops_cleanly_during_an_endless_stream() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text="x", loop_forever=True, chunk_delay=0.01)

    server = FakeServer(responder).start()
    try:

        async def go() -> None:
            async with ChatClient(
                options(server.url, loop_detection=False, max_retries=0)
            ) as client:
                await client.complete(chat_payload(PAGE))

        with pytest.raises(ServerError):
            run(asyncio.wait_for(_stop_soon(go(), server), 10))
    finally:
        start = time.monotonic()
        server.stop()
        assert time.monotonic() - start < 3
    lingering = [t for t in threading.enumerate() if "process_request" in t.name]
    assert not lingering


async def _stop_soon(coro: Coroutine[Any, Any, None], server: FakeServer) -> None:
    task = asyncio.ensure_future(coro)
    await asyncio.sleep(0.3)
    await asyncio.to_thread(server.stop)
    await task


# ---------------------------------------------------------------- API key


def test_api_key_is_sent_as_bearer() -> None:
    with FakeServer(api_key=KEY) as server:
        completion = run(complete_once(options(server.url, api_key=KEY), chat_payload(PAGE)))
    assert completion.finish_reason == "stop"
    assert all(r.headers.get("authorization") == f"Bearer {KEY}" for r in server.requests)


def test_wrong_api_key_is_refused_without_showing_it() -> None:
    wrong = "sk-wrong-key-456"
    with FakeServer(api_key=KEY) as server:
        with pytest.raises(ServerError) as caught:
            run(complete_once(options(server.url, api_key=wrong), chat_payload(PAGE)))
        assert len(server.requests) == 1  # not retried
    message = str(caught.value)
    assert "refused the API key" in message
    assert wrong not in message and KEY not in message


def test_api_key_absent_from_failure_messages() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(status=500, body=json.dumps({"error": {"message": f"bad header {KEY}"}}))

    with FakeServer(responder, api_key=KEY) as server, pytest.raises(ServerError) as caught:
        run(complete_once(options(server.url, api_key=KEY, max_retries=1), chat_payload(PAGE)))
    message = str(caught.value)
    assert KEY not in message
    assert server.url not in message
    assert f"127.0.0.1:{server.port}" in message


# ------------------------------------------------------------- concurrency


def test_many_concurrent_completions() -> None:
    def responder(info: RequestInfo, attempt: int) -> Reply:
        return Reply(text=f"page {info.pixel}", chunk_size=2, chunk_delay=0.001)

    pages = [make_png(60, 80, marker=(i, 0, 0)) for i in range(100)]
    with FakeServer(responder) as server:

        async def go() -> list[Completion]:
            async with ChatClient(options(server.url)) as client:
                return await asyncio.gather(*(client.complete(chat_payload(p)) for p in pages))

        completions = run(go())
    assert [c.text for c in completions] == [f"page ({i}, 0, 0)" for i in range(100)]
    assert all(c.finish_reason == "stop" and c.retries == 0 for c in completions)
