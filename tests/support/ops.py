"""Helpers for the operations tests (doctor, serve, bench, cost)."""

from __future__ import annotations

import dataclasses
import json
import os
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from dotsocr.ops.hardware import GpuFacts
from dotsocr.ops.machine import MachineFacts, WeightsFacts
from dotsocr.ops.serve_plan import HostFacts

FAKE_VLLM = Path(__file__).resolve().parent / "fake_vllm.py"

#: A well-equipped GPU machine; tests replace what they are about.
GOOD_MACHINE = MachineFacts(
    gpus=(GpuFacts("NVIDIA GeForce RTX 4090", "nvidia", 24564, (8, 9)),),
    gpu_probe="nvml",
    driver_version="550.54.14",
    cuda_version="12.4",
    torch_version="2.8.0+cu128",
    torch_cuda="12.8",
    torch_cuda_available=True,
    flash_attn_version="2.8.3",
    vllm_version="0.11.0",
    ram_mb=64 * 1024,
    disk_path="/models",
    disk_free_mb=500 * 1024,
    storage="nvme",
    cpu_count=16,
    cpu_engine_error=None,
    cpu_engine_seconds=0.5,
)

NO_GPU_MACHINE = dataclasses.replace(
    GOOD_MACHINE,
    gpus=(),
    gpu_probe="none",
    driver_version=None,
    cuda_version=None,
    torch_version=None,
    torch_cuda=None,
    torch_cuda_available=None,
    flash_attn_version=None,
    vllm_version=None,
)


#: A complete rednote-hilab/dots.ocr weights folder, as probe_weights sees one.
GOOD_WEIGHTS = WeightsFacts(
    "/models/DotsOCR",
    exists=True,
    is_dir=True,
    has_config=True,
    architectures=("DotsOCRForCausalLM",),
    safetensors=2,
    safetensors_mb=5800,
    tokenizer_files=("tokenizer.json", "tokenizer_config.json"),
)

#: A GPU host ready to serve: vLLM installed, port 8000 free; tests replace the rest.
GOOD_HOST = HostFacts(
    weights=GOOD_WEIGHTS,
    vllm_version="0.11.0",
    gpus=(GpuFacts("NVIDIA GeForce RTX 4090", "nvidia", 24564, (8, 9)),),
    free_port=8000,
    vllm_executable=("/opt/vllm/bin/vllm",),
    vllm_python="/opt/vllm/bin/python",
    cpu_bf16=False,
    cwd=Path("/work"),
)


def host_with(**changes: object) -> HostFacts:
    """GOOD_HOST with some facts changed."""
    return dataclasses.replace(GOOD_HOST, **changes)  # type: ignore[arg-type]


def machine_with(gpu: GpuFacts | None = None, **changes: object) -> MachineFacts:
    """GOOD_MACHINE with one GPU (or none) and other facts changed."""
    if gpu is not None:
        changes["gpus"] = (gpu,)
    return dataclasses.replace(GOOD_MACHINE, **changes)  # type: ignore[arg-type]


def make_weights(
    parent: Path,
    name: str = "DotsOCR",
    *,
    config: bool = True,
    shards: int = 1,
    tokenizer: bool = True,
) -> Path:
    """A weights folder shaped like rednote-hilab/dots.ocr (tiny files)."""
    folder = parent / name
    folder.mkdir(parents=True)
    if config:
        (folder / "config.json").write_text(json.dumps({"architectures": ["DotsOCRForCausalLM"]}))
    for i in range(shards):
        (folder / f"model-{i + 1:05d}-of-{shards:05d}.safetensors").write_bytes(b"\0" * 64)
    if tokenizer:
        (folder / "tokenizer.json").write_text("{}")
        (folder / "tokenizer_config.json").write_text("{}")
    return folder


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fake_vllm_command() -> str:
    return shlex.join([sys.executable, str(FAKE_VLLM)])


def clean_env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOTSOCR_", "FAKE_VLLM_"))}
    return {**base, **extra}


def ctrl_c_as_at_a_terminal() -> None:
    """Run in a child before exec, so the SIGINT a test sends is a Ctrl-C: tests
    started in the background (``pytest &`` in a script) inherit SIGINT ignored,
    and an ignored signal stays ignored across exec."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_dotsocr(
    args: list[str], cwd: Path, env: dict[str, str]
) -> tuple[subprocess.Popen, Path, Path]:
    """`dotsocr ARGS` in the background, its stdout and stderr going to files."""
    out, err = cwd / "serve.out", cwd / "serve.err"
    proc = subprocess.Popen(
        [sys.executable, "-m", "dotsocr", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=out.open("w"),
        stderr=err.open("w"),
        preexec_fn=ctrl_c_as_at_a_terminal,
    )
    return proc, out, err


def wait_for_text(path: Path, text: str, proc: subprocess.Popen, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        content = path.read_text() if path.exists() else ""
        if text in content:
            return content
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    raise AssertionError(f"{text!r} never appeared in {path.name}: {path.read_text()!r}")


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def flag(command: list[str], name: str) -> str:
    """The value after ``name`` in a command line that has that flag exactly once."""
    assert command.count(name) == 1, f"{name} appears {command.count(name)} times in {command}"
    return command[command.index(name) + 1]
