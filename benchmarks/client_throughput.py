"""Throughput of the DotsOCR client against the fake vLLM server (tests/).

1. Instant server: client pages/s vs render+encode-only pages/s on the same PDF,
   one run each, same process (target ratio >= 0.8).
2. Server with 1 s latency, concurrency 64: wall time vs the ideal, which is
   max(pages / 64 * 1 s, render+encode time).
3. Peak RSS for 50 and 350 pages (each in a fresh child process): it should stay flat.

    python benchmarks/client_throughput.py [--pages 120] [--pdf PATH]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests"))

from common import require_shared_data  # noqa: E402
from dotsocr.engines.dots import DotsEngine, DotsEngineOptions  # noqa: E402
from dotsocr.engines.vlm.images import image_data_url  # noqa: E402
from dotsocr.options import ParseOptions  # noqa: E402
from dotsocr.pipeline import Pipeline  # noqa: E402
from dotsocr.sources import open_source  # noqa: E402
from support.fake_dots_server import FakeServer, Reply, default_responder  # noqa: E402


def render_encode_only(pdf: Path, pages: str) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    with open_source(pdf, pages=pages) as source:
        for page in source.pages():
            if page.image is not None:
                image_data_url(page.image)
            count += 1
    return time.perf_counter() - started, count


def client_run(pdf: Path, pages: str, url: str, concurrency: int) -> tuple[float, int, str]:
    options = ParseOptions(engine="dots", pages=pages)
    engine = DotsEngine(DotsEngineOptions(servers=[url], concurrency=concurrency))
    with engine:
        engine.prepare()
        started = time.perf_counter()
        doc = Pipeline(engine, options).parse_document(pdf)
        seconds = time.perf_counter() - started
    statuses = {s: sum(p.status == s for p in doc.pages) for s in {p.status for p in doc.pages}}
    return seconds, len(doc.pages), json.dumps(statuses)


def rss_child(pdf: Path, pages: int) -> None:
    """Child mode: parse ``pages`` pages against an instant server, print peak RSS."""
    with FakeServer() as server:
        client_run(pdf, f"1-{pages}", server.url, 64)
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=120)
    parser.add_argument("--pdf", type=Path)
    parser.add_argument("--rss-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    pdf = args.pdf or require_shared_data() / "robustness/pdfjs/freeculture.pdf"
    if args.rss_child:
        rss_child(pdf, args.rss_child)
        return
    pages = f"1-{args.pages}"

    with FakeServer() as server:
        client_run(pdf, "1-4", server.url, 64)  # warm-up
        base_s, n = render_encode_only(pdf, pages)
        client_s, n2, statuses = client_run(pdf, pages, server.url, 64)
    print(f"1. instant server, {n} pages of {pdf.name}:")
    print(f"   render+encode only: {n / base_s:.1f} pages/s ({base_s:.2f} s)")
    print(f"   dots client:        {n2 / client_s:.1f} pages/s ({client_s:.2f} s) {statuses}")
    print(f"   ratio client / render+encode: {base_s / client_s:.2f} (target >= 0.8)")

    slow = lambda info, attempt: Reply(  # noqa: E731
        text=default_responder(info, attempt).text, delay=1.0
    )
    with FakeServer(responder=slow) as server:
        latency_s, n3, statuses = client_run(pdf, pages, server.url, 64)
    ideal = max(n3 / 64 * 1.0, base_s)
    print(f"2. 1 s latency, concurrency 64, {n3} pages: {latency_s:.2f} s {statuses}")
    print(f"   ideal max(pages/64 s, render+encode) = {ideal:.2f} s; ratio ideal/actual "
          f"{ideal / latency_s:.2f}; pages/64 alone = {n3 / 64:.2f} s")

    for count in (50, 350):
        child = subprocess.run(
            [sys.executable, __file__, "--pdf", str(pdf), "--rss-child", str(count)],
            capture_output=True, text=True, check=True,
        )
        print(f"3. peak RSS, {count} pages: {child.stdout.strip().splitlines()[-1]} MB")


if __name__ == "__main__":
    main()
