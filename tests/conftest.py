"""Fixtures shared by every test folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import SHARED_DATA, make_text_pdf


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data beside the repository; tests that need it skip without it."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture()
def text_pdf(tmp_path: Path) -> Path:
    """Three pages with known sentences."""
    return make_text_pdf(
        tmp_path / "known.pdf",
        [[f"Page {n} says hello to the parser.", f"Second line of page {n}."] for n in (1, 2, 3)],
    )
