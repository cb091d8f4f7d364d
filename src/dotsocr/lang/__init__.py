"""Language of OCR'd text and per-language clean-up of what OCR gets wrong.

``detect_language`` tells the language of a page from its scripts;
``normalise_for_language`` is the page-level entry point: it applies the clean-up of
the detected language (today Japanese only) and returns any other text unchanged.
"""

from __future__ import annotations

from dotsocr.lang.detect import Language, detect_language
from dotsocr.lang.japanese import normalise_japanese

__all__ = ["Language", "detect_language", "normalise_for_language", "normalise_japanese"]


def normalise_for_language(text: str, lang: str) -> str:
    """``text`` cleaned up for ``lang``: Japanese ("ja") is normalised, the rest is not.

    Chinese in particular is returned as it is: its Simplified characters are right.
    """
    if lang == "ja":
        return normalise_japanese(text)
    return text
