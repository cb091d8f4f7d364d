"""Which --dialect a server needs: loopback fake servers posing as vLLM, ollama,
llama.cpp and LM Studio with the answers those servers really give, and the one
line `dotsocr doctor --server` prints about it."""

from __future__ import annotations

import dataclasses

import pytest

from dotsocr.ops.doctor import diagnose
from dotsocr.ops.server_kind import ServerKind, detect_server_kind
from dotsocr.ops.server_probe import ServerFacts
from support import run_dotsocr
from support.fake_dots_server import FakeServer
from support.ops import NO_GPU_MACHINE, clean_env, free_port

OLLAMA = {
    "owned_by": "library",
    "max_model_len": None,
    "dialect": "openai",
    "routes": {"/api/version": {"version": "0.12.3"}},
}
LLAMACPP_PROPS = {
    "default_generation_settings": {"n_ctx": 8192, "params": {}},
    "total_slots": 1,
    "model_path": "/models/dots.ocr-Q8_0.gguf",
    "modalities": {"vision": True, "audio": False},
}

CASES = [
    ({}, "vLLM", "vllm", 'owned_by "vllm"'),
    ({"owned_by": "someone"}, "vLLM", "vllm", "max_model_len"),
    (OLLAMA, "ollama", "openai", "/api/version"),
    ({"owned_by": "llamacpp", "max_model_len": None}, "llama.cpp", "openai", '"llamacpp"'),
    (
        {"owned_by": "me", "max_model_len": None, "routes": {"/props": LLAMACPP_PROPS}},
        "llama.cpp",
        "openai",
        "/props",
    ),
    ({"owned_by": "organization_owner", "max_model_len": None}, "LM Studio", "openai", "owned"),
]


@pytest.mark.parametrize(("poses", "server", "dialect", "evidence"), CASES)
def test_each_server_is_told_apart(poses, server, dialect, evidence):
    with FakeServer(**poses) as fake:
        kind = detect_server_kind(fake.url)
        gets = [r.path for r in fake.requests]
    assert (kind.server, kind.dialect) == (server, dialect)
    assert evidence in kind.evidence
    assert gets[0] == "/v1/models"
    assert f"--dialect {dialect}" in kind.describe()


def test_a_host_and_port_is_enough():
    with FakeServer(**OLLAMA) as fake:
        kind = detect_server_kind(f"127.0.0.1:{fake.port}")
    assert kind == ServerKind("ollama", "openai", "/api/version answered")


def test_an_unknown_server_is_said_so_not_guessed():
    with FakeServer(owned_by="sglang", max_model_len=None) as fake:
        kind = detect_server_kind(fake.url)
        gets = [r.path for r in fake.requests]
    assert kind.server is None and kind.dialect is None
    assert gets == ["/v1/models", "/api/version", "/props"]
    assert "could not tell" in kind.describe() and "default" in kind.describe()


def test_an_answer_that_only_looks_close_is_not_taken():
    props = {"total_slots": 1}  # not llama.cpp's /props without its settings
    with FakeServer(owned_by="x", max_model_len=None, routes={"/props": props}) as fake:
        assert detect_server_kind(fake.url).dialect is None


def test_a_key_protected_server_needs_the_key():
    with FakeServer(api_key="sk-k") as fake:
        without = detect_server_kind(fake.url)
        with_key = detect_server_kind(fake.url, api_key="sk-k")
    assert without.dialect is None and "API key" in without.evidence
    assert with_key.dialect == "vllm"


def test_an_unreachable_server_is_a_result_not_an_error():
    kind = detect_server_kind(f"http://127.0.0.1:{free_port()}/v1", timeout=2)
    assert kind.dialect is None and "could not be reached" in kind.evidence


def test_the_doctor_adds_one_dialect_line_for_a_reachable_server():
    with FakeServer(**OLLAMA) as fake:
        up = ServerFacts(f"127.0.0.1:{fake.port}", True, ("m",), "m", True, 0.1)
        report = diagnose(dataclasses.replace(NO_GPU_MACHINE, server=up))
    lines = [c for c in report.checks if c.name == "dialect"]
    assert len(lines) == 1 and lines[0].status == "info" and lines[0].section == "server"
    assert lines[0].detail == "ollama (/api/version answered): --dialect openai"
    assert report.ready  # an info line gates nothing
    down = ServerFacts("127.0.0.1:9", False, error="could not be reached")
    report = diagnose(dataclasses.replace(NO_GPU_MACHINE, server=down))
    assert not [c for c in report.checks if c.name == "dialect"]


def test_doctor_prints_the_dialect_line():
    with FakeServer(owned_by="organization_owner", max_model_len=None) as fake:
        run = run_dotsocr("doctor", "--server", fake.url, env=clean_env())
    assert 'dialect: LM Studio (owned_by "organization_owner" at /v1/models): ' in run.stdout
    assert "--dialect openai" in run.stdout
