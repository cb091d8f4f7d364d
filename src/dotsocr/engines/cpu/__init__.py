"""The embedded CPU engine: PDF text layer or RapidOCR, rapid-layout regions,
DotsOCR categories and reading order, with no GPU and no downloads."""

from dotsocr.engines.cpu.engine import ENGINE_VERSION, CpuEngine, CpuEngineOptions
from dotsocr.engines.cpu.headers import relabel_running_headers

__all__ = ["ENGINE_VERSION", "CpuEngine", "CpuEngineOptions", "relabel_running_headers"]
