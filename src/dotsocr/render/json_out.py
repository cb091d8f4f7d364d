"""Per-page JSON in the reference's shape: a list of {bbox, category, text}."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from dotsocr.model import Element

if TYPE_CHECKING:
    from dotsocr.model import Document, Page


def element_dicts(elements: list[Element]) -> list[dict[str, Any]]:
    """Picture carries no text key, as in the model's own output; a saved figure
    adds its file name."""
    out = []
    for e in elements:
        item: dict[str, Any] = {"bbox": list(e.bbox), "category": e.category}
        if e.category != "Picture" and e.text is not None:
            item["text"] = e.text
        if e.image is not None:
            item["image"] = e.image
        if e.ruby:
            item["ruby"] = [r.model_dump() for r in e.ruby]
        out.append(item)
    return out


def page_json(page: Page) -> str:
    return json.dumps(element_dicts(page.elements), ensure_ascii=False, indent=2) + "\n"


def read_page_elements(text: str) -> list[Element]:
    """Inverse of page_json, used when a rerun picks up pages already done."""
    return [Element.model_validate(item) for item in json.loads(text)]


def document_json(doc: Document) -> str:
    """The whole Document, as ``dotsocr schema`` describes it."""
    return doc.model_dump_json(indent=2, exclude_none=True) + "\n"
