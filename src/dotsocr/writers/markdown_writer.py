"""``md``: each page as Markdown with and without running headers/footers, and the
whole document's Markdown, both ways (``<stem>.md``, ``<stem>_nohf.md``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from dotsocr.render.markdown import FigureLinks, document_markdown, page_markdown
from dotsocr.writers.base import Content, OutputFile, Writer, with_newline

if TYPE_CHECKING:
    from dotsocr.model import Document, Page
    from dotsocr.writers.base import DocumentContext, FileReader, PageContext


class MarkdownWriter(Writer):
    name = "md"
    summary = "per page: .md and _nohf.md; per document: <stem>.md and <stem>_nohf.md"
    page_files = (OutputFile("md", ".md"), OutputFile("md_nohf", "_nohf.md"))
    document_files = (OutputFile("md", ".md"), OutputFile("md_nohf", "_nohf.md"))

    def settings(self) -> dict[str, Any]:
        chosen = {"md_tables": self.options.md_tables, "md_images": self.options.md_images}
        defaults = {"md_tables": "html", "md_images": "files"}
        return {k: v for k, v in chosen.items() if v != defaults[k]}

    def uses_figures(self) -> bool:
        return self.options.md_images != "none"

    def _links(self, read: FileReader) -> FigureLinks:
        return FigureLinks(self.options.md_images, read)

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        tables, links = self.options.md_tables, self._links(context.read)
        return {
            "md": with_newline(page_markdown(page, tables=tables, figures=links)),
            "md_nohf": with_newline(
                page_markdown(page, headers_footers=False, tables=tables, figures=links)
            ),
        }

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        tables, links = self.options.md_tables, self._links(context.read)
        return {
            "md": document_markdown(doc, tables=tables, figures=links),
            "md_nohf": document_markdown(doc, headers_footers=False, tables=tables, figures=links),
        }
