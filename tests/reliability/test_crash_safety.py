"""Crash safety (issue 5, item 4): SIGKILL the CLI mid-batch, check that nothing
half-written is visible, rerun the same command, and check that only the missing
pages were redone and that the outputs equal those of an uninterrupted run."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from support.fake_dots_server import FakeServer, Reply, RequestInfo, layout_json
from support.reliability import (
    cli_env,
    good_elements,
    hidden_files,
    kill_group,
    make_marked_tiff,
    make_report_pdf,
    manifest,
    output_files,
    page_of,
    page_problems,
    start_cli,
    steady_document,
    without_timings,
)

DOTS_PAGES = 40
CPU_PAGES = 30
KILL_CPU_AT = 10  # pages in the manifest (the first are written once 9 are read)


def dots_responder(info: RequestInfo, attempt: int) -> Reply:
    """Deterministic per page, a little slow so the run can be caught mid-way.
    Every 7th page is always truncated (repaired after three attempts)."""
    page = page_of(info)
    full = layout_json(good_elements(page, info.image_size or (200, 220), overflow=page % 3 == 0))
    if page % 7 == 0:
        cut = full[: full.index("More of page") - 5]
        return Reply(text=cut, finish_reason="length", delay=0.05)
    return Reply(text=full, delay=0.12)


@dataclass
class Case:
    name: str
    src: Path
    pages: int
    extra: tuple[str, ...]  # engine flags


def cli(case: Case, out: Path, server: FakeServer | None) -> list[str]:
    flags = [*case.extra, *(["--server", server.url] if server else [])]
    return [sys.executable, "-m", "dotsocr", "parse", str(case.src), "-o", str(out), *flags]


def run_to_end(argv: list[str]) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(argv, capture_output=True, text=True, timeout=300, env=cli_env())
    assert run.returncode == 0 and "Traceback" not in run.stderr, run.stderr[-3000:]
    return run


@pytest.fixture(scope="module")
def dots_case(tmp_path_factory) -> Iterator[tuple[Case, Path]]:
    folder = tmp_path_factory.mktemp("dots")
    src = make_marked_tiff(folder / "scan.tiff", DOTS_PAGES)
    flags = ("--engine", "dots", "--concurrency", "2", "--no-fallback")
    case = Case("dots", src, DOTS_PAGES, flags)
    with FakeServer(responder=dots_responder) as server:
        run_to_end(cli(case, folder / "baseline", server))
    yield case, folder / "baseline"


@pytest.fixture(scope="module")
def cpu_case(tmp_path_factory) -> tuple[Case, Path]:
    folder = tmp_path_factory.mktemp("cpu")
    src = make_report_pdf(folder / "report.pdf", CPU_PAGES)
    case = Case("cpu", src, CPU_PAGES, ("--engine", "cpu", "--dpi", "100"))
    run_to_end(cli(case, folder / "baseline", None))
    return case, folder / "baseline"


def kill_after(argv: list[str], manifest_path: Path, pages: int) -> None:
    """Start the CLI, SIGKILL it once ``pages`` pages are in the manifest."""
    proc = start_cli(argv)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if len(manifest_path.read_text(encoding="utf-8").splitlines()) >= pages:
                    break
            except FileNotFoundError:
                pass
            time.sleep(0.01)
        assert proc.poll() is None, "the run ended before it could be killed"
    finally:
        kill_group(proc)
    assert proc.returncode == -9


def check_no_partial_outputs(out: Path, stem: str, total: int) -> None:
    """Whatever a kill left visible is whole: JSON parses, pictures decode, the
    manifest's lines parse, and no file has a name outside the output layout."""
    expected = {
        f"{stem}.jsonl",
        f"{stem}/{stem}.md",
        f"{stem}/{stem}_nohf.md",
        f"{stem}/{stem}.json",
    }
    for i in range(total):
        base = f"{stem}/{stem}_page_{i}"
        expected |= {f"{base}.json", f"{base}.md", f"{base}_nohf.md", f"{base}.jpg"}
    files = output_files(out)
    assert set(files) <= expected, sorted(set(files) - expected)
    for name, data in files.items():
        if name.endswith((".json", ".jsonl")):
            for line in [data] if name.endswith(".json") else data.splitlines():
                json.loads(line)
        elif name.endswith(".jpg"):
            with Image.open(io.BytesIO(data)) as image:
                image.load()
    for name in hidden_files(out):  # only the atomic writer's temporaries may remain
        assert ".tmp-" in name, name


def check_like_baseline(out: Path, baseline: Path, stem: str) -> None:
    done, want = output_files(out), output_files(baseline)
    assert sorted(done) == sorted(want)
    document = f"{stem}/{stem}.json"  # the whole Document: timings and resumed pages differ
    differing = [
        n for n in want if n.endswith((".json", ".md")) and n != document and done[n] != want[n]
    ]
    assert differing == []
    assert steady_document(json.loads(done[document])) == steady_document(
        json.loads(want[document])
    )
    got = without_timings(manifest(out / f"{stem}.jsonl"))
    expected = without_timings(manifest(baseline / f"{stem}.jsonl"))
    assert got == expected
    assert hidden_files(out) == []
    assert page_problems(out, got) == []


@pytest.mark.parametrize("kill_at", [1, 12, 24])
def test_dots_run_killed_and_rerun_equals_an_uninterrupted_run(dots_case, tmp_path, kill_at):
    case, baseline = dots_case
    stem, out = case.src.stem, tmp_path / "out"
    with FakeServer(responder=dots_responder) as server:
        kill_after(cli(case, out, server), out / f"{stem}.jsonl", kill_at)
    check_no_partial_outputs(out, stem, case.pages)
    kept = {r["page"] for r in manifest(out / f"{stem}.jsonl") if r["status"] != "failed"}
    assert kill_at <= len(kept) < case.pages

    with FakeServer(responder=dots_responder) as server:
        rerun = run_to_end(cli(case, out, server))
        redone = {page_of(info) for info in server.chat_requests()}
    assert redone == set(range(1, case.pages + 1)) - kept  # only the missing pages
    assert f"{len(kept)} page(s) already done, skipped" in rerun.stdout
    check_like_baseline(out, baseline, stem)


@pytest.mark.slow
def test_cpu_run_killed_and_rerun_equals_an_uninterrupted_run(cpu_case, tmp_path):
    """The CPU engine relabels running headers and footers from the pages around each
    page: a resumed run must label them as an uninterrupted one does."""
    case, baseline = cpu_case
    stem, out = case.src.stem, tmp_path / "out"
    records = manifest(baseline / f"{stem}.jsonl")
    assert all(r["status"] == "ok" for r in records)
    page = json.loads((baseline / stem / f"{stem}_page_15.json").read_text())
    labels = {e["category"] for e in page}
    assert {"Page-header", "Page-footer"} <= labels  # the running lines were recognised
    kill_after(cli(case, out, None), out / f"{stem}.jsonl", KILL_CPU_AT)
    check_no_partial_outputs(out, stem, case.pages)
    kept = {r["page"] for r in manifest(out / f"{stem}.jsonl") if r["status"] != "failed"}
    assert KILL_CPU_AT <= len(kept) < case.pages

    rerun = run_to_end(cli(case, out, None))
    assert f"{len(kept)} page(s) already done, skipped" in rerun.stdout
    assert f"{case.pages - len(kept)} page(s) parsed" in rerun.stdout
    check_like_baseline(out, baseline, stem)
