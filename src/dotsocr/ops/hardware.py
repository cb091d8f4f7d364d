"""What the setup guide says about GPUs (DESIGN.md §4), as data and pure functions.

Which list a GPU is on, which reference row of the guide's throughput table it is
closest to, and the vLLM / parse settings sized for it. ``doctor`` and ``serve``
both use :func:`recommend`, so the advice and the launched server agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

#: The guide's minimums and recommendations.
MIN_COMPUTE_CAPABILITY = (7, 0)
MIN_VRAM_GB = 6
RECOMMENDED_VRAM_GB = 8
COMFORTABLE_VRAM_GB = 16
MIN_RAM_GB = 16
RECOMMENDED_RAM_GB = 32
MIN_CUDA = (11, 8)
NATIVE_VLLM = (0, 11)
WEIGHTS_GB = 6  # rednote-hilab/dots.ocr, bf16

#: The guide's defaults for ``vllm serve`` (used when no GPU is visible).
DEFAULT_GPU_MEMORY_UTILIZATION = 0.9
DEFAULT_MAX_MODEL_LEN = 16384
DEFAULT_CONCURRENCY = 64

#: Memory sizes as reported (MiB) fall a little short of the marketing figure
#: (a "16 GB" T4 reports 15,360 MiB); sizes within this fraction count as reaching it.
SIZE_TOLERANCE = 0.92

GpuList = Literal["good", "limited", "unsupported", "unlisted"]


@dataclass(frozen=True)
class GpuFacts:
    """One GPU as the probes saw it."""

    name: str
    vendor: Literal["nvidia", "amd", "intel", "other"] = "nvidia"
    memory_mb: int | None = None
    compute_capability: tuple[int, int] | None = None


@dataclass(frozen=True)
class Reference:
    """One row of the guide's reference throughput table."""

    gpu: str
    pages_per_second: tuple[float, float]
    init_seconds: float
    memory_gb: float


REFERENCE_ROWS: tuple[Reference, ...] = (
    Reference("RTX 3060", (0.5, 1.0), 30, 8),
    Reference("RTX 4070 Ti", (2.0, 3.0), 15, 12),
    Reference("RTX 4090", (4.0, 5.0), 10, 16),
    Reference("A100 40GB", (6.0, 8.0), 8, 20),
)
_ROW = {row.gpu: row for row in REFERENCE_ROWS}

# Names are matched after dropping "NVIDIA", "GeForce", "Tesla" and upper-casing.
_GOOD = (
    r"RTX 40(90|80|70)",
    r"RTX 30(90|80|70)",
    r"RTX A[456]000",
    r"\bT4\b",
    r"\bV100",
    r"\bA100",
    r"\bL4\b",
    r"\bL40S?\b",
    r"\bH100",
    r"\bH200",
)
_LIMITED = {
    r"RTX 3060": "slow: expect the low end of the reference throughput",
    r"RTX 3050": "small batches only: keep --concurrency low",
}
_UNSUPPORTED_NVIDIA = (r"\bGTX (10\d0|9\d0|7\d0|6\d0)", r"\bGT \d{3,4}\b", r"\bQUADRO [KMP]\d")

# Which reference row a GPU's speed is nearest to, by name, before falling back to VRAM.
_ROW_BY_NAME = (
    (r"RTX 30[56]0", "RTX 3060"),
    (r"RTX 40(70|80)|RTX 30(70|80)|RTX A[45]000|\bT4\b|\bL4\b", "RTX 4070 Ti"),
    (r"RTX 4090|RTX 3090|RTX A6000|\bL40|\bV100", "RTX 4090"),
    (r"\bA100|\bH100|\bH200|\bB200", "A100 40GB"),
)


def normalise_name(name: str) -> str:
    text = re.sub(r"\b(NVIDIA|GEFORCE|TESLA)\b", " ", name.upper())
    return " ".join(text.split())


def gib(mb: int | None) -> float:
    return (mb or 0) / 1024


def at_least_gb(mb: int | None, gb: float) -> bool:
    """True when ``mb`` MiB counts as ``gb`` GB or more (see SIZE_TOLERANCE)."""
    return mb is not None and mb >= gb * 1024 * SIZE_TOLERANCE


@dataclass(frozen=True)
class GpuVerdict:
    """Which list of the guide a GPU is on, and why."""

    gpu_list: GpuList
    usable: bool  # can serve DotsOCR at all (CUDA, CC >= 7.0, enough VRAM)
    reason: str


def classify(gpu: GpuFacts) -> GpuVerdict:
    """Place a GPU on the guide's lists; unlisted NVIDIA GPUs are judged on CC and VRAM."""
    if gpu.vendor == "amd":
        return GpuVerdict("unsupported", False, "AMD GPUs are unsupported (no CUDA)")
    if gpu.vendor == "intel" or "ARC" in gpu.name.upper().split():
        return GpuVerdict("unsupported", False, "Intel GPUs (Arc) are unsupported (no CUDA)")
    if gpu.vendor != "nvidia":
        return GpuVerdict("unsupported", False, "only NVIDIA GPUs are supported")
    name = normalise_name(gpu.name)
    cc = gpu.compute_capability
    if any(re.search(p, name) for p in _UNSUPPORTED_NVIDIA) or (
        cc is not None and cc < MIN_COMPUTE_CAPABILITY
    ):
        cc_text = f"compute capability {cc[0]}.{cc[1]}" if cc else "an older architecture"
        return GpuVerdict(
            "unsupported", False, f"{cc_text}; DotsOCR needs 7.0 or newer (GTX 10xx and older)"
        )
    if gpu.memory_mb is not None and not at_least_gb(gpu.memory_mb, MIN_VRAM_GB):
        return GpuVerdict(
            "unsupported",
            False,
            f"{gib(gpu.memory_mb):.1f} GiB VRAM, below the {MIN_VRAM_GB} GB minimum",
        )
    for pattern, why in _LIMITED.items():
        if re.search(pattern, name):
            return GpuVerdict("limited", True, why)
    if any(re.search(p, name) for p in _GOOD):
        return GpuVerdict("good", True, "on the known-good list")
    return GpuVerdict("unlisted", True, "not on the guide's lists; CC and VRAM meet the minimum")


def reference_row(gpu: GpuFacts) -> tuple[Reference, bool]:
    """The nearest row of the reference table, and whether it is this very GPU."""
    name = normalise_name(gpu.name)
    for pattern, row in _ROW_BY_NAME:
        if re.search(pattern, name):
            exact = normalise_name(row) in name or (row == "A100 40GB" and "A100" in name)
            return _ROW[row], exact
    vram = gib(gpu.memory_mb)
    if vram < 12 * SIZE_TOLERANCE:
        return _ROW["RTX 3060"], False
    if vram < 16 * SIZE_TOLERANCE:
        return _ROW["RTX 4070 Ti"], False
    if vram < 40 * SIZE_TOLERANCE:
        return _ROW["RTX 4090"], False
    return _ROW["A100 40GB"], False


@dataclass(frozen=True)
class Recommendation:
    """Settings for ``vllm serve`` and ``dotsocr parse`` on this machine."""

    gpu_memory_utilization: float
    max_model_len: int
    concurrency: int
    pages_per_second: tuple[float, float] | None  # per GPU, from the reference table
    reference: str | None  # the reference row used
    reference_exact: bool
    gpus: int  # usable GPUs (data parallel candidates)
    notes: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, object]:
        return {
            "gpu_memory_utilization": self.gpu_memory_utilization,
            "max_model_len": self.max_model_len,
            "concurrency": self.concurrency,
            "pages_per_second": list(self.pages_per_second) if self.pages_per_second else None,
            "reference": self.reference,
            "reference_exact": self.reference_exact,
            "gpus": self.gpus,
            "notes": list(self.notes),
        }


def best_gpu(gpus: list[GpuFacts]) -> GpuFacts | None:
    """The usable GPU with the most memory (what the server would be sized for)."""
    usable = [g for g in gpus if classify(g).usable]
    return max(usable, key=lambda g: g.memory_mb or 0, default=None)


def recommend(gpus: list[GpuFacts]) -> Recommendation:
    """Sizing for this machine's best usable GPU; the guide's defaults without one."""
    gpu = best_gpu(gpus)
    if gpu is None:
        return Recommendation(
            DEFAULT_GPU_MEMORY_UTILIZATION,
            DEFAULT_MAX_MODEL_LEN,
            DEFAULT_CONCURRENCY,
            None,
            None,
            False,
            0,
            ("no usable GPU here: the guide's defaults; size them on the GPU machine",),
        )
    notes: list[str] = []
    mb = gpu.memory_mb or 0
    if not at_least_gb(mb, RECOMMENDED_VRAM_GB):
        # The bf16 weights alone take about 6 GB: every byte is needed.
        utilization, max_len, concurrency = 0.95, 8192, 4
        notes.append(
            "under 8 GB: nothing else may use the GPU; max-model-len 8192 fits A4 pages "
            "at 200 DPI but may cut very dense pages"
        )
    elif not at_least_gb(mb, COMFORTABLE_VRAM_GB):
        # Leave room for a display and the vision encoder's activation peak.
        utilization, max_len = 0.85, DEFAULT_MAX_MODEL_LEN
        concurrency = 8 if not at_least_gb(mb, 12) else 16
    else:
        utilization, max_len = DEFAULT_GPU_MEMORY_UTILIZATION, DEFAULT_MAX_MODEL_LEN
        concurrency = 32 if not at_least_gb(mb, 24) else (64 if not at_least_gb(mb, 40) else 128)
    verdict = classify(gpu)
    if verdict.gpu_list == "limited":
        notes.append(f"{gpu.name}: {verdict.reason}")
    row, exact = reference_row(gpu)
    usable = sum(classify(g).usable for g in gpus)
    if usable > 1:
        notes.append(
            f"{usable} usable GPUs: serve with --data-parallel-size {usable} (or one server "
            "per GPU) and multiply throughput and concurrency accordingly"
        )
    low, high = row.pages_per_second
    if "3050" in normalise_name(gpu.name):
        low, high = low / 2, high / 2
        notes.append("RTX 3050: about half the RTX 3060 row (fewer cores, 8 GB)")
    return Recommendation(
        utilization, max_len, concurrency, (low, high), row.gpu, exact, usable, tuple(notes)
    )


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """Leading numeric part of a version: '0.11.0rc1' -> (0, 11, 0); '12.4' -> (12, 4)."""
    if not text:
        return None
    numbers = []
    for part in text.split("+")[0].split("."):
        match = re.match(r"\d+", part)
        if match is None:
            break
        numbers.append(int(match.group()))
        if match.end() != len(part):
            break
    return tuple(numbers) or None
