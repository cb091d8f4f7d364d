"""Measure what the guide's performance table shows, for this machine and engine.

A warm-up run, then ``runs`` timed runs of the whole pipeline (outputs written to a
temporary folder, as a real run writes them). Pages/s is the median of the timed
runs; latency percentiles are over every page of the timed runs (a page's latency is
the sum of its stage timings); initialisation is engine load (CPU models) or the
server check (dots engine).
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

from dotsocr.engines.select import select_engine
from dotsocr.model import Document, Page
from dotsocr.ops.hardware import REFERENCE_ROWS
from dotsocr.options import ParseOptions
from dotsocr.pipeline import Pipeline, RunSummary


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
    pages_per_second: float
    run_pages_per_second: list[float]
    init_seconds: float
    peak_rss_mb: float
    p50_seconds: float
    p95_seconds: float
    tokens_per_second: float | None = None  # generated tokens/s (dots)
    prompt_tokens_per_second: float | None = None
    peak_gpu_mb: float | None = None
    failed_pages: int = 0
    model: str | None = None
    machine: dict[str, Any] = field(default_factory=dict)
    when: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class _Timestamps:
    """Reporter that records when each page finished (wall time)."""

    def __init__(self) -> None:
        self.pages: list[tuple[float, Page]] = []

    def document_started(self, path: Path, pages_to_do: int, pages_done: int) -> None:
        pass

    def page_finished(self, page: Page) -> None:
        self.pages.append((time.perf_counter(), page))

    def document_finished(self, doc: Document) -> None:
        pass


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


def _init_engine(engine: Any) -> tuple[float, str | None]:
    """Load the engine before timing anything: CPU models, or the server check."""
    started = time.perf_counter()
    served = None
    prepare = getattr(engine, "prepare", None)
    if prepare is not None:
        served = prepare()
    if engine.name == "cpu":
        from dotsocr.engines.cpu.models import get_layout, get_ocr

        get_layout(engine.options.layout_conf)
        get_ocr(engine.options.det_limit_side_len)
    return time.perf_counter() - started, served


def _one_run(
    engine: Any, options: ParseOptions, files: list[Path]
) -> tuple[RunSummary, list[Page]]:
    reporter = _Timestamps()
    with tempfile.TemporaryDirectory(prefix="dotsocr-bench-") as out:
        pipeline = Pipeline(engine, options, output_dir=Path(out), reporter=reporter)
        summary = pipeline.run(files)
    return summary, [page for _, page in reporter.pages]


def run_bench(
    files: list[Path], options: ParseOptions, *, runs: int = 3, warmup: bool = True
) -> BenchResult:
    """Benchmark ``files`` with the engine ``options`` select. Raises DotsOCRError when
    the engine cannot be set up."""
    options = options.model_copy(update={"force": True})
    choice = select_engine(options)
    engine = choice.engine
    try:
        init_seconds, served = _init_engine(engine)
        with _GpuMemorySampler() as gpu:
            if warmup:
                _one_run(engine, options, files)
            rates, latencies, generated, prompt, seconds = [], [], 0, 0, 0.0
            failed = pages = 0
            for _ in range(max(1, runs)):
                summary, done = _one_run(engine, options, files)
                pages = summary.processed_pages
                rates.append(pages / summary.seconds if summary.seconds > 0 else 0.0)
                latencies += [sum(p.timings.values()) for p in done]
                generated += summary.completion_tokens
                prompt += summary.prompt_tokens
                seconds += summary.seconds
                failed += summary.count("failed")
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()
    is_dots = engine.name == "dots"
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
        tokens_per_second=round(generated / seconds, 1) if is_dots and seconds else None,
        prompt_tokens_per_second=round(prompt / seconds, 1) if is_dots and seconds else None,
        peak_gpu_mb=round(gpu.peak_mb, 1) if gpu.peak_mb is not None else None,
        failed_pages=failed,
        model=served,
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
