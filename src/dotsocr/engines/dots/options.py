"""The DotsOCR engine's settings, importable without its HTTP client."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from dotsocr.protocol import DEFAULT_MAX_TOKENS, DEFAULT_TOP_P

#: Request keys the engine and client own; --extra-body may set any other key.
RESERVED_BODY_KEYS = frozenset({"messages", "stream", "stream_options"})

DotsPrompt = Literal["layout_all", "layout_only", "ocr", "grounding_ocr"]

#: How a request is written for the server (see DotsEngineOptions.dialect).
Dialect = Literal["vllm", "openai"]


class DotsEngineOptions(BaseModel):
    """Settings of the DotsOCR engine. Server URLs and the API key are not output
    settings: they are kept out of :meth:`DotsEngine.settings` (and so out of
    manifests and resume keys)."""

    model_config = ConfigDict(extra="forbid")

    servers: list[str] = Field(default_factory=list, repr=False)
    model: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    prompt: DotsPrompt = "layout_all"
    bbox: list[int] | None = Field(
        default=None, min_length=4, max_length=4, description="grounding_ocr box, page pixels"
    )
    concurrency: int = Field(default=64, ge=1, le=4096, description="requests in flight")
    timeout: float = Field(default=600.0, gt=0, description="seconds per request")
    max_tokens: int = Field(default=DEFAULT_MAX_TOKENS, ge=16)
    temperatures: tuple[float, ...] = Field(
        default=(0.1, 0.3, 0.5), min_length=1, description="one per attempt"
    )
    top_p: float = DEFAULT_TOP_P
    max_retries: int = Field(default=4, ge=0, description="transport retries per request")
    retry_backoff: float = Field(
        default=0.5, gt=0, description="first retry delay, doubling up to 40 times it"
    )
    fallback: bool = Field(default=True, description="CPU engine for pages the model fails")
    page_timeout: float = Field(default=900.0, gt=0, description="seconds per page, all tries")
    #: Enters the engine's settings only when it is not the default.
    dialect: Dialect = Field(
        default="vllm",
        description="request form: vllm (vLLM's chat template with image placeholders) "
        "or openai (the standard multimodal message, for ollama, llama.cpp, LM Studio)",
    )
    extra_body: dict[str, Any] = Field(
        default_factory=dict,
        description="keys merged into every request body (vLLM sampling, structured_outputs)",
    )

    @field_validator("extra_body")
    @classmethod
    def _extra_body_keys(cls, value: dict[str, Any]) -> dict[str, Any]:
        taken = sorted(set(value) & RESERVED_BODY_KEYS)
        if taken:
            raise ValueError(
                f"--extra-body cannot set {', '.join(taken)}: the engine sets "
                f"{', '.join(sorted(RESERVED_BODY_KEYS))} itself"
            )
        return value
