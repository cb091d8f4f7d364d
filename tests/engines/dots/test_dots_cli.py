"""`dotsocr parse --engine dots` as a user runs it, against the fake server."""

from __future__ import annotations

import socket

from support import make_text_pdf
from support import run_dotsocr as dotsocr
from support.fake_dots_server import FakeServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_parse_with_the_dots_engine(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["First page."], ["Second page."]])
    out = tmp_path / "out"
    with FakeServer() as server:
        run = dotsocr(
            "parse",
            pdf,
            "--engine",
            "dots",
            "--server",
            server.url,
            "-o",
            out,
            "--concurrency",
            "2",
        )
    assert run.returncode == 0, run.stderr
    assert "engine: dots (chosen with --engine), model dotsocr-model" in run.stderr
    assert "2 page(s) parsed" in run.stdout and "tokens" in run.stdout
    assert "# A Title" in (out / "doc" / "doc.md").read_text()


def test_auto_picks_dots_when_the_environment_names_a_server(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["Only page."]])
    with FakeServer() as server:
        run = dotsocr("parse", pdf, "-o", tmp_path / "out", env={"DOTSOCR_SERVER_URL": server.url})
    assert run.returncode == 0, run.stderr
    assert "engine: dots (a DotsOCR server is configured)" in run.stderr


def test_unreachable_server_is_one_clear_line(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["Only page."]])
    url = f"http://127.0.0.1:{free_port()}/v1"
    run = dotsocr("parse", pdf, "--engine", "dots", "--server", url, "-o", tmp_path / "out")
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "Traceback" not in run.stderr
    assert "/v1" not in errors[0]  # the server is named by host:port, never by full URL


def test_extra_body_keys_arrive_in_every_request(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["First page."], ["Second page."]])
    extra = '{"repetition_penalty": 1.05, "structured_outputs": {"choice": ["[]"]}}'
    with FakeServer() as server:
        run = dotsocr(
            "parse", pdf, "--engine", "dots", "--server", server.url,
            "-o", tmp_path / "out", "--extra-body", extra,
        )  # fmt: skip
        bodies = [info.body for info in server.chat_requests()]
    assert run.returncode == 0, run.stderr
    assert len(bodies) == 2
    for body in bodies:
        assert body["repetition_penalty"] == 1.05
        assert body["structured_outputs"] == {"choice": ["[]"]}
        assert body["temperature"] == 0.1 and body["stream"] is True  # ours are kept


def test_bad_extra_body_is_one_error_line(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["Only page."]])
    for bad, why in [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"messages": []}', "cannot set messages"),
    ]:
        run = dotsocr(
            "parse", pdf, "--engine", "dots", "--server", "http://127.0.0.1:9/v1",
            "-o", tmp_path / "out", "--extra-body", bad,
        )  # fmt: skip
        assert run.returncode == 2, (bad, run.stderr)
        errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
        assert len(errors) == 1 and why in errors[0], (bad, run.stderr)
        assert "Traceback" not in run.stderr


def test_max_tokens_above_the_servers_max_model_len_is_one_error_line(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["Only page."]])
    with FakeServer(max_model_len=8192) as server:
        run = dotsocr(
            "parse", pdf, "--engine", "dots", "--server", server.url,
            "-o", tmp_path / "out", "--max-tokens", "9000",
        )  # fmt: skip
        sent = len(server.chat_requests())
    assert run.returncode == 1 and sent == 0
    errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1 and "max_model_len 8192" in errors[0], run.stderr


def test_dialect_openai_talks_to_a_server_with_its_own_chat_template(tmp_path):
    pdf = make_text_pdf(tmp_path / "doc.pdf", [["Only page."]])
    out = tmp_path / "out"
    with FakeServer(dialect="openai", owned_by="library", max_model_len=None) as server:
        args = ("parse", pdf, "--engine", "dots", "--server", server.url, "-o", out)
        refused = dotsocr(*args, "--no-fallback", "--max-error-rate", "1")
        assert "HTTP 400" in (out / "doc.jsonl").read_text(), refused.stderr
        accepted = dotsocr(*args, "--dialect", "openai", "--force")
        statuses = [info.status for info in server.chat_requests()]
    assert statuses == [400, 200]  # the vllm form is refused, the openai form answered
    assert accepted.returncode == 0, accepted.stderr
    assert "# A Title" in (out / "doc" / "doc.md").read_text()
