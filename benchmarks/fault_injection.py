"""Fault injection at scale: N pages through the real CLI against the fake vLLM
server answering seeded random faults (500/503/429, dropped connections, stalls
past the timeout, truncated, looping, plain-text and garbage answers).

Prints the wall time, the page statuses, the faults served and the requests per
page (bounded by temperatures x (max_retries + 1) = 15). The retry backoff is
shortened with --retry-backoff so the run takes seconds, not minutes.

    python benchmarks/fault_injection.py [--pages 2000] [--seed 5] [--timeout 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from support.fake_dots_server import FakeServer  # noqa: E402
from support.reliability import (  # noqa: E402
    FaultResponder,
    cli_env,
    fast_backoff_cli,
    make_marked_tiff,
    manifest,
    page_of,
    page_problems,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=2, help="--timeout of the CLI")
    parser.add_argument("--concurrency", type=int, default=64)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = make_marked_tiff(Path(tmp) / "faults.tiff", args.pages)
        out = Path(tmp) / "out"
        responder = FaultResponder(seed=args.seed, stall_s=args.timeout + 1.0)
        with FakeServer(responder=responder) as server:
            argv = fast_backoff_cli(
                "parse", src, "-o", out, "--engine", "dots", "--server", server.url,
                "--timeout", str(args.timeout), "--concurrency", str(args.concurrency),
                "--no-fallback", "--quiet",
            )  # fmt: skip
            started = time.perf_counter()
            run = subprocess.run(argv, capture_output=True, text=True, env=cli_env())
            wall = time.perf_counter() - started
            chats = server.chat_requests()
        records = manifest(out / "faults.jsonl")
        statuses = Counter(r["status"] for r in records)
        per_page = Counter(page_of(info) for info in chats)
        lost = args.pages - len({r["page"] for r in records})
        problems = page_problems(out, records)
    print(f"pages {args.pages}, wall {wall:.1f} s ({args.pages / wall:.1f} pages/s), "
          f"exit {run.returncode}, traceback {'Traceback' in run.stderr}")  # fmt: skip
    print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    print(f"pages lost: {lost}; page problems: {len(problems)}")
    print("faults served: " + ", ".join(f"{k} {v}" for k, v in responder.kinds.most_common()))
    spread = sorted(Counter(per_page.values()).items())
    print(f"requests: {len(chats)}; max per page {max(per_page.values())} (bound 15); "
          "pages by request count: " + ", ".join(f"{n}:{c}" for n, c in spread))  # fmt: skip


if __name__ == "__main__":
    main()
