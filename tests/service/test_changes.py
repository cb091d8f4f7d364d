"""Waiters on a job wake when a worker thread writes it, not a polling interval later."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path

from dotsocr.service.changes import JobChanges, wait_for_change
from dotsocr.service.jobstore import JobRecord, JobStore


def test_a_write_from_another_thread_wakes_the_waiter(tmp_path: Path) -> None:
    changes = JobChanges()
    store = JobStore(tmp_path / "jobs.sqlite3", on_change=changes.changed)
    store.add(JobRecord(id="a", filename="a.pdf", input_name="document.pdf"))

    async def wait_for_write() -> float:
        with changes.watching("a") as written:
            written.clear()
            writer = threading.Timer(0.2, store.update, args=("a",), kwargs={"status": "running"})
            started = time.perf_counter()
            writer.start()
            assert await wait_for_change(written, 10.0)
            return time.perf_counter() - started

    took = asyncio.run(wait_for_write())
    assert 0.15 < took < 5.0
    assert store.get("a").status == "running"
    store.close()


def test_other_jobs_do_not_wake_it_and_the_wait_times_out(tmp_path: Path) -> None:
    changes = JobChanges()

    async def wait_while_b_changes() -> bool:
        with changes.watching("a") as written:
            changes.changed("b")
            return await wait_for_change(written, 0.2)

    assert asyncio.run(wait_while_b_changes()) is False


def test_a_waiter_is_forgotten_when_its_block_ends() -> None:
    changes = JobChanges()

    async def watch_then_leave() -> None:
        with changes.watching("a"):
            pass

    asyncio.run(watch_then_leave())
    changes.changed("a")  # no loop left to call: must not raise
    assert changes._waiters == {}
