"""The Python API: ``parse()`` and the setup guide's ``DotsOCRPDFProcessor``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dotsocr.engines.base import Engine
from dotsocr.engines.select import select_engine
from dotsocr.model import Document
from dotsocr.options import EngineChoice, MarkdownTables, ParseOptions, PromptChoice
from dotsocr.pipeline import Pipeline


def _close(engine: Engine) -> None:
    close = getattr(engine, "close", None)
    if close is not None:
        close()


def parse(
    source: str | Path,
    pages: str | None = None,
    *,
    output_dir: str | Path | None = None,
    dpi: int = 200,
    password: str | None = None,
    engine: EngineChoice = "auto",
    prompt: PromptChoice = "layout_all",
    server: str | list[str] | None = None,
    ocr: str = "auto",
    force: bool = False,
    md_tables: MarkdownTables = "html",
    **dots_options: Any,
) -> Document:
    """Parse one PDF or image into a Document.

    Nothing is written unless ``output_dir`` is given; then the files of DESIGN.md §5
    are written there and pages already done with the same settings are reused.
    Problems with the input are reported in ``Document.error`` and per-page
    ``Page.status``/``Page.error`` rather than raised, as in a batch run.
    ``md_tables="pipe"`` writes tables with a plain grid as pipe tables in the
    Markdown files (``Document.markdown(tables="pipe")`` does the same in memory).
    ``dots_options`` are the DotsOCR engine's settings (``model``, ``api_key``,
    ``concurrency``, ``timeout``, ``max_tokens``, ``bbox``, ``fallback``).
    """
    servers = [server] if isinstance(server, str) else list(server or [])
    options = ParseOptions(
        pages=pages,
        dpi=dpi,
        password=password,
        engine=engine,
        prompt=prompt,
        server=servers,
        ocr=ocr,
        force=force,
        md_tables=md_tables,
        **dots_options,
    )
    choice = select_engine(options)
    try:
        pipeline = Pipeline(
            choice.engine, options, output_dir=Path(output_dir) if output_dir else None
        )
        return pipeline.parse_document(Path(source))
    finally:
        _close(choice.engine)


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
        self.server_url = server_url
        self.dpi = dpi
        self.prompt = prompt
        self.md_tables = md_tables
        self._dots_options = dots_options
        # Built here, so a missing server or bad option fails at once, with advice.
        self._engine = select_engine(self._options(None)).engine

    def _options(self, pages: str | None, password: str | None = None) -> ParseOptions:
        return ParseOptions(
            pages=pages,
            dpi=self.dpi,
            password=password,
            engine="dots" if self.use_gpu else "cpu",
            prompt=self.prompt,
            md_tables=self.md_tables,
            server=[self.server_url] if self.server_url else [],
            concurrency=self.batch_size,
            **self._dots_options,
        )

    def process_pdf(
        self,
        pdf_path: str | Path,
        pages: str | None = None,
        *,
        output_dir: str | Path | None = None,
        password: str | None = None,
    ) -> Document:
        """Parse a PDF (or any supported input) into a Document."""
        pipeline = Pipeline(
            self._engine,
            self._options(pages, password),
            output_dir=Path(output_dir) if output_dir else None,
        )
        return pipeline.parse_document(Path(pdf_path))

    process_image = process_pdf

    def close(self) -> None:
        _close(self._engine)

    def __enter__(self) -> DotsOCRPDFProcessor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
