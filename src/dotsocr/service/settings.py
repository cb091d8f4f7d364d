"""The service's settings: where it keeps jobs, its limits, and the parse options
every job starts from (``dotsocr api`` takes them from the same flags as ``parse``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from dotsocr.options import ParseOptions

#: What a job writes when its request names no formats: the viewer needs html and
#: the results md and json.
DEFAULT_JOB_FORMATS = ("json", "md", "html")


class ServiceSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")

    data_dir: Path = Path("dotsocr-api")
    api_key: str | None = Field(default=None, repr=False)
    max_upload_mb: float = Field(default=200.0, gt=0)
    max_pages: int = Field(default=2000, ge=1)
    jobs: int = Field(default=1, ge=1, le=64, description="documents parsed at once")
    cors_origins: list[str] = Field(default_factory=list)
    #: Every job's options before its own (pages, engine, prompt, to, dpi).
    defaults: ParseOptions = Field(
        default_factory=lambda: ParseOptions(to=list(DEFAULT_JOB_FORMATS))
    )

    @property
    def max_upload_bytes(self) -> int:
        return int(self.max_upload_mb * 1024 * 1024)
