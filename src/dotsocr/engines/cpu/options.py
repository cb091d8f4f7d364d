"""The CPU engine's settings, importable without loading its models."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

#: When the CPU engine reads the pixels instead of the PDF's text layer.
OcrPolicy = Literal["auto", "always", "never"]
#: A page's language: it decides how OCR text is cleaned (Japanese glyph forms).
PageLanguage = Literal["auto", "ja", "zh", "ko", "en"]
#: How ruby (furigana) is written in an element's text; the JSON keeps it anyway.
RubyMode = Literal["drop", "html", "paren"]


class CpuEngineOptions(BaseModel):
    """Everything that changes the CPU engine's output."""

    model_config = ConfigDict(extra="forbid")

    ocr: OcrPolicy = Field(
        default="auto",
        description="auto: OCR only pages without a usable text layer; always: OCR every "
        "page; never: text layer only",
    )
    det_limit_side_len: int = Field(
        default=1280, ge=320, le=4096, description="longest side for text detection"
    )
    layout: bool = Field(default=True, description="run the layout model")
    layout_conf: float = Field(default=0.5, gt=0, lt=1, description="layout box threshold")
    verify_text_layer: bool = Field(
        default=True, description="read a few line crops to catch garbled text layers"
    )
    lang: PageLanguage = Field(
        default="auto",
        description="page language; auto: detected per page from its text. On ja pages "
        "OCR glyph confusions are put right (Simplified forms, ー/一, カ/力, ...)",
    )
    ruby: RubyMode = Field(
        default="drop",
        description="ruby (furigana) in the text: drop (base text only), html "
        "(<ruby>勢<rt>いきお</rt></ruby>) or paren (勢(いきお)); the JSON lists the "
        "readings either way",
    )
    workers: int | None = Field(
        default=None,
        ge=1,
        le=256,
        description="pages parsed at once in worker processes; None: the number of cores, "
        "capped by memory. Not an output setting: every count gives the same files",
    )

    def output_settings(self) -> dict[str, object]:
        """The options that change a page's result (not how it is scheduled); ``lang``
        and ``ruby`` only when given, so outputs made before they existed keep resuming."""
        settings = self.model_dump(exclude={"workers"})
        if self.lang == "auto":
            del settings["lang"]
        if self.ruby == "drop":
            del settings["ruby"]
        return settings
