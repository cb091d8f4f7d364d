"""The ``dotsocr`` command line. Thin: it turns flags into options and calls the
pipeline; every error becomes one line and an exit code (0 ok, 1 some inputs or
pages failed, 2 usage error)."""

from __future__ import annotations

import json
import logging
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, get_args

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape

from dotsocr import __version__
from dotsocr.cli_api import register_api_command
from dotsocr.cli_help import PlainHelpCommand, choice_enum
from dotsocr.engines.cpu.options import OcrPolicy as OcrPolicyChoice
from dotsocr.engines.cpu.options import PageLanguage, RubyMode
from dotsocr.engines.dots.options import Dialect as DialectChoice
from dotsocr.engines.registry import AUTO, engine_names
from dotsocr.errors import DotsOCRError, PageRangeError, UsageError
from dotsocr.ops.commands import register as register_ops_commands
from dotsocr.options import (
    FigureMode,
    MarkdownImages,
    MarkdownTables,
    ParseOptions,
    PromptChoice,
)
from dotsocr.run import RunnerChoice
from dotsocr.writers.registry import DEFAULT_WRITERS, writer_names

app = typer.Typer(
    name="dotsocr",
    help="Turn PDFs and page images into layout JSON, Markdown and box overlays.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


#: Choices of the parse options, from where each list is kept.
EngineName = choice_enum("EngineName", [AUTO, *engine_names()])
PromptName = choice_enum("PromptName", get_args(PromptChoice))
RunnerName = choice_enum("RunnerName", get_args(RunnerChoice))
OcrPolicy = choice_enum("OcrPolicy", get_args(OcrPolicyChoice))
PageLang = choice_enum("PageLang", get_args(PageLanguage))
RubyChoice = choice_enum("RubyChoice", get_args(RubyMode))
MdTables = choice_enum("MdTables", get_args(MarkdownTables))
MdImages = choice_enum("MdImages", get_args(MarkdownImages))
Figures = choice_enum("Figures", get_args(FigureMode))
Dialect = choice_enum("Dialect", get_args(DialectChoice))


# Help panels of `parse`, in the order they are shown.
INPUT, OUTPUT, RUN, CPU, SERVER, LIMITS = (
    "Input",
    "Output",
    "Engine and run",
    "CPU engine",
    "DotsOCR server (--engine dots)",
    "Limits",
)

PARSE_EXAMPLES = """\
**Examples**

* `dotsocr parse report.pdf -o out/`: every page, with the CPU engine unless a server is set

* `dotsocr parse scans/ -o out/ --pages 1-3 --to json,md`: a folder, 3 pages each, no JPGs

* `dotsocr parse big.pdf -o out/ --workers 2`: two pages at once on the CPU

* `dotsocr parse docs/ -o out/ --server http://gpu:8000`: the DotsOCR model on a vLLM server

* `dotsocr parse doc.pdf --server http://127.0.0.1:11434 --dialect openai --model dots.ocr`:
  an ollama, llama.cpp or LM Studio server

A run that is interrupted keeps the pages it finished; the same command resumes it.
"""


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


@app.command(cls=PlainHelpCommand, epilog=PARSE_EXAMPLES)
def parse(
    inputs: Annotated[
        list[Path],
        typer.Argument(
            help="PDF files, images (PNG, JPEG, TIFF, WebP, BMP, GIF) or folders of them.",
            metavar="INPUT...",
            show_default=False,
        ),
    ],
    pages: Annotated[
        str | None,
        typer.Option(
            metavar="RANGE", help="Pages to parse, 1-based: '1-3,7', '5-'.", rich_help_panel=INPUT
        ),
    ] = None,
    password: Annotated[
        str | None,
        typer.Option(
            metavar="PW",
            help="Password for encrypted PDFs.",
            show_default=False,
            rich_help_panel=INPUT,
        ),
    ] = None,
    passwords: Annotated[
        Path | None,
        typer.Option(
            metavar="FILE",
            help="File of passwords: per line a file name, a tab and its password, "
            "or a password alone to try on every PDF.",
            show_default=False,
            rich_help_panel=INPUT,
        ),
    ] = None,
    follow_symlinks: Annotated[
        bool,
        typer.Option(
            help="Follow symlinks in input folders that lead outside them.", rich_help_panel=INPUT
        ),
    ] = False,
    output: Annotated[
        Path,
        typer.Option(
            "--output", "-o", metavar="DIR", help="Folder for the results.", rich_help_panel=OUTPUT
        ),
    ] = Path("output"),
    to: Annotated[
        str,
        typer.Option(
            metavar="FORMATS",
            help=f"Output formats, comma-separated, from: {', '.join(writer_names())} "
            "(see the README's table of writers). The manifest is always written; "
            "without json, reruns redo pages.",
            rich_help_panel=OUTPUT,
        ),
    ] = ",".join(DEFAULT_WRITERS),
    md_tables: Annotated[
        MdTables,
        typer.Option(
            help="Tables in the Markdown files: html (as DotsOCR writes them) or pipe "
            "(GitHub pipe tables; tables with merged cells or ragged rows stay HTML).",
            rich_help_panel=OUTPUT,
        ),
    ] = MdTables["html"],
    md_images: Annotated[
        MdImages,
        typer.Option(
            help="Figures in the Markdown files: files (linked from images/), embed "
            "(data URLs: one self-contained file) or none.",
            rich_help_panel=OUTPUT,
        ),
    ] = MdImages["files"],
    figures: Annotated[
        Figures,
        typer.Option(
            help="Elements saved as images/STEM_page_I_K.png: pictures, all "
            "(pictures, tables and formulas) or none.",
            rich_help_panel=OUTPUT,
        ),
    ] = Figures["pictures"],
    dpi: Annotated[
        int,
        typer.Option(
            min=36, max=1200, metavar="N", help="PDF render resolution.", rich_help_panel=OUTPUT
        ),
    ] = 200,
    force: Annotated[
        bool, typer.Option(help="Redo pages already done.", rich_help_panel=OUTPUT)
    ] = False,
    engine: Annotated[
        EngineName,
        typer.Option(
            help="cpu: embedded engine; dots: DotsOCR on a model server; "
            "auto: dots when a server is set, else cpu.",
            rich_help_panel=RUN,
        ),
    ] = EngineName[AUTO],
    prompt: Annotated[
        PromptName,
        typer.Option(
            metavar="MODE",
            help="What to extract: layout_all (boxes and text), layout_only (boxes), "
            "ocr (text only) or grounding_ocr (the text in --bbox; dots engine).",
            rich_help_panel=RUN,
        ),
    ] = PromptName["layout_all"],
    runner: Annotated[
        RunnerName,
        typer.Option(
            help="local: this machine; ray: spread pages over a Ray cluster (dots).",
            rich_help_panel=RUN,
        ),
    ] = RunnerName["local"],
    ray_address: Annotated[
        str | None,
        typer.Option(
            metavar="ADDR",
            help="--runner ray: auto, local or ray://head:10001; default $RAY_ADDRESS.",
            rich_help_panel=RUN,
        ),
    ] = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="Only print errors.", rich_help_panel=RUN)
    ] = False,
    ocr: Annotated[
        OcrPolicy,
        typer.Option(
            help="OCR always, never, or when the text layer is missing or unusable.",
            rich_help_panel=CPU,
        ),
    ] = OcrPolicy["auto"],
    lang: Annotated[
        PageLang,
        typer.Option(
            help="Page language: auto (detected per page from its text) or ja, zh, ko, en. "
            "On Japanese pages OCR glyph confusions are put right (Simplified forms, ー/一, "
            "カ/力, ...); Chinese text is left as it is.",
            rich_help_panel=CPU,
        ),
    ] = PageLang["auto"],
    ruby: Annotated[
        RubyChoice,
        typer.Option(
            help="Ruby (furigana) read from the text layer: drop keeps the base text only, "
            "html writes HTML ruby markup (ruby and rt tags), paren writes 勢(いきお). The "
            "JSON lists the readings either way.",
            rich_help_panel=CPU,
        ),
    ] = RubyChoice["drop"],
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=256,
            metavar="N",
            help="Pages parsed at once, in worker processes. Default: the cores, capped by memory.",
            show_default=False,
            rich_help_panel=CPU,
        ),
    ] = None,
    server: Annotated[
        list[str] | None,
        typer.Option(
            metavar="URL",
            help="Model server URL (repeatable); default $DOTSOCR_SERVER_URL.",
            show_default=False,
            rich_help_panel=SERVER,
        ),
    ] = None,
    dialect: Annotated[
        Dialect,
        typer.Option(
            help="vllm: vLLM's request form; openai: the standard one, for ollama, "
            "llama.cpp and LM Studio.",
            rich_help_panel=SERVER,
        ),
    ] = Dialect["vllm"],
    model: Annotated[
        str | None,
        typer.Option(
            metavar="NAME",
            help="Served model name; default: what the server lists.",
            rich_help_panel=SERVER,
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help="API key of the server; default $DOTSOCR_API_KEY.",
            show_default=False,
            rich_help_panel=SERVER,
        ),
    ] = None,
    bbox: Annotated[
        tuple[int, int, int, int] | None,
        typer.Option(
            metavar="X1 Y1 X2 Y2",
            help="grounding_ocr prompt: box in page pixels.",
            show_default=False,
            rich_help_panel=SERVER,
        ),
    ] = None,
    concurrency: Annotated[
        int,
        typer.Option(
            min=1, max=4096, metavar="N", help="Requests in flight.", rich_help_panel=SERVER
        ),
    ] = 64,
    timeout: Annotated[
        float, typer.Option(min=1, metavar="S", help="Seconds per request.", rich_help_panel=SERVER)
    ] = 600.0,
    max_tokens: Annotated[
        int, typer.Option(min=16, metavar="N", help="Tokens per answer.", rich_help_panel=SERVER)
    ] = 16384,
    retries: Annotated[
        int,
        typer.Option(
            min=0, max=20, metavar="N", help="Retries of a failed request.", rich_help_panel=SERVER
        ),
    ] = 4,
    retry_backoff: Annotated[
        float,
        typer.Option(
            min=0.001,
            metavar="S",
            help="First retry delay; doubles up to 40 times it.",
            rich_help_panel=SERVER,
        ),
    ] = 0.5,
    fallback: Annotated[
        bool,
        typer.Option(
            help="Read pages the model fails with the CPU engine.", rich_help_panel=SERVER
        ),
    ] = True,
    extra_body: Annotated[
        str | None,
        typer.Option(
            metavar="JSON",
            help="JSON object merged into every request body, e.g. "
            "'{\"repetition_penalty\": 1.05}'.",
            show_default=False,
            rich_help_panel=SERVER,
        ),
    ] = None,
    page_timeout: Annotated[
        float,
        typer.Option(
            min=1,
            metavar="S",
            help="Seconds for one page, all its attempts.",
            rich_help_panel=SERVER,
        ),
    ] = 900.0,
    max_file_size: Annotated[
        float,
        typer.Option(
            min=0.001, metavar="MB", help="Largest input file to read.", rich_help_panel=LIMITS
        ),
    ] = 1024.0,
    max_pages: Annotated[
        int,
        typer.Option(
            min=1, metavar="N", help="Most pages parsed per document.", rich_help_panel=LIMITS
        ),
    ] = 10_000,
    document_timeout: Annotated[
        float,
        typer.Option(
            min=1,
            metavar="S",
            help="Seconds for one document; pages left then fail.",
            rich_help_panel=LIMITS,
        ),
    ] = 6 * 3600.0,
    max_error_rate: Annotated[
        float,
        typer.Option(
            min=0,
            max=1,
            metavar="SHARE",
            help="Share of failed pages above which a document fails.",
            rich_help_panel=LIMITS,
        ),
    ] = 0.1,
) -> None:
    """Parse PDFs and images into layout JSON, Markdown and box overlays.

    Per page: JSON, Markdown (with and without headers/footers) and an overlay JPEG;
    per document: its Markdown and a manifest. Reruns skip pages already done with
    the same settings.
    """
    from dotsocr.interrupts import StopOnSignal
    from dotsocr.progress import make_reporter, print_summary
    from dotsocr.run import Batch, EngineReady, run_batch
    from dotsocr.sources import SUPPORTED_EXTENSIONS, discover_inputs, validate_page_range
    from dotsocr.sources.password_file import PasswordBook, read_password_file

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    out = Console(highlight=False, soft_wrap=True)
    _configure_logging(quiet)
    if pages is not None:
        try:
            validate_page_range(pages)
        except PageRangeError as exc:
            raise _usage(err, f"--pages: {exc}") from None
    book = PasswordBook()
    if passwords is not None:
        try:
            book = read_password_file(passwords)
        except DotsOCRError as exc:
            raise _usage(err, str(exc)) from None
    options = options_from_flags(
        err,
        pages=pages,
        password=password,
        force=force,
        passwords=book.anywhere,
        file_passwords=book.by_name,
        max_pages=max_pages,
        **{name: value for name, value in locals().items() if name in SHARED_PARSE_FLAGS},
    )
    found = discover_inputs(inputs, follow_symlinks=follow_symlinks)
    for missing in found.missing:
        err.print(f"[red]error[/red]: {escape(str(missing))}: no such file or folder")
    if not found.files:
        if found.empty_folders:
            kinds = ", ".join(sorted(SUPPORTED_EXTENSIONS))
            for folder in found.empty_folders:
                err.print(
                    f"[red]error[/red]: {escape(str(folder))}: no files to parse in this folder "
                    f"or below it (looked for {kinds})"
                )
        elif not found.missing:
            err.print("[red]error[/red]: no input files to parse")
        raise typer.Exit(EXIT_USAGE if not found.missing else EXIT_FAILED)

    def engine_ready(ready: EngineReady) -> None:
        if not quiet:
            err.print(f"engine: {escape(ready.describe())}")

    def stopping(signum: int) -> None:
        err.print("stopping: finishing the pages in flight (press Ctrl-C again to stop at once)")

    stop = threading.Event()
    with make_reporter(err, quiet=quiet) as reporter:
        batch = Batch(
            found.files, options, output, reporter, runner.value, ray_address, stop
        )  # fmt: skip
        with StopOnSignal(stop, notice=stopping) as signals:
            try:
                summary = run_batch(batch, on_engine_ready=engine_ready)
            except UsageError as exc:
                raise _usage(err, str(exc)) from None
            except DotsOCRError as exc:
                err.print(f"[red]error[/red]: {escape(str(exc))}")
                raise typer.Exit(EXIT_FAILED) from None
            except KeyboardInterrupt:
                where = escape(str(output))
                err.print(
                    f"interrupted: pages in flight dropped; the pages saved in {where} stay; "
                    "run the same command again to resume"
                )
                raise typer.Exit(signals.exit_code) from None
    if signals.received is not None or summary.interrupted:
        err.print(
            f"interrupted: {summary.saved_pages} of {summary.planned_pages} pages saved in "
            f"{escape(str(output))}; run the same command again to resume"
        )
        raise typer.Exit(signals.exit_code)
    if not quiet:
        print_summary(out, summary, output)
    failed = bool(found.missing) or not summary.ok
    raise typer.Exit(EXIT_FAILED if failed else EXIT_OK)


#: The flags of ``parse`` that ``dotsocr api`` takes too, as its jobs' defaults.
SHARED_PARSE_FLAGS = (
    "to", "md_tables", "md_images", "figures", "dpi", "engine", "prompt", "ocr", "lang", "ruby",
    "workers",
    "server", "dialect", "model", "api_key", "bbox", "concurrency", "timeout", "max_tokens",
    "retries", "retry_backoff", "fallback", "extra_body", "page_timeout", "max_file_size",
    "document_timeout", "max_error_rate",
)  # fmt: skip


def options_from_flags(err: Console, **flags: Any) -> ParseOptions:
    """ParseOptions from ``parse``'s flag values (enums as Typer gives them); a
    value the options refuse is one error line and the usage exit."""
    dots = {
        "model": flags["model"],
        "api_key": flags["api_key"],
        "bbox": list(flags["bbox"]) if flags["bbox"] else None,
        "concurrency": flags["concurrency"],
        "timeout": flags["timeout"],
        "max_tokens": flags["max_tokens"],
        "fallback": flags["fallback"],
        "page_timeout": flags["page_timeout"],
        "max_retries": flags["retries"],
        "retry_backoff": flags["retry_backoff"],
        "dialect": flags["dialect"].value,
        "extra_body": _extra_body(flags["extra_body"], err),
    }
    try:
        return ParseOptions(
            pages=flags.get("pages"),
            dpi=flags["dpi"],
            password=flags.get("password"),
            engine=flags["engine"].value,
            prompt=flags["prompt"].value,
            server=flags["server"] or [],
            to=flags["to"].split(","),
            md_tables=flags["md_tables"].value,
            md_images=flags["md_images"].value,
            figures=flags["figures"].value,
            force=flags.get("force", False),
            engines={
                "cpu": {
                    "ocr": flags["ocr"].value,
                    "lang": flags["lang"].value,
                    "ruby": flags["ruby"].value,
                    "workers": flags["workers"],
                },
                "dots": dots,
            },
            passwords=flags.get("passwords", []),
            file_passwords=flags.get("file_passwords", {}),
            max_file_mb=flags["max_file_size"],
            max_pages=flags["max_pages"],
            document_timeout=flags["document_timeout"],
            max_error_rate=flags["max_error_rate"],
        )
    except ValidationError as exc:
        raise _usage(err, _validation_message(exc)) from None


def _usage(err: Console, message: str) -> typer.Exit:
    """One error line and the usage exit code."""
    err.print(f"[red]error[/red]: {escape(message)}")
    return typer.Exit(EXIT_USAGE)


def _validation_message(exc: ValidationError) -> str:
    """The first problem pydantic found, as one line naming the option."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part not in ("engines",))
    message = str(first["msg"]).removeprefix("Value error, ")
    return f"{where}: {message}" if where else message


def _extra_body(text: str | None, err: Console) -> dict[str, Any]:
    """--extra-body: a JSON object, or one error line and a usage exit."""
    if text is None:
        return {}
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _usage(err, f"--extra-body: not valid JSON ({exc})") from None
    if not isinstance(value, dict):
        raise _usage(err, f"--extra-body: must be a JSON object, got {type(value).__name__}")
    return value


@app.command()
def schema() -> None:
    """Print the JSON schema of the Document model."""
    from dotsocr.model import json_schema

    typer.echo(json_schema())


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
register_api_command(app, parse, SHARED_PARSE_FLAGS, cls=PlainHelpCommand)


if __name__ == "__main__":
    main()
