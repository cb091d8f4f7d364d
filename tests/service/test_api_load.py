"""20 uploads at once against ``--jobs 2``: every job is accepted, none is lost,
all finish, and each result equals what ``dotsocr.parse`` makes of the same file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_helpers import elements_of, submit, text_pdf, wait_job

import dotsocr
from support import SAMPLE_PDF
from support.api_server import ApiServer

UPLOADS = 20


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The sample and five small PDFs of different text and length."""
    folder = tmp_path_factory.mktemp("load")
    made = [
        text_pdf(folder / f"doc{n}.pdf", pages=1 + n % 3, lines=2 + n, tag=f"Doc {n}. ")
        for n in range(5)
    ]
    return [SAMPLE_PDF, *made]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    with ApiServer(tmp_path_factory.mktemp("load") / "data", "--jobs", "2") as running:
        yield running


@pytest.mark.slow  # 12-37 s on 2 busy CPUs
def test_twenty_uploads_at_once_all_finish_as_parse_would(
    server: ApiServer, documents: list[Path]
) -> None:
    expected = {
        path: elements_of(dotsocr.parse(path, engine="cpu").model_dump(exclude_none=True))
        for path in documents
    }
    files = [documents[n % len(documents)] for n in range(UPLOADS)]
    started = time.monotonic()
    limits = httpx.Limits(max_connections=UPLOADS)
    with httpx.Client(base_url=server.url, timeout=120, limits=limits) as client:
        with ThreadPoolExecutor(UPLOADS) as pool:
            ids = list(pool.map(lambda path: submit(client, path), files))
        assert len(set(ids)) == UPLOADS
        most_running = 0
        deadline = time.monotonic() + 300
        while True:  # every job listed all along, never more than two running
            listed = client.get("/v1/jobs").json()["jobs"]
            assert {job["id"] for job in listed} == set(ids)
            statuses = [job["status"] for job in listed]
            most_running = max(most_running, statuses.count("running"))
            assert most_running <= 2 and "failed" not in statuses, listed
            if all(status == "done" for status in statuses) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        jobs: list[dict[str, Any]] = [wait_job(client, job_id, ["done"]) for job_id in ids]
        results = [
            client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"}).json()
            for job_id in ids
        ]
    took = time.monotonic() - started
    for path, job, doc in zip(files, jobs, results, strict=True):
        assert job["status"] == "done" and job["pages_failed"] == 0, job
        assert job["pages_done"] == job["pages_total"] == len(expected[path])
        assert elements_of(doc) == expected[path], path.name
    print(f"{UPLOADS} uploads, --jobs 2: all done in {took:.1f} s, {most_running} at most running")
