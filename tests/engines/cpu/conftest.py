"""Fixtures for the CPU engine tests."""

from __future__ import annotations

import pytest

from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions


@pytest.fixture(scope="session")
def cpu_engine() -> CpuEngine:
    """The default engine; its models load once for the whole session."""
    return CpuEngine(CpuEngineOptions(workers=1))
