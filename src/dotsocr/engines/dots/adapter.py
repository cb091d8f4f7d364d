"""The DotsOCR model behind the VLM engine: prompts and request dialect, output
repair, and smart_resize geometry (DESIGN.md §3).

The request form is decided here and only here: ``dialect`` "vllm" is the
reference's body, "openai" the plain multimodal message for servers that apply the
model's chat template themselves (see ``request.build_request``).
"""

from __future__ import annotations

from typing import Any

from dotsocr.engines.dots.mapping import MappedElements, map_elements
from dotsocr.engines.dots.options import DotsEngineOptions
from dotsocr.engines.dots.repair import ParsedOutput, RawElement, parse_layout_output
from dotsocr.engines.dots.request import build_request
from dotsocr.geometry import to_model_space

#: Prompt modes whose answer is a JSON layout list; the others answer plain text.
LAYOUT_PROMPTS = frozenset({"layout_all", "layout_only"})


class DotsAdapter:
    """A :class:`~dotsocr.engines.vlm.adapter.ModelAdapter` for DotsOCR."""

    def __init__(self, options: DotsEngineOptions) -> None:
        if options.prompt == "grounding_ocr" and options.bbox is None:
            raise ValueError("the grounding_ocr prompt needs a box (--bbox x1 y1 x2 y2)")
        self.options = options

    def _box(self, page_size: tuple[int, int]) -> list[int] | None:
        """grounding_ocr's box in the model's input pixels for this page."""
        bbox = self.options.bbox
        return to_model_space(bbox, page_size) if bbox is not None else None

    def request_body(
        self, image_url: str, page_size: tuple[int, int], *, model: str | None, temperature: float
    ) -> dict[str, Any]:
        o = self.options
        return build_request(
            image_url,
            prompt_mode=o.prompt,
            model=model,
            temperature=temperature,
            top_p=o.top_p,
            max_tokens=o.max_tokens,
            bbox_model_space=self._box(page_size),
            dialect=o.dialect,
        )

    def read(self, text: str, page_size: tuple[int, int]) -> ParsedOutput:
        """The answer as elements. The text prompts give one Text element: the
        grounding box, or (no box) the whole page."""
        if self.options.prompt in LAYOUT_PROMPTS:
            return parse_layout_output(text)
        text = text.strip()
        if not text:
            return ParsedOutput(elements=[], status="empty", notes=[])
        box = self._box(page_size)
        bbox = [float(v) for v in box] if box is not None else None
        return ParsedOutput(
            elements=[RawElement(bbox=bbox, category="Text", text=text)], status="ok", notes=[]
        )

    def place(self, reading: ParsedOutput, page_size: tuple[int, int]) -> MappedElements:
        return map_elements(reading.elements, page_size, prompt_mode=self.options.prompt)
