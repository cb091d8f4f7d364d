"""``pdf``: ``<stem>.searchable.pdf``, the input with an invisible text layer on
every page that was OCR'd or read by the model (``dotsocr[pdf]``, pikepdf).

Born-digital pages keep their own text layer; an image input becomes a PDF.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Document
    from dotsocr.writers.base import DocumentContext


class PdfWriter(Writer):
    name = "pdf"
    summary = "per document: <stem>.searchable.pdf, text over OCR'd pages (needs dotsocr[pdf])"
    document_files = (OutputFile("pdf", ".searchable.pdf"),)
    requires = ("pikepdf", "pdf")

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        from dotsocr.render.searchable_pdf import searchable_pdf

        source = Path(doc.source)
        passwords = self.options.password_candidates(source.name) if doc.kind == "pdf" else [None]
        error: Exception | None = None
        for password in passwords:
            try:
                return {"pdf": searchable_pdf(doc, source, password=password)}
            except PermissionError as exc:  # a wrong password: try the next one
                error = exc
        raise ValueError(f"cannot reopen {source.name} to add a text layer: {error}")
