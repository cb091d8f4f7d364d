"""Launching a plan, in this process: the stand-in vLLM (tests/support/fake_vllm.py) is
started for real; SIGTERM stops it the way Ctrl-C does."""

from __future__ import annotations

import json
import os
import signal

import pytest

from dotsocr.ops.serve import LaunchError, launch
from dotsocr.ops.serve_plan import ServeFlags, plan_launch
from support.ops import fake_vllm_command, free_port, host_with, make_weights, pid_alive


class Recorder:
    """A LaunchReporter that keeps what it was told."""

    def __init__(self, on_ready: object = None) -> None:
        self.events: list[tuple[str, object]] = []
        self.pid: int | None = None
        self._on_ready = on_ready

    def starting(self, pid, plan):
        self.pid = pid
        self.events.append(("starting", pid))

    def still_starting(self, seconds, log_line):
        self.events.append(("still_starting", log_line))

    def ready(self, seconds, plan):
        self.events.append(("ready", plan.base_url))
        if callable(self._on_ready):
            self._on_ready()

    def stopping(self):
        self.events.append(("stopping", None))

    def stopped(self, code):
        self.events.append(("stopped", code))


def _plan(tmp_path, **flag_changes):
    port = free_port()
    given = {"vllm_command": fake_vllm_command(), "log_file": tmp_path / "server.log"}
    flags = ServeFlags(weights=make_weights(tmp_path), port=port, **{**given, **flag_changes})
    return plan_launch(flags, host_with(free_port=port, cwd=tmp_path))


def test_sigterm_after_ready_stops_the_server_and_restores_the_handler(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "ok")
    plan = _plan(tmp_path)
    before = signal.getsignal(signal.SIGTERM)
    recorder = Recorder(on_ready=lambda: os.kill(os.getpid(), signal.SIGTERM))
    code = launch(plan, recorder, timeout=30, progress_every=0.2)
    assert code == 0
    names = [name for name, _ in recorder.events]
    assert names == ["starting", "ready", "stopping", "stopped"]
    assert recorder.events[1] == ("ready", plan.base_url)
    assert recorder.pid is not None and not pid_alive(recorder.pid)
    assert "shutting down on signal 2" in plan.log_path.read_text()
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_failed_start_is_one_diagnosed_error(tmp_path, monkeypatch):
    monkeypatch.setenv("FAKE_VLLM_MODE", "arch")
    plan = _plan(tmp_path)
    recorder = Recorder()
    with pytest.raises(LaunchError) as caught:
        launch(plan, recorder, timeout=30, progress_every=0.2)
    message = str(caught.value)
    assert "exited with code 1 while starting" in message
    assert "does not know the DotsOCR architecture" in message
    assert str(plan.log_path) in message
    assert recorder.pid is not None and not pid_alive(recorder.pid)


def test_an_executable_that_cannot_run_is_named(tmp_path):
    plan = _plan(tmp_path, vllm_command=str(tmp_path / "no-such-vllm"))
    with pytest.raises(LaunchError, match=r"cannot start .*no-such-vllm"):
        launch(plan, Recorder(), timeout=5)


def test_the_cpu_plans_environment_reaches_the_server(tmp_path, monkeypatch):
    seen = tmp_path / "env.json"
    monkeypatch.setenv("FAKE_VLLM_MODE", "ok")
    monkeypatch.setenv("FAKE_VLLM_ENV", str(seen))
    plan = _plan(tmp_path, device="cpu", threads=1, kv_cache_gib=3)
    assert plan.command[2] == "serve" and "--dtype" in plan.command
    recorder = Recorder(on_ready=lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert launch(plan, recorder, timeout=30, progress_every=0.2) == 0
    env = json.loads(seen.read_text())
    assert env["VLLM_CPU_KVCACHE_SPACE"] == "3" and env["OMP_NUM_THREADS"] == "1"
    assert env["PATH"] == os.environ["PATH"]  # on top of the caller's environment
