"""The service's tests run against a real ``dotsocr api`` (uvicorn on 127.0.0.1);
the whole folder is skipped when the api extra (fastapi, uvicorn) is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from service_helpers import text_pdf


@pytest.fixture(scope="session")
def long_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 pages of a few lines: several seconds of work for the CPU engine."""
    return text_pdf(tmp_path_factory.mktemp("long") / "long.pdf", 30)
