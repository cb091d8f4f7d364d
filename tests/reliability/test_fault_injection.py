"""Fault injection on the DotsOCR path (issue 5, item 3): 500 pages through the real
CLI against a fake vLLM server answering seeded random 500/503/429, dropped
connections, stalls past the timeout, truncated, looping, plain-text and garbage
answers. The run must finish, lose no page, bound its retries and write only sound
pages; a failed page carries its reason on one line."""

from __future__ import annotations

import json
import subprocess
import time
from collections import Counter, defaultdict

import pytest

from support.fake_dots_server import FakeServer
from support.reliability import (
    FAULTS,
    FaultResponder,
    cli_env,
    fast_backoff_cli,
    make_marked_tiff,
    manifest,
    page_of,
    page_problems,
)

PAGES = 500
TEMPERATURES = 3  # DotsEngineOptions.temperatures: 0.1, 0.3, 0.5
MAX_RETRIES = 4  # DotsEngineOptions.max_retries (CLI default)
TIMEOUT_S = 2  # --timeout; stalls last longer
STATUSES = {"ok", "repaired", "fallback", "failed"}


@pytest.mark.slow
def test_500_pages_under_random_faults_lose_nothing(tmp_path):
    src = make_marked_tiff(tmp_path / "faults.tiff", PAGES)
    out = tmp_path / "out"
    responder = FaultResponder(seed=5, stall_s=TIMEOUT_S + 1.0)
    with FakeServer(responder=responder) as server:
        argv = fast_backoff_cli(
            "parse", src, "-o", out, "--engine", "dots", "--server", server.url,
            "--timeout", str(TIMEOUT_S), "--no-fallback",
        )  # fmt: skip
        started = time.perf_counter()
        try:
            run = subprocess.run(argv, capture_output=True, text=True, timeout=240, env=cli_env())
        except subprocess.TimeoutExpired as exc:  # a hang is a failure, not a stuck CI
            pytest.fail(f"the run did not finish in {exc.timeout} s")
        elapsed = time.perf_counter() - started
        chats = server.chat_requests()
    # Every fault kind was really served (the seed could otherwise hide one).
    assert set(responder.kinds) == set(FAULTS), responder.kinds
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    doomed = {p for p in range(1, PAGES + 1) if p % 97 == 0 or p % 89 == 0}
    assert run.returncode == 1, (run.returncode, run.stderr[-3000:])  # doomed pages failed

    # 0 pages lost: one manifest record per page, each with a known status.
    records = manifest(out / "faults.jsonl")
    assert [r["page"] for r in records] == list(range(1, PAGES + 1))
    statuses = Counter(r["status"] for r in records)
    assert set(statuses) <= STATUSES, statuses
    failed = {r["page"] for r in records if r["status"] == "failed"}
    assert doomed <= failed, sorted(doomed - failed)
    assert statuses["ok"] + statuses["repaired"] >= 0.9 * PAGES, statuses
    assert statuses["repaired"] > 0, statuses  # truncated/plain/looping answers salvaged

    # Failed pages: a one-line reason in the manifest and on stderr; sound JSON for
    # the rest, boxes inside their page (overflowing model boxes were clipped).
    assert page_problems(out, records) == []
    reasons = {r["page"]: r["error"] for r in records if r["status"] == "failed"}
    for page, reason in reasons.items():
        assert f"page {page}: {reason}" in run.stderr
    for page in doomed:
        if page % 97 == 0:
            assert reasons[page].startswith("server unavailable after 5 attempts"), reasons[page]
        else:
            assert reasons[page] == "no usable answer after retries", reasons[page]
    assert not list(out.rglob(".*.tmp-*"))  # no temporary left behind

    # Each written page holds its own page's answer (no mix-up between requests).
    for record in records:
        if record["status"] == "failed":
            continue
        elements = json.loads((out / record["files"]["json"]).read_text(encoding="utf-8"))
        texts = " ".join(e.get("text") or "" for e in elements)
        assert f"page {record['page']}" in texts, (record["page"], texts)
        assert "again" not in texts.replace(f"p{record['page']} again", "")

    # Retries bounded: per page at most temperatures x (max_retries + 1) requests;
    # a page always answering 500 stops after max_retries + 1, garbage after 3.
    per_page: dict[int, int] = defaultdict(int)
    for info in chats:
        per_page[page_of(info)] += 1
    assert set(per_page) == set(range(1, PAGES + 1))
    assert max(per_page.values()) <= TEMPERATURES * (MAX_RETRIES + 1), max(per_page.values())
    for page in doomed:
        expected = MAX_RETRIES + 1 if page % 97 == 0 else TEMPERATURES
        assert per_page[page] == expected, (page, per_page[page])
    summary = run.stdout
    assert f"failed {statuses['failed']}" in summary and f"ok {statuses['ok']}" in summary
    assert elapsed < 120, elapsed


def test_pages_the_model_fails_fall_back_to_the_cpu_engine(tmp_path):
    """The same faults with fallback on, on a few pages (the CPU engine is slow)."""
    src = make_marked_tiff(tmp_path / "few.tiff", 4)
    out = tmp_path / "out"
    # Page 4 always answers 500, page 3 always garbage, pages 1 and 2 random faults.
    responder = FaultResponder(seed=7, stall_s=TIMEOUT_S + 1.0, always_500=4, always_garbage=3)
    with FakeServer(responder=responder) as server:
        argv = fast_backoff_cli(
            "parse", src, "-o", out, "--engine", "dots", "--server", server.url,
            "--timeout", str(TIMEOUT_S),
        )  # fmt: skip
        run = subprocess.run(argv, capture_output=True, text=True, timeout=240, env=cli_env())
    assert "Traceback" not in run.stderr, run.stderr[-3000:]
    assert run.returncode == 0, run.stderr[-3000:]
    records = {r["page"]: r for r in manifest(out / "few.jsonl")}
    assert sorted(records) == [1, 2, 3, 4]
    for page in (3, 4):
        assert records[page]["status"] == "fallback" and records[page]["engine"] == "cpu"
        assert records[page]["element_count"] > 0  # the CPU engine found the ink
    assert records[4]["error"].startswith("server unavailable after 5 attempts")
    assert records[3]["error"] == "no usable answer after retries"
    assert page_problems(out, records.values()) == []
