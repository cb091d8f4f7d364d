"""``md``: each page as Markdown with and without running headers/footers, and
the whole document's Markdown."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dotsocr.render.markdown import document_markdown, page_markdown
from dotsocr.writers.base import Content, OutputFile, Writer, with_newline

if TYPE_CHECKING:
    from PIL import Image

    from dotsocr.model import Document, Page


class MarkdownWriter(Writer):
    name = "md"
    summary = "per page: .md and _nohf.md; per document: <stem>.md"
    page_files = (OutputFile("md", ".md"), OutputFile("md_nohf", "_nohf.md"))
    document_files = (OutputFile("md", ".md"),)

    def settings(self) -> dict[str, Any]:
        tables = self.options.md_tables
        return {"md_tables": tables} if tables != "html" else {}

    def render_page(self, page: Page, picture: Image.Image | None) -> dict[str, Content]:
        tables = self.options.md_tables
        return {
            "md": with_newline(page_markdown(page, tables=tables)),
            "md_nohf": with_newline(page_markdown(page, headers_footers=False, tables=tables)),
        }

    def render_document(self, doc: Document) -> dict[str, Content]:
        return {"md": document_markdown(doc, tables=self.options.md_tables)}
