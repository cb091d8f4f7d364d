"""Inputs as pages: open PDFs and images, select pages, render lazily within the
pixel budget, and find input files in folders."""

from dotsocr.sources.base import PageImage, SourceDocument, TextChar, TextLayer
from dotsocr.sources.discover import SUPPORTED_EXTENSIONS, Inputs, discover_inputs
from dotsocr.sources.open import open_source
from dotsocr.sources.pages import parse_page_range, validate_page_range

__all__ = [
    "SUPPORTED_EXTENSIONS",
    "Inputs",
    "PageImage",
    "SourceDocument",
    "TextChar",
    "TextLayer",
    "discover_inputs",
    "open_source",
    "parse_page_range",
    "validate_page_range",
]
