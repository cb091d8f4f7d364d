"""`dotsocr bench` on the CPU engine and on the fake OpenAI-compatible server."""

from __future__ import annotations

import json

import pytest

from dotsocr.ops.bench import percentile
from support import SAMPLE_PDF, make_text_pdf, run_dotsocr
from support.fake_dots_server import FakeServer, Reply, default_responder
from support.ops import clean_env

KEYS = ("pages_per_second", "init_seconds", "peak_rss_mb", "p50_seconds", "p95_seconds")


def test_percentiles_interpolate():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.5
    assert percentile([4.0, 1.0, 3.0, 2.0], 95) == pytest.approx(3.85)
    assert percentile([7.0], 95) == 7.0


def test_cpu_bench_on_the_sample_pdf_as_json_and_results_file(tmp_path):
    results = tmp_path / "results" / "bench.jsonl"
    run = run_dotsocr("bench", "--engine", "cpu", "--runs", "2", "--json", "--results", results)
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    for key in KEYS:
        assert isinstance(data[key], (int, float)) and data[key] > 0, key
    assert data["engine"] == "cpu" and data["inputs"] == [str(SAMPLE_PDF)]
    assert data["pages"] == 2 and data["runs"] == 2 and len(data["run_pages_per_second"]) == 2
    assert data["p95_seconds"] >= data["p50_seconds"]
    assert data["tokens_per_second"] is None
    assert min(data["run_pages_per_second"]) <= data["pages_per_second"]
    assert data["pages_per_second"] <= max(data["run_pages_per_second"])
    assert data["runs_on"] == "cpu" and data["model"] is None
    assert data["machine"]["cpu_count"] >= 1
    line = json.loads(results.read_text().splitlines()[-1])
    assert line["pages_per_second"] == data["pages_per_second"] and "label" in line
    # The results file prices as CPU machine hours, not as GPU rental.
    cost = run_dotsocr("cost", "--from-bench", results, "--json")
    assert cost.returncode == 0, cost.stderr
    priced = json.loads(cost.stdout)
    assert priced["priced_as"] == "cpu" and priced["cpu_count"] == data["machine"]["cpu_count"]
    assert priced["options"] and {o["kind"] for o in priced["options"]} == {"cpu"}


def test_cpu_bench_prints_a_row_beside_the_guide_table(tmp_path):
    pdf = make_text_pdf(tmp_path / "three.pdf", [["One."], ["Two."], ["Three."]])
    run = run_dotsocr("bench", pdf, "--engine", "cpu", "--pages", "2", "--runs", "1", "--no-warmup")
    assert run.returncode == 0, run.stderr
    assert "cpu engine: 2 page(s) x 1 run(s)" in run.stdout
    assert "| RTX 4090 (guide) | 4–5 | 10 s | 16 GB |" in run.stdout
    assert "| this machine (cpu engine" in run.stdout


def test_dots_bench_against_the_fake_server(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["First page."], ["Second."], ["Third."]])

    def slow(info, attempt):
        reply = default_responder(info, attempt)
        return Reply(text=reply.text, delay=0.05, chunk_size=8)

    with FakeServer(responder=slow) as server:
        run = run_dotsocr(
            "bench",
            pdf,
            "--engine",
            "dots",
            "--server",
            server.url,
            "--runs",
            "2",
            "--json",
            env=clean_env(),
        )
        chats = len(server.chat_requests())
    assert run.returncode == 0, run.stderr
    data = json.loads(run.stdout)
    assert data["engine"] == "dots" and data["model"] == "dotsocr-model"
    assert data["runs_on"] == "server"
    assert data["pages"] == 3 and data["failed_pages"] == 0
    for key in (*KEYS, "tokens_per_second"):
        assert data[key] > 0, key
    assert data["p50_seconds"] >= 0.05  # each request waited 0.05 s on the server
    assert chats == 9  # warm-up + 2 runs, 3 pages each


def test_bench_errors_are_one_line(tmp_path):
    run = run_dotsocr("bench", tmp_path / "absent.pdf")
    assert run.returncode == 2 and "no such file" in run.stderr
    assert "Traceback" not in run.stderr
    run = run_dotsocr("bench", SAMPLE_PDF, "--engine", "dots", env=clean_env())
    assert run.returncode == 1 and "needs a server" in run.stderr
    assert "Traceback" not in run.stderr
