"""A 1 GB upload is refused early, with the server's memory flat: a declared
Content-Length over --max-upload-mb before one byte of the body is read, a chunked
body the moment it passes the cap."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import pytest

from support.api_server import ApiServer

GIB = 1024 * 1024 * 1024
MIB = 1024 * 1024
LIMIT_MB = 2
BOUNDARY = "dotsocr-test-boundary"
PART_HEAD = (
    f"--{BOUNDARY}\r\n"
    'Content-Disposition: form-data; name="file"; filename="big.pdf"\r\n'
    "Content-Type: application/pdf\r\n\r\n%PDF-1.7\n"
).encode()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    data = tmp_path_factory.mktemp("limit") / "data"
    with ApiServer(data, "--max-upload-mb", str(LIMIT_MB)) as running:
        yield running


def connect(server: ApiServer) -> socket.socket:
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 256 * 1024)
    return sock


def headers(route: str, framing: str) -> bytes:
    return (
        f"POST {route} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n{framing}\r\n\r\n"
    ).encode()


def read_response(sock: socket.socket) -> tuple[int, dict[str, str], bytes]:
    """Status, headers and body of the one response on ``sock``, read until the
    server closes the connection (every answer here says ``Connection: close``)."""
    data = b""
    sock.settimeout(10)
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            chunk = b""
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    fields = dict(line.lower().split(": ", 1) for line in lines[1:])
    if fields.get("transfer-encoding") == "chunked":
        body = dechunk(body)
    return int(lines[0].split()[1]), fields, body


def dechunk(body: bytes) -> bytes:
    out = b""
    while True:
        size, _, rest = body.partition(b"\r\n")
        n = int(size, 16)
        if n == 0:
            return out
        out, body = out + rest[:n], rest[n + 2 :]


def assert_413(status: int, fields: dict[str, str], body: bytes) -> None:
    assert status == 413, (status, body)
    assert fields["content-type"] == "application/json"
    assert fields["connection"] == "close"
    assert json.loads(body) == {"error": f"request body over the limit of {LIMIT_MB} MB"}


@pytest.mark.parametrize("route", ["/v1/jobs", "/v1/parse"])
def test_a_declared_gigabyte_is_refused_before_the_body(server: ApiServer, route: str) -> None:
    rss = server.rss_kib()
    with connect(server) as sock:
        sock.sendall(headers(route, f"Content-Length: {GIB}"))
        started = time.monotonic()
        status, fields, body = read_response(sock)  # not one byte of the body sent
        assert time.monotonic() - started < 5
        assert_413(status, fields, body)
    assert server.rss_kib() - rss < 50 * 1024
    assert not (server.data_dir / "jobs").exists() or not any((server.data_dir / "jobs").iterdir())


@pytest.mark.parametrize("route", ["/v1/jobs", "/v1/parse"])
def test_a_chunked_gigabyte_is_cut_off_past_the_limit(server: ApiServer, route: str) -> None:
    rss = server.rss_kib()
    chunk = b"\0" * MIB
    framed = f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n"
    sent = 0
    started = time.monotonic()
    with connect(server) as sock:
        sock.sendall(headers(route, "Transfer-Encoding: chunked"))
        first = PART_HEAD
        sock.sendall(f"{len(first):x}\r\n".encode() + first + b"\r\n")
        try:
            while sent < GIB:
                sock.sendall(framed)
                sent += len(chunk)
                assert time.monotonic() - started < 30, f"still sending after {sent} bytes"
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server stopped reading: what it answered is waiting
        else:
            raise AssertionError("the server read the whole gigabyte")
        status, fields, body = read_response(sock)
        assert_413(status, fields, body)
    # Refused just past the cap: the server stopped reading while the chunk after
    # the last whole one was on its way, so what it was offered (the part head, the
    # whole chunks, the chunk cut short) passes the cap, and no more than the cap
    # plus what the socket buffers held was sent.
    offered = len(first) + sent + len(chunk)
    assert offered > LIMIT_MB * MIB and sent < (LIMIT_MB + 16) * MIB, sent
    assert time.monotonic() - started < 10
    assert server.rss_kib() - rss < 50 * 1024
    assert not (server.data_dir / "jobs").exists() or not any((server.data_dir / "jobs").iterdir())


def test_the_server_still_serves_after_refusals(server: ApiServer) -> None:
    with connect(server) as sock:
        sock.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        status, _, body = read_response(sock)
    assert status == 200 and json.loads(body) == {"status": "ok"}
