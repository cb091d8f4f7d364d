"""Job records in SQLite, so queued and running jobs survive a crash or a restart.

One connection shared by the service's threads behind a lock; every write commits
at once (autocommit), so a ``kill -9`` loses at most the write in progress.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

JobStatus = Literal["queued", "running", "done", "failed", "cancelled"]
FINISHED: frozenset[str] = frozenset({"done", "failed", "cancelled"})

_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL,
    filename TEXT NOT NULL,
    input_name TEXT NOT NULL,
    options TEXT NOT NULL,
    pages_total INTEGER NOT NULL DEFAULT 0,
    pages_done INTEGER NOT NULL DEFAULT 0,
    pages_failed INTEGER NOT NULL DEFAULT 0,
    last_page INTEGER,
    error TEXT,
    created REAL NOT NULL,
    started REAL,
    finished REAL
)
"""


@dataclass
class JobRecord:
    id: str
    #: The uploaded file's name as the client gave it: shown, never used as a path.
    filename: str
    #: The upload's file name inside the job's folder (``document.pdf``).
    input_name: str
    #: The job's own parse settings (pages, engine, prompt, to, dpi).
    options: dict[str, Any] = field(default_factory=dict)
    status: JobStatus = "queued"
    pages_total: int = 0
    pages_done: int = 0
    pages_failed: int = 0
    last_page: int | None = None
    error: str | None = None
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None


class JobStore:
    """The ``jobs`` table of ``<data-dir>/jobs.sqlite3``."""

    def __init__(self, path: Path, on_change: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        #: Told the job's id after every write (see :mod:`dotsocr.service.changes`).
        self._on_change = on_change
        #: A counter per job, bumped by every write: progress streams watch it in
        #: memory and read the row only when it moved.
        self._versions: dict[str, int] = {}
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def add(self, job: JobRecord) -> None:
        row = asdict(job)
        row["options"] = json.dumps(job.options)
        names = ", ".join(row)
        marks = ", ".join(f":{k}" for k in row)
        with self._lock:
            self._db.execute(f"INSERT INTO jobs ({names}) VALUES ({marks})", row)

    def get(self, job_id: str) -> JobRecord | None:
        with self._lock:
            row = self._db.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
        return _record(row) if row is not None else None

    def version(self, job_id: str) -> int:
        """How many times the job has been written since this process started."""
        return self._versions.get(job_id, 0)

    def _bump(self, job_id: str) -> None:
        self._versions[job_id] = self._versions.get(job_id, 0) + 1
        if self._on_change is not None:
            self._on_change(job_id)

    def update(self, job_id: str, **fields: Any) -> None:
        if not fields:
            return
        sets = ", ".join(f"{name} = :{name}" for name in fields)
        with self._lock:
            self._db.execute(f"UPDATE jobs SET {sets} WHERE id = :id", {**fields, "id": job_id})
            self._bump(job_id)

    def add_page(self, job_id: str, number: int, failed: bool) -> None:
        """Count one finished page (the job's progress)."""
        column = "pages_failed" if failed else "pages_done"
        with self._lock:
            self._db.execute(
                f"UPDATE jobs SET {column} = {column} + 1, last_page = ? WHERE id = ?",
                (number, job_id),
            )
            self._bump(job_id)

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM jobs WHERE id = ?", (job_id,))
            self._bump(job_id)

    def list(self, status: str | None = None, limit: int = 100) -> list[JobRecord]:
        """The newest jobs first."""
        query, args = "SELECT * FROM jobs", []
        if status is not None:
            query, args = query + " WHERE status = ?", [status]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY created DESC LIMIT ?", (*args, limit))
            return [_record(row) for row in rows.fetchall()]

    def unfinished(self) -> list[JobRecord]:
        """Jobs queued or running when the service last stopped, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM jobs WHERE status IN ('queued', 'running') ORDER BY created"
            ).fetchall()
        return [_record(row) for row in rows]


def _record(row: sqlite3.Row) -> JobRecord:
    values = dict(row)
    values["options"] = json.loads(values["options"] or "{}")
    return JobRecord(**values)
