"""The Ray runner against the local runner on one machine, fake vLLM server (tests/).

Times both runners on the same PDF at two sizes and fits time = fixed + pages * per_page
for each, so Ray's fixed overhead (cluster start, actor start, dataset planning) and
its per-page overhead (object store, batches, per-page records) show apart. Also
measures rendering + PNG encoding alone on one core, for sizing the CPU stage.

    python benchmarks/ray_vs_local.py [--small 8] [--large 64] [--latency 0.0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))

from dotsocr.engines.dots import DotsEngine, DotsEngineOptions  # noqa: E402
from dotsocr.engines.vlm.images import image_data_url  # noqa: E402
from dotsocr.options import ParseOptions  # noqa: E402
from dotsocr.pipeline import Pipeline  # noqa: E402
from dotsocr.sources import open_source  # noqa: E402
from support import make_text_pdf  # noqa: E402
from support.fake_dots_server import FakeServer, Reply, default_responder  # noqa: E402


def make_pdf(folder: Path, pages: int) -> Path:
    lines = [
        [f"Page {n}: a line of text for the benchmark.", "A second line."] for n in range(pages)
    ]
    return make_text_pdf(folder / f"bench_{pages}.pdf", lines)


def render_encode_seconds(pdf: Path) -> tuple[float, int]:
    started = time.perf_counter()
    count = 0
    with open_source(pdf) as source:
        for page in source.pages():
            if page.image is not None:
                image_data_url(page.image)
                count += 1
    return time.perf_counter() - started, count


def timed(run, *args) -> float:
    started = time.perf_counter()
    summary = run(*args)
    assert summary.ok, [p.error for d in summary.documents for p in d.pages if p.error]
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=8)
    parser.add_argument("--large", type=int, default=64)
    parser.add_argument("--latency", type=float, default=0.0, help="server seconds per answer")
    parser.add_argument("--concurrency", type=int, default=16)
    args = parser.parse_args()

    import ray

    from dotsocr.runners import RayRunner, RayRunnerOptions

    def responder(info, attempt):
        return Reply(text=default_responder(info, attempt).text, delay=args.latency)

    with tempfile.TemporaryDirectory() as tmp, FakeServer(responder=responder) as server:
        folder = Path(tmp)
        pdfs = {n: make_pdf(folder, n) for n in (args.small, args.large)}
        options = DotsEngineOptions(servers=[server.url], concurrency=args.concurrency)

        def local(pdf: Path, out: Path):
            with DotsEngine(options) as engine:
                return Pipeline(engine, ParseOptions(), output_dir=out).run([pdf])

        def on_ray(pdf: Path, out: Path):
            with DotsEngine(options) as engine:
                runner = RayRunner(
                    engine, ParseOptions(), output_dir=out, ray_options=RayRunnerOptions()
                )
                return runner.run([pdf])

        seconds, count = render_encode_seconds(pdfs[args.large])
        print(f"render + PNG encode, one core: {count / seconds:.1f} pages/s (200 DPI, A4 text)")

        started = time.perf_counter()
        ray.init(include_dashboard=False, log_to_driver=False, logging_level="WARNING")
        init_seconds = time.perf_counter() - started
        print(f"ray.init (local cluster, {ray.cluster_resources().get('CPU', 0):g} CPUs): "
              f"{init_seconds:.2f} s")  # fmt: skip
        results = {}
        for name, run in (("local", local), ("ray", on_ray)):
            times = {}
            for n, pdf in pdfs.items():
                run(pdfs[args.small], folder / f"warm-{name}-{n}")  # warm imports / actors
                times[n] = timed(run, pdf, folder / f"{name}-{n}")
            per_page = (times[args.large] - times[args.small]) / (args.large - args.small)
            fixed = times[args.small] - per_page * args.small
            results[name] = (fixed, per_page, times)
            print(
                f"{name:5s}: {args.small} pages {times[args.small]:.2f} s, {args.large} pages "
                f"{times[args.large]:.2f} s -> fixed {fixed:.2f} s, {per_page * 1000:.1f} ms/page "
                f"({1 / per_page:.1f} pages/s)"
            )
        ray.shutdown()
        (lf, lp, _), (rf, rp, _) = results["local"], results["ray"]
        print(
            f"Ray overhead vs local: fixed +{rf - lf:.2f} s per run (plus {init_seconds:.1f} s "
            f"ray.init once), per page {(rp - lp) * 1000:+.1f} ms"
        )


if __name__ == "__main__":
    main()
