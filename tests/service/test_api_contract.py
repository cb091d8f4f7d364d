"""The HTTP contract of ``dotsocr api`` against a real server on 127.0.0.1: routes,
fields, results, progress events, the viewer, and every error as JSON."""

from __future__ import annotations

import http.client
import io
import json
import re
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from service_helpers import (
    assert_error,
    read_events,
    submit,
    text_pdf,
    upload,
    wait_job,
)

from dotsocr.model import Document
from support import SAMPLE_PDF
from support.api_server import ApiServer

ORIGIN = "https://app.example"
JOB_FIELDS = {
    "id", "status", "filename", "pages_total", "pages_done", "pages_failed", "last_page",
    "error", "created", "started", "finished", "options", "results", "viewer",
}  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Defaults: one job at a time, no CORS."""
    with ApiServer(tmp_path_factory.mktemp("contract") / "data", "--jobs", "1") as running:
        yield running


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    """Small limits (50 KiB uploads, one page), and CORS for one origin."""
    data = tmp_path_factory.mktemp("limited") / "data"
    args = ("--max-upload-mb", "0.05", "--max-pages", "1", "--cors-origin", ORIGIN)
    with ApiServer(data, *args) as running:
        yield running


@pytest.fixture(scope="module")
def client(server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=60) as c:
        yield c


@pytest.fixture(scope="module")
def done_job(client: httpx.Client) -> dict[str, Any]:
    """The sample parsed as a job, finished."""
    job_id = submit(client, SAMPLE_PDF)
    return wait_job(client, job_id, ["done"])


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pdfs")


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def job_folders(server: ApiServer) -> set[Path]:
    jobs = server.data_dir / "jobs"
    return set(jobs.iterdir()) if jobs.is_dir() else set()


def raw_get(server: ApiServer, path: str) -> tuple[int, bytes]:
    """GET ``path`` exactly as given (httpx would resolve ``../``)."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


# -- service ------------------------------------------------------------------------


def test_health_and_ready(client: httpx.Client) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    ready = client.get("/ready")
    assert ready.status_code == 200 and ready.json() == {"status": "ready"}


# -- a job from upload to results ---------------------------------------------------


def test_a_job_is_accepted_runs_and_finishes(client: httpx.Client) -> None:
    created = upload(client, SAMPLE_PDF, "report.pdf")
    assert created.status_code == 202
    assert created.json() == {"id": created.json()["id"], "status": "queued"}
    job_id = created.json()["id"]
    seen = []
    while (job := client.get(f"/v1/jobs/{job_id}").json())["status"] != "done":
        assert job["status"] in ("queued", "running"), job
        assert job["pages_done"] <= job["pages_total"] == 2
        seen.append(job["pages_done"])
        time.sleep(0.02)
    assert seen == sorted(seen)
    assert set(job) == JOB_FIELDS
    assert job["id"] == job_id and job["filename"] == "report.pdf"
    assert (job["pages_total"], job["pages_done"], job["pages_failed"]) == (2, 2, 0)
    assert job["last_page"] == 2 and job["error"] is None
    for stamp in ("created", "started", "finished"):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", job[stamp]), job
    assert job["created"] <= job["started"] <= job["finished"]
    assert job["results"] == ["md", "md_nohf", "json", "html", "zip"]
    assert job["options"] == {}
    assert job["viewer"].startswith(f"/view/{job_id}/")


def test_job_options_are_kept_and_applied(client: httpx.Client) -> None:
    job_id = submit(client, SAMPLE_PDF, pages="2", dpi="100", to="md")
    job = wait_job(client, job_id, ["done"])
    assert job["options"] == {"pages": "2", "dpi": "100", "to": "md"}
    assert (job["pages_total"], job["pages_done"]) == (1, 1)
    assert "html" not in job["results"] and job["viewer"] is None
    doc = client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"}).json()
    assert [p["number"] for p in doc["pages"]] == [2] and doc["pages"][0]["dpi"] == 100
    assert_error(client.get(f"/v1/jobs/{job_id}/result", params={"format": "html"}), 404)


def test_results_in_every_format(
    client: httpx.Client, server: ApiServer, done_job: dict[str, Any]
) -> None:
    job_id = done_job["id"]

    def result(fmt: str) -> httpx.Response:
        response = client.get(f"/v1/jobs/{job_id}/result", params={"format": fmt})
        assert response.status_code == 200, response.text
        return response

    md = result("md")
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert "# Parsing Documents with dotsocr" in md.text
    assert client.get(f"/v1/jobs/{job_id}/result").text == md.text  # md is the default
    nohf = result("md_nohf")
    assert nohf.headers["content-type"].startswith("text/markdown")
    assert "Parsing Documents with dotsocr" in nohf.text
    doc = Document.model_validate_json(result("json").content)
    assert doc.page_count == 2 and [p.number for p in doc.pages] == [1, 2]
    assert doc.markdown().strip() == md.text.strip()
    html = result("html")
    assert html.headers["content-type"] == "text/html; charset=utf-8"
    assert html.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in html.headers and "<html" in html.text.lower()
    archive = zipfile.ZipFile(io.BytesIO(result("zip").content))
    out = server.data_dir / "jobs" / job_id / "out"
    on_disk = {p.relative_to(out).as_posix() for p in files_under(out)}
    assert set(archive.namelist()) == on_disk
    assert {"document.jsonl", "document/document.md", "document/document.html"} <= on_disk
    assert archive.read("document/document.md").decode() == md.text
    assert_error(client.get(f"/v1/jobs/{job_id}/result", params={"format": "pdf"}), 422)


def test_job_ids_are_128_bit_hex_and_differ(client: httpx.Client) -> None:
    ids = [submit(client, SAMPLE_PDF, pages="1") for _ in range(5)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", job_id) for job_id in ids)
    assert len(set(ids)) == len(ids)
    for job_id in ids:  # cancelled, not waited for
        assert client.delete(f"/v1/jobs/{job_id}").status_code == 200
    for job_id in ids:
        wait_job(client, job_id)


def test_list_filters_by_status(client: httpx.Client, done_job: dict[str, Any]) -> None:
    done = client.get("/v1/jobs", params={"status": "done"}).json()["jobs"]
    assert done and all(job["status"] == "done" for job in done)
    assert done_job["id"] in [job["id"] for job in done]
    created = [job["created"] for job in done]
    assert created == sorted(created, reverse=True)
    assert client.get("/v1/jobs", params={"status": "failed"}).json() == {"jobs": []}
    everything = client.get("/v1/jobs").json()["jobs"]
    assert {job["id"] for job in done} <= {job["id"] for job in everything}
    assert len(client.get("/v1/jobs", params={"limit": 1}).json()["jobs"]) == 1
    assert_error(client.get("/v1/jobs", params={"status": "finished"}), 422, match="status")


# -- POST /v1/parse -----------------------------------------------------------------


def test_parse_returns_the_document_or_markdown_and_leaves_no_job(
    client: httpx.Client, server: ApiServer
) -> None:
    jobs_before = client.get("/v1/jobs").json()["jobs"]
    folders_before = job_folders(server)
    response = upload(client, SAMPLE_PDF, route="/v1/parse")
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    doc = Document.model_validate(response.json())
    assert [p.number for p in doc.pages] == [1, 2] and doc.pages[0].elements
    md = upload(client, SAMPLE_PDF, route="/v1/parse", headers={"Accept": "text/markdown"})
    assert md.status_code == 200
    assert md.headers["content-type"] == "text/markdown; charset=utf-8"
    assert md.text.strip() == doc.markdown().strip()
    assert "# Parsing Documents with dotsocr" in md.text
    assert client.get("/v1/jobs").json()["jobs"] == jobs_before
    assert job_folders(server) == folders_before
    assert_error(upload(client, b"plain text", "x.pdf", route="/v1/parse"), 415)
    assert_error(upload(client, SAMPLE_PDF, route="/v1/parse", colour="red"), 422)


# -- errors -------------------------------------------------------------------------


def test_too_large_is_413(limited: ApiServer, pdfs: Path) -> None:
    big = text_pdf(pdfs / "big.pdf", 1)
    padded = big.read_bytes() + b"%" + b"x" * 100_000 + b"\n"  # a PDF comment, 100 KB
    with httpx.Client(base_url=limited.url, timeout=30) as c:
        assert_error(upload(c, padded, "big.pdf"), 413, match="limit of 0.05 MB")
        assert_error(upload(c, padded, "big.pdf", route="/v1/parse"), 413)
        assert c.get("/v1/jobs").json() == {"jobs": []}
    assert not job_folders(limited)


def test_too_many_pages_is_422(limited: ApiServer) -> None:
    with httpx.Client(base_url=limited.url, timeout=30) as c:
        assert_error(upload(c, SAMPLE_PDF), 422, match="over the limit of 1 pages")
        assert c.get("/v1/jobs").json() == {"jobs": []}
    assert not job_folders(limited)


def test_type_is_sniffed_from_the_bytes(client: httpx.Client, server: ApiServer) -> None:
    folders = job_folders(server)
    assert_error(upload(client, b"just some text\n" * 20, "x.pdf"), 415, match="not a PDF")
    assert_error(upload(client, b"", "empty.pdf"), 415)
    assert_error(upload(client, b"%PDF-1.7\nnot really a pdf\n", "broken.pdf"), 422)
    assert job_folders(server) == folders
    png = io.BytesIO()
    Image.new("RGB", (320, 200), "white").save(png, format="PNG")
    job_id = submit(client, png.getvalue(), filename="x.txt")
    job = wait_job(client, job_id, ["done"])
    assert job["filename"] == "x.txt" and job["pages_total"] == 1
    assert (server.data_dir / "jobs" / job_id / "document.png").is_file()


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"pages": "abc"}, "pages"),
        ({"pages": "5-3"}, "pages"),
        ({"pages": "7"}, "pages"),  # the sample has two
        ({"pages": "1" * 5000}, "pages"),  # over int()'s digit limit: was a 500
        ({"colour": "red"}, "unknown field(s) colour"),
        ({"dpi": "high"}, "dpi"),
        ({"dpi": "5"}, "dpi"),
        ({"dpi": "100000"}, "dpi"),
        ({"engine": "quantum"}, "unknown engine 'quantum'"),  # was a 500
        ({"prompt": "poem"}, "prompt"),
        ({"to": "docx"}, "to"),
    ],
)
def test_bad_fields_are_422(
    client: httpx.Client, server: ApiServer, fields: dict[str, str], match: str
) -> None:
    folders = job_folders(server)
    assert_error(upload(client, SAMPLE_PDF, **fields), 422, match=match)
    assert job_folders(server) == folders


def test_a_form_without_a_file_is_422(client: httpx.Client) -> None:
    assert_error(client.post("/v1/jobs", data={"pages": "1"}), 422, match="file")
    assert_error(client.post("/v1/jobs", content=b"{}"), 422)
    wrong = client.post("/v1/jobs", files={"document": ("a.pdf", SAMPLE_PDF.read_bytes())})
    assert_error(wrong, 422)
    # Malformed forms: Starlette's 400s, answered as the documented 422.
    no_boundary = {"Content-Type": "multipart/form-data"}
    assert_error(client.post("/v1/jobs", content=b"x", headers=no_boundary), 422, match="bad")
    pdf = SAMPLE_PDF.read_bytes()
    two = [("file", ("a.pdf", pdf)), ("file", ("b.pdf", pdf))]
    assert_error(client.post("/v1/jobs", files=two), 422, match="bad multipart form")
    twice = client.post("/v1/jobs", files=two[:1], data={"engine": ["cpu", "dots"]})
    assert_error(twice, 422, match="more than once: engine")
    many = {f"f{n}": "x" for n in range(20)}
    assert_error(client.post("/v1/jobs", files=two[:1], data=many), 422, match="bad multipart")


def test_unknown_and_malformed_job_ids_are_404(client: httpx.Client, server: ApiServer) -> None:
    unknown = "0" * 32
    for job_id in (unknown, "..", "ABCDEF0123456789ABCDEF0123456789", "a" * 31, "a" * 33):
        assert_error(client.get(f"/v1/jobs/{job_id}"), 404)
        assert_error(client.get(f"/v1/jobs/{job_id}/result"), 404)
        assert_error(client.get(f"/v1/jobs/{job_id}/events"), 404)
        assert_error(client.delete(f"/v1/jobs/{job_id}"), 404)
    assert_error(client.get("/v1/jobs/..%2F..%2Fetc"), 404)
    assert_error(client.get("/v1/jobs/%2E%2E"), 404)
    # A literal ../ (httpx would resolve it): the raw request line.
    for path in ("/v1/jobs/../../etc", "/v1/jobs/../../etc/result", "/v1/jobs/..%2f..%2fetc"):
        status, body = raw_get(server, path)
        assert status == 404 and json.loads(body)["error"], (path, body)


def test_result_before_done_is_409(client: httpx.Client, long_pdf: Path) -> None:
    job_id = submit(client, long_pdf)
    try:
        response = client.get(f"/v1/jobs/{job_id}/result", params={"format": "json"})
        message = assert_error(response, 409)
        assert re.search(r"the job is (queued|running)", message)
        assert_error(client.get(f"/v1/jobs/{job_id}/result", params={"format": "zip"}), 409)
        assert client.get(f"/v1/jobs/{job_id}").json()["results"] == []
    finally:
        client.delete(f"/v1/jobs/{job_id}")
    wait_job(client, job_id, ["cancelled"])


# -- DELETE -------------------------------------------------------------------------


def test_delete_cancels_a_running_and_a_queued_job(
    client: httpx.Client, server: ApiServer, long_pdf: Path
) -> None:
    first = submit(client, long_pdf)
    second = submit(client, long_pdf)  # --jobs 1: waits behind the first
    wait_job(client, first, ["running"])
    assert client.get(f"/v1/jobs/{second}").json()["status"] == "queued"
    cancelled = client.delete(f"/v1/jobs/{second}")
    assert cancelled.status_code == 200 and cancelled.json() == {
        "id": second, "status": "cancelled"
    }  # fmt: skip
    assert client.get(f"/v1/jobs/{second}").json()["status"] == "cancelled"
    assert client.get(f"/v1/jobs/{first}").json()["status"] == "running"
    response = client.delete(f"/v1/jobs/{first}")
    assert response.json() == {"id": first, "status": "cancelled"}
    job = wait_job(client, first, ["cancelled"], timeout=30)
    assert job["pages_done"] < 30 and job["finished"] is not None
    # The queued one never runs once its turn comes.
    later = submit(client, SAMPLE_PDF, pages="1")
    wait_job(client, later, ["done"])
    job = client.get(f"/v1/jobs/{second}").json()
    assert job["status"] == "cancelled" and job["pages_done"] == 0 and job["started"] is None
    cancelled_ids = {j["id"] for j in client.get("/v1/jobs?status=cancelled").json()["jobs"]}
    assert {first, second} <= cancelled_ids
    # A cancelled job is finished: a second DELETE removes it and its files.
    assert client.delete(f"/v1/jobs/{second}").json() == {"id": second, "status": "deleted"}
    assert not (server.data_dir / "jobs" / second).exists()


def test_delete_removes_a_finished_job_and_its_files(
    client: httpx.Client, server: ApiServer
) -> None:
    job_id = submit(client, SAMPLE_PDF)
    wait_job(client, job_id, ["done"])
    client.get(f"/v1/jobs/{job_id}/result", params={"format": "zip"})
    folder = server.data_dir / "jobs" / job_id
    assert (folder / "out").is_dir() and (folder / "result.zip").is_file()
    response = client.delete(f"/v1/jobs/{job_id}")
    assert response.status_code == 200
    assert response.json() == {"id": job_id, "status": "deleted"}
    assert not folder.exists()
    assert_error(client.get(f"/v1/jobs/{job_id}"), 404)
    assert_error(client.get(f"/v1/jobs/{job_id}/result"), 404)
    assert_error(client.delete(f"/v1/jobs/{job_id}"), 404)
    assert job_id not in {job["id"] for job in client.get("/v1/jobs").json()["jobs"]}


# -- progress events ----------------------------------------------------------------


def test_events_stream_progress_page_by_page_then_end(client: httpx.Client, pdfs: Path) -> None:
    # Pages are reported once 8 later pages are parsed (the pipeline's look-ahead),
    # so a document of 8 pages or fewer goes from 0 to all at once.
    pages = 16
    job_id = submit(client, text_pdf(pdfs / "sixteen.pdf", pages))
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        assert response.headers["cache-control"] == "no-cache"
        events = read_events(response)
    names = [name for name, _ in events]
    assert names[-1] == "end" and set(names[:-1]) == {"progress"}, names
    done = [data["pages_done"] for name, data in events if name == "progress"]
    assert done == sorted(done), done
    assert len(set(done)) >= 3 and any(0 < n < pages for n in done), done
    end = events[-1][1]
    assert end["id"] == job_id and end["status"] == "done" and end["pages_done"] == pages
    assert end == events[-2][1]  # the last progress event is the finished job
    # A finished job's stream: its state, then end.
    with client.stream("GET", f"/v1/jobs/{job_id}/events") as response:
        assert [name for name, _ in read_events(response)] == ["progress", "end"]


# -- the viewer ---------------------------------------------------------------------


def test_viewer_link_serves_the_html_and_its_pictures(
    client: httpx.Client, done_job: dict[str, Any]
) -> None:
    viewer = done_job["viewer"]
    page = client.get(viewer)
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["x-content-type-options"] == "nosniff"
    pictures = re.findall(r'<img[^>]*\ssrc="([^"]+)"', page.text)
    assert pictures, page.text[:500]
    base = viewer.rsplit("/", 1)[0]
    for src in set(pictures):
        if src.startswith("data:"):
            continue
        picture = client.get(f"{base}/{src}")
        assert picture.status_code == 200, src
        want = "image/png" if src.endswith(".png") else "image/jpeg"  # figures, pages
        assert picture.headers["content-type"] == want, src
        Image.open(io.BytesIO(picture.content)).verify()


def test_viewer_refuses_wrong_tokens_and_paths(
    client: httpx.Client, server: ApiServer, done_job: dict[str, Any]
) -> None:
    _, _, job_id, token, rest = done_job["viewer"].split("/", 4)
    wrong = "0" * len(token)
    assert_error(client.get(f"/view/{job_id}/{wrong}/{rest}"), 404)
    assert_error(client.get(f"/view/{job_id}/{token[:-1]}/{rest}"), 404)
    assert_error(client.get(f"/view/{'f' * 32}/{token}/{rest}"), 404)
    for path in ("document/missing.html", "..%2Fdocument.pdf", "document.pdf",
                 "document/..%2F..%2Fdocument.pdf", "%2Fetc%2Fpasswd", "document/"):  # fmt: skip
        assert_error(client.get(f"/view/{job_id}/{token}/{path}"), 404)
    for path in ("../document.pdf", "document/../../document.pdf", "../../jobs.sqlite3"):
        status, body = raw_get(server, f"/view/{job_id}/{token}/{path}")
        assert status == 404 and json.loads(body) == {"error": "no such file"}, (path, body)


# -- the uploaded file's name -------------------------------------------------------


def test_the_uploaded_name_is_only_displayed(client: httpx.Client, server: ApiServer) -> None:
    root = server.data_dir.parent
    before = files_under(root)
    evil = "../../evil<script>.pdf"
    job_id = submit(client, SAMPLE_PDF, filename=evil)
    job = wait_job(client, job_id, ["done"])
    folder = server.data_dir / "jobs" / job_id
    new = files_under(root) - before
    assert new and all(folder in p.parents for p in new if p.parent != server.data_dir), new
    assert {p for p in new if p.parent == server.data_dir} <= {
        server.data_dir / name for name in ("jobs.sqlite3-wal", "jobs.sqlite3-shm")
    }
    assert not any("evil" in str(p) for p in files_under(root))
    # Nowhere the name could have led, taken as a path from any folder involved.
    for base in (folder, folder / "out", folder / "out" / "document", Path.cwd()):
        assert not (base / evil).exists() and not (base / "evil<script>.pdf").exists()
    assert (folder / "document.pdf").is_file()
    response = client.get(f"/v1/jobs/{job_id}")
    assert response.headers["content-type"] == "application/json"
    assert job["filename"] == evil
    assert json.dumps(evil) in response.text
    for fmt in ("md", "html"):
        text = client.get(f"/v1/jobs/{job_id}/result", params={"format": fmt}).text
        assert "evil" not in text and "<script>.pdf" not in text
    assert "evil" not in client.get(job["viewer"]).text


# -- CORS ---------------------------------------------------------------------------


def test_no_cors_by_default(client: httpx.Client) -> None:
    for route in ("/health", "/v1/jobs"):
        response = client.get(route, headers={"Origin": ORIGIN})
        assert response.status_code == 200
        assert "access-control-allow-origin" not in response.headers
    preflight = client.options(
        "/v1/jobs", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_cors_for_the_given_origin_only(limited: ApiServer) -> None:
    with httpx.Client(base_url=limited.url, timeout=30) as c:
        response = c.get("/v1/jobs", headers={"Origin": ORIGIN})
        assert response.headers["access-control-allow-origin"] == ORIGIN
        preflight = c.options(
            "/v1/jobs",
            headers={
                "Origin": ORIGIN,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "Authorization",
            },
        )
        assert preflight.status_code == 200
        assert preflight.headers["access-control-allow-origin"] == ORIGIN
        assert "POST" in preflight.headers["access-control-allow-methods"]
        other = c.get("/v1/jobs", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers
        assert c.get("/v1/jobs").headers.get("access-control-allow-origin") is None
