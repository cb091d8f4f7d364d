"""The doctor's verdicts: pure functions from :class:`MachineFacts` to a checklist.

Each check says what was found and, when something is wrong, the one thing to do.
Each also names the paths it gates: ``gpu`` (serve DotsOCR here), ``cpu`` (the
embedded engine) or ``server`` (a DotsOCR server given with --server). The chosen
path is the server when one was given, else the GPU when a usable one is present,
else the CPU engine; the machine is ready when no check gating that path failed.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from dotsocr.ops.hardware import (
    COMFORTABLE_VRAM_GB,
    MIN_COMPUTE_CAPABILITY,
    MIN_CUDA,
    MIN_RAM_GB,
    MIN_VRAM_GB,
    NATIVE_VLLM,
    RECOMMENDED_RAM_GB,
    RECOMMENDED_VRAM_GB,
    WEIGHTS_GB,
    GpuFacts,
    Recommendation,
    at_least_gb,
    best_gpu,
    classify,
    gib,
    parse_version,
    recommend,
)
from dotsocr.ops.machine import MachineFacts, ServerFacts, WeightsFacts
from dotsocr.ops.server_kind import detect_server_kind

Status = Literal["ok", "warn", "fail", "info"]
Path_ = Literal["gpu", "cpu", "server"]

SYMBOLS: dict[str, str] = {"ok": "✅", "warn": "⚠️ ", "fail": "❌", "info": "· "}

DOWNLOAD_HINT = "huggingface-cli download rednote-hilab/dots.ocr --local-dir /models/DotsOCR"
FLASH_ATTN_FIX = "pip install flash-attn --no-build-isolation"
VLLM_FIX = "pip install -U 'vllm>=0.11'"
CPU_SERVE_HINT = "`dotsocr serve --device cpu --weights DIR`"


@dataclass(frozen=True)
class Check:
    section: str
    name: str
    status: Status
    detail: str
    advice: str | None = None
    gates: tuple[Path_, ...] = ()


@dataclass
class DoctorReport:
    path: Path_
    ready: bool
    verdict: str
    checks: list[Check]
    recommendation: Recommendation
    facts: MachineFacts
    failed: list[Check] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "ready": self.ready,
            "path": self.path,
            "verdict": self.verdict,
            "checks": [{**asdict(c), "gates": list(c.gates)} for c in self.checks],
            "recommendation": self.recommendation.as_dict(),
            "facts": self.facts.as_dict(),
        }


def _cc(gpu: GpuFacts) -> str:
    cc = gpu.compute_capability
    return f"CC {cc[0]}.{cc[1]}" if cc else "CC unknown"


# -- GPU ----------------------------------------------------------------------------


def gpu_checks(facts: MachineFacts) -> list[Check]:
    gates: tuple[Path_, ...] = ("gpu",)
    nvidia = [g for g in facts.gpus if g.vendor == "nvidia"]
    others = [g for g in facts.gpus if g.vendor != "nvidia"]
    checks: list[Check] = []
    if not nvidia:
        if facts.nvidia_device_without_driver:
            checks.append(
                Check(
                    "gpu",
                    "NVIDIA GPU",
                    "fail",
                    "an NVIDIA card is on the PCI bus but no driver answers (NVML, nvidia-smi)",
                    "install the NVIDIA driver (CUDA 11.8+, 12.1 typical); nvidia-smi must work",
                    gates,
                )
            )
        for gpu in others:
            checks.append(
                Check(
                    "gpu",
                    gpu.name,
                    "fail",
                    f"unsupported: {classify(gpu).reason}",
                    "DotsOCR needs an NVIDIA GPU with CC 7.0+: use the CPU engine here "
                    "or --server on a GPU machine",
                    gates,
                )
            )
        if not checks:
            detail = "no NVIDIA GPU found"
            if facts.gpu_probe_error:
                detail += f" ({facts.gpu_probe_error})"
            checks.append(
                Check(
                    "gpu",
                    "NVIDIA GPU",
                    "fail",
                    detail,
                    "the CPU engine works here; for DotsOCR use --server on a GPU machine",
                    gates,
                )
            )
        return checks

    chosen = best_gpu(list(nvidia)) or nvidia[0]
    verdict = classify(chosen)
    status: Status = {"good": "ok", "limited": "warn", "unlisted": "warn"}.get(
        verdict.gpu_list, "fail"
    )
    advice = None
    if verdict.gpu_list == "unsupported":
        advice = "use the CPU engine here, or --server on a GPU machine with CC 7.0+"
    elif verdict.gpu_list == "limited":
        advice = "works; keep parse --concurrency at the recommended value below"
    label = {"good": "known good", "limited": "limited", "unlisted": "unlisted"}.get(
        verdict.gpu_list, "unsupported"
    )
    checks.append(
        Check("gpu", "GPU", status, f"{chosen.name}: {label} ({verdict.reason})", advice, gates)
    )
    cc = chosen.compute_capability
    if cc is None:
        checks.append(
            Check("gpu", "compute capability", "info", "not reported by this driver", None)
        )
    elif cc < MIN_COMPUTE_CAPABILITY:
        checks.append(
            Check(
                "gpu",
                "compute capability",
                "fail",
                f"{cc[0]}.{cc[1]}, below 7.0",
                "this GPU cannot run the model; use the CPU engine or another GPU",
                gates,
            )
        )
    else:
        checks.append(Check("gpu", "compute capability", "ok", f"{cc[0]}.{cc[1]} (>= 7.0)"))
    mb = chosen.memory_mb
    if mb is None:
        checks.append(Check("gpu", "VRAM", "info", "not reported"))
    elif not at_least_gb(mb, MIN_VRAM_GB):
        checks.append(
            Check(
                "gpu",
                "VRAM",
                "fail",
                f"{gib(mb):.1f} GiB, below the {MIN_VRAM_GB} GB minimum",
                "the bf16 weights alone take about 6 GB: use a larger GPU or the CPU engine",
                gates,
            )
        )
    elif not at_least_gb(mb, RECOMMENDED_VRAM_GB):
        checks.append(
            Check(
                "gpu",
                "VRAM",
                "warn",
                f"{gib(mb):.1f} GiB: the minimum; {RECOMMENDED_VRAM_GB} GB recommended",
                "serve with the settings below and parse with a low --concurrency",
                gates,
            )
        )
    else:
        comfort = at_least_gb(mb, COMFORTABLE_VRAM_GB)
        checks.append(
            Check(
                "gpu",
                "VRAM",
                "ok",
                f"{gib(mb):.1f} GiB"
                + (
                    " (comfortable for batch work)"
                    if comfort
                    else f" ({COMFORTABLE_VRAM_GB}+ GB is comfortable for batch work)"
                ),
            )
        )
    rest = [g for g in facts.gpus if g is not chosen]
    if rest:
        names = ", ".join(f"{g.name} ({classify(g).gpu_list})" for g in rest)
        checks.append(Check("gpu", "other GPUs", "info", names))
    cuda = parse_version(facts.cuda_version)
    driver = f"driver {facts.driver_version or '?'}"
    if cuda is None:
        checks.append(
            Check(
                "gpu",
                "driver / CUDA",
                "warn",
                f"{driver}; the CUDA version it supports is unknown",
                "check `nvidia-smi` shows CUDA Version 11.8 or newer",
            )
        )
    elif cuda < MIN_CUDA:
        checks.append(
            Check(
                "gpu",
                "driver / CUDA",
                "fail",
                f"{driver} supports CUDA {facts.cuda_version}, below 11.8",
                "update the NVIDIA driver (one supporting CUDA 12.1 is typical)",
                gates,
            )
        )
    else:
        checks.append(Check("gpu", "driver / CUDA", "ok", f"{driver}, CUDA {facts.cuda_version}"))
    return checks


# -- software -----------------------------------------------------------------------


def software_checks(facts: MachineFacts, has_gpu: bool) -> list[Check]:
    """The GPU stack. Without an NVIDIA GPU these are facts, not failures."""
    gates: tuple[Path_, ...] = ("gpu",)
    bad: Status = "fail" if has_gpu else "info"
    checks: list[Check] = []
    if facts.torch_version is None:
        checks.append(
            Check(
                "software",
                "PyTorch",
                bad,
                "not installed" + ("" if has_gpu else " (not needed for the CPU engine)"),
                f"{VLLM_FIX} (it brings a CUDA build of PyTorch)" if has_gpu else None,
                gates,
            )
        )
    elif facts.torch_cuda is None and has_gpu:
        checks.append(
            Check(
                "software",
                "PyTorch",
                "fail",
                f"{facts.torch_version} is a CPU-only build",
                "reinstall a CUDA build: pip install torch --index-url "
                "https://download.pytorch.org/whl/cu121",
                gates,
            )
        )
    elif has_gpu and facts.torch_cuda_available is False:
        checks.append(
            Check(
                "software",
                "PyTorch",
                "fail",
                f"{facts.torch_version} (CUDA {facts.torch_cuda}) cannot use the GPU",
                "the driver is older than this PyTorch's CUDA: update the driver",
                gates,
            )
        )
    else:
        cuda = f", CUDA {facts.torch_cuda}" if facts.torch_cuda else ""
        checks.append(Check("software", "PyTorch", "ok", f"{facts.torch_version}{cuda}"))

    flash = parse_version(facts.flash_attn_version)
    if facts.flash_attn_version is None or (flash is not None and flash < (2,)):
        found = "not installed" if facts.flash_attn_version is None else facts.flash_attn_version
        checks.append(
            Check(
                "software",
                "FlashAttention 2",
                bad,
                f"{found}"
                + (
                    ": without it vLLM's profiling of a 14,400-token page image has tried "
                    "to allocate 74 GiB"
                    if has_gpu
                    else " (GPU only)"
                ),
                FLASH_ATTN_FIX if has_gpu else None,
                gates,
            )
        )
    else:
        checks.append(Check("software", "FlashAttention 2", "ok", facts.flash_attn_version))

    vllm = parse_version(facts.vllm_version)
    if facts.vllm_version is None:
        checks.append(
            Check(
                "software",
                "vLLM",
                bad,
                "not installed" + ("" if has_gpu else " (GPU only)"),
                VLLM_FIX if has_gpu else None,
                gates,
            )
        )
    elif vllm is not None and vllm < NATIVE_VLLM:
        checks.append(
            Check(
                "software",
                "vLLM",
                "warn" if has_gpu else "info",
                f"{facts.vllm_version}: older than 0.11, no native DotsOCR support",
                f"{VLLM_FIX}, or register the model out of tree (the reference pins 0.9.1)",
            )
        )
    elif has_gpu:
        checks.append(Check("software", "vLLM", "ok", f"{facts.vllm_version} (DotsOCR built in)"))
    else:
        checks.append(
            Check(
                "software",
                "vLLM",
                "ok",
                f"{facts.vllm_version} (DotsOCR built in); no GPU: its CPU backend serves "
                f"DotsOCR slowly with {CPU_SERVE_HINT}",
            )
        )
    return checks


# -- system -------------------------------------------------------------------------


def system_checks(facts: MachineFacts) -> list[Check]:
    checks: list[Check] = []
    mb = facts.ram_mb
    if mb is None:
        checks.append(Check("system", "RAM", "info", "not visible"))
    elif not at_least_gb(mb, MIN_RAM_GB):
        checks.append(
            Check(
                "system",
                "RAM",
                "fail",
                f"{gib(mb):.1f} GiB, below the {MIN_RAM_GB} GB minimum for serving the model "
                "(the CPU engine needs under 1 GB)",
                "add memory, or serve on another machine and parse here with --server",
                ("gpu",),
            )
        )
    elif not at_least_gb(mb, RECOMMENDED_RAM_GB):
        checks.append(
            Check(
                "system",
                "RAM",
                "warn",
                f"{gib(mb):.1f} GiB: enough; {RECOMMENDED_RAM_GB} GB recommended for serving",
            )
        )
    else:
        checks.append(Check("system", "RAM", "ok", f"{gib(mb):.1f} GiB"))

    weights_present = facts.weights is not None and facts.weights.safetensors > 0
    free = facts.disk_free_mb
    if free is None:
        checks.append(Check("system", "disk", "info", f"free space at {facts.disk_path} unknown"))
    elif not weights_present and not at_least_gb(free, WEIGHTS_GB + 4):
        checks.append(
            Check(
                "system",
                "disk",
                "warn",
                f"{gib(free):.1f} GiB free at {facts.disk_path}; the weights take about "
                f"{WEIGHTS_GB} GB",
                "free space or download the weights to another disk",
            )
        )
    else:
        checks.append(
            Check("system", "disk", "ok", f"{gib(free):.1f} GiB free at {facts.disk_path}")
        )

    storage = facts.storage
    if storage == "nvme":
        checks.append(Check("system", "storage", "ok", "NVMe SSD"))
    elif storage == "ssd":
        checks.append(Check("system", "storage", "ok", "SSD (NVMe loads the model fastest)"))
    elif storage == "hdd":
        checks.append(
            Check(
                "system",
                "storage",
                "warn",
                "the disk says it is rotational (a spinning disk, or a virtual disk "
                "reporting so): loading the model may be slow",
                "keep the weights on an NVMe SSD",
            )
        )
    else:
        checks.append(Check("system", "storage", "info", "kind of disk not visible"))
    return checks


CJK_FONTS_FIX = "Debian/Ubuntu: apt-get install fonts-noto-cjk (Fedora: google-noto-sans-cjk-fonts)"


def font_checks(facts: MachineFacts) -> list[Check]:
    """Japanese, Chinese and Korean PDFs often do not embed their fonts; without a
    CJK font on the machine PDFium draws such pages blank, and the models see nothing."""
    fonts = facts.cjk_fonts
    if fonts is None:
        return []
    if not fonts:
        return [
            Check(
                "system",
                "CJK fonts",
                "warn",
                "none installed: Japanese, Chinese or Korean PDFs that do not embed their "
                "fonts render blank (their text layer is still read; overlays, figures "
                "and the viewer's page pictures come out empty)",
                CJK_FONTS_FIX,
            )
        ]
    shown = ", ".join(fonts[:3]) + (f" and {len(fonts) - 3} more" if len(fonts) > 3 else "")
    return [Check("system", "CJK fonts", "ok", shown)]


def cpu_engine_checks(facts: MachineFacts) -> list[Check]:
    if facts.cpu_engine_error is None:
        took = f" in {facts.cpu_engine_seconds:.1f} s" if facts.cpu_engine_seconds else ""
        return [
            Check(
                "cpu engine",
                "models",
                "ok",
                f"OCR and layout models load offline{took} ({facts.cpu_count} CPU cores)",
                gates=("cpu",),
            )
        ]
    return [
        Check(
            "cpu engine",
            "models",
            "fail",
            f"the bundled models do not load: {facts.cpu_engine_error}",
            "reinstall dotsocr (pip install --force-reinstall dotsocr) in a clean environment",
            ("cpu",),
        )
    ]


# -- weights and server -----------------------------------------------------------


def weights_checks(weights: WeightsFacts, vllm_version: str | None) -> list[Check]:
    gates: tuple[Path_, ...] = ("gpu",)
    path = weights.path

    def fail(name: str, detail: str, advice: str) -> Check:
        return Check("weights", name, "fail", detail, advice, gates)

    if not weights.exists:
        return [fail("folder", f"{path} does not exist", f"download: {DOWNLOAD_HINT}")]
    if not weights.is_dir:
        return [fail("folder", f"{path} is not a folder", "pass the folder holding config.json")]
    checks: list[Check] = []
    if not weights.has_config:
        checks.append(
            fail("config.json", "missing", f"an incomplete download? rerun: {DOWNLOAD_HINT}")
        )
    elif weights.config_error:
        checks.append(fail("config.json", weights.config_error, f"download again: {DOWNLOAD_HINT}"))
    elif "DotsOCRForCausalLM" not in weights.architectures:
        names = ", ".join(weights.architectures) or "no architecture"
        checks.append(
            Check(
                "weights",
                "config.json",
                "warn",
                f"names {names}, not DotsOCRForCausalLM",
                "check this is the rednote-hilab/dots.ocr model",
            )
        )
    else:
        checks.append(Check("weights", "config.json", "ok", "DotsOCRForCausalLM"))
    if weights.safetensors == 0:
        checks.append(
            fail("safetensors", "no *.safetensors shards", f"download the weights: {DOWNLOAD_HINT}")
        )
    elif weights.missing_shards:
        checks.append(
            fail(
                "safetensors",
                "shards listed in the index are missing: " + ", ".join(weights.missing_shards),
                f"resume the download: {DOWNLOAD_HINT}",
            )
        )
    else:
        checks.append(
            Check(
                "weights",
                "safetensors",
                "ok",
                f"{weights.safetensors} shard(s), {weights.safetensors_mb / 1024:.1f} GiB",
            )
        )
    if not weights.tokenizer_files:
        checks.append(
            fail(
                "tokenizer",
                "no tokenizer files (tokenizer.json, tokenizer_config.json, ...)",
                f"download them with the weights: {DOWNLOAD_HINT}",
            )
        )
    else:
        checks.append(Check("weights", "tokenizer", "ok", ", ".join(weights.tokenizer_files)))
    name = Path(path).name
    if "." in name:
        native = (parse_version(vllm_version) or (0,)) >= NATIVE_VLLM
        checks.append(
            Check(
                "weights",
                "folder name",
                "warn" if native else "fail",
                f"{name!r} contains dots: older loaders take it for a Python module path"
                + (" (vLLM >= 0.11 copes)" if native else ""),
                f"rename it without dots, e.g. {Path(path).with_name('DotsOCR')}",
                () if native else gates,
            )
        )
    else:
        checks.append(Check("weights", "folder name", "ok", f"{name!r} (no dots)"))
    return checks


def server_checks(server: ServerFacts) -> list[Check]:
    gates: tuple[Path_, ...] = ("server",)
    if not server.reachable:
        return [
            Check(
                "server",
                "reachable",
                "fail",
                server.error or f"{server.url_label} could not be reached",
                "start one with `dotsocr serve --weights DIR`, or check the address and firewall",
                gates,
            )
        ]
    checks = [Check("server", "reachable", "ok", server.url_label)]
    if server.model is None:
        checks.append(
            Check(
                "server",
                "/v1/models",
                "fail",
                server.error or "no model listed",
                "check the server finished loading and its --served-model-name",
                gates,
            )
        )
        return checks
    checks.append(
        Check("server", "/v1/models", "ok", f"lists {', '.join(server.models) or server.model}")
    )
    if server.smoke_ok:
        took = f" in {server.smoke_seconds:.2f} s" if server.smoke_seconds is not None else ""
        checks.append(Check("server", "smoke request", "ok", f"a 28x28 test page answered{took}"))
    else:
        checks.append(
            Check(
                "server",
                "smoke request",
                "fail",
                server.error or "failed",
                "see the server log; `dotsocr serve` turns known start-up failures into advice",
                gates,
            )
        )
    return checks


# -- the whole report --------------------------------------------------------------


def diagnose(facts: MachineFacts) -> DoctorReport:
    """Every check, the chosen path, whether it is ready, and the sizing advice."""
    usable = best_gpu(list(facts.gpus))
    has_gpu = any(g.vendor == "nvidia" for g in facts.gpus)
    checks = [
        *gpu_checks(facts),
        *software_checks(facts, has_gpu),
        *system_checks(facts),
        *font_checks(facts),
        *cpu_engine_checks(facts),
    ]
    if facts.weights is not None:
        checks += weights_checks(facts.weights, facts.vllm_version)
    if facts.server is not None:
        checks += server_checks(facts.server)
        if facts.server.reachable:  # which --dialect it needs, as far as it tells
            kind = detect_server_kind(facts.server.url_label)
            checks.append(Check("server", "dialect", "info", kind.describe()))
    path: Path_ = "server" if facts.server is not None else ("gpu" if usable else "cpu")
    failed = [c for c in checks if c.status == "fail" and path in c.gates]
    ready = not failed
    recommendation = recommend(list(facts.gpus))
    verdict = _verdict(path, ready, facts, usable, failed)
    return DoctorReport(path, ready, verdict, checks, recommendation, facts, failed)


def _verdict(
    path: Path_, ready: bool, facts: MachineFacts, usable: GpuFacts | None, failed: list[Check]
) -> str:
    first = f"{failed[0].name}: {failed[0].detail}" if failed else ""
    if path == "server":
        server = facts.server
        assert server is not None
        if ready:
            return f"server {server.url_label} is ready (model {server.model}): parse with --server"
        return f"server {server.url_label} is not usable — {first}"
    if path == "gpu":
        assert usable is not None
        if ready:
            return f"ready to serve DotsOCR on {usable.name}: `dotsocr serve --weights DIR`"
        return (
            f"GPU path not ready ({usable.name}) — {first}; meanwhile `--engine cpu` works"
            if facts.cpu_engine_error is None
            else f"GPU path not ready ({usable.name}) — {first}"
        )
    nvidia = [g for g in facts.gpus if g.vendor == "nvidia"]
    if nvidia:
        why = f"{nvidia[0].name} cannot run DotsOCR ({classify(nvidia[0]).reason})"
    elif facts.nvidia_device_without_driver:
        why = "the NVIDIA GPU has no working driver"
    elif facts.gpus:
        why = f"{facts.gpus[0].name} is not an NVIDIA GPU"
    else:
        why = "no NVIDIA GPU"
    if ready:
        if facts.vllm_version is not None:
            return (
                f"CPU engine only: {why}; for DotsOCR serve it on this CPU, slowly, with "
                f"{CPU_SERVE_HINT}, or use --server on a GPU machine"
            )
        return f"CPU engine only: {why}; for DotsOCR use --server on a GPU machine"
    return f"CPU engine only ({why}), and it is not usable — {first}"
