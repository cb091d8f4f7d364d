"""The Python API: ``parse()`` and the setup guide's ``DotsOCRPDFProcessor``.

Both run through the run layer (:func:`dotsocr.run.run_batch`), like the CLI.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotsocr.engines.base import Engine
from dotsocr.engines.registry import select_engine
from dotsocr.errors import InputNotFoundError, InputReadError
from dotsocr.model import Document
from dotsocr.options import (
    FigureMode,
    MarkdownImages,
    MarkdownTables,
    ParseOptions,
    PromptChoice,
)
from dotsocr.run import Batch, run_batch

#: Old flat names of DotsOCR engine options that Python callers may still pass.
_DOTS_ALIASES = {"retries": "max_retries"}


def engine_options(
    *,
    ocr: str | None = None,
    workers: int | None = None,
    lang: str | None = None,
    ruby: str | None = None,
    **dots_options: Any,
) -> dict[str, dict[str, Any]]:
    """Per-engine options from the flat keyword arguments the API takes: ``ocr``,
    ``lang`` and ``workers`` for the CPU engine, everything else for the DotsOCR engine."""
    cpu: dict[str, Any] = {}
    if ocr is not None:
        cpu["ocr"] = ocr
    if lang is not None:
        cpu["lang"] = lang
    if ruby is not None:
        cpu["ruby"] = ruby
    if workers is not None:
        cpu["workers"] = workers
    dots = {_DOTS_ALIASES.get(k, k): v for k, v in dots_options.items()}
    return {"cpu": cpu, "dots": dots}


def _document(
    path: Path, options: ParseOptions, output_dir: Path | None, engine: Engine | None
) -> Document:
    """Run one input; raise when it cannot be read, as a Python caller expects."""
    if not path.exists():
        raise InputNotFoundError(path, "no such file")
    summary = run_batch(Batch([path], options, output_dir), engine=engine)
    doc = summary.documents[0]
    if doc.error is not None:
        error = InputReadError(path, doc.error)
        error.document = doc  # type: ignore[attr-defined]
        raise error
    return doc


def parse(
    source: str | Path,
    pages: str | None = None,
    *,
    output_dir: str | Path | None = None,
    dpi: int = 200,
    password: str | None = None,
    engine: str = "auto",
    prompt: PromptChoice = "layout_all",
    server: str | list[str] | None = None,
    ocr: str = "auto",
    lang: str = "auto",
    ruby: str = "drop",
    workers: int | None = 1,
    force: bool = False,
    md_tables: MarkdownTables = "html",
    to: list[str] | None = None,
    figures: FigureMode = "pictures",
    md_images: MarkdownImages = "files",
    **dots_options: Any,
) -> Document:
    """Parse one PDF or image into a Document.

    Nothing is written unless ``output_dir`` is given; then the files ``to`` names
    (default: json, md, jpg, as DESIGN.md §5) are written there and pages already
    done with the same settings are reused. Raises ``InputNotFoundError`` (a
    FileNotFoundError) for a missing file and ``InputReadError`` (a ValueError,
    with the partial result as ``.document``) for one that cannot be parsed; a
    page that fails is reported in ``Page.status``/``Page.error`` instead.
    ``workers`` is the CPU engine's page processes (None: one per core); ``lang``
    the page language (auto: detected per page), which cleans Japanese OCR text;
    ``ruby`` how furigana are written (drop, html, paren; the JSON keeps them).
    ``figures`` picks the elements cropped to ``images/`` (pictures, all, none) and
    ``md_images`` how the Markdown shows them (files, embed, none).
    ``dots_options`` are the DotsOCR engine's settings (``model``, ``api_key``,
    ``concurrency``, ``timeout``, ``max_tokens``, ``bbox``, ``fallback``,
    ``dialect``, ``extra_body``, ``page_timeout``).
    """
    servers = [server] if isinstance(server, str) else list(server or [])
    engines = engine_options(ocr=ocr, workers=workers, lang=lang, ruby=ruby, **dots_options)
    options = ParseOptions(
        pages=pages, dpi=dpi, password=password, engine=engine, prompt=prompt,
        server=servers, force=force, md_tables=md_tables, engines=engines,
        figures=figures, md_images=md_images, **({"to": to} if to is not None else {}),
    )  # fmt: skip
    return _document(Path(source), options, Path(output_dir) if output_dir else None, None)


class DotsOCRPDFProcessor:
    """The processor class of the DotsOCR setup guide, kept for scripts written to it.

    ``use_gpu=True`` selects the DotsOCR engine behind a vLLM server (``server_url``,
    else ``$DOTSOCR_SERVER_URL``); ``batch_size`` is the number of requests kept in
    flight there. ``use_gpu=False`` selects the embedded CPU engine. One engine
    serves every call; ``close()`` (or ``with``) releases its connections.
    ``md_tables`` is ``parse()``'s: how the Markdown files written to ``output_dir``
    show tables.
    """

    def __init__(
        self,
        use_gpu: bool = False,
        batch_size: int = 1,
        *,
        server_url: str | None = None,
        dpi: int = 200,
        prompt: PromptChoice = "layout_all",
        md_tables: MarkdownTables = "html",
        **dots_options: Any,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.use_gpu = use_gpu
        self.batch_size = batch_size
        #: Every call's options but the pages and password.
        self.options = ParseOptions(
            dpi=dpi,
            engine="dots" if use_gpu else "cpu",
            prompt=prompt,
            md_tables=md_tables,
            server=[server_url] if server_url else [],
            engines=engine_options(workers=1, concurrency=batch_size, **dots_options),
        )
        # Built here, so a missing server or bad option fails at once, with advice.
        self._engine = select_engine(self.options).engine

    def process_pdf(
        self,
        pdf_path: str | Path,
        pages: str | None = None,
        *,
        output_dir: str | Path | None = None,
        password: str | None = None,
    ) -> Document:
        """Parse a PDF (or any supported input) into a Document; raises as ``parse``."""
        options = self.options.model_copy(update={"pages": pages, "password": password})
        out = Path(output_dir) if output_dir else None
        return _document(Path(pdf_path), options, out, self._engine)

    process_image = process_pdf

    def close(self) -> None:
        self._engine.close()

    def __enter__(self) -> DotsOCRPDFProcessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
