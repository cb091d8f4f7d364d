"""Helpers for the Ray runner tests: inputs, both runners side by side, and output
trees to compare."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from dotsocr.engines.dots import DotsEngine, DotsEngineOptions
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline, RunSummary

#: ray.init arguments for the tests: a small local cluster, no dashboard.
RAY_INIT = {
    "address": "local",
    "num_cpus": 2,
    "include_dashboard": False,
    "object_store_memory": 200 * 1024 * 1024,
    "log_to_driver": False,
    "logging_level": "WARNING",
}

SIZE = (600, 800)


def marked_tiff(path: Path, markers: list[tuple[int, int, int]]) -> Path:
    """A multi-page TIFF; each page's top-left pixel is its marker (responders key on it)."""
    frames = []
    for marker in markers:
        image = Image.new("RGB", SIZE, "white")
        ImageDraw.Draw(image).rectangle((60, 60, 400, 90), fill="black")
        image.putpixel((0, 0), marker)
        frames.append(image)
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return path


def markers(n: int, red: int = 5) -> list[tuple[int, int, int]]:
    return [(red, 10 * i + 5, 0) for i in range(n)]


def engine_options(server_url: str, **overrides: Any) -> DotsEngineOptions:
    values: dict[str, Any] = {"servers": [server_url], "concurrency": 8, "retry_backoff": 0.01}
    values.update(overrides)
    return DotsEngineOptions(**values)


def run_local(inputs: list[Path], out: Path, engine: DotsEngineOptions, **options: Any):
    with DotsEngine(engine) as dots:
        return Pipeline(dots, ParseOptions(**options), output_dir=out).run(inputs)


def run_ray(inputs: list[Path], out: Path, engine: DotsEngineOptions, **options: Any) -> RunSummary:
    from dotsocr.runners import RayRunner, RayRunnerOptions

    ray_options = RayRunnerOptions(batch_size=2)
    with DotsEngine(engine) as dots:
        runner = RayRunner(dots, ParseOptions(**options), output_dir=out, ray_options=ray_options)
        return runner.run(inputs)


def output_files(out: Path) -> dict[str, Path]:
    """Every visible file under ``out`` by relative path."""
    return {
        str(p.relative_to(out)): p
        for p in sorted(out.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(out).parts)
    }


def manifest_records(path: Path) -> list[dict[str, Any]]:
    """Manifest lines without what differs run to run (timings)."""
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    for record in records:
        record.pop("timings", None)
    return records


def kill_infer_actor() -> int:
    """SIGKILL one live inference actor's process, as a node losing it would; its pid."""
    from ray._private import state

    for actor in state.actors().values():
        if "InferPages" in actor["ActorClassName"] and actor["State"] == "ALIVE":
            os.kill(int(actor["Pid"]), signal.SIGKILL)
            return int(actor["Pid"])
    raise AssertionError("no live InferPages actor to kill")


def infer_actor_restarts() -> int:
    from ray._private import state

    return sum(
        int(a["NumRestarts"])
        for a in state.actors().values()
        if "InferPages" in a["ActorClassName"]
    )
