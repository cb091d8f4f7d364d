"""CPU engine throughput with worker processes, against the engine before them.

Three configurations, each run in its own fresh process so its CPU time and memory
are its own:

- ``today``: the engine at the base commit (one process, onnxruntime threads
  spinning while they wait), run from that commit's ``src`` (``git archive``).
- ``workers=1``: this tree, one process, spinning off.
- ``workers=2``: this tree, two worker processes.

Two kinds of pages from freeculture.pdf (born-digital, 200 DPI): ``text`` pages read
from their text layer (``ocr="auto"``) and ``ocr`` pages (``ocr="always"``). Each
run first parses two warm-up pages (models loaded, workers started), then the
measured pages, rendered ahead in a thread as the pipeline does. Reported per
configuration (median over the repeats): pages/s over the measured pages, CPU
seconds per page (the parent's and the workers', read from /proc), the peak of the
summed RSS of the process and its children (sampled every 50 ms), and the seconds
from start-up to the last page. Every run's elements are hashed to check that all
configurations give the same output.

    python benchmarks/workers.py [--repeats 3] [--text-pages 30] [--ocr-pages 8]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import REPO_ROOT, require_shared_data

BASE_COMMIT = "58b0743"
PDF = "robustness/pdfjs/freeculture.pdf"
FIRST_PAGE = {"text": 20, "ocr": 100}
WARMUP_PAGES = 2
CONFIGS = ("today", "workers=1", "workers=2")
_TICKS = os.sysconf("SC_CLK_TCK")


# -- the child: one configuration, one kind of page ----------------------------------


def _descendants(pid: int) -> list[int]:
    found: list[int] = []
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return found
    for task in tasks:
        try:
            children = (task / "children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found += [child, *_descendants(child)]
    return found


def _rss_bytes(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one live process."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


class _PeakRss:
    """Samples the summed RSS of this process and its descendants in a thread."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        me = os.getpid()
        while not self._stop.wait(0.05):
            total = sum(_rss_bytes(p) for p in [me, *_descendants(me)])
            self.peak = max(self.peak, total)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def _tree_cpu() -> float:
    me = os.getpid()
    return sum(_cpu_seconds(p) for p in [me, *_descendants(me)])


def child(config: str, kind: str, pages: int) -> dict[str, Any]:
    started = time.perf_counter()
    rss = _PeakRss()
    from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions
    from dotsocr.prefetch import prefetch
    from dotsocr.sources import open_source

    ocr = "always" if kind == "ocr" else "auto"
    if config == "today":
        engine = CpuEngine(CpuEngineOptions(ocr=ocr))
    else:
        engine = CpuEngine(CpuEngineOptions(ocr=ocr, workers=int(config.split("=")[1])))
    pdf = require_shared_data() / PDF
    first = FIRST_PAGE[kind]
    warm, last = first + WARMUP_PAGES - 1, first + WARMUP_PAGES + pages - 1

    def parse(selection: str) -> list[Any]:
        with open_source(pdf, pages=selection) as doc:
            return list(engine.process(prefetch(doc.pages(), depth=2)))

    parse(f"{first}-{warm}")
    cpu0, t0 = _tree_cpu(), time.perf_counter()
    results = parse(f"{warm + 1}-{last}")
    seconds, cpu = time.perf_counter() - t0, _tree_cpu() - cpu0
    total = time.perf_counter() - started
    peak = rss.stop()
    close = getattr(engine, "close", None)
    if close is not None:
        close()
    digest = hashlib.sha256(
        json.dumps([[e.model_dump() for e in p.elements] for p in results]).encode()
    ).hexdigest()[:12]
    return {
        "pages": len(results),
        "ok": sum(p.status == "ok" for p in results),
        "seconds": seconds,
        "pages_per_s": len(results) / seconds,
        "cpu_per_page": cpu / len(results),
        "peak_rss_mb": peak / 2**20,
        "total_s": total,
        "digest": digest,
        "engine_from": sys.modules[CpuEngine.__module__].__file__,
    }


# -- the parent: every configuration, in turns ----------------------------------------


def _base_src(into: Path) -> Path:
    """The base commit's ``src`` folder, unpacked from git (no worktree, no checkout)."""
    archive = into / "base.tar"
    with archive.open("wb") as out:
        subprocess.run(
            ["git", "archive", BASE_COMMIT, "src"], cwd=REPO_ROOT, stdout=out, check=True
        )
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def _run(config: str, kind: str, pages: int, base_src: Path) -> dict[str, Any]:
    env = dict(os.environ)
    if config == "today":
        env["PYTHONPATH"] = os.pathsep.join([str(base_src), env.get("PYTHONPATH", "")])
    run = subprocess.run(
        [sys.executable, __file__, "--child", config, kind, str(pages)],
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode != 0:
        raise SystemExit(f"{config} {kind} failed:\n{run.stderr[-3000:]}")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--text-pages", type=int, default=30)
    parser.add_argument("--ocr-pages", type=int, default=8)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        config, kind, pages = args.child
        print(json.dumps(child(config, kind, int(pages))))
        return

    require_shared_data()
    cores = len(os.sched_getaffinity(0))
    print(f"{cores} cores; base commit {BASE_COMMIT}; {args.repeats} repeats, medians\n")
    kinds = {"text": args.text_pages, "ocr": args.ocr_pages}
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        base_src = _base_src(Path(tmp))
        for _ in range(args.repeats):
            for kind, pages in kinds.items():
                for config in CONFIGS:  # in turns, so background load hits all alike
                    runs.setdefault((kind, config), []).append(_run(config, kind, pages, base_src))

    header = (
        f"{'pages':<6}{'config':<11}{'pages/s':>9}{'x today':>9}{'CPU s/page':>12}"
        f"{'peak RSS MB':>13}{'total s':>9}  same output"
    )
    print(header)
    print("-" * len(header))
    for kind in kinds:
        today = statistics.median(r["pages_per_s"] for r in runs[(kind, "today")])
        digests = {r["digest"] for c in CONFIGS for r in runs[(kind, c)]}
        for config in CONFIGS:
            rs = runs[(kind, config)]
            pps = statistics.median(r["pages_per_s"] for r in rs)
            print(
                f"{kind:<6}{config:<11}{pps:>9.2f}{pps / today:>9.2f}"
                f"{statistics.median(r['cpu_per_page'] for r in rs):>12.3f}"
                f"{statistics.median(r['peak_rss_mb'] for r in rs):>13.0f}"
                f"{statistics.median(r['total_s'] for r in rs):>9.1f}"
                f"  {'yes' if len(digests) == 1 else 'NO: ' + ','.join(sorted(digests))}"
            )
        print(f"({rs[0]['pages']} measured {kind} pages per run, after {WARMUP_PAGES} warm-up)")


if __name__ == "__main__":
    main()
