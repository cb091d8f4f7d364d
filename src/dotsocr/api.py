"""The Python API: ``parse()`` and the setup guide's ``DotsOCRPDFProcessor``."""

from __future__ import annotations

from pathlib import Path

from dotsocr.engines.select import select_engine
from dotsocr.model import Document
from dotsocr.options import EngineChoice, ParseOptions, PromptChoice
from dotsocr.pipeline import Pipeline


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
) -> Document:
    """Parse one PDF or image into a Document.

    Nothing is written unless ``output_dir`` is given; then the files of DESIGN.md §5
    are written there and pages already done with the same settings are reused.
    Problems with the input are reported in ``Document.error`` and per-page
    ``Page.status``/``Page.error`` rather than raised, as in a batch run.
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
    )
    choice = select_engine(options)
    pipeline = Pipeline(choice.engine, options, output_dir=Path(output_dir) if output_dir else None)
    return pipeline.parse_document(Path(source))


class DotsOCRPDFProcessor:
    """The processor class of the DotsOCR setup guide, kept for scripts written to it.

    ``use_gpu=True`` selects the DotsOCR engine behind a vLLM server (``server_url``);
    ``batch_size`` is the number of requests kept in flight there. ``use_gpu=False``
    selects the embedded CPU engine.
    """

    def __init__(
        self,
        use_gpu: bool = False,
        batch_size: int = 1,
        *,
        server_url: str | None = None,
        dpi: int = 200,
        prompt: PromptChoice = "layout_all",
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.use_gpu = use_gpu
        self.batch_size = batch_size
        self.server_url = server_url
        self.dpi = dpi
        self.prompt = prompt
        if use_gpu:
            # Fails here, at construction, with advice, rather than on the first page.
            select_engine(self._options(None))

    def _options(self, pages: str | None, password: str | None = None) -> ParseOptions:
        return ParseOptions(
            pages=pages,
            dpi=self.dpi,
            password=password,
            engine="dots" if self.use_gpu else "cpu",
            prompt=self.prompt,
            server=[self.server_url] if self.server_url else [],
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
        options = self._options(pages, password)
        choice = select_engine(options)
        pipeline = Pipeline(
            choice.engine, options, output_dir=Path(output_dir) if output_dir else None
        )
        return pipeline.parse_document(Path(pdf_path))

    process_image = process_pdf
