"""``dotsocr api``: the HTTP service's command. Its engine and output flags are
``parse``'s own (the same names, help and defaults), taken from ``parse``'s
signature so the two commands cannot drift apart; they become every job's defaults.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from dotsocr.options import ParseOptions

SERVICE = "Service"
API_KEY_ENV = "DOTSOCR_API_KEY"
#: The service key and the model server's key are both ``--api-key`` elsewhere; here
#: the server's one is ``--server-api-key``.
_RENAMED = {"api_key": "server_api_key"}


def api_command(
    host: Annotated[
        str,
        typer.Option(
            metavar="ADDR",
            help="Address to listen on. Anything but 127.0.0.1 serves other machines: "
            "set --api-key and read the README's reverse-proxy section first.",
            rich_help_panel=SERVICE,
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option(min=1, max=65535, metavar="N", help="Port.", rich_help_panel=SERVICE)
    ] = 8080,
    data_dir: Annotated[
        Path,
        typer.Option(
            metavar="DIR",
            help="Jobs (SQLite), uploads and results; a restart takes up the jobs left here.",
            rich_help_panel=SERVICE,
        ),
    ] = Path("dotsocr-api"),
    service_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help=f"Require 'Authorization: Bearer KEY' on /v1; default ${API_KEY_ENV}.",
            show_default=False,
            rich_help_panel=SERVICE,
        ),
    ] = None,
    max_upload_mb: Annotated[
        float,
        typer.Option(min=0.001, metavar="MB", help="Largest upload.", rich_help_panel=SERVICE),
    ] = 200.0,
    max_pages: Annotated[
        int,
        typer.Option(min=1, metavar="N", help="Most pages per upload.", rich_help_panel=SERVICE),
    ] = 2000,
    jobs: Annotated[
        int,
        typer.Option(
            min=1, max=64, metavar="N", help="Documents parsed at once.", rich_help_panel=SERVICE
        ),
    ] = 1,
    cors_origin: Annotated[
        list[str] | None,
        typer.Option(
            metavar="URL",
            help="Allow browser pages from this origin (repeatable); no CORS without it.",
            show_default=False,
            rich_help_panel=SERVICE,
        ),
    ] = None,
    server_api_key: Annotated[
        str | None,
        typer.Option(
            metavar="KEY",
            help=f"API key of the model server; default ${API_KEY_ENV}.",
            show_default=False,
            rich_help_panel="DotsOCR server",
        ),
    ] = None,
    **parse_flags: Any,
) -> None:
    """Serve dotsocr over HTTP: a job queue, results, progress events and a web page.

    Needs the api extra: pip install 'dotsocr[api]'. Jobs parse with the engine and
    output flags given here, which a job's form fields (pages, engine, prompt, to,
    dpi) override.
    """
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        import uvicorn

        from dotsocr.service.app import create_app
    except ImportError as exc:
        err.print(f"[red]error[/red]: {exc.name} is missing: pip install 'dotsocr[api]'")
        raise typer.Exit(2) from None
    from dotsocr.cli import options_from_flags
    from dotsocr.service.settings import ServiceSettings

    if parse_flags["workers"] is None:
        parse_flags["workers"] = 1  # per job: --jobs runs documents side by side
    defaults: ParseOptions = options_from_flags(
        err, api_key=server_api_key, max_pages=max_pages, **parse_flags
    )
    settings = ServiceSettings(
        data_dir=data_dir,
        api_key=service_key or os.environ.get(API_KEY_ENV) or None,
        max_upload_mb=max_upload_mb,
        max_pages=max_pages,
        jobs=jobs,
        cors_origins=cors_origin or [],
        defaults=defaults,
    )
    if host not in ("127.0.0.1", "localhost", "::1") and settings.api_key is None:
        err.print(
            f"warning: serving on {host} without --api-key: anyone who can reach it can use it"
        )
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level="warning",
        timeout_graceful_shutdown=5,
    )


def register_api_command(
    app: typer.Typer, parse: Callable[..., Any], shared: tuple[str, ...], **command: Any
) -> None:
    """Add ``dotsocr api`` to ``app`` with ``parse``'s flags named in ``shared``;
    ``--to`` defaults to what the service's results and web page need."""
    from dotsocr.service.settings import DEFAULT_JOB_FORMATS

    parse_params = inspect.signature(parse, eval_str=True).parameters
    own = [
        p for p in inspect.signature(api_command, eval_str=True).parameters.values()
        if p.kind is not inspect.Parameter.VAR_KEYWORD
    ]  # fmt: skip
    borrowed = [parse_params[name] for name in shared if name not in _RENAMED]
    borrowed = [
        p.replace(default=",".join(DEFAULT_JOB_FORMATS)) if p.name == "to" else p for p in borrowed
    ]

    def api(**values: Any) -> None:
        mine = {p.name: values.pop(p.name) for p in own}
        api_command(**mine, **values)

    api.__signature__ = inspect.Signature([*own, *borrowed])  # type: ignore[attr-defined]
    api.__doc__ = api_command.__doc__
    app.command("api", **command)(api)
