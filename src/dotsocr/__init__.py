"""dotsocr: PDFs and page images to structured documents.

Public API: ``parse``, ``DotsOCRPDFProcessor``, the data model (``Document``, ``Page``,
``Element``) and the error types; for batches, ``dotsocr.run.run_batch`` with
``dotsocr.options.ParseOptions``.
"""

from dotsocr.api import DotsOCRPDFProcessor, parse
from dotsocr.errors import (
    DotsOCRError,
    EngineError,
    InputError,
    InputNotFoundError,
    InputReadError,
    LimitError,
    OutputDirError,
    PageRangeError,
    PasswordError,
    UsageError,
)
from dotsocr.model import Document, Element, Page

__version__ = "0.1.0"

__all__ = [
    "Document",
    "DotsOCRError",
    "DotsOCRPDFProcessor",
    "Element",
    "EngineError",
    "InputError",
    "InputNotFoundError",
    "InputReadError",
    "LimitError",
    "OutputDirError",
    "Page",
    "PageRangeError",
    "PasswordError",
    "UsageError",
    "__version__",
    "parse",
]
