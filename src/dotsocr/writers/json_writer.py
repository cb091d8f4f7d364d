"""``json``: each page's elements in the reference's shape (DESIGN.md §5), and the
whole Document (pages, elements, sizes, DPI, statuses) as ``<stem>.json``.

The page files are also what a rerun reads back to resume a page, so without them
pages are redone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dotsocr.render.json_out import document_json, page_json, read_page_elements
from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Document, Element, Page
    from dotsocr.writers.base import DocumentContext, PageContext


class JsonWriter(Writer):
    name = "json"
    summary = "per page: elements as JSON; per document: the Document (dotsocr schema)"
    page_files = (OutputFile("json", ".json"),)
    document_files = (OutputFile("document_json", ".json"),)
    resume_kind = "json"

    def uses_figures(self) -> bool:
        return True  # each figure's file name is in its element

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        return {"json": page_json(page)}

    def read_elements(self, text: str) -> list[Element]:
        return read_page_elements(text)

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        return {"document_json": document_json(doc)}
