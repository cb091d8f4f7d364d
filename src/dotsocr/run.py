"""The run layer: one batch of inputs, from choosing the engine to closing it.

The CLI, the Python API, bench and the HTTP service all run batches through
:func:`run_batch`, so they select, prepare, run (locally or on Ray) and close an
engine the same way. Each call builds its own pipeline and (unless handed one) its
own engine, so several batches can run in one process, one after another or at
the same time in threads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dotsocr.engines.base import Engine
from dotsocr.engines.registry import EngineChoice, select_engine
from dotsocr.errors import UsageError
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline, RunSummary
from dotsocr.reporting import Reporter, SilentReporter
from dotsocr.store import check_output_dir

RunnerChoice = Literal["local", "ray"]


@dataclass(frozen=True)
class EngineReady:
    """What was chosen and prepared, for a one-line notice before the pages."""

    name: str
    reason: str
    served: str | None = None

    def describe(self) -> str:
        return self.reason + (f", model {self.served}" if self.served else "")


@dataclass
class Batch:
    """One run's inputs and where its results go."""

    inputs: Sequence[Path]
    options: ParseOptions = field(default_factory=ParseOptions)
    #: None: nothing is written (the Documents are returned only).
    output_dir: Path | None = None
    reporter: Reporter = field(default_factory=SilentReporter)
    runner: RunnerChoice = "local"
    ray_address: str | None = None
    #: Set it (from a signal handler, a cancel request) to stop starting pages.
    stop: threading.Event = field(default_factory=threading.Event)


def run_batch(
    batch: Batch,
    *,
    engine: Engine | None = None,
    on_engine_ready: Callable[[EngineReady], None] | None = None,
) -> RunSummary:
    """Parse every input of ``batch`` and return the summary.

    The output folder is checked before any model loads. ``engine`` is an engine the
    caller owns and keeps open (a processor object reused across calls); otherwise
    one is selected from ``batch.options``, prepared and closed here. Raises
    UsageError (bad output folder, options an engine refuses, a runner that cannot
    run, an engine these options cannot build) or EngineError (the engine cannot be
    prepared); one input's trouble is
    recorded in its Document instead.
    """
    if batch.output_dir is not None:
        check_output_dir(batch.output_dir)
    if engine is not None:
        return _run_with(batch, engine, EngineReady(engine.name, engine.name), on_engine_ready)
    choice: EngineChoice = select_engine(batch.options)
    with choice.engine as chosen:
        ready = EngineReady(chosen.name, choice.reason)
        return _run_with(batch, chosen, ready, on_engine_ready)


def _run_with(
    batch: Batch,
    engine: Engine,
    ready: EngineReady,
    on_engine_ready: Callable[[EngineReady], None] | None,
) -> RunSummary:
    served = engine.prepare()
    if on_engine_ready is not None:
        on_engine_ready(EngineReady(ready.name, ready.reason, served))
    batch.reporter.batch_started(len(batch.inputs))
    if batch.runner == "ray":
        return _run_on_ray(batch, engine)
    pipeline = Pipeline(
        engine,
        batch.options,
        output_dir=batch.output_dir,
        reporter=batch.reporter,
        stop=batch.stop,
    )
    return pipeline.run(batch.inputs)


def _run_on_ray(batch: Batch, engine: Engine) -> RunSummary:
    """The Ray runner (dotsocr[ray]); it needs an output folder every node shares."""
    from dotsocr.runners import RayRunner, RayRunnerOptions

    if batch.output_dir is None:
        raise UsageError("--runner ray writes its results to files: give an output folder")
    runner = RayRunner(
        engine,
        batch.options,
        output_dir=batch.output_dir,
        reporter=batch.reporter,
        ray_options=RayRunnerOptions(address=batch.ray_address),
    )
    return runner.run(list(batch.inputs))
