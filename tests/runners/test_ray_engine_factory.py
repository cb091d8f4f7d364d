"""The Ray stages' engine factory and the runner's capability check (no Ray needed):
a worker rebuilds the driver's engine through the registry from plain data, and
the runner asks for per-page methods, not for an engine name."""

from __future__ import annotations

import json
import pickle
from typing import Any

import pytest

from dotsocr.engines.dots import DotsEngine, DotsEngineOptions
from dotsocr.engines.registry import API_KEY_ENV, SERVER_ENV
from dotsocr.engines.vlm.paged import PagewiseEngine
from dotsocr.options import ParseOptions
from dotsocr.runners.ray_runner import RayRunner
from dotsocr.runners.ray_stages import EngineFactory

SERVERS = ["http://gpu1:8000/v1", "http://gpu2:8000/v1"]


def driver_engine(**overrides: Any) -> DotsEngine:
    values: dict[str, Any] = {
        "servers": SERVERS,
        "api_key": "sk-secret",
        "concurrency": 7,
        "dialect": "openai",
        "max_tokens": 2048,
    }
    return DotsEngine(DotsEngineOptions(**(values | overrides)))


def test_a_worker_rebuilds_the_same_engine_without_the_drivers_environment(monkeypatch):
    monkeypatch.delenv(SERVER_ENV, raising=False)
    monkeypatch.delenv(API_KEY_ENV, raising=False)
    driver = driver_engine()
    factory = EngineFactory.of(driver, ParseOptions())  # no --server: the engine has them
    shipped = pickle.loads(pickle.dumps(factory))
    json.dumps(shipped.options)  # plain data only: nothing live travels
    worker = shipped.build()
    assert isinstance(worker, DotsEngine) and worker is not driver
    assert shipped.name == "dots"
    assert worker.settings() == driver.settings()
    assert worker.options.servers == SERVERS
    assert worker.options.api_key == "sk-secret"
    assert worker.max_in_flight == 7 and worker.server_count == 2


def test_the_factory_keeps_run_options_other_than_the_engine():
    options = ParseOptions(dpi=150, md_tables="pipe", engine="auto")
    factory = EngineFactory.of(driver_engine(), options)
    rebuilt = ParseOptions(**factory.options)
    assert (rebuilt.dpi, rebuilt.md_tables, rebuilt.engine) == (150, "pipe", "dots")
    assert rebuilt.server == SERVERS


def test_the_runner_asks_for_the_capability_not_the_name(tmp_path):
    class Renamed(DotsEngine):
        name = "another-vlm"

    engine = Renamed(DotsEngineOptions(servers=SERVERS))
    assert isinstance(engine, PagewiseEngine)
    runner = RayRunner(engine, ParseOptions(), output_dir=tmp_path)
    assert runner.engine is engine


def test_the_cpu_engine_is_refused_with_the_way_out(tmp_path):
    from dotsocr.engines.cpu import CpuEngine
    from dotsocr.runners.ray_runner import RunnerError

    with pytest.raises(RunnerError, match=r"one at a time.*--engine dots"):
        RayRunner(CpuEngine(), ParseOptions(), output_dir=tmp_path)
