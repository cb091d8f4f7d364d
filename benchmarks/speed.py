"""Speed of the CPU engine: pages/s on born-digital pages, seconds per OCR page, peak RSS.

Targets (2 cores): born-digital >= 3 pages/s end to end (render, text layer, layout,
outputs written), OCR <= 2.5 s/page. Each figure is the median of several runs after a
warm-up run that loads the models.

    python benchmarks/speed.py [--runs 3]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data
from dotsocr.options import ParseOptions
from dotsocr.run import Batch, run_batch


def timed_run(files: list[Path], options: ParseOptions) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        summary = run_batch(Batch(files, options, Path(out)))
        return time.perf_counter() - started, summary.processed_pages


def measure(label: str, files: list[Path], options: ParseOptions, runs: int) -> list[float]:
    timed_run(files[:1], options)  # warm-up: models load once per process
    results = [timed_run(files, options) for _ in range(runs)]
    pages = results[0][1]
    secs = [s for s, _ in results]
    median = statistics.median(secs)
    print(
        f"{label}: {pages} pages, median {median:.2f} s "
        f"({pages / median:.2f} pages/s, {median / pages:.3f} s/page) over {runs} runs; "
        f"runs: {', '.join(f'{s:.2f}' for s in secs)}"
    )
    return secs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    data = require_shared_data()
    born_digital = sorted((data / "accuracy/docling/pdf").glob("*.pdf"))
    measure(
        "born-digital (docling PDFs, text layer)",
        born_digital,
        ParseOptions(engine="cpu", engines={"cpu": {"workers": 1}}),
        args.runs,
    )
    ocr_files = [
        data / "accuracy/pdfjs_textlayer/ja" / n
        for n in ("issue16538.pdf", "issue15340.pdf", "issue16063.pdf", "issue8570.pdf")
    ]
    measure(
        "OCR (ja pdf.js pages, forced OCR)",
        ocr_files,
        ParseOptions(engine="cpu", engines={"cpu": {"ocr": "always", "workers": 1}}),
        args.runs,
    )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
