"""The DotsOCR engine: the DotsOCR vision-language model behind a vLLM
OpenAI-compatible server, with retries, loop cancellation, output repair and a
CPU fallback per page."""

from dotsocr.engines.dots.engine import ENGINE_VERSION, DotsEngine, DotsEngineOptions

__all__ = ["ENGINE_VERSION", "DotsEngine", "DotsEngineOptions"]
