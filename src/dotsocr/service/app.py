"""The FastAPI application of ``dotsocr api``: routes, authentication, errors.

Every error is JSON ``{"error": ...}``. With an API key every ``/v1`` route needs
``Authorization: Bearer KEY``; ``/health`` and ``/ready`` stay open. Files of a job
are served back by looking the requested name up among the files the job wrote,
so no part of a request ever becomes a path on disk.
"""

from __future__ import annotations

import hmac
import json
import shutil
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException

from dotsocr import __version__
from dotsocr.service import files
from dotsocr.service.body_limit import BodyLimit, BodyTooLarge, too_large_message
from dotsocr.service.changes import JobChanges, wait_for_change
from dotsocr.service.job_options import JobOptionsError, job_options, read_job_fields
from dotsocr.service.jobstore import FINISHED, JobRecord, JobStore
from dotsocr.service.models import ErrorOut, JobCreated, JobList, JobOut, job_out
from dotsocr.service.runner import JobRunner
from dotsocr.service.uploads import UploadError, count_pages, save_upload

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from dotsocr.service.settings import ServiceSettings

ResultFormat = Literal["md", "md_nohf", "json", "html", "zip"]
#: How often a progress stream looks at its job's change counter (in memory), and
#: after how long it sends a comment to keep proxies open.
KEEPALIVE_SECONDS = 15.0
_ERRORS: dict[int | str, dict[str, Any]] = {
    code: {"model": ErrorOut, "description": text}
    for code, text in (
        (401, "missing or wrong API key"),
        (404, "no such job or file"),
        (413, "upload over --max-upload-mb"),
        (415, "not a PDF or image"),
        (422, "bad options, or a file that cannot be read or has too many pages"),
    )
}
_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "additionalProperties": False,  # other fields are refused (422)
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "pages": {"type": "string", "description": "page range, e.g. 1-3,7"},
                        "engine": {"type": "string", "description": "cpu, dots or auto"},
                        "prompt": {"type": "string"},
                        "to": {"type": "string", "description": "formats, comma-separated"},
                        "dpi": {"type": "integer", "minimum": 36, "maximum": 1200},
                    },
                }
            }
        },
    }
}


def create_app(settings: ServiceSettings) -> FastAPI:
    """The application; its job runner starts and stops with it."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    changes = JobChanges()
    store = JobStore(settings.data_dir / "jobs.sqlite3", on_change=changes.changed)
    runner = JobRunner(
        store,
        settings.data_dir / "jobs",
        lambda job: job_options(settings, job.options),
        settings.jobs,
    )
    view_secret = files.view_secret(settings.data_dir, settings.api_key)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        runner.start(settings.defaults)
        yield
        await run_in_threadpool(runner.shutdown)
        store.close()

    app = FastAPI(
        title="dotsocr",
        version=__version__,
        description="PDFs and page images to layout JSON, Markdown and a viewer.",
        lifespan=lifespan,
    )
    app.add_middleware(BodyLimit, max_bytes=settings.max_upload_bytes)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization"],
        )
    _add_error_handlers(app)
    app.state.api_key = settings.api_key
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(_require_key)], responses=_ERRORS)

    def job_or_404(job_id: str) -> JobRecord:
        job = store.get(job_id) if files.is_job_id(job_id) else None
        if job is None:
            raise HTTPException(404, "no such job")
        return job

    def described(job: JobRecord) -> dict[str, Any]:
        token = files.view_token(view_secret, job.id)
        return job_out(job, runner.folder(job.id), token).model_dump()

    async def accept_upload(request: Request) -> JobRecord:
        """Read the multipart form, save the file, check it; the job is not queued."""
        try:
            form = await request.form(max_files=1, max_fields=16)
        except BodyTooLarge:  # closing stops a client still sending the rest of the body
            message = too_large_message(settings.max_upload_bytes)
            raise HTTPException(413, message, headers={"Connection": "close"}) from None
        except MultiPartException as exc:
            raise HTTPException(422, f"bad multipart form: {exc.message}") from None
        except HTTPException as exc:  # Starlette's own 400 for a malformed form, as above
            raise HTTPException(422, f"bad multipart form: {exc.detail}") from None
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise HTTPException(422, "no file: send the document as the multipart field 'file'")
        try:
            fields = read_job_fields(form)
            job_options(settings, fields)  # refused here, not when the job runs
        except JobOptionsError as exc:
            raise HTTPException(422, str(exc)) from None
        job_id = files.new_job_id()
        folder = runner.folder(job_id)
        try:
            path = await run_in_threadpool(save_upload, upload.file, folder)
            pages = await run_in_threadpool(
                count_pages, path, max_pages=settings.max_pages, pages=fields.get("pages")
            )
        except UploadError as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise HTTPException(exc.status, exc.message) from None
        finally:
            await upload.close()
        job = JobRecord(
            id=job_id,
            filename=upload.filename or "upload",
            input_name=path.name,
            options=fields,
            pages_total=pages,
        )
        store.add(job)
        return job

    @v1.post(
        "/jobs",
        status_code=202,
        response_model=JobCreated,
        openapi_extra=_UPLOAD_BODY,
        summary="Upload a PDF or image; it is parsed in the background",
    )
    async def create_job(request: Request) -> JSONResponse:
        job = await accept_upload(request)
        runner.submit(job.id)
        return JSONResponse({"id": job.id, "status": job.status}, status_code=202)

    @v1.get("/jobs", response_model=JobList, summary="Recent jobs, newest first")
    async def list_jobs(
        status: Literal["queued", "running", "done", "failed", "cancelled"] | None = None,
        limit: int = 100,
    ) -> dict[str, Any]:
        limit = max(1, min(limit, 1000))
        return {"jobs": [described(job) for job in store.list(status, limit)]}

    @v1.get("/jobs/{job_id}", response_model=JobOut, summary="A job's status and progress")
    async def get_job(job_id: str) -> dict[str, Any]:
        return described(job_or_404(job_id))

    @v1.get(
        "/jobs/{job_id}/result",
        summary="A finished job's files: md, md_nohf, json (the Document), html, zip",
        responses={
            200: {"content": {"text/markdown": {}, "text/html": {}, "application/zip": {}}},
            409: {"model": ErrorOut, "description": "the job is not finished"},
        },
    )
    async def get_result(job_id: str, format: ResultFormat = "md") -> Response:
        job = job_or_404(job_id)
        if job.status not in FINISHED:
            raise HTTPException(409, f"the job is {job.status}; its result is not ready")
        folder = runner.folder(job.id)
        if format == "zip":
            path = await run_in_threadpool(files.result_zip, folder)
            return FileResponse(path, media_type="application/zip", filename=f"{job.id}.zip")
        path = files.result_file(folder, format)
        if path is None:
            raise HTTPException(404, f"this job wrote no {format} result (its formats: "
                                f"{', '.join(job_options(settings, job.options).to)})")  # fmt: skip
        return FileResponse(path, media_type=files.media_type(path), headers=files.SAFE_HEADERS)

    @v1.get(
        "/jobs/{job_id}/events",
        summary="Server-Sent Events: the job as it changes, page by page, then 'end'",
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def job_events(job_id: str) -> StreamingResponse:
        job_or_404(job_id)
        return StreamingResponse(
            _event_stream(job_id),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    async def _event_stream(job_id: str) -> AsyncIterator[str]:
        """The job each time it is written (a page finished, a status changed), read
        from SQLite only then; a comment now and then keeps proxies from closing."""
        seen = -1
        with changes.watching(job_id) as written:
            while True:
                written.clear()
                version = store.version(job_id)
                if version != seen:
                    seen = version
                    job = store.get(job_id)
                    if job is None:
                        yield "event: gone\ndata: {}\n\n"
                        return
                    now = json.dumps(described(job))
                    yield f"event: progress\ndata: {now}\n\n"
                    if job.status in FINISHED:
                        yield f"event: end\ndata: {now}\n\n"
                        return
                if not await wait_for_change(written, KEEPALIVE_SECONDS):
                    yield ": keep-alive\n\n"

    @v1.delete(
        "/jobs/{job_id}",
        response_model=JobCreated,
        summary="Cancel a queued or running job, or remove a finished one and its files",
    )
    async def delete_job(job_id: str) -> dict[str, Any]:
        job = job_or_404(job_id)
        if job.status in FINISHED:
            await run_in_threadpool(runner.remove, job.id)
            return {"id": job.id, "status": "deleted"}
        runner.cancel(job.id)
        return {"id": job.id, "status": "cancelled"}

    @v1.post(
        "/parse",
        openapi_extra=_UPLOAD_BODY,
        summary="Parse one small file and wait: the Document JSON, or Markdown with "
        "Accept: text/markdown",
        responses={200: {"content": {"application/json": {}, "text/markdown": {}}}},
    )
    async def parse_now(request: Request) -> Response:
        job = await accept_upload(request)
        try:
            with changes.watching(job.id) as written:
                runner.submit(job.id)
                while (current := store.get(job.id)) is not None and current.status not in FINISHED:
                    await wait_for_change(written, KEEPALIVE_SECONDS)
                    written.clear()
            if current is None or current.status != "done":
                reason = current.error if current is not None else "the job was removed"
                raise HTTPException(422, f"could not parse the file: {reason}")
            doc = files.read_document(runner.folder(job.id))
            if "text/markdown" in request.headers.get("accept", ""):
                return Response(doc.markdown(), media_type="text/markdown; charset=utf-8")
            return JSONResponse(doc.model_dump(exclude_none=True))
        finally:
            await run_in_threadpool(runner.remove, job.id)

    app.include_router(v1)

    @app.get("/health", summary="Liveness")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get(
        "/ready",
        summary="200 once an engine is prepared (for dots: its server reachable)",
        responses={503: {"description": "not ready yet"}},
    )
    async def ready() -> JSONResponse:
        if runner.ready.is_set():
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "starting", "error": runner.ready_error}, 503)

    @app.get("/view/{job_id}/{token}/{path:path}", include_in_schema=False)
    async def view_file(job_id: str, token: str, path: str) -> FileResponse:
        """A job's output files for the browser (the viewer and the page pictures it
        links); the token in the path stands in for the API key, which an <img>
        cannot send."""
        expected = files.view_token(view_secret, job_id)
        if not files.is_job_id(job_id) or not hmac.compare_digest(token, expected):
            raise HTTPException(404, "no such file")
        found = await run_in_threadpool(files.output_file, runner.folder(job_id), path)
        if found is None:
            raise HTTPException(404, "no such file")
        return FileResponse(found, media_type=files.media_type(found), headers=files.SAFE_HEADERS)

    @app.get("/", include_in_schema=False)
    async def web_page() -> HTMLResponse:
        return HTMLResponse(files.web_page(), headers=files.PAGE_HEADERS)

    return app


_BEARER = HTTPBearer(auto_error=False, description="the --api-key, when one is set")


async def _require_key(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_BEARER)],
) -> None:
    """With an API key, a /v1 request must carry it (compared in constant time)."""
    key: str | None = request.app.state.api_key
    if key is None:
        return
    given = credentials.credentials if credentials is not None else ""
    if not hmac.compare_digest(given.encode("utf-8"), key.encode("utf-8")):
        raise HTTPException(
            401,
            "missing or wrong API key: send Authorization: Bearer KEY",
            headers={"WWW-Authenticate": "Bearer"},
        )


def _add_error_handlers(app: FastAPI) -> None:
    """Every error as ``{"error": ...}``, with the status the route chose."""

    async def http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        return JSONResponse({"error": exc.detail}, exc.status_code, headers=exc.headers)

    async def validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'query')}: {e.get('msg')}"
            for e in exc.errors()
        )
        return JSONResponse({"error": problems or "invalid request"}, 422)

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(RequestValidationError, validation_error)
