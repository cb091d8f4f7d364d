"""Settings of one parse run, validated once and hashed into resume keys.

Run-wide settings (pages, DPI, prompt, limits, outputs) are fields here; each
engine's own settings are its options model from the engine registry, kept under
``engines`` by engine name, so adding an engine adds no field here.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dotsocr.engines.registry import AUTO, engine_spec, validate_engine_options
from dotsocr.protocol import DEFAULT_DPI, MAX_PIXELS
from dotsocr.render.figures import FigureMode
from dotsocr.render.markdown import MarkdownImages, MarkdownTables
from dotsocr.writers.registry import DEFAULT_WRITERS, validate_writer_names

PromptChoice = Literal["layout_all", "layout_only", "ocr", "grounding_ocr"]

__all__ = [
    "FigureMode",
    "MarkdownImages",
    "MarkdownTables",
    "ParseOptions",
    "PromptChoice",
    "settings_hash",
]


class ParseOptions(BaseModel):
    """What the user asked for."""

    model_config = ConfigDict(extra="forbid")

    pages: str | None = Field(default=None, description="page range such as '1-3,7'")
    dpi: int = Field(default=DEFAULT_DPI, ge=36, le=1200, description="PDF render DPI")
    max_pixels: int = Field(
        default=MAX_PIXELS, gt=0, description="page pixel budget; larger pages are scaled"
    )
    password: str | None = Field(default=None, repr=False)
    engine: str = Field(default=AUTO, description="engine name from the registry, or auto")
    prompt: PromptChoice = "layout_all"
    server: list[str] = Field(default_factory=list, repr=False)
    force: bool = False
    to: list[str] = Field(
        default_factory=lambda: list(DEFAULT_WRITERS),
        description="output writers by name (json, md, jpg, ...); the manifest is always written",
    )
    #: Read by the md writer only, and hashed only when that writer is chosen.
    md_tables: MarkdownTables = Field(
        default="html",
        description="Markdown tables: html (the reference's form) or pipe (GitHub pipe "
        "tables where the grid is plain: no spans, equal rows, 2+ columns; else HTML)",
    )
    #: Read by the writers that show figures (md, json, html, docling), hashed only
    #: when it differs from the default.
    figures: FigureMode = Field(
        default="pictures",
        description="figures cropped to images/<stem>_page_<i>_<k>.png: pictures, all "
        "(pictures, tables and formulas) or none",
    )
    md_images: MarkdownImages = Field(
        default="files",
        description="figures in Markdown: files (linked), embed (data URLs) or none",
    )
    #: Each engine's own options by engine name, validated by the engine registry.
    engines: dict[str, Any] = Field(default_factory=dict, description="options per engine")
    # Limits and error policy. Each has a clear error when hit.
    max_file_mb: float = Field(default=1024.0, gt=0, description="largest input file, MB")
    max_pages: int = Field(default=10_000, ge=1, description="most pages parsed per document")
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

    @field_validator("engine")
    @classmethod
    def _known_engine(cls, value: str) -> str:
        if value != AUTO:
            engine_spec(value)  # raises with the known names
        return value

    @field_validator("engines", mode="before")
    @classmethod
    def _engine_models(cls, value: Any) -> dict[str, BaseModel]:
        return validate_engine_options(dict(value or {}))

    @field_validator("to")
    @classmethod
    def _known_writers(cls, value: list[str]) -> list[str]:
        return validate_writer_names(value)

    def engine_options(self, name: str) -> BaseModel:
        """The options of engine ``name`` (its defaults when none were given)."""
        return self.engines[name]

    def password_candidates(self, name: str) -> list[str | None]:
        """Passwords to try for the file called ``name``, most specific first."""
        found = [self.file_passwords.get(name), self.password, *self.passwords]
        ordered = list(dict.fromkeys(p for p in found if p is not None))
        return ordered or [None]

    def output_settings(
        self, engine_settings: dict[str, Any], writer_settings: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        """The settings that change a page's output (not which pages, nor secrets).

        Writers add their own settings (``md_tables`` from the Markdown writer) only
        when they differ from the default, so the hash of a default run, and with it
        the resume of outputs written before such a setting existed, stays as it was.
        """
        settings: dict[str, Any] = {
            "dpi": self.dpi,
            "max_pixels": self.max_pixels,
            "prompt": self.prompt,
            "engine": engine_settings,
        }
        settings.update(writer_settings or {})
        return settings


def settings_hash(settings: dict[str, Any]) -> str:
    blob = json.dumps(settings, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()[:16]
