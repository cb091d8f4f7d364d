"""Helpers for the tests of ``dotsocr api``: uploads, waiting for jobs, events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import httpx

from support import make_text_pdf

FINISHED = ("done", "failed", "cancelled")
WAIT_TIMEOUT = 120.0


def text_pdf(path: Path, pages: int, lines: int = 4, tag: str = "") -> Path:
    """``pages`` pages of ``lines`` numbered lines of text each."""
    return make_text_pdf(
        path,
        [
            [f"{tag}Page {n}, line {k}: the quick brown fox jumps." for k in range(1, lines + 1)]
            for n in range(1, pages + 1)
        ],
    )


def upload(
    client: httpx.Client,
    content: bytes | Path,
    filename: str = "doc.pdf",
    route: str = "/v1/jobs",
    headers: dict[str, str] | None = None,
    **fields: str,
) -> httpx.Response:
    """POST a file (and form fields) as multipart."""
    data = content.read_bytes() if isinstance(content, Path) else content
    return client.post(
        route,
        files={"file": (filename, data, "application/octet-stream")},
        data=fields or None,
        headers=headers,
    )


def submit(client: httpx.Client, content: bytes | Path, **fields: str) -> str:
    """A new job's id; the upload must be accepted."""
    response = upload(client, content, **fields)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


def wait_job(
    client: httpx.Client,
    job_id: str,
    until: Iterable[str] = FINISHED,
    *,
    pages_done: int | None = None,
    timeout: float = WAIT_TIMEOUT,
) -> dict[str, Any]:
    """Poll the job until its status is one of ``until`` (or, with ``pages_done``,
    until at least that many pages are done); the job's JSON."""
    wanted = set(until)
    deadline = time.monotonic() + timeout
    while True:
        job = client.get(f"/v1/jobs/{job_id}")
        assert job.status_code == 200, job.text
        now: dict[str, Any] = job.json()
        if pages_done is not None and now["pages_done"] >= pages_done:
            return now
        if pages_done is None and now["status"] in wanted:
            return now
        if now["status"] in FINISHED and now["status"] not in wanted:
            raise AssertionError(f"job ended {now['status']}: {now}")
        if time.monotonic() > deadline:
            raise AssertionError(f"job still {now['status']} after {timeout} s: {now}")
        time.sleep(0.05)


def assert_error(response: httpx.Response, status: int, *, match: str = "") -> str:
    """The response is ``status`` with a JSON ``{"error": ...}``; the message."""
    assert response.status_code == status, (response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"} and isinstance(body["error"], str) and body["error"]
    assert match.lower() in body["error"].lower(), body
    return str(body["error"])


def read_events(response: httpx.Response) -> list[tuple[str, dict[str, Any]]]:
    """The Server-Sent Events of a streamed response: (event, data) until it ends."""
    events: list[tuple[str, dict[str, Any]]] = []
    name, data = "message", []
    for line in response.iter_lines():
        if line.startswith(":"):
            continue
        if line.startswith("event:"):
            name = line.removeprefix("event:").strip()
        elif line.startswith("data:"):
            data.append(line.removeprefix("data:").strip())
        elif line == "" and data:
            events.append((name, json.loads("\n".join(data))))
            name, data = "message", []
    return events


def elements_of(document: dict[str, Any]) -> list[tuple[int, list[tuple[Any, ...]]]]:
    """A Document JSON's pages as (number, [(category, bbox, text)])."""
    return [
        (
            page["number"],
            [(e["category"], tuple(e["bbox"]), e.get("text")) for e in page["elements"]],
        )
        for page in document["pages"]
    ]
