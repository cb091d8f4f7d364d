"""What `dotsocr serve` needs to know about this machine, probed once.

Each probe looks at the machine (GPUs, ports, executables, /proc/cpuinfo) and
nothing else decides: :func:`gather_host_facts` hands a :class:`HostFacts` to the
pure planner in ``dotsocr.ops.serve_plan``. Probes the flags make pointless (GPUs
for ``--device cpu``, a vLLM search when ``--vllm-command`` names one) are skipped.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import sys
from pathlib import Path

from dotsocr.ops.machine import package_version, probe_gpus, probe_weights
from dotsocr.ops.serve_plan import PORT_TRIES, HostFacts, ServeFlags, bind_host


def port_is_free(port: int, host: str = "0.0.0.0") -> bool:
    """Whether a server could listen on ``port`` now (as uvicorn does, SO_REUSEADDR)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def find_free_port(start: int, host: str = "0.0.0.0", tries: int = PORT_TRIES) -> int | None:
    for port in range(start, min(start + tries, 65536)):
        if port_is_free(port, host):
            return port
    return None


def find_vllm() -> list[str] | None:
    """The ``vllm`` executable beside this Python, else on PATH."""
    beside = Path(sys.executable).parent / "vllm"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("vllm")
    return [found] if found else None


def find_vllm_python() -> str | None:
    """A Python that runs vLLM's server module: this one when it has vLLM, else the
    interpreter named in the ``#!`` line of a ``vllm`` script on PATH."""
    try:
        if importlib.util.find_spec("vllm") is not None:
            return sys.executable
    except (ImportError, ValueError):
        pass
    script = shutil.which("vllm")
    if script is None:
        return None
    try:
        with open(script, "rb") as handle:
            first = handle.readline().decode("utf-8", "replace").strip()
    except OSError:
        return None
    if first.startswith("#!") and "python" in first:
        interpreter = first[2:].strip().split()[0]
        return interpreter if os.access(interpreter, os.X_OK) else None
    return None


def cpu_has_bf16(cpuinfo: Path = Path("/proc/cpuinfo")) -> bool:
    """Whether this CPU computes in bfloat16 natively (AVX512-BF16 or AMX-BF16)."""
    try:
        text = cpuinfo.read_text(errors="replace")
    except OSError:
        return False
    flags = set()
    for line in text.splitlines():
        if line.startswith("flags"):
            flags.update(line.partition(":")[2].split())
    return bool(flags & {"avx512_bf16", "amx_bf16"})


def gather_host_facts(flags: ServeFlags) -> HostFacts:
    """Probe what a server for ``flags`` needs from this machine."""
    on_cpu = flags.device == "cpu"
    listen = bind_host(flags.host)
    free = (
        flags.port if port_is_free(flags.port, listen) else find_free_port(flags.port + 1, listen)
    )
    looks_for_python = on_cpu and not flags.vllm_command and not flags.vllm_python
    return HostFacts(
        weights=probe_weights(flags.weights),
        vllm_version=package_version("vllm", ("vllm",)),
        gpus=() if on_cpu else tuple(probe_gpus()["gpus"]),
        free_port=free,
        vllm_executable=None if on_cpu or flags.vllm_command else _tuple(find_vllm()),
        vllm_python=find_vllm_python() if looks_for_python else None,
        cpu_bf16=on_cpu and flags.dtype is None and cpu_has_bf16(),
        cwd=Path.cwd(),
    )


def _tuple(found: list[str] | None) -> tuple[str, ...] | None:
    return tuple(found) if found else None
