"""Launch a planned vLLM server for DotsOCR, wait until it answers, and stop it.

The plan (command, environment, port) comes from ``dotsocr.ops.serve_plan``; this
module only runs it. The server's output goes to a log file; when it dies while
starting, its log is matched against known failures to give one line of diagnosis
with the fix. The server runs in its own process group so stopping it (Ctrl-C or
SIGTERM) stops its workers too.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn, Protocol

import httpx

from dotsocr.errors import DotsOCRError
from dotsocr.ops.serve_plan import LaunchPlan

STOP_GRACE_S = 20.0


class LaunchError(DotsOCRError):
    """The server could not start or stopped by itself; one line with the log's path."""


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


# -- launching a plan ---------------------------------------------------------------


class LaunchReporter(Protocol):
    """What the launcher tells its user (the CLI prints these)."""

    def starting(self, pid: int, plan: LaunchPlan) -> None: ...

    def still_starting(self, seconds: float, log_line: str) -> None: ...

    def ready(self, seconds: float, plan: LaunchPlan) -> None: ...

    def stopping(self) -> None: ...

    def stopped(self, code: int | None) -> None: ...


def _failure(process: ServerProcess, plan: LaunchPlan, what: str) -> LaunchError:
    """Stop the server and name its failure from its log."""
    text = process.log_text()
    process.stop()
    why = diagnose_log(text, plan.port) or f"last log line: {last_line(text)}"
    return LaunchError(f"{what}: {why}; log: {plan.log_path}")


def _watch(
    process: ServerProcess,
    plan: LaunchPlan,
    reporter: LaunchReporter,
    timeout: float,
    progress_every: float,
) -> NoReturn:
    """Wait for the server to answer, then for it to end; either way is a failure
    unless Ctrl-C (KeyboardInterrupt) comes first."""
    reporter.starting(process.pid, plan)
    started = process.wait_ready(plan.base_url, timeout, reporter.still_starting, progress_every)
    if started.timed_out:
        process.stop()
        raise LaunchError(
            f"the server was not ready after {timeout:g} s (last log line: "
            f"{last_line(process.log_text(20_000))}); log: {plan.log_path}"
        )
    if not started.ready:
        raise _failure(
            process, plan, f"the server exited with code {started.exit_code} while starting"
        )
    reporter.ready(started.seconds, plan)
    code = process.wait()
    raise _failure(process, plan, f"the server stopped by itself (code {code})")


def launch(
    plan: LaunchPlan,
    reporter: LaunchReporter,
    *,
    timeout: float,
    progress_every: float = 10.0,
) -> int | None:
    """Start the planned server and keep it until Ctrl-C or SIGTERM; then stop it
    (and its workers) and return its exit code (None: it never started). Raises
    LaunchError when it fails to start or stops by itself."""

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    process: ServerProcess | None = None
    try:
        try:
            process = ServerProcess(plan.command, plan.log_path, plan.environment(os.environ))
        except OSError as exc:
            raise LaunchError(f"cannot start {plan.command[0]}: {exc.strerror or exc}") from None
        _watch(process, plan, reporter, timeout, progress_every)
    except KeyboardInterrupt:
        if process is None:
            return None
        reporter.stopping()
        code = process.stop()
        reporter.stopped(code)
        return code
    finally:
        signal.signal(signal.SIGTERM, previous)
