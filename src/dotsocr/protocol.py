"""Constants of the DotsOCR model's protocol, in one place.

Source: the rednote-hilab/dots.ocr reference implementation (prompts, categories,
image placeholder, sampling defaults) and Qwen2-VL's image processor (pixel limits,
patch and merge size), as summarised in ../shared/DESIGN.md §2-3.
"""

from __future__ import annotations

from typing import Final, Literal

CATEGORIES: Final[tuple[str, ...]] = (
    "Caption",
    "Footnote",
    "Formula",
    "List-item",
    "Page-footer",
    "Page-header",
    "Picture",
    "Section-header",
    "Table",
    "Text",
    "Title",
)

#: Image placeholder the client puts before the prompt text.
IMAGE_PREFIX: Final = "<|img|><|imgpad|><|endofimg|>"

#: Qwen2-VL smart_resize: sides are multiples of PATCH_SIZE * MERGE_SIZE.
PATCH_SIZE: Final = 14
MERGE_SIZE: Final = 2
IMAGE_FACTOR: Final = PATCH_SIZE * MERGE_SIZE  # 28
MIN_PIXELS: Final = 3136
MAX_PIXELS: Final = 11_289_600

DEFAULT_DPI: Final = 200
DEFAULT_TEMPERATURE: Final = 0.1
DEFAULT_TOP_P: Final = 1.0
DEFAULT_MAX_TOKENS: Final = 16384

PromptMode = Literal["layout_all", "layout_only", "ocr", "grounding_ocr"]

PROMPTS: Final[dict[str, str]] = {
    "layout_all": (
        "Please output the layout information from the PDF image, including each layout "
        "element's bbox, its category, and the corresponding text content within the bbox."
        "\n\n1. Bbox format: [x1, y1, x2, y2]\n\n2. Layout Categories: The possible "
        "categories are ['Caption', 'Footnote', 'Formula', 'List-item', 'Page-footer', "
        "'Page-header', 'Picture', 'Section-header', 'Table', 'Text', 'Title'].\n\n"
        "3. Text Extraction & Formatting Rules:\n"
        "    - Picture: For the 'Picture' category, the text field should be omitted.\n"
        "    - Formula: Format its text as LaTeX.\n"
        "    - Table: Format its text as HTML.\n"
        "    - All Others (Text, Title, etc.): Format their text as Markdown.\n\n"
        "4. Constraints:\n"
        "    - The output text must be the original text from the image, with no "
        "translation.\n"
        "    - All layout elements must be sorted according to human reading order.\n\n"
        "5. Final Output: The entire output must be a single JSON object.\n"
    ),
    "layout_only": (
        "Please output the layout information from this PDF image, including each "
        "layout's bbox and its category. The bbox should be in the format [x1, y1, x2, "
        "y2]. The layout categories for the PDF document include ['Caption', 'Footnote', "
        "'Formula', 'List-item', 'Page-footer', 'Page-header', 'Picture', "
        "'Section-header', 'Table', 'Text', 'Title']. Do not output the corresponding "
        "text. The layout result should be in JSON format."
    ),
    "ocr": "Extract the text content from this image.",
    "grounding_ocr": (
        "Extract text from the given bounding box on the image (format: [x1, y1, x2, y2])."
        "\nBounding Box:"
    ),
}
