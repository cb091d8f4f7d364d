"""The DotsOCR engine: the VLM engine (``engines/vlm``: transport, retries, loop
cancellation, CPU fallback per page) with the DotsOCR adapter (prompts, request
dialect, output repair, smart_resize geometry)."""

from dotsocr.engines.dots.engine import ENGINE_VERSION, DotsEngine
from dotsocr.engines.dots.options import DotsEngineOptions

__all__ = ["ENGINE_VERSION", "DotsEngine", "DotsEngineOptions"]
