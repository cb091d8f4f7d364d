"""Helpers for the reliability tests (fault injection, crash safety) and the matching
benchmark: marked multi-page TIFFs, a seeded fault-injecting responder for the fake
vLLM server, the CLI in a subprocess with short retry backoff, and output checks.

The real backoff defaults (0.5 s doubling to 20 s) would make a 500-page fault run
slow, so the CLI runs with ``--retry-backoff`` shortened.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

TESTS_DIR = Path(__file__).resolve().parents[1]
if str(TESTS_DIR) not in sys.path:  # when run as a script or from benchmarks/
    sys.path.insert(0, str(TESTS_DIR))

from dotsocr.geometry import smart_resize  # noqa: E402
from support.fake_dots_server import Reply, RequestInfo, layout_json  # noqa: E402

#: Backoff of the patched CLI: seconds (base, cap).
#: First retry delay (s) for the CLI in these tests; it doubles up to 40 times this.
FAST_BACKOFF = "0.005"

# ---------------------------------------------------------------- marked pages


def marker(page: int) -> tuple[int, int, int]:
    """The top-left pixel colour that identifies 1-based page ``page`` (< 65536)."""
    return (page % 256, page // 256, 77)


def page_of(info: RequestInfo) -> int:
    """The 1-based page a request is about, from its marker pixel."""
    assert info.pixel is not None and info.pixel[2] == 77, info.pixel
    return info.pixel[0] + 256 * info.pixel[1]


def page_size(page: int) -> tuple[int, int]:
    """Small pages of a few different widths (so box bounds differ per page)."""
    return (160 + 20 * (page % 4), 220)


def make_marked_tiff(path: Path, pages: int) -> Path:
    """A multi-frame TIFF of small inked pages, page ``n`` marked with ``marker(n)``."""
    frames = []
    for n in range(1, pages + 1):
        image = Image.new("RGB", page_size(n), "white")
        ImageDraw.Draw(image).rectangle((20, 20, 120, 40), fill="black")
        image.putpixel((0, 0), marker(n))
        frames.append(image)
    frames[0].save(path, save_all=True, append_images=frames[1:], compression="tiff_lzw")
    return path


def make_report_pdf(path: Path, pages: int) -> Path:
    """A born-digital PDF with a running header and footer (which the CPU engine
    recognises by repetition across pages) and a few distinct lines per page."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=False)
    for n in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.text(20, 12, "ACME Corporation - Annual Reliability Report")
        pdf.text(180, 288, f"Page {n}")
        pdf.set_font("Helvetica", "B", size=16)
        pdf.text(20, 35, f"Section {n}: findings")
        pdf.set_font("Helvetica", size=11)
        for line in range(6):
            text = f"Line {line + 1} of page {n} reports result {n * 7 + line}."
            pdf.text(20, 50 + 7 * line, text)
    pdf.output(str(path))
    return path


# ----------------------------------------------------------------- the answers


def good_elements(page: int, size: tuple[int, int], *, overflow: bool = False) -> list[dict]:
    """Three elements in model space naming their page; ``overflow``: the last box
    runs past the image (the engine must clip it)."""
    h, w = smart_resize(size[1], size[0])
    last = [w // 10, h // 2, w + 50 if overflow else w * 9 // 10, h + 40 if overflow else h - 5]
    return [
        {
            "bbox": [w // 10, h // 20, w * 9 // 10, h // 10],
            "category": "Title",
            "text": f"# Page {page} title",
        },
        {
            "bbox": [w // 10, h // 8, w * 9 // 10, h // 3],
            "category": "Text",
            "text": f"Text of page {page}.",
        },
        {"bbox": last, "category": "Text", "text": f"More of page {page}."},
    ]


#: Kinds of answer and their weights, for pages that are not doomed.
FAULTS: dict[str, float] = {
    "good": 0.52,
    "http500": 0.06,
    "http503": 0.03,
    "http429": 0.05,
    "drop_before": 0.03,
    "drop_headers": 0.03,
    "drop_mid": 0.03,
    "stall": 0.03,
    "truncated": 0.07,
    "loop": 0.04,
    "plain": 0.05,
    "garbage": 0.06,
}


class FaultResponder:
    """Seeded random faults per (page, attempt); deterministic whatever the order.

    Pages divisible by ``always_500`` always answer HTTP 500 (so they fail after the
    transport retries); pages divisible by ``always_garbage`` always answer
    unsalvageable text (so they fail after the temperature retries).
    """

    def __init__(
        self,
        seed: int = 5,
        *,
        stall_s: float = 3.0,
        always_500: int = 97,
        always_garbage: int = 89,
    ) -> None:
        self.seed = seed
        self.stall_s = stall_s
        self.always_500 = always_500
        self.always_garbage = always_garbage
        self.kinds: Counter[str] = Counter()
        self._lock = threading.Lock()

    def kind(self, page: int, attempt: int) -> str:
        if page % self.always_500 == 0:
            return "http500"
        if page % self.always_garbage == 0:
            return "garbage"
        rng = random.Random(f"{self.seed}:{page}:{attempt}")
        return rng.choices(list(FAULTS), weights=list(FAULTS.values()))[0]

    def __call__(self, info: RequestInfo, attempt: int) -> Reply:
        page = page_of(info)
        kind = self.kind(page, attempt)
        with self._lock:
            self.kinds[kind] += 1
        size = info.image_size or page_size(page)
        full = layout_json(good_elements(page, size, overflow=attempt % 2 == 0))
        if kind == "good":
            return Reply(text=full)
        if kind in ("http500", "http503"):
            return Reply(status=int(kind[4:]))
        if kind == "http429":
            return Reply(status=429, retry_after=0.05)
        if kind.startswith("drop_"):
            return Reply(text=full, drop=kind[5:])
        if kind == "stall":
            return Reply(text=full, delay=self.stall_s)
        if kind == "truncated":
            return Reply(text=full[: full.index("More of page") - 5], finish_reason="length")
        if kind == "loop":
            loop = f'{{"bbox": [1, 2, 3, 4], "category": "Text", "text": "p{page} again"}}, '
            return Reply(
                text=full[:-1] + ", ", loop_forever=True, loop_chunk=loop, chunk_delay=0.001
            )
        if kind == "plain":
            return Reply(text=f"Plain words of page {page}.")
        return Reply(text='[{"bbox": [1, 2,')  # garbage: nothing to salvage


# -------------------------------------------------------------------- the CLI


def cli_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a CLI subprocess: no DOTSOCR_* from outside."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("DOTSOCR_")}
    return {**base, **(extra or {})}


def fast_backoff_cli(*args: str | Path) -> list[str]:
    """argv running the real CLI with the dots client's backoff shortened."""
    return [sys.executable, "-m", "dotsocr", *map(str, args), "--retry-backoff", FAST_BACKOFF]


def start_cli(argv: list[str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        argv,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
        start_new_session=True,  # its own process group: killed as a whole
    )


def kill_group(proc: subprocess.Popen[Any]) -> None:
    """SIGKILL the process (and anything it started), and reap it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=30)


# ------------------------------------------------------------------- checks


def manifest(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def output_files(out: Path) -> dict[str, bytes]:
    """Every visible file under ``out`` (relative path -> bytes)."""
    return {
        str(p.relative_to(out)): p.read_bytes()
        for p in sorted(out.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def hidden_files(out: Path) -> list[str]:
    return sorted(str(p.relative_to(out)) for p in out.rglob(".*"))


def without_timings(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in r.items() if k != "timings"} for r in records]


def steady_document(document: dict[str, Any]) -> dict[str, Any]:
    """A Document's JSON (``<stem>/<stem>.json``) without what differs from run to
    run: page timings and the count of pages resumed."""
    pages = without_timings(document["pages"])
    return {**{k: v for k, v in document.items() if k != "resumed_pages"}, "pages": pages}


def page_problems(out: Path, records: Iterable[dict[str, Any]]) -> list[str]:
    """What is wrong with the written pages: unparsable JSON, boxes off the page,
    failed pages without a one-line reason. Empty when all is well."""
    problems = []
    for record in records:
        page = record["page"]
        if record["status"] == "failed":
            error = record.get("error") or ""
            if not error.strip() or "\n" in error or "\r" in error:
                problems.append(f"page {page}: failed without a one-line reason: {error!r}")
            continue
        try:
            elements = json.loads((out / record["files"]["json"]).read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError) as exc:
            problems.append(f"page {page}: JSON unreadable: {exc!r}")
            continue
        width, height = record["width"], record["height"]
        for element in elements:
            x1, y1, x2, y2 = element["bbox"]
            if not (0 <= x1 <= x2 <= width and 0 <= y1 <= y2 <= height):
                problems.append(f"page {page}: box {element['bbox']} off a {width}x{height} page")
    return problems
