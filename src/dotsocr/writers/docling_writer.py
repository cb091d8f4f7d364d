"""``docling``: ``<stem>.docling.json``, a DoclingDocument built with docling-core's
own types (``dotsocr[docling]``), so docling's chunkers and exporters take it as is."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Document
    from dotsocr.writers.base import DocumentContext


class DoclingWriter(Writer):
    name = "docling"
    summary = "per document: <stem>.docling.json, a DoclingDocument (needs dotsocr[docling])"
    document_files = (OutputFile("docling", ".docling.json"),)
    requires = ("docling_core", "docling")

    def uses_figures(self) -> bool:
        return True  # pictures go in with their image

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        from dotsocr.render.docling_doc import docling_json

        return {"docling": docling_json(doc, figure=context.read)}
