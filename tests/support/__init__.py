"""Helpers shared by the tests: where things are, and small PDFs made in code."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
SHARED_DATA = (REPO_ROOT / ".." / "shared" / "data").resolve()
SAMPLE_PDF = REPO_ROOT / "samples" / "sample_report.pdf"


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
