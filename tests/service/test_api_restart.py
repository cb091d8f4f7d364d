"""Jobs survive the server: after ``kill -9`` mid-job a restart on the same data
folder takes the job up again and finishes it without redoing the pages done
before the kill; a graceful SIGTERM leaves a running job queued (not failed)."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from service_helpers import submit, wait_job

from support.api_server import ApiServer

PAGES = 30
#: One job at a time; pages rendered at 72 dpi to keep the test short.
ARGS = ("--jobs", "1", "--dpi", "72")


def manifest(folder: Path) -> list[dict[str, Any]]:
    """The job output's manifest, one record per page written."""
    path = folder / "out" / "document.jsonl"
    if not path.is_file():
        return []
    records = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:  # a line torn by the kill: that page is not done
            continue
    return records


def page_files(folder: Path, records: list[dict[str, Any]]) -> dict[int, dict[str, int]]:
    """Per page in the manifest, its files' mtime_ns."""
    out = folder / "out"
    return {
        record["page"]: {
            name: (out / relative).stat().st_mtime_ns for name, relative in record["files"].items()
        }
        for record in records
    }


def stored_job(data_dir: Path, job_id: str) -> dict[str, Any]:
    """The job's row, read from SQLite while no server runs."""
    with sqlite3.connect(data_dir / "jobs.sqlite3") as db:
        db.row_factory = sqlite3.Row
        row = db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    assert row is not None
    return dict(row)


@pytest.mark.slow  # 12-25 s on 2 busy CPUs
def test_kill_9_mid_job_then_restart_resumes_without_redoing_pages(
    tmp_path: Path, long_pdf: Path
) -> None:
    data = tmp_path / "data"
    server = ApiServer(data, *ARGS).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job_id = submit(client, long_pdf)
            wait_job(client, job_id, pages_done=3)
        server.kill()
    finally:
        server.kill()
    folder = data / "jobs" / job_id
    before = manifest(folder)
    mtimes = page_files(folder, before)
    row = stored_job(data, job_id)
    assert row["status"] == "running" and row["pages_done"] >= 3
    assert len(before) >= 3 and len(before) < PAGES, len(before)

    time.sleep(0.05)  # a rewritten file would get a later mtime
    with (
        ApiServer(data, *ARGS) as again,
        httpx.Client(base_url=again.url, timeout=30) as client,
    ):
        job = wait_job(client, job_id, ["done"])
        doc = client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"}).json()
    assert (job["pages_total"], job["pages_done"], job["pages_failed"]) == (PAGES, PAGES, 0)
    after = manifest(folder)
    pages = [record["page"] for record in after]
    assert sorted(pages) == list(range(1, PAGES + 1)), pages  # each page once: none redone
    assert all(record in after for record in before)  # kept as they were
    now = page_files(folder, after)
    redone = [page for page, files in mtimes.items() if now[page] != files]
    assert redone == []
    assert doc["resumed_pages"] >= len(before)
    assert [page["number"] for page in doc["pages"]] == list(range(1, PAGES + 1))
    print(f"kill -9 after {len(before)} pages in the manifest; redone: {len(redone)}")


@pytest.mark.slow  # 12-25 s on 2 busy CPUs
def test_sigterm_leaves_the_job_queued_and_a_restart_finishes_it(
    tmp_path: Path, long_pdf: Path
) -> None:
    data = tmp_path / "data"
    server = ApiServer(data, *ARGS).start()
    try:
        with httpx.Client(base_url=server.url, timeout=30) as client:
            job_id = submit(client, long_pdf)
            wait_job(client, job_id, pages_done=2)
        started = time.monotonic()
        code = server.stop(timeout=60)
        took = time.monotonic() - started
    finally:
        server.kill()
    # uvicorn raises SIGTERM again once it has shut down: -15 after a clean stop.
    assert code is not None, "SIGTERM did not stop the server within 60 s"
    assert took < 60
    assert "Traceback" not in server.log.read_text(errors="replace")
    row = stored_job(data, job_id)
    assert row["status"] == "queued" and row["error"] is None, row
    assert row["finished"] is None
    assert 2 <= row["pages_done"] < PAGES
    done_before = len(manifest(data / "jobs" / job_id))

    with (
        ApiServer(data, *ARGS) as again,
        httpx.Client(base_url=again.url, timeout=30) as client,
    ):
        job = wait_job(client, job_id, ["done"])
        doc = client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"}).json()
    assert (job["pages_done"], job["pages_failed"]) == (PAGES, 0)
    assert doc["resumed_pages"] >= done_before
    pages = [record["page"] for record in manifest(data / "jobs" / job_id)]
    assert sorted(pages) == list(range(1, PAGES + 1))
