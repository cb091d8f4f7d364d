"""The service's JSON shapes, for the routes and the OpenAPI document."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from dotsocr.service import files
from dotsocr.service.jobstore import JobRecord


class ErrorOut(BaseModel):
    error: str


class JobCreated(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled", "deleted"]


class JobOut(BaseModel):
    id: str
    status: Literal["queued", "running", "done", "failed", "cancelled"]
    filename: str = Field(description="the uploaded file's name, for display only")
    pages_total: int
    pages_done: int
    pages_failed: int
    last_page: int | None = Field(description="the page that finished last")
    error: str | None
    created: str
    started: str | None
    finished: str | None
    options: dict[str, str | int] = Field(description="the job's own form fields")
    results: list[str] = Field(description="formats result?format= can give now")
    viewer: str | None = Field(description="the HTML viewer's address, once written")


class JobList(BaseModel):
    jobs: list[JobOut]


def _iso(stamp: float | None) -> str | None:
    if stamp is None:
        return None
    return datetime.fromtimestamp(stamp, tz=timezone.utc).isoformat(timespec="seconds")


def job_out(job: JobRecord, folder: Path, view_token: str) -> JobOut:
    finished = job.status in ("done", "failed")
    results = files.available_results(folder) if finished else []
    viewer = files.viewer_path(folder) if "html" in results else None
    return JobOut(
        id=job.id,
        status=job.status,
        filename=job.filename,
        pages_total=job.pages_total,
        pages_done=job.pages_done,
        pages_failed=job.pages_failed,
        last_page=job.last_page,
        error=job.error,
        created=_iso(job.created) or "",
        started=_iso(job.started),
        finished=_iso(job.finished),
        options=job.options,
        results=results,
        viewer=f"/view/{job.id}/{view_token}/{viewer}" if viewer else None,
    )
