"""``jpg``: the rendered page with numbered, colour-coded layout boxes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dotsocr.render.overlay import overlay_jpeg
from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Page
    from dotsocr.writers.base import PageContext


class OverlayWriter(Writer):
    name = "jpg"
    summary = "per page: the page picture with its layout boxes drawn"
    page_files = (OutputFile("jpg", ".jpg"),)

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        picture = context.picture
        return {"jpg": overlay_jpeg(picture, page.elements) if picture is not None else None}
