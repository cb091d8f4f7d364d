"""`dotsocr serve` against a stand-in vLLM executable (tests/support/fake_vllm.py)."""

from __future__ import annotations

import json
import os
import re
import shlex
import signal
import socket
import time

import pytest

from dotsocr.ops.hardware import recommend
from dotsocr.ops.machine import probe_gpus
from dotsocr.ops.serve import diagnose_log
from dotsocr.ops.serve_host import find_free_port, port_is_free
from dotsocr.ops.serve_plan import build_command
from support import run_dotsocr
from support.ops import (
    clean_env,
    fake_vllm_command,
    flag,
    free_port,
    make_weights,
    pid_alive,
    start_dotsocr,
    wait_for_text,
)


def test_dry_run_prints_the_guide_command_flag_by_flag(tmp_path):
    weights = make_weights(tmp_path)
    port = free_port()
    run = run_dotsocr(
        "serve",
        "--weights",
        weights,
        "--port",
        port,
        "--gpu-memory-utilization",
        "0.8",
        "--max-model-len",
        "12000",
        "--data-parallel-size",
        "2",
        "--tensor-parallel-size",
        "1",
        "--served-model-name",
        "mydots",
        "--vllm-command",
        "/opt/vllm/bin/vllm",
        "--dry-run",
        "--",
        "--enforce-eager",
    )
    assert run.returncode == 0, run.stderr
    command = shlex.split(run.stdout.strip())
    assert command[:3] == ["/opt/vllm/bin/vllm", "serve", str(weights)]
    assert "--trust-remote-code" in command
    assert flag(command, "--served-model-name") == "mydots"
    assert flag(command, "--gpu-memory-utilization") == "0.8"
    assert flag(command, "--max-model-len") == "12000"
    assert flag(command, "--port") == str(port)
    assert flag(command, "--chat-template-content-format") == "string"
    assert flag(command, "--data-parallel-size") == "2"
    assert flag(command, "--tensor-parallel-size") == "1"
    assert command[-1] == "--enforce-eager"
    assert "--host" not in command


def test_dry_run_defaults_come_from_the_doctors_sizing(tmp_path):
    weights = make_weights(tmp_path)
    run = run_dotsocr("serve", "--weights", weights, "--port", free_port(), "--dry-run")
    assert run.returncode == 0, run.stderr
    command = shlex.split(run.stdout.strip())
    expected = recommend(list(probe_gpus()["gpus"]))
    assert float(flag(command, "--gpu-memory-utilization")) == expected.gpu_memory_utilization
    assert int(flag(command, "--max-model-len")) == expected.max_model_len
    assert flag(command, "--served-model-name") == "dotsocr"
    if expected.gpus == 0:  # this machine: no GPU
        assert "the guide's defaults" in run.stderr
        assert (expected.gpu_memory_utilization, expected.max_model_len) == (0.9, 16384)


def test_a_busy_port_is_skipped_and_said(tmp_path):
    weights = make_weights(tmp_path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert not port_is_free(port)
        run = run_dotsocr("serve", "--weights", weights, "--port", port, "--dry-run")
    assert run.returncode == 0, run.stderr
    chosen = int(flag(shlex.split(run.stdout.strip()), "--port"))
    assert chosen > port
    assert f"port {port} is busy; using {chosen} instead" in run.stderr


def test_find_free_port_never_returns_a_listening_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        found = find_free_port(port)
    assert found is not None and found != port


def test_the_command_is_a_list_without_a_shell(tmp_path):
    command = build_command(
        ["vllm"],
        tmp_path / "my weights",
        served_model_name="x",
        gpu_memory_utilization=0.9,
        max_model_len=16384,
        port=8000,
    )
    assert command[2] == str(tmp_path / "my weights")  # one argument, spaces and all
    assert not any(part in ("sh", "bash", "-c") for part in command)


@pytest.mark.parametrize(
    ("log", "words"),
    [
        ("torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 74.00 GiB", "0.7"),
        ("ModuleNotFoundError: No module named 'flash_attn'", "pip install flash-attn"),
        (
            "ValueError: Model architectures ['DotsOCRForCausalLM'] are not supported for now.",
            "vllm>=0.11",
        ),
        ("OSError: [Errno 98] Address already in use", "port 8123 was taken"),
        ("RuntimeError: No CUDA GPUs are available", "nvidia-smi"),
    ],
)
def test_known_failures_are_diagnosed(log, words):
    message = diagnose_log("INFO starting\n" + log + "\n", 8123)
    assert message is not None and words in message


def test_unknown_failures_are_not_guessed():
    assert diagnose_log("INFO all fine\nValueError: something else\n", 8000) is None


def test_missing_weights_refuse_to_start(tmp_path):
    run = run_dotsocr("serve", "--weights", tmp_path / "absent", "--vllm-command", "true")
    assert run.returncode == 1
    assert "does not exist" in run.stderr and "Traceback" not in run.stderr


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("oom", "out of GPU memory — lower --gpu-memory-utilization (0.7)"),
        ("flash", "FlashAttention 2 is missing — pip install flash-attn"),
        ("arch", "does not know the DotsOCR architecture"),
    ],
)
def test_start_up_failure_is_one_line_with_the_fix(tmp_path, mode, words):
    weights = make_weights(tmp_path)
    log = tmp_path / "server.log"
    run = run_dotsocr(
        "serve",
        "--weights",
        weights,
        "--port",
        free_port(),
        "--vllm-command",
        fake_vllm_command(),
        "--log-file",
        log,
        env=clean_env(FAKE_VLLM_MODE=mode),
    )
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 1, run.stderr
    assert words in errors[0] and "exited with code 1" in errors[0] and str(log) in errors[0]
    assert "Traceback" in log.read_text()  # the full story stays in the log
    assert "Traceback" not in run.stderr


def test_not_ready_in_time_stops_the_server(tmp_path):
    weights = make_weights(tmp_path)
    argv = tmp_path / "argv.json"
    run = run_dotsocr(
        "serve",
        "--weights",
        weights,
        "--port",
        free_port(),
        "--vllm-command",
        fake_vllm_command(),
        "--timeout",
        "1.5",
        env=clean_env(FAKE_VLLM_MODE="never", FAKE_VLLM_ARGV=str(argv)),
        cwd=tmp_path,
    )
    assert run.returncode == 1
    assert "not ready after 1.5 s" in run.stderr
    logs = list(tmp_path.glob("vllm-serve-*.log"))  # default log: current folder
    assert len(logs) == 1 and "shutting down on signal 2" in logs[0].read_text()


def _serve_in_background(tmp_path, port, **env):
    weights = make_weights(tmp_path)
    args = [
        "serve",
        "--weights",
        str(weights),
        "--port",
        str(port),
        "--vllm-command",
        fake_vllm_command(),
        "--log-file",
        str(tmp_path / "server.log"),
        "--progress-every",
        "0.3",
    ]
    return start_dotsocr(args, tmp_path, clean_env(**env))


def test_slow_start_shows_progress_then_the_url_and_ctrl_c_stops_everything(tmp_path):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc, out, err = _serve_in_background(
            tmp_path,
            port,
            FAKE_VLLM_MODE="slow",
            FAKE_VLLM_DELAY="1.2",
            FAKE_VLLM_WORKER="1",
            FAKE_VLLM_ARGV=str(tmp_path / "argv.json"),
        )
        try:
            stdout = wait_for_text(out, "Ctrl-C stops the server", proc)
        finally:
            if proc.poll() is None and "Ctrl-C" not in out.read_text():
                proc.kill()
    stderr = err.read_text()
    assert f"port {port} is busy; using" in stderr
    assert re.search(r"still starting after \d+ s: INFO loading weights", stderr), stderr
    url = re.search(r"ready after [\d.]+ s: (http://127\.0\.0\.1:(\d+)/v1)", stdout)
    assert url and int(url.group(2)) != port
    assert f"--server {url.group(1)}" in stdout
    argv = json.loads((tmp_path / "argv.json").read_text())
    assert argv[0] == "serve" and flag(argv, "--port") == url.group(2)

    log = (tmp_path / "server.log").read_text()
    server_pid = int(re.search(r"starting vLLM \(pid (\d+)\)", stderr).group(1))
    worker_pid = int(re.search(r"worker pid (\d+)", log).group(1))
    assert pid_alive(server_pid) and pid_alive(worker_pid)

    try:
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=30) in (0, 130)
    finally:
        if proc.poll() is None:
            proc.kill()
    try:
        _check_everything_stopped(err, tmp_path, server_pid, worker_pid)
    finally:  # never leave the test's own processes behind, even when it fails
        for pid in (server_pid, worker_pid):
            if pid_alive(pid):
                os.kill(pid, signal.SIGKILL)


def _check_everything_stopped(err, tmp_path, server_pid, worker_pid):
    assert "server stopped (code 0)" in err.read_text()
    assert "shutting down on signal 2" in (tmp_path / "server.log").read_text()
    deadline = time.monotonic() + 5
    while (pid_alive(server_pid) or pid_alive(worker_pid)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pid_alive(server_pid), "the vLLM stand-in outlived serve"
    assert not pid_alive(worker_pid), "a worker of the server was orphaned"
    assert "Traceback" not in err.read_text()
