"""dotsocr: PDFs and page images to structured documents.

Public API: ``parse``, ``DotsOCRPDFProcessor``, the data model (``Document``, ``Page``,
``Element``) and the error types. Nothing else is meant to be imported by users.
"""

from dotsocr.api import DotsOCRPDFProcessor, parse
from dotsocr.errors import (
    DotsOCRError,
    EngineError,
    InputError,
    LimitError,
    PageRangeError,
    PasswordError,
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
    "LimitError",
    "Page",
    "PageRangeError",
    "PasswordError",
    "__version__",
    "parse",
]
