"""Throughput and latency of ``dotsocr api`` on the CPU engine, and its overhead
against parsing the same files without the service.

A real ``python -m dotsocr api --engine cpu --jobs N --to json,md,html``
(tests/support/api_server.py) serves 1 and 10-page born-digital PDFs made with
make_text_pdf (a heading and three paragraphs: 30 lines a page). For each PDF size
and client count, that many client threads share the cell's jobs and send theirs
back to back: upload (POST /v1/jobs), then wait for "done" by reading the job's
SSE stream /v1/jobs/{id}/events, as the web page does (or by polling GET
/v1/jobs/{id} every --poll seconds, --wait poll). A cell has max(clients *
per-client, min-jobs) jobs. Latency is upload -> done as the client sees it; wall
is from the first upload to the last job done.
The table gives, per cell, jobs/min from the median wall over --repeats, p50 and p95
latency over the jobs of all repeats, and that median wall.

Baseline, run right after each service run so both see the same load on the machine:
the same files parsed by ``run_batch`` with the options every service job gets
(``job_options`` over ``to=json,md,html``, cpu ``workers=1``), each file into its own
folder, by as many threads as the service can run jobs at once (``min(clients,
--jobs)``), each thread with its own CPU engine prepared beforehand, as the service's
job threads have theirs. That is the fair comparison: the service, too, parses in
threads of one process with its models loaded before the first job. A ``dotsocr
parse`` subprocess per file or per share of the files would add an interpreter start
and a model load per process (seconds: longer than a whole 1-page cell), which the
warmed-up service does not pay, so the overhead would come out negative and mean
nothing. What is left between the two is the service: the upload and its page count,
SQLite writes per page, document.json, answering the polls, and the clients' wait
granularity (a job is seen done up to --poll seconds late; with one client that also
delays the next upload).

    overhead = service wall / parse wall - 1 (goal: under 10%)

Also printed: CPU seconds of the server process and of the clients (this process)
during each service run against the baseline's, which another load on the machine
disturbs less than wall time; the clients run on the same cores as the server.

    python benchmarks/api_service.py [--clients 1,4,16] [--pages 1,10] [--jobs 2]
        [--per-client 2,1] [--min-jobs 8,2] [--repeats 3] [--wait poll|sse] [--poll 0.1]
    python benchmarks/api_service.py --quick   # smoke run: 1 repeat, small counts

A full run takes about 10 minutes on 2 busy cores (--repeats 2: about 7); --quick
about 1.5 minutes.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import queue
import random
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests"))

from dotsocr.engines.base import Engine  # noqa: E402
from dotsocr.engines.registry import select_engine  # noqa: E402
from dotsocr.options import ParseOptions  # noqa: E402
from dotsocr.run import Batch, run_batch  # noqa: E402
from dotsocr.service.job_options import job_options  # noqa: E402
from dotsocr.service.settings import ServiceSettings  # noqa: E402
from support import make_text_pdf  # noqa: E402
from support.api_server import ApiServer  # noqa: E402

FORMATS = "json,md,html"
LINES_PER_PAGE = 30
VARIANTS = 4  # different PDFs per size, submitted in turn
GOAL = 0.10
Namespace = argparse.Namespace
#: Default counts, [quick][multi-page]: a cell has max(clients * per-client, min-jobs) jobs.
PER_CLIENT = {False: (2.0, 1.0), True: (1.0, 0.25)}
MIN_JOBS = {False: (8, 2), True: (4, 2)}
VOCABULARY = (
    "revenue growth margin region quarter customers the of and in a to for with costs "
    "steady report board results market share operating expenses increased compared "
    "previous year while supply chain delays remained an issue across several plants "
    "management expects demand recover during second half product launches planned"
)
WORDS = VOCABULARY.split()
_TICKS = os.sysconf("SC_CLK_TCK")


# -- inputs --------------------------------------------------------------------------


def paragraph(rng: random.Random, lines: int) -> list[str]:
    out: list[str] = []
    for _ in range(lines):
        words = [rng.choice(WORDS) for _ in range(rng.randint(9, 12))]
        out.append(" ".join(words).capitalize() + rng.choice([",", ".", ";"]))
    return out


def page_lines(rng: random.Random, number: int) -> list[str]:
    """A heading, then three paragraphs with a gap between them: 30 lines."""
    lines = [f"{number}. Quarterly results and outlook", ""]
    for size in (8, 9, 9):
        lines += [*paragraph(rng, size), ""]
    return lines[:LINES_PER_PAGE]


def make_pdfs(folder: Path, pages: int) -> list[Path]:
    rng = random.Random(pages)
    return [
        make_text_pdf(
            folder / f"doc{pages}p-{v}.pdf", [page_lines(rng, n + 1) for n in range(pages)]
        )
        for v in range(VARIANTS)
    ]


# -- CPU time ------------------------------------------------------------------------


def process_cpu(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` (all its threads), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICKS


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


# -- the service side ----------------------------------------------------------------


def wait_polling(client: httpx.Client, job_id: str, poll: float) -> str:
    while True:
        status = client.get(f"/v1/jobs/{job_id}").raise_for_status().json()["status"]
        if status in ("done", "failed", "cancelled"):
            return str(status)
        time.sleep(poll)


def wait_events(client: httpx.Client, job_id: str, _poll: float) -> str:
    with client.stream("GET", f"/v1/jobs/{job_id}/events", timeout=None) as stream:
        event = ""
        for line in stream.iter_lines():
            if line.startswith("event:"):
                event = line.removeprefix("event:").strip()
            elif line.startswith("data:") and event == "end":
                return str(json.loads(line.removeprefix("data:"))["status"])
    return "stream ended"


WAITS: dict[str, Callable[[httpx.Client, str, float], str]] = {
    "poll": wait_polling,
    "sse": wait_events,
}


def one_job(client: httpx.Client, pdf: Path, wait: str, poll: float) -> tuple[float, str]:
    """Upload ``pdf`` and wait until its job is finished: (seconds, final status)."""
    started = time.perf_counter()
    with pdf.open("rb") as handle:
        reply = client.post("/v1/jobs", files={"file": (pdf.name, handle, "application/pdf")})
    job_id = reply.raise_for_status().json()["id"]
    status = WAITS[wait](client, job_id, poll)
    return time.perf_counter() - started, status


@dataclass
class CellRun:
    wall: float
    latencies: list[float]
    failed: int
    server_cpu: float = 0.0
    client_cpu: float = 0.0


def shares(total: int, parts: int) -> list[int]:
    """``total`` jobs dealt out to ``parts`` clients as evenly as possible."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def service_cell(
    server: ApiServer, pdfs: list[Path], jobs: int, clients: int, args: Namespace
) -> CellRun:
    """``clients`` threads send ``jobs`` jobs in all; the CPU the server and the
    clients (this process) spent meanwhile is counted too."""
    latencies: list[float] = []
    failed: list[str] = []
    lock = threading.Lock()

    def client_loop(index: int, count: int) -> None:
        with httpx.Client(base_url=server.url, timeout=600) as client:
            for n in range(count):
                pdf = pdfs[(index + n) % len(pdfs)]
                try:
                    seconds, status = one_job(client, pdf, args.wait, args.poll)
                except httpx.HTTPError as exc:
                    with lock:
                        failed.append(repr(exc))
                    continue
                with lock:
                    latencies.append(seconds)
                    if status != "done":
                        failed.append(status)

    threads = [
        threading.Thread(target=client_loop, args=(i, count))
        for i, count in enumerate(shares(jobs, clients))
    ]
    assert server.process is not None
    pid = server.process.pid
    server_cpu, client_cpu, started = process_cpu(pid), own_cpu(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    run = CellRun(wall, latencies, len(failed), process_cpu(pid) - server_cpu)
    run.client_cpu = own_cpu() - client_cpu
    return run


# -- the baseline: the same files through run_batch, no service ----------------------


def service_options() -> ParseOptions:
    """What every job of ``dotsocr api --engine cpu --to json,md,html`` parses with."""
    defaults = ParseOptions(
        engine="cpu", to=FORMATS.split(","), engines={"cpu": {"ocr": "auto", "workers": 1}}
    )
    return job_options(ServiceSettings(defaults=defaults), {})


def prepared_engines(count: int, options: ParseOptions, warm: Path, out: Path) -> list[Engine]:
    engines = [select_engine(options).engine for _ in range(count)]
    for n, engine in enumerate(engines):
        engine.prepare()
        run_batch(Batch([warm], options, out / f"warm-{n}"), engine=engine)
    return engines


def parse_cell(
    engines: list[Engine], options: ParseOptions, files: list[Path], parallel: int, out: Path
) -> tuple[float, float]:
    """Wall and CPU seconds for ``parallel`` threads to parse ``files``, one folder
    per file."""
    todo: queue.Queue[tuple[int, Path]] = queue.Queue()
    for item in enumerate(files):
        todo.put(item)

    def worker(engine: Engine) -> None:
        while True:
            try:
                n, path = todo.get_nowait()
            except queue.Empty:
                return
            run_batch(Batch([path], options, out / f"job-{n}"), engine=engine)

    threads = [threading.Thread(target=worker, args=(e,)) for e in engines[:parallel]]
    cpu, started = own_cpu(), time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - started, own_cpu() - cpu


# -- the run -------------------------------------------------------------------------


@dataclass
class Cell:
    pages: int
    clients: int
    jobs: int
    runs: list[CellRun] = field(default_factory=list)
    #: (wall, CPU) seconds of each baseline run.
    parse_runs: list[tuple[float, float]] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(r.wall for r in self.runs)

    @property
    def parse_wall(self) -> float:
        return statistics.median(wall for wall, _ in self.parse_runs)

    @property
    def parse_cpu(self) -> float:
        return statistics.median(cpu for _, cpu in self.parse_runs)

    @property
    def latencies(self) -> list[float]:
        return [s for r in self.runs for s in r.latencies]


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else math.nan
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cells(args: Namespace) -> list[Cell]:
    return [
        Cell(pages, clients, max(math.ceil(clients * per), least))
        for pages, per, least in zip(args.pages, args.per_client, args.min_jobs, strict=True)
        for clients in args.clients
    ]


@dataclass
class Baseline:
    engines: list[Engine]
    options: ParseOptions
    out: Path


def run_cell(
    cell: Cell, server: ApiServer, base: Baseline, pdfs: list[Path], args: Namespace
) -> None:
    """One repeat of ``cell``: the service, then the same files without it."""
    cell.runs.append(service_cell(server, pdfs, cell.jobs, cell.clients, args))
    files = [pdfs[i % len(pdfs)] for i in range(cell.jobs)]
    parallel = min(cell.clients, args.jobs)
    out = base.out / f"run-{len(cell.parse_runs)}-{cell.pages}p-{cell.clients}c"
    cell.parse_runs.append(parse_cell(base.engines, base.options, files, parallel, out))


def run_all(args: Namespace, tmp: Path) -> list[Cell]:
    pdfs = {p: make_pdfs(tmp, p) for p in args.pages}
    (tmp / "warm").mkdir()
    warm = make_pdfs(tmp / "warm", 1)[0]
    options = service_options()
    base = Baseline(
        prepared_engines(args.jobs, options, warm, tmp / "parse"), options, tmp / "parse"
    )
    todo = cells(args)
    server_args = ["--engine", "cpu", "--jobs", str(args.jobs), "--to", FORMATS]
    with ApiServer(tmp / "api", *server_args) as server:
        service_cell(server, [warm], args.jobs * 2, args.jobs, args)  # every worker warm
        for repeat in range(args.repeats):
            for cell in todo:
                run_cell(cell, server, base, pdfs[cell.pages], args)
                progress(cell, repeat)
    for engine in base.engines:
        engine.close()
    return todo


def progress(cell: Cell, repeat: int) -> None:
    run = cell.runs[-1]
    print(
        f"  repeat {repeat + 1}: {cell.pages}-page x {cell.jobs}, {cell.clients} clients: "
        f"service {run.wall:.2f} s, parse {cell.parse_runs[-1][0]:.2f} s",
        flush=True,
    )


def report(todo: list[Cell], args: Namespace) -> None:
    every = f" every {args.poll} s" if args.wait == "poll" else ""
    print(
        f"\ndotsocr api --engine cpu --jobs {args.jobs}, clients waiting by {args.wait}{every}, "
        f"{args.repeats} repeat(s); wall: median, p50/p95: over all repeats' jobs\n"
    )
    table(todo)
    overheads(todo, args.jobs)
    cpu_lines(todo)
    failed = sum(r.failed for c in todo for r in c.runs)
    if failed:
        print(f"WARNING: {failed} job(s) did not end 'done'")


def table(todo: list[Cell]) -> None:
    print("| pdf pages | clients | jobs | jobs/min | p50 s | p95 s | wall s |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for c in todo:
        lat = c.latencies
        clients = f"{c.clients}*" if c.jobs < c.clients else str(c.clients)
        print(
            f"| {c.pages} | {clients} | {c.jobs} | {c.jobs / c.wall * 60:.1f} | "
            f"{percentile(lat, 50):.2f} | {percentile(lat, 95):.2f} | {c.wall:.2f} |"
        )
    if any(c.jobs < c.clients for c in todo):
        print("\n\\* fewer jobs than clients: only as many clients as jobs had one to send")
    print()


def overheads(todo: list[Cell], jobs: int) -> None:
    for c in todo:
        print(
            f"overhead {c.pages}-page, {c.clients} clients: service {c.wall:.2f} s / parse "
            f"{c.parse_wall:.2f} s ({min(c.clients, jobs)} at once) - 1 = "
            f"{c.wall / c.parse_wall - 1:+.1%}"
        )
    service = sum(c.wall for c in todo)
    parse = sum(c.parse_wall for c in todo)
    verdict = "met" if service / parse - 1 < GOAL else "NOT met"
    print(
        f"overhead, all cells: {service:.1f} s / {parse:.1f} s - 1 = {service / parse - 1:+.1%} "
        f"(goal < {GOAL:.0%}: {verdict})\n"
    )


def cpu_lines(todo: list[Cell]) -> None:
    """CPU seconds, less sensitive than wall time to other load on the machine."""
    print("CPU seconds (medians); the clients share the cores with the server:")
    for c in todo:
        server = statistics.median(r.server_cpu for r in c.runs)
        clients = statistics.median(r.client_cpu for r in c.runs)
        print(
            f"cpu {c.pages}-page, {c.clients} clients: server {server:.2f} + clients "
            f"{clients:.2f} vs parse {c.parse_cpu:.2f}: server / parse - 1 = "
            f"{server / c.parse_cpu - 1:+.1%}, with clients "
            f"{(server + clients) / c.parse_cpu - 1:+.1%}"
        )


def int_list(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def float_list(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def parse_args() -> Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int_list, default=[1, 4, 16])
    parser.add_argument("--pages", type=int_list, default=[1, 10], help="PDF sizes")
    parser.add_argument("--jobs", type=int, default=2, help="the server's --jobs")
    parser.add_argument(
        "--per-client",
        type=float_list,
        help="jobs per client, one per --pages entry (default 2,1; --quick: 1,0.25)",
    )
    parser.add_argument(
        "--min-jobs",
        type=int_list,
        help="least jobs per cell, one per --pages entry (default 8,2; --quick: 4,2)",
    )
    parser.add_argument("--repeats", type=int, help="default 3; --quick: 1")
    parser.add_argument("--wait", choices=sorted(WAITS), default="sse")
    parser.add_argument("--poll", type=float, default=0.1, help="seconds between GETs")
    parser.add_argument("--quick", action="store_true", help="small counts, one repeat")
    args = parser.parse_args()
    quick = args.quick
    if args.per_client is None:
        args.per_client = [PER_CLIENT[quick][p > 1] for p in args.pages]
    if args.min_jobs is None:
        args.min_jobs = [MIN_JOBS[quick][p > 1] for p in args.pages]
    if args.repeats is None:
        args.repeats = 1 if quick else 3
    if not len(args.pages) == len(args.per_client) == len(args.min_jobs):
        parser.error("--per-client and --min-jobs take one value per --pages entry")
    return args


def main() -> None:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="dotsocr-api-bench-") as tmp:
        todo = run_all(args, Path(tmp))
    report(todo, args)


if __name__ == "__main__":
    main()
