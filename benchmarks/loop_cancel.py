"""Loop cancellation: a page whose answer repeats forever is cut within seconds.

The fake server streams a layout answer that turns into the same element over and
over, without end, at a steady token rate. Without cancellation the client would
wait for max tokens (16,384) on every attempt; with it, each attempt stops as soon
as the repetition is clear.

    python benchmarks/loop_cancel.py [--tokens-per-second 200]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from PIL import Image, ImageDraw  # noqa: E402

from dotsocr import parse  # noqa: E402
from support.fake_dots_server import FakeServer, Reply  # noqa: E402

LOOP = '{"bbox": [10, 20, 300, 40], "category": "Text", "text": "the same line again"}, '


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens-per-second", type=float, default=200.0)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    chunk = 16  # characters per streamed chunk, about 4 tokens
    delay = (chunk / 4) / args.tokens_per_second

    def responder(info, attempt):
        start = '[{"bbox": [10, 10, 300, 30], "category": "Title", "text": "Title"}, '
        return Reply(text=start, loop_forever=True, loop_chunk=LOOP, chunk_size=chunk,
                     chunk_delay=delay)

    page = Path(sys.argv[0]).with_name(".loop_page.png")
    image = Image.new("RGB", (800, 1000), "white")
    ImageDraw.Draw(image).rectangle((50, 50, 600, 80), fill="black")
    image.save(page)
    try:
        times = []
        with FakeServer(responder=responder) as server:
            for _ in range(args.runs):
                started = time.perf_counter()
                doc = parse(page, engine="dots", server=server.url, fallback=False)
                times.append(time.perf_counter() - started)
        result = doc.pages[0]
    finally:
        page.unlink(missing_ok=True)
    per_attempt = statistics.median(times) / max(1, result.attempts)
    max_tokens_wait = 16384 / args.tokens_per_second
    print(f"looping page: status {result.status}, {result.attempts} attempts, "
          f"median {statistics.median(times):.2f} s per page ({per_attempt:.2f} s per attempt)")
    print(f"without cancellation each attempt would stream 16,384 tokens: "
          f"{max_tokens_wait:.0f} s at {args.tokens_per_second:.0f} tokens/s "
          f"({max_tokens_wait / per_attempt:.0f}x longer)")
    print(f"warnings: {result.warnings[:2]}")


if __name__ == "__main__":
    main()
