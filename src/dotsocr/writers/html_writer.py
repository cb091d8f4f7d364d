"""``html``: ``<stem>.html``, a viewer for one document that works offline: each
page's picture with its boxes, the content beside it, and page statuses.

The plain page pictures it shows are its page files (``pages/<stem>_page_<i>.jpg``),
linked rather than inlined so a long book opens fast.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Document, Page
    from dotsocr.writers.base import DocumentContext, PageContext

PAGE_IMAGE_QUALITY = 85


class HtmlWriter(Writer):
    name = "html"
    summary = "per document: <stem>.html, a viewer of pages, boxes and text (offline)"
    page_files = (OutputFile("page_image", ".jpg", folder="pages"),)
    document_files = (OutputFile("html", ".html"),)

    def uses_figures(self) -> bool:
        return True

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        picture = context.picture
        if picture is None:
            return {"page_image": None}
        buffer = io.BytesIO()
        picture.convert("RGB").save(buffer, format="JPEG", quality=PAGE_IMAGE_QUALITY)
        return {"page_image": buffer.getvalue()}

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        from dotsocr.render.viewer import viewer_html

        return {
            "html": viewer_html(doc, page_image=lambda p: context.page_file(p.number, "page_image"))
        }
