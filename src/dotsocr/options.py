"""Settings of one parse run, validated once and hashed into resume keys."""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from dotsocr.protocol import DEFAULT_DPI, MAX_PIXELS

EngineChoice = Literal["auto", "cpu", "dots"]
PromptChoice = Literal["layout_all", "layout_only", "ocr", "grounding_ocr"]
#: How Markdown shows tables: the reference's HTML, or pipe tables where the grid allows.
MarkdownTables = Literal["html", "pipe"]


class ParseOptions(BaseModel):
    """What the user asked for; engine-specific options live with each engine."""

    pages: str | None = Field(default=None, description="page range such as '1-3,7'")
    dpi: int = Field(default=DEFAULT_DPI, ge=36, le=1200, description="PDF render DPI")
    max_pixels: int = Field(
        default=MAX_PIXELS, gt=0, description="page pixel budget; larger pages are scaled"
    )
    password: str | None = Field(default=None, repr=False)
    engine: EngineChoice = "auto"
    prompt: PromptChoice = "layout_all"
    server: list[str] = Field(default_factory=list, repr=False)
    force: bool = False
    ocr: Literal["auto", "always", "never"] = Field(
        default="auto", description="CPU engine: when to OCR instead of using the text layer"
    )
    md_tables: MarkdownTables = Field(
        default="html",
        description="Markdown tables: html (the reference's form) or pipe (GitHub pipe "
        "tables where the grid is plain: no spans, equal rows, 2+ columns; else HTML)",
    )
    # DotsOCR engine (server) options; see DotsEngineOptions for their meaning.
    model: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    bbox: list[int] | None = Field(default=None, min_length=4, max_length=4)
    concurrency: int = Field(default=64, ge=1, le=4096)
    timeout: float = Field(default=600.0, gt=0)
    max_tokens: int = Field(default=16384, ge=16)
    fallback: bool = True
    retries: int = Field(default=4, ge=0)
    retry_backoff: float = Field(default=0.5, gt=0)
    extra_body: dict[str, Any] = Field(
        default_factory=dict, description="dots: keys merged into every request body"
    )
    # Limits and error policy (issue: robustness). Each has a clear error when hit.
    max_file_mb: float = Field(default=1024.0, gt=0, description="largest input file, MB")
    max_pages: int = Field(default=10_000, ge=1, description="most pages parsed per document")
    page_timeout: float = Field(
        default=900.0, gt=0, description="dots engine: seconds for one page, all attempts"
    )
    document_timeout: float = Field(
        default=6 * 3600.0, gt=0, description="seconds for one document; the rest fail"
    )
    max_error_rate: float = Field(
        default=0.1, ge=0, le=1, description="failed-page share above which a document fails"
    )
    passwords: list[str] = Field(
        default_factory=list, repr=False, description="candidate passwords for every PDF"
    )
    file_passwords: dict[str, str] = Field(
        default_factory=dict, repr=False, description="password per file name"
    )

    def password_candidates(self, name: str) -> list[str | None]:
        """Passwords to try for the file called ``name``, most specific first."""
        found = [self.file_passwords.get(name), self.password, *self.passwords]
        ordered = list(dict.fromkeys(p for p in found if p is not None))
        return ordered or [None]

    def output_settings(self, engine_settings: dict[str, Any]) -> dict[str, Any]:
        """The settings that change a page's output (not which pages, nor secrets).

        ``md_tables`` changes the page's Markdown files, so a change of it redoes the
        pages; it is left out at its default so the hash of a default run, and with it
        the resume of outputs written before the option existed, stays as it was.
        """
        settings: dict[str, Any] = {
            "dpi": self.dpi,
            "max_pixels": self.max_pixels,
            "prompt": self.prompt,
            "engine": engine_settings,
        }
        if self.md_tables != "html":
            settings["md_tables"] = self.md_tables
        return settings


def settings_hash(settings: dict[str, Any]) -> str:
    blob = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
