"""Helpers shared by the tests: where things are, and small PDFs made in code."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SAMPLE_PDF = REPO_ROOT / "samples" / "sample_report.pdf"


def load_script(relative: str) -> ModuleType:
    """A script of the repository (``benchmarks/x.py``, ``scripts/y.py``) imported as
    a module of its file's name; registered in sys.modules first, since dataclasses
    look their module up. Its folder goes on sys.path for its own sibling imports."""
    path = REPO_ROOT / relative
    if str(path.parent) not in sys.path:
        sys.path.insert(0, str(path.parent))
    spec = importlib.util.spec_from_file_location(path.stem, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[path.stem] = module
    spec.loader.exec_module(module)
    return module


def make_text_pdf(path: Path, pages: list[list[str]], *, font_size: int = 12) -> Path:
    """A born-digital PDF whose pages hold the given lines of Helvetica text."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=font_size)
        y = 30.0
        for line in lines:
            pdf.text(20, y, line)
            y += font_size * 0.6
    pdf.output(str(path))
    return path


def run_dotsocr(
    *args: str | Path, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """The CLI in a subprocess, with no DOTSOCR_* settings leaking in from outside."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOTSOCR_")}
    return subprocess.run(
        [sys.executable, "-m", "dotsocr", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=cwd,
        env={**base, **(env or {})},
    )
