"""`dotsocr serve --device cpu`: vLLM's CPU backend, flag by flag (--dry-run) and
started for real through the stand-in executable (tests/support/fake_vllm.py)."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
from pathlib import Path

from dotsocr.ops.serve import ServerProcess
from dotsocr.ops.serve_host import cpu_has_bf16
from dotsocr.ops.serve_plan import (
    CPU_API_SERVER_MODULE,
    build_cpu_command,
    cpu_environment,
    cpu_launcher,
)
from support import run_dotsocr
from support.ops import (
    clean_env,
    fake_vllm_command,
    flag,
    free_port,
    make_weights,
    start_dotsocr,
    wait_for_text,
)


def split_env(line: str) -> tuple[dict[str, str], list[str]]:
    """`A=1 B=2 cmd args` as ({A: 1, B: 2}, [cmd, args])."""
    words = shlex.split(line)
    env = {}
    while words and "=" in words[0] and not words[0].startswith("-"):
        key, _, value = words.pop(0).partition("=")
        env[key] = value
    return env, words


def test_cpu_dry_run_is_the_module_form_with_cpu_flags(tmp_path):
    weights = make_weights(tmp_path)
    port = free_port()
    run = run_dotsocr(
        "serve", "--device", "cpu", "--weights", weights, "--port", port,
        "--vllm-python", "/opt/vllm-cpu/bin/python", "--dtype", "float32",
        "--max-model-len", "8192", "--kv-cache-gib", "2", "--threads", "2",
        "--served-model-name", "tiny", "--dry-run", "--", "--max-num-seqs", "4",
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    env, command = split_env(run.stdout.strip())
    assert command[:5] == ["/opt/vllm-cpu/bin/python", "-m", CPU_API_SERVER_MODULE, "--model",
                           str(weights)]  # fmt: skip
    assert "--trust-remote-code" in command and "--enforce-eager" in command
    assert flag(command, "--dtype") == "float32"
    assert flag(command, "--max-model-len") == "8192"
    assert flag(command, "--port") == str(port)
    assert flag(command, "--served-model-name") == "tiny"
    assert flag(command, "--chat-template-content-format") == "string"
    assert command[-2:] == ["--max-num-seqs", "4"]
    for gpu_only in ("--gpu-memory-utilization", "--data-parallel-size", "serve"):
        assert gpu_only not in command
    assert env == {
        "VLLM_CPU_KVCACHE_SPACE": "2",
        "OMP_NUM_THREADS": "2",
        "VLLM_CPU_OMP_THREADS_BIND": "0-1",
    }
    assert "CPU backend: dtype float32" in run.stderr


def test_cpu_dry_run_defaults(tmp_path):
    weights = make_weights(tmp_path)
    run = run_dotsocr("serve", "--device", "cpu", "--weights", weights, "--dry-run",
                      "--vllm-python", "py", "--no-enforce-eager")  # fmt: skip
    assert run.returncode == 0, run.stderr
    env, command = split_env(run.stdout.strip())
    assert flag(command, "--dtype") == ("bfloat16" if cpu_has_bf16() else "float32")
    assert flag(command, "--max-model-len") == "16384"
    assert "--enforce-eager" not in command
    assert env == {"VLLM_CPU_KVCACHE_SPACE": "4"}


def test_gpu_flags_are_refused_on_the_cpu(tmp_path):
    weights = make_weights(tmp_path)
    run = run_dotsocr("serve", "--device", "cpu", "--weights", weights, "--dry-run",
                      "--gpu-memory-utilization", "0.8")  # fmt: skip
    assert run.returncode == 2
    assert "GPU options" in run.stderr and "Traceback" not in run.stderr


def test_bf16_is_read_from_the_cpu_flags(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor : 0\nflags : fpu sse avx2 avx512f\n")
    assert not cpu_has_bf16(info)
    info.write_text("processor : 0\nflags : fpu avx512f avx512_bf16\n")
    assert cpu_has_bf16(info)
    assert not cpu_has_bf16(tmp_path / "missing")


def test_launchers_and_environment():
    assert cpu_launcher("/py", None) == ["/py", "-m", CPU_API_SERVER_MODULE, "--model"]
    assert cpu_launcher("/py", ["/bin/vllm"]) == ["/bin/vllm", "serve"]
    assert cpu_launcher(None, None) is None
    command = build_cpu_command(["v", "serve"], Path("/w"), served_model_name="d",
                                max_model_len=4096, port=1, dtype="bfloat16", host="127.0.0.1")
    assert command[:3] == ["v", "serve", "/w"] and flag(command, "--host") == "127.0.0.1"
    assert cpu_environment(kvcache_gib=3, threads=None) == {"VLLM_CPU_KVCACHE_SPACE": "3"}
    assert cpu_environment(kvcache_gib=3, threads=4) == {
        "VLLM_CPU_KVCACHE_SPACE": "3",
        "OMP_NUM_THREADS": "4",
        "VLLM_CPU_OMP_THREADS_BIND": "0-3",
    }


def test_the_server_process_gets_the_cpu_environment(tmp_path):
    out = tmp_path / "env.json"
    script = f"import json, os; json.dump(dict(os.environ), open({str(out)!r}, 'w'))"
    env = {**os.environ, **cpu_environment(kvcache_gib=5, threads=1)}
    proc = ServerProcess([sys.executable, "-c", script], tmp_path / "log", env=env)
    assert proc.wait() == 0
    proc.stop()
    seen = json.loads(out.read_text())
    assert seen["VLLM_CPU_KVCACHE_SPACE"] == "5" and seen["OMP_NUM_THREADS"] == "1"


def test_cpu_serve_starts_waits_and_stops_with_the_stand_in(tmp_path):
    weights = make_weights(tmp_path)
    argv = tmp_path / "argv.json"
    proc, out, err = start_dotsocr(
        ["serve", "--device", "cpu", "--weights", str(weights), "--port", str(free_port()),
         "--vllm-command", fake_vllm_command(), "--log-file", str(tmp_path / "server.log"),
         "--threads", "1"],
        tmp_path,
        clean_env(FAKE_VLLM_MODE="ok", FAKE_VLLM_ARGV=str(argv)),
    )  # fmt: skip
    try:
        text = wait_for_text(out, "Ctrl-C stops the server", proc)
        assert "ready after" in text
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    args = json.loads(argv.read_text())
    assert args[:2] == ["serve", str(weights)]
    assert flag(args, "--chat-template-content-format") == "string"
    assert "--enforce-eager" in args and "--gpu-memory-utilization" not in args
    assert "server stopped" in err.read_text()


def test_doctor_names_the_cpu_backend_when_vllm_is_installed_without_a_gpu():
    from dotsocr.ops.doctor import diagnose
    from support.ops import machine_with

    with_vllm = diagnose(machine_with(gpus=(), vllm_version="0.32.0"))
    assert with_vllm.path == "cpu" and with_vllm.ready
    assert "serve --device cpu" in with_vllm.verdict
    (vllm,) = [c for c in with_vllm.checks if c.name == "vLLM"]
    assert vllm.status == "ok" and "serve --device cpu" in vllm.detail
    without = diagnose(machine_with(gpus=(), vllm_version=None))
    assert "serve --device cpu" not in without.verdict
