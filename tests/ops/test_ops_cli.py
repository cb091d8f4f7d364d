"""The operations commands as a user runs them: help, and `doctor` on this machine,
against the fake server, and with a stand-in nvidia-smi."""

from __future__ import annotations

import importlib.util
import json
import os
import stat
import textwrap

import pytest

from dotsocr.ops.server_probe import probe_server
from support import run_dotsocr
from support.fake_dots_server import FakeServer, Reply
from support.ops import clean_env, free_port, make_weights


@pytest.mark.parametrize(
    ("command", "words"),
    [
        ("doctor", ("--weights", "--server", "--json", "Exit 0 when")),
        (
            "serve",
            (
                "--weights",
                "--port",
                "--gpu-memory-utilization",
                "--max-model-len",
                "--data-parallel-size",
                "--tensor-parallel-size",
                "--dry-run",
                "Ctrl-C",
            ),
        ),
        ("bench", ("--engine", "--pages", "--runs", "--json", "--results", "p50/p95")),
        ("cost", ("--pages-per-month", "--pages-per-second", "--from-bench", "--prices")),
    ],
)
def test_each_command_has_help(command, words):
    run = run_dotsocr(command, "--help", env={"COLUMNS": "200"})
    assert run.returncode == 0, run.stderr
    for word in words:
        assert word in run.stdout, (word, run.stdout)


def test_bench_engines_are_the_registrys():
    from dotsocr.engines.registry import AUTO, engine_names
    from dotsocr.ops.commands import BenchEngine

    assert [e.value for e in BenchEngine] == [AUTO, *engine_names()]
    run = run_dotsocr("bench", "--engine", "nosuch", env=clean_env())
    assert run.returncode == 2
    for name in engine_names():
        assert name in run.stderr


def test_doctor_on_this_machine_never_crashes():
    run = run_dotsocr("doctor", "--json", env=clean_env())
    assert run.returncode in (0, 1), run.stderr
    assert "Traceback" not in run.stderr
    data = json.loads(run.stdout)
    assert run.returncode == (0 if data["ready"] else 1)
    assert {"gpu", "software", "system", "cpu engine"} <= {c["section"] for c in data["checks"]}
    assert data["recommendation"]["max_model_len"] in (8192, 16384)
    nvidia = [g for g in data["facts"]["gpus"] if g["vendor"] == "nvidia"]
    if not nvidia:  # a machine without a GPU gets the CPU-only verdict
        assert data["path"] == "cpu" and data["verdict"].startswith("CPU engine only")
        assert data["ready"] is True  # the CPU engine's models load offline
        assert data["recommendation"]["gpu_memory_utilization"] == 0.9


def test_doctor_text_output_has_marks_advice_and_a_verdict():
    run = run_dotsocr("doctor", env=clean_env())
    assert run.returncode in (0, 1), run.stderr
    lines = run.stdout.splitlines()
    assert any(line.strip().startswith(("✅", "⚠️", "❌")) for line in lines)
    assert "recommendation" in lines and "--gpu-memory-utilization" in run.stdout
    assert lines[-1].startswith(("✅", "❌"))


def test_doctor_with_a_reachable_server():
    with FakeServer() as server:
        run = run_dotsocr("doctor", "--server", server.url, "--json", env=clean_env())
        chats = server.chat_requests()
    assert run.returncode == 0, run.stdout + run.stderr
    data = json.loads(run.stdout)
    assert data["path"] == "server" and data["ready"] is True
    assert data["facts"]["server"]["models"] == ["dotsocr-model"]
    assert data["facts"]["server"]["smoke_ok"] is True
    assert len(chats) == 1 and chats[0].max_tokens == 16 and chats[0].image_size == (28, 28)
    assert server.url not in run.stdout  # servers are named by host:port only


def test_doctor_with_an_unreachable_server():
    port = free_port()  # nothing listens there
    run = run_dotsocr("doctor", "--server", f"http://127.0.0.1:{port}/v1", env=clean_env())
    assert run.returncode == 1
    assert f"❌ server 127.0.0.1:{port} is not usable" in run.stdout
    assert "could not be reached" in run.stdout and "Traceback" not in run.stderr


def test_probe_reports_a_wrong_model_and_a_failing_smoke_request():
    with FakeServer(models=["other"]) as server:
        facts = probe_server(server.url, model="dotsocr")
    assert facts.reachable and facts.models == ("other",) and facts.model is None
    assert "--model other" in (facts.error or "")
    with FakeServer(responder=lambda info, attempt: Reply(status=400)) as server:
        facts = probe_server(server.url)
    assert facts.model == "dotsocr-model" and not facts.smoke_ok
    assert "smoke request" in (facts.error or "")


def test_doctor_checks_a_weights_folder(tmp_path):
    weights = make_weights(tmp_path, "dots.ocr", tokenizer=False)
    run = run_dotsocr("doctor", "--weights", weights, "--json", env=clean_env())
    data = json.loads(run.stdout)
    checks = {c["name"]: c for c in data["checks"] if c["section"] == "weights"}
    assert checks["config.json"]["status"] == "ok"
    assert checks["tokenizer"]["status"] == "fail"
    assert checks["folder name"]["status"] in ("fail", "warn")
    assert data["facts"]["disk_path"] == str(weights)


@pytest.mark.skipif(
    importlib.util.find_spec("pynvml") is not None, reason="NVML would answer before nvidia-smi"
)
def test_doctor_falls_back_to_nvidia_smi(tmp_path):
    fake = tmp_path / "bin" / "nvidia-smi"
    fake.parent.mkdir()
    fake.write_text(
        textwrap.dedent(
            """\
            #!/bin/sh
            case "$1" in
              --query-gpu=*) echo "NVIDIA GeForce RTX 3060, 12288, 535.104.05, 8.6" ;;
              *) echo "| NVIDIA-SMI 535.104.05  Driver Version: 535.104.05  CUDA Version: 12.2 |" ;;
            esac
            """
        )
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = clean_env(PATH=f"{fake.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    run = run_dotsocr("doctor", "--json", env=env)
    data = json.loads(run.stdout)
    assert data["facts"]["gpu_probe"] == "nvidia-smi"
    assert data["facts"]["cuda_version"] == "12.2"
    assert data["path"] == "gpu"
    gpu = next(c for c in data["checks"] if c["name"] == "GPU")
    assert gpu["status"] == "warn" and "limited" in gpu["detail"]
    assert data["recommendation"]["reference"] == "RTX 3060"
    if importlib.util.find_spec("vllm") is None:
        assert run.returncode == 1 and not data["ready"]  # no vLLM: the GPU path is not ready
