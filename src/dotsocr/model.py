"""The data model: Element, Page, Document (DESIGN.md §2).

Boxes are in pixels of the rendered page image; each Page records its render DPI so a
box converts to PDF points with one multiplication (``72 / dpi``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

if TYPE_CHECKING:
    from dotsocr.render.markdown import MarkdownTables

Category = Literal[
    "Caption",
    "Footnote",
    "Formula",
    "List-item",
    "Page-footer",
    "Page-header",
    "Picture",
    "Section-header",
    "Table",
    "Text",
    "Title",
]

PageStatus = Literal["ok", "repaired", "fallback", "failed"]

#: Categories left out of the ``_nohf.md`` Markdown.
HEADER_FOOTER: frozenset[str] = frozenset({"Page-header", "Page-footer"})


class RubyReading(BaseModel):
    """A reading (ruby, furigana) the page prints small beside base text; kept here
    whatever the text shows, so ``--ruby drop`` loses nothing."""

    model_config = ConfigDict(extra="forbid")

    base: str = Field(description="the base text the reading belongs to")
    reading: str = Field(description="the reading, as printed")
    offset: int = Field(
        ge=0, description="where the base starts in the element's text written without readings"
    )


class Element(BaseModel):
    """One layout element: a box, its category and its text (none for pictures).

    Text format follows the model: Table as HTML, Formula as LaTeX, others Markdown.
    """

    model_config = ConfigDict(extra="forbid")

    bbox: list[int] = Field(
        min_length=4, max_length=4, description="[x1, y1, x2, y2] in page-image pixels"
    )
    category: Category
    text: str | None = Field(default=None, description="absent for Picture")
    image: str | None = Field(
        default=None,
        description="the figure cropped from the page, as a path relative to the "
        "document's folder (images/<stem>_page_<i>_<k>.png); set when figures are saved",
    )
    ruby: list[RubyReading] | None = Field(
        default=None, description="readings (furigana) of the element's text, in order"
    )

    @field_validator("bbox")
    @classmethod
    def _ordered(cls, box: list[int]) -> list[int]:
        x1, y1, x2, y2 = box
        if x2 < x1 or y2 < y1:
            raise ValueError(f"bbox corners out of order: {box}")
        return box

    def bbox_points(self, dpi: float) -> list[float]:
        """The box in PDF points (1/72 inch) for a page rendered at ``dpi``."""
        scale = 72.0 / dpi
        return [round(v * scale, 3) for v in self.bbox]


class TokenUsage(BaseModel):
    """Token counts reported by the server for one page (dots engine)."""

    prompt: int = 0
    completion: int = 0


class Page(BaseModel):
    """One page's result, whatever engine made it and however it ended."""

    number: int = Field(ge=1, description="1-based page number in the source")
    width: int = Field(ge=0, description="page image width in pixels")
    height: int = Field(ge=0, description="page image height in pixels")
    dpi: float | None = Field(
        default=None, description="render DPI (PDF) or the image's own DPI if it has one"
    )
    elements: list[Element] = Field(default_factory=list)
    status: PageStatus = "ok"
    error: str | None = Field(default=None, description="why the page failed or degraded")
    engine: str = ""
    method: str | None = Field(
        default=None, description="how text was obtained: text-layer, ocr, vlm"
    )
    lang: str | None = Field(
        default=None, description="the page's language (ja, zh, ko, en, other), when known"
    )
    warnings: list[str] = Field(default_factory=list)
    timings: dict[str, float] = Field(default_factory=dict, description="seconds per stage")
    tokens: TokenUsage | None = None
    attempts: int = 1

    @property
    def index(self) -> int:
        """0-based index, as used in output file names (``_page_<index>``)."""
        return self.number - 1


class Document(BaseModel):
    """A parsed source: its path, the settings that made it, and its pages."""

    source: str
    kind: Literal["pdf", "image"] = "pdf"
    page_count: int = Field(default=0, description="pages in the source")
    settings: dict[str, Any] = Field(default_factory=dict)
    pages: list[Page] = Field(default_factory=list)
    resumed_pages: int = Field(default=0, description="pages reused from an earlier run")
    error: str | None = Field(default=None, description="why the document could not be read")

    @property
    def ok(self) -> bool:
        return self.error is None and all(p.status != "failed" for p in self.pages)

    def markdown(self, *, headers_footers: bool = True, tables: MarkdownTables = "html") -> str:
        """The whole document as Markdown, pages in order; ``tables="pipe"`` writes
        tables with a plain grid as pipe tables instead of HTML."""
        from dotsocr.render.markdown import document_markdown

        return document_markdown(self, headers_footers=headers_footers, tables=tables)


def json_schema() -> str:
    """The published JSON schema of Document (what ``dotsocr schema`` prints)."""
    return json.dumps(Document.model_json_schema(), indent=2, ensure_ascii=False)
