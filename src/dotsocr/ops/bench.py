"""Measure what the guide's performance table shows, for this machine and engine.

A warm-up run, then ``runs`` timed runs of the whole pipeline (outputs written to a
temporary folder, as a real run writes them). Pages/s is the median of the timed
runs; latency percentiles are over every page of the timed runs (a page's latency is
the sum of its stage timings); initialisation is the engine's ``prepare()`` (the
CPU engine loads its models, a server engine checks its server).
"""

from __future__ import annotations

import contextlib
import math
import resource
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dotsocr.engines.base import Engine
from dotsocr.engines.registry import select_engine
from dotsocr.model import Page
from dotsocr.ops.hardware import REFERENCE_ROWS
from dotsocr.options import ParseOptions
from dotsocr.pipeline import RunSummary
from dotsocr.reporting import SilentReporter
from dotsocr.run import Batch, run_batch


def default_input() -> Path | None:
    """The repository's sample PDF (present in a source checkout)."""
    sample = Path(__file__).resolve().parents[3] / "samples" / "sample_report.pdf"
    return sample if sample.is_file() else None


@dataclass
class BenchResult:
    engine: str
    inputs: list[str]
    pages: int  # pages per run
    runs: int
    #: The median of the runs' pages/s.
    pages_per_second: float
    run_pages_per_second: list[float]
    #: Model load (CPU) or server check (a model server), before any timing.
    init_seconds: float
    peak_rss_mb: float
    #: Per-page latency (the sum of a page's stage timings), median and 95th percentile.
    p50_seconds: float
    p95_seconds: float
    #: Generated tokens/s, for engines whose pages carry token counts (model servers).
    tokens_per_second: float | None = None
    prompt_tokens_per_second: float | None = None
    peak_gpu_mb: float | None = None
    failed_pages: int = 0
    model: str | None = None
    #: What computed the pages: "cpu" (this machine's CPUs) or "server" (a model
    #: server the engine sent them to); ``dotsocr cost`` prices the hours by it.
    runs_on: str = "cpu"
    machine: dict[str, Any] = field(default_factory=dict)
    when: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Timestamps(SilentReporter):
    """Reporter that records when each page finished (wall time)."""

    def __init__(self) -> None:
        self.pages: list[tuple[float, Page]] = []

    def page_finished(self, page: Page) -> None:
        self.pages.append((time.perf_counter(), page))


class _GpuMemorySampler:
    """Peak used GPU memory (all GPUs) while running, when NVML is available."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak_mb: float | None = None
        self._interval = interval
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._nvml: Any = None

    def __enter__(self) -> _GpuMemorySampler:
        try:
            import pynvml

            pynvml.nvmlInit()
            self._nvml = pynvml
            self._handles = [
                pynvml.nvmlDeviceGetHandleByIndex(i) for i in range(pynvml.nvmlDeviceGetCount())
            ]
        except Exception:  # no NVML, no driver, no GPU: nothing to sample
            self._nvml = None
            return self
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def _sample(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                used = sum(self._nvml.nvmlDeviceGetMemoryInfo(h).used for h in self._handles)
                self.peak_mb = max(self.peak_mb or 0.0, used / (1024 * 1024))
            if self._stop.wait(self._interval):
                return

    def __exit__(self, *exc: object) -> None:
        if self._thread is not None:
            self._stop.set()
            self._thread.join(timeout=2)
        if self._nvml is not None:
            with contextlib.suppress(Exception):
                self._nvml.nvmlShutdown()


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty list."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def peak_rss_mb() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return usage / (1024 * 1024) if sys.platform == "darwin" else usage / 1024


def _init_engine(engine: Engine) -> tuple[float, str | None]:
    """Prepare the engine before timing anything (the CPU engine loads its models,
    a server engine checks its server); returns the seconds and what is served."""
    started = time.perf_counter()
    served = engine.prepare()
    return time.perf_counter() - started, served


def _one_run(
    engine: Engine, options: ParseOptions, files: list[Path]
) -> tuple[RunSummary, list[Page]]:
    reporter = _Timestamps()
    with tempfile.TemporaryDirectory(prefix="dotsocr-bench-") as out:
        summary = run_batch(Batch(files, options, Path(out), reporter), engine=engine)
    return summary, [page for _, page in reporter.pages]


def run_bench(
    files: list[Path], options: ParseOptions, *, runs: int = 3, warmup: bool = True
) -> BenchResult:
    """Benchmark ``files`` with the engine ``options`` select. Raises DotsOCRError when
    the engine cannot be set up."""
    options = options.model_copy(update={"force": True})
    with select_engine(options).engine as engine:
        init_seconds, served = _init_engine(engine)
        with _GpuMemorySampler() as gpu:
            if warmup:
                _one_run(engine, options, files)
            rates, latencies, generated, prompt, seconds = [], [], 0, 0, 0.0
            failed = pages = 0
            counts_tokens = False  # whether the engine reported tokens (a model server)
            for _ in range(max(1, runs)):
                summary, done = _one_run(engine, options, files)
                pages = summary.processed_pages
                rates.append(pages / summary.seconds if summary.seconds > 0 else 0.0)
                latencies += [sum(p.timings.values()) for p in done]
                counts_tokens = counts_tokens or any(p.tokens is not None for p in done)
                generated += summary.completion_tokens
                prompt += summary.prompt_tokens
                seconds += summary.seconds
                failed += summary.count("failed")
    per_second = counts_tokens and seconds > 0
    return BenchResult(
        engine=engine.name,
        inputs=[str(f) for f in files],
        pages=pages,
        runs=len(rates),
        pages_per_second=round(statistics.median(rates), 3),
        run_pages_per_second=[round(r, 3) for r in rates],
        init_seconds=round(init_seconds, 3),
        peak_rss_mb=round(peak_rss_mb(), 1),
        p50_seconds=round(percentile(latencies, 50), 4),
        p95_seconds=round(percentile(latencies, 95), 4),
        tokens_per_second=round(generated / seconds, 1) if per_second else None,
        prompt_tokens_per_second=round(prompt / seconds, 1) if per_second else None,
        peak_gpu_mb=round(gpu.peak_mb, 1) if gpu.peak_mb is not None else None,
        failed_pages=failed,
        model=served,
        runs_on="server" if served is not None else "cpu",
        when=time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    )


def table_rows(result: BenchResult, label: str) -> list[str]:
    """The guide's table (GPU, pages/s, init, memory) with this run as the last row."""
    rows = [
        "| GPU | pages/s | init | memory |",
        "|---|---|---|---|",
    ]
    for ref in REFERENCE_ROWS:
        low, high = ref.pages_per_second
        rows.append(
            f"| {ref.gpu} (guide) | {low:g}–{high:g} | {ref.init_seconds:g} s | "
            f"{ref.memory_gb:g} GB |"
        )
    rows.append("| CPU (guide) | not workable for the VLM | – | – |")
    memory = f"{result.peak_rss_mb / 1024:.1f} GB RSS"
    if result.peak_gpu_mb is not None:
        memory += f", {result.peak_gpu_mb / 1024:.1f} GB GPU"
    rows.append(
        f"| {label} | {result.pages_per_second:.2f} | {result.init_seconds:.1f} s | {memory} |"
    )
    return rows
