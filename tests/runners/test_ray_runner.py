"""The Ray runner on a local Ray cluster (2 CPUs, no dashboard) against the fake
vLLM server: same files as the local runner, resume, a killed actor, failed pages."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from support import make_text_pdf, run_dotsocr
from support.fake_dots_server import (
    FakeServer,
    Reply,
    default_elements,
    default_responder,
    layout_json,
)
from support.ray import (
    RAY_INIT,
    engine_options,
    infer_actor_restarts,
    kill_infer_actor,
    manifest_records,
    marked_tiff,
    markers,
    output_files,
    run_local,
    run_ray,
)
from support.reliability import steady_document

ray = pytest.importorskip("ray")

pytestmark = pytest.mark.ray

KINDS = (".json", ".md", "_nohf.md", ".jpg")


@pytest.fixture(scope="module", autouse=True)
def ray_cluster():
    if not ray.is_initialized():
        ray.init(**RAY_INIT)
    yield
    ray.shutdown()


@pytest.fixture()
def inputs(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    pdf = make_text_pdf(
        folder / "report.pdf",
        [[f"Page {n} of the report.", f"Line two of page {n}."] for n in range(1, 5)],
    )
    tiff = marked_tiff(folder / "scan.tiff", markers(3))
    png = folder / "single.png"
    marked_tiff(png, markers(1, red=200))  # one frame: saved as a plain image
    return [pdf, tiff, png]


def _is_document_json(name: str) -> bool:
    """``<stem>/<stem>.json`` of a paged input (a single image's page JSON has that
    name too, and is a page's)."""
    folder, _, file = name.partition("/")
    return file == f"{folder}.json" and folder != "single"


def test_ray_output_equals_the_local_runner_page_for_page(tmp_path, inputs):
    with FakeServer() as server:
        local = run_local(inputs, tmp_path / "local", engine_options(server.url))
        ray_summary = run_ray(inputs, tmp_path / "ray", engine_options(server.url))
    assert local.ok and ray_summary.ok
    assert ray_summary.processed_pages == local.processed_pages == 8
    local_files = output_files(tmp_path / "local")
    ray_files = output_files(tmp_path / "ray")
    assert sorted(ray_files) == sorted(local_files)
    page_json = [n for n in ray_files if n.endswith(".json") and not _is_document_json(n)]
    assert len(page_json) == 8
    for name, path in local_files.items():
        if name.endswith(".jsonl"):
            assert manifest_records(ray_files[name]) == manifest_records(path), name
        elif _is_document_json(name):  # the whole Document: its timings differ
            assert steady_document(json.loads(ray_files[name].read_text())) == steady_document(
                json.loads(path.read_text())
            ), name
        else:
            assert ray_files[name].read_bytes() == path.read_bytes(), name
    assert not (tmp_path / "ray" / ".dotsocr-ray").exists()  # records assembled, removed
    assert ray_summary.prompt_tokens == local.prompt_tokens > 0


def test_md_tables_pipe_reaches_the_workers_markdown(tmp_path, inputs):
    table = "<table><tr><td>k</td><td>v</td></tr><tr><td>a|b</td><td>1</td></tr></table>"

    def with_table(info, attempt):
        width, height = info.image_size or (1000, 1000)
        elements = default_elements(width, height)
        elements.append({"bbox": [10, 10, 50, 50], "category": "Table", "text": table})
        return Reply(text=layout_json(elements))

    with FakeServer(responder=with_table) as server:
        options = engine_options(server.url)
        local = run_local(inputs[:1], tmp_path / "local", options, md_tables="pipe")
        ray_summary = run_ray(inputs[:1], tmp_path / "ray", options, md_tables="pipe")
    assert local.ok and ray_summary.ok
    pipe = "| k | v |\n| --- | --- |\n| a\\|b | 1 |"
    for out in (tmp_path / "local", tmp_path / "ray"):
        for name in ("report_page_0.md", "report_page_3_nohf.md", "report.md"):
            assert pipe in (out / "report" / name).read_text(), (out, name)
        elements = json.loads((out / "report" / "report_page_0.json").read_text())
        assert [e["text"] for e in elements if e["category"] == "Table"] == [table]
    local_files, ray_files = output_files(tmp_path / "local"), output_files(tmp_path / "ray")
    for name, path in local_files.items():
        if name.endswith(".md"):
            assert ray_files[name].read_bytes() == path.read_bytes(), name


def test_resume_sends_only_the_pages_not_done(tmp_path, inputs):
    pdf = inputs[0]
    out = tmp_path / "out"
    with FakeServer() as server:
        first = run_ray([pdf], out, engine_options(server.url), pages="1-2")
        assert len(server.chat_requests()) == 2
        second = run_ray([pdf], out, engine_options(server.url))
        assert len(server.chat_requests()) == 4  # pages 3 and 4 only
        third = run_ray([pdf], out, engine_options(server.url))
        assert len(server.chat_requests()) == 4  # nothing left to do
    assert first.processed_pages == 2
    assert second.resumed_pages == 2 and second.processed_pages == 2
    assert third.resumed_pages == 4 and third.processed_pages == 0
    records = manifest_records(out / "report.jsonl")
    assert [r["page"] for r in records] == [1, 2, 3, 4]
    assert {r["status"] for r in records} == {"ok"}
    assert (out / "report" / "report.md").read_text().count("A Title") == 4


def test_a_killed_actor_still_yields_every_page_exactly_once(tmp_path):
    pages = 12
    src = marked_tiff(tmp_path / "long.tiff", markers(pages))
    out = tmp_path / "out"
    killed: list[int] = []
    lock = threading.Lock()

    def responder(info, attempt):
        with lock:  # on the 4th request, kill the actor that sent it, mid-request
            if len(killed) == 0 and len(server.chat_requests()) >= 4:
                killed.append(kill_infer_actor())
        return Reply(text=default_responder(info, attempt).text, delay=0.2)

    with FakeServer(responder=responder) as server:
        summary = run_ray([src], out, engine_options(server.url, concurrency=2))
        restarts = infer_actor_restarts()
        sent = len(server.chat_requests())
    assert killed, "the actor was never killed"
    assert restarts >= 1
    assert sent > pages  # the killed actor's pages were sent again
    assert summary.ok and summary.processed_pages == pages
    records = manifest_records(out / "long.jsonl")
    assert [r["page"] for r in records] == list(range(1, pages + 1))
    assert {r["status"] for r in records} == {"ok"}
    expected = {f"long_page_{i}{kind}" for i in range(pages) for kind in KINDS}
    expected |= {"long.md", "long_nohf.md", "long.json"}
    assert {p.name for p in (out / "long").iterdir()} == expected
    assert not [p for p in out.rglob(".*") if p.is_file()]  # no temporaries, no records


def test_page_errors_become_failed_records_not_exceptions(tmp_path):
    src = marked_tiff(tmp_path / "doc.tiff", markers(4))
    bad = markers(4)[2]

    def responder(info, attempt):
        if info.pixel == bad:
            return Reply(status=400, body='{"error": {"message": "bad image", "code": 400}}')
        return default_responder(info, attempt)

    with FakeServer(responder=responder) as server:
        summary = run_ray(
            [src], tmp_path / "out", engine_options(server.url, fallback=False), max_error_rate=0.5
        )
    assert [p.status for p in summary.documents[0].pages] == ["ok", "ok", "failed", "ok"]
    failed = summary.documents[0].pages[2]
    assert "rejected the request (HTTP 400)" in failed.error
    records = manifest_records(tmp_path / "out" / "doc.jsonl")
    assert [r["status"] for r in records] == ["ok", "ok", "failed", "ok"]
    assert not (tmp_path / "out" / "doc" / "doc_page_2.json").exists()
    markdown = (tmp_path / "out" / "doc" / "doc.md").read_text()
    assert "<!-- page 3 failed:" in markdown


def test_unreadable_document_is_an_error_and_the_batch_goes_on(tmp_path, inputs):
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"not a pdf at all")
    with FakeServer() as server:
        summary = run_ray([broken, inputs[1]], tmp_path / "out", engine_options(server.url))
    assert summary.documents[0].error.startswith("not a PDF")
    assert summary.documents[1].ok and len(summary.documents[1].pages) == 3


def test_cli_runner_ray(tmp_path, inputs):
    out = tmp_path / "out"
    with FakeServer() as server:
        run = run_dotsocr(
            "parse", inputs[0], "--output", out, "--engine", "dots", "--server", server.url,
            "--runner", "ray", "--ray-address", "local",
        )  # fmt: skip
    assert run.returncode == 0, run.stderr
    assert "4 page(s) parsed" in run.stdout
    lines = (out / "report.jsonl").read_text().splitlines()
    assert [json.loads(line)["page"] for line in lines] == [1, 2, 3, 4]
