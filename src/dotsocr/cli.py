"""The ``dotsocr`` command line. Thin: it turns flags into options and calls the
pipeline; every error becomes one line and an exit code (0 ok, 1 some inputs or
pages failed, 2 usage error)."""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from dotsocr import __version__
from dotsocr.errors import DotsOCRError, PageRangeError
from dotsocr.ops.commands import register as register_ops_commands
from dotsocr.options import ParseOptions

if TYPE_CHECKING:
    from dotsocr.engines.base import Engine
    from dotsocr.pipeline import Reporter, RunSummary

app = typer.Typer(
    name="dotsocr",
    help="Turn PDFs and page images into layout JSON, Markdown and box overlays.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class EngineName(str, Enum):
    auto = "auto"
    cpu = "cpu"
    dots = "dots"


class PromptName(str, Enum):
    layout_all = "layout_all"
    layout_only = "layout_only"
    ocr = "ocr"
    grounding_ocr = "grounding_ocr"


class RunnerName(str, Enum):
    local = "local"
    ray = "ray"


class OcrPolicy(str, Enum):
    auto = "auto"
    always = "always"
    never = "never"


class MdTables(str, Enum):
    html = "html"
    pipe = "pipe"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dotsocr {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show version.")
    ] = False,
) -> None:
    """dotsocr: structured documents from PDFs and images, on CPU or a DotsOCR GPU server."""


@app.command()
def parse(
    inputs: Annotated[
        list[Path],
        typer.Argument(help="PDF files, images (PNG, JPEG, TIFF, WebP, BMP) or folders."),
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the results.")] = Path(
        "output"
    ),
    pages: Annotated[
        str | None, typer.Option(help="Pages to parse, 1-based: '1-3,7', '5-'.")
    ] = None,
    dpi: Annotated[int, typer.Option(min=36, max=1200, help="PDF render resolution.")] = 200,
    password: Annotated[
        str | None, typer.Option(help="Password for encrypted PDFs.", show_default=False)
    ] = None,
    engine: Annotated[
        EngineName,
        typer.Option(
            help="cpu: embedded engine; dots: DotsOCR over vLLM; auto: dots when a server is set."
        ),
    ] = EngineName.auto,
    prompt: Annotated[
        PromptName,
        typer.Option(help="What to extract: full layout with text, boxes only, or text only."),
    ] = PromptName.layout_all,
    server: Annotated[
        list[str] | None,
        typer.Option(help="DotsOCR server URL (repeatable); default $DOTSOCR_SERVER_URL."),
    ] = None,
    ocr: Annotated[
        OcrPolicy,
        typer.Option(
            help="CPU engine: OCR always, never, or when the text layer is missing or unusable."
        ),
    ] = OcrPolicy.auto,
    md_tables: Annotated[
        MdTables,
        typer.Option(
            help="Tables in the Markdown files: html (as DotsOCR writes them) or pipe "
            "(GitHub pipe tables; tables with merged cells or ragged rows stay HTML). "
            "The JSON is the same either way.",
        ),
    ] = MdTables.html,
    model: Annotated[
        str | None, typer.Option(help="dots: served model name; default: what the server lists.")
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            help="dots: API key of the server; default $DOTSOCR_API_KEY.", show_default=False
        ),
    ] = None,
    bbox: Annotated[
        tuple[int, int, int, int] | None,
        typer.Option(help="dots, grounding_ocr prompt: box in page pixels (x1 y1 x2 y2)."),
    ] = None,
    concurrency: Annotated[
        int, typer.Option(min=1, max=4096, help="dots: requests in flight.")
    ] = 64,
    timeout: Annotated[float, typer.Option(min=1, help="dots: seconds per request.")] = 600.0,
    max_tokens: Annotated[int, typer.Option(min=16, help="dots: tokens per answer.")] = 16384,
    retries: Annotated[
        int, typer.Option(min=0, max=20, help="dots: retries of a failed request.")
    ] = 4,
    retry_backoff: Annotated[
        float,
        typer.Option(min=0.001, help="dots: first retry delay in s; doubles up to 40 times it."),
    ] = 0.5,
    fallback: Annotated[
        bool, typer.Option(help="dots: read pages the model fails with the CPU engine.")
    ] = True,
    extra_body: Annotated[
        str | None,
        typer.Option(
            metavar="JSON",
            help="dots: JSON object merged into every request body, e.g. "
            "'{\"repetition_penalty\": 1.05}'.",
            show_default=False,
        ),
    ] = None,
    passwords: Annotated[
        Path | None,
        typer.Option(
            help="File of passwords: 'name<TAB>password' per file, or one to try on all.",
            show_default=False,
        ),
    ] = None,
    max_file_size: Annotated[
        float, typer.Option(min=0.001, help="Largest input file to read, in MB.")
    ] = 1024.0,
    max_pages: Annotated[int, typer.Option(min=1, help="Most pages parsed per document.")] = 10_000,
    page_timeout: Annotated[
        float, typer.Option(min=1, help="dots: seconds for one page, all its attempts.")
    ] = 900.0,
    document_timeout: Annotated[
        float, typer.Option(min=1, help="Seconds for one document; pages left then fail.")
    ] = 6 * 3600.0,
    max_error_rate: Annotated[
        float,
        typer.Option(min=0, max=1, help="Share of failed pages above which a document fails."),
    ] = 0.1,
    follow_symlinks: Annotated[
        bool, typer.Option(help="Follow symlinks in input folders that lead outside them.")
    ] = False,
    force: Annotated[bool, typer.Option(help="Redo pages already done.")] = False,
    runner: Annotated[
        RunnerName,
        typer.Option(help="local: this process; ray: spread pages over a Ray cluster (dots)."),
    ] = RunnerName.local,
    ray_address: Annotated[
        str | None,
        typer.Option(help="--runner ray: auto, local or ray://head:10001; default $RAY_ADDRESS."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Only print errors.")] = False,
) -> None:
    """Parse PDFs and images into layout JSON, Markdown and box overlays.

    Per page: JSON, Markdown (with and without headers/footers) and an overlay JPEG;
    per document: its Markdown and a manifest. Reruns skip pages already done with
    the same settings.
    """
    from dotsocr.engines.select import select_engine
    from dotsocr.pipeline import Pipeline
    from dotsocr.progress import ConsoleReporter, print_summary
    from dotsocr.sources import discover_inputs, validate_page_range
    from dotsocr.sources.password_file import PasswordBook, read_password_file

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    out = Console(highlight=False, soft_wrap=True)
    _configure_logging(quiet)
    if pages is not None:
        try:
            validate_page_range(pages)
        except PageRangeError as exc:
            err.print(f"[red]error[/red]: --pages: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
    extra = _extra_body(extra_body, err)
    book = PasswordBook()
    if passwords is not None:
        try:
            book = read_password_file(passwords)
        except DotsOCRError as exc:
            err.print(f"[red]error[/red]: {exc}")
            raise typer.Exit(EXIT_USAGE) from None
    options = ParseOptions(
        pages=pages,
        dpi=dpi,
        password=password,
        engine=engine.value,
        prompt=prompt.value,
        server=server or [],
        ocr=ocr.value,
        md_tables=md_tables.value,
        force=force,
        model=model,
        api_key=api_key,
        bbox=list(bbox) if bbox else None,
        concurrency=concurrency,
        timeout=timeout,
        max_tokens=max_tokens,
        fallback=fallback,
        retries=retries,
        retry_backoff=retry_backoff,
        extra_body=extra,
        passwords=book.anywhere,
        file_passwords=book.by_name,
        max_file_mb=max_file_size,
        max_pages=max_pages,
        page_timeout=page_timeout,
        document_timeout=document_timeout,
        max_error_rate=max_error_rate,
    )
    found = discover_inputs(inputs, follow_symlinks=follow_symlinks)
    for missing in found.missing:
        err.print(f"[red]error[/red]: {missing}: no such file or folder")
    if not found.files:
        err.print("[red]error[/red]: no input files to parse")
        raise typer.Exit(EXIT_USAGE if not found.missing else EXIT_FAILED)
    try:
        choice = select_engine(options)
    except DotsOCRError as exc:
        err.print(f"[red]error[/red]: {exc}")
        raise typer.Exit(EXIT_USAGE) from None
    with closing_engine(choice.engine):
        prepare = getattr(choice.engine, "prepare", None)
        try:
            served = prepare() if prepare is not None else None
        except DotsOCRError as exc:
            err.print(f"[red]error[/red]: {exc}")
            raise typer.Exit(EXIT_FAILED) from None
        if not quiet:
            err.print(f"engine: {choice.reason}" + (f", model {served}" if served else ""))
        show_progress = not quiet and err.is_terminal
        with ConsoleReporter(err, show_progress=show_progress) as reporter:
            if runner is RunnerName.ray:
                summary = _run_on_ray(
                    choice.engine, options, found.files, output, reporter, ray_address, err
                )
            else:
                pipeline = Pipeline(choice.engine, options, output_dir=output, reporter=reporter)
                summary = pipeline.run(found.files)
    if not quiet:
        print_summary(out, summary, output)
    failed = bool(found.missing) or not summary.ok
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


def _extra_body(text: str | None, err: Console) -> dict[str, Any]:
    """--extra-body: a JSON object, or one error line and a usage exit."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        err.print(f"[red]error[/red]: --extra-body: not valid JSON ({exc})", markup=True)
        raise typer.Exit(EXIT_USAGE) from None
    if not isinstance(value, dict):
        err.print(
            f"[red]error[/red]: --extra-body: must be a JSON object, got {type(value).__name__}"
        )
        raise typer.Exit(EXIT_USAGE)
    return value


def _run_on_ray(
    engine: Engine,
    options: ParseOptions,
    files: list[Path],
    output: Path,
    reporter: Reporter,
    address: str | None,
    err: Console,
) -> RunSummary:
    """The Ray runner (dotsocr[ray]); its refusals are usage errors."""
    from dotsocr.runners import RayRunner, RayRunnerOptions

    try:
        runner = RayRunner(
            engine, options, output_dir=output, reporter=reporter,
            ray_options=RayRunnerOptions(address=address),
        )  # fmt: skip
        return runner.run(files)
    except DotsOCRError as exc:
        from rich.markup import escape

        err.print(f"[red]error[/red]: {escape(str(exc))}")  # keeps "dotsocr[ray]" intact
        raise typer.Exit(EXIT_USAGE) from None


@app.command()
def schema() -> None:
    """Print the JSON schema of the Document model."""
    from dotsocr.model import json_schema

    typer.echo(json_schema())


@contextmanager
def closing_engine(engine: object) -> Iterator[None]:
    """Close an engine that holds connections (the dots engine) when the run ends."""
    try:
        yield
    finally:
        close = getattr(engine, "close", None)
        if close is not None:
            close()


def _configure_logging(quiet: bool) -> None:
    """Warnings from dotsocr's own logger go to stderr; third-party chatter stays off."""
    logger = logging.getLogger("dotsocr")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
        logger.addHandler(handler)
    logger.setLevel(logging.ERROR if quiet else logging.WARNING)


def main() -> None:
    app()


register_ops_commands(app)


if __name__ == "__main__":
    main()
