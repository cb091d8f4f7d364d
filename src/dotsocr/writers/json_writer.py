"""``json``: each page's elements in the reference's shape (DESIGN.md §5).

It is also what a rerun reads back to resume a page, so without it pages are redone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dotsocr.render.json_out import page_json, read_page_elements
from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from PIL import Image

    from dotsocr.model import Element, Page


class JsonWriter(Writer):
    name = "json"
    summary = "per page: elements as JSON (bbox, category, text)"
    page_files = (OutputFile("json", ".json"),)
    resume_kind = "json"

    def render_page(self, page: Page, picture: Image.Image | None) -> dict[str, Content]:
        return {"json": page_json(page)}

    def read_elements(self, text: str) -> list[Element]:
        return read_page_elements(text)
