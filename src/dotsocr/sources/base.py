"""What sources hand to engines: page images produced lazily, with the PDF text
layer (when there is one) already mapped into page-image pixels."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from PIL import Image


@dataclass(frozen=True)
class TextChar:
    """One character of a PDF text layer.

    ``box`` is (x1, y1, x2, y2) in pixels of the rendered page image (top-left
    origin, page rotation applied), so it lines up with layout and OCR boxes.
    """

    text: str
    box: tuple[float, float, float, float]
    font_size: float  # in pixels of the rendered image
    bold: bool = False
    generated: bool = False  # inserted by PDFium (a space or line break), not in the file
    #: Drawn invisibly (text render mode 3 or 7), as OCR layers over scans are.
    invisible: bool = False


@dataclass(frozen=True)
class FormField:
    """A form field's widget: its box (pixels of the rendered page) and its value
    ('' for a checkbox, a button or an empty field)."""

    box: tuple[float, float, float, float]
    value: str = ""


@dataclass
class TextLayer:
    """The characters of a page's text layer in content-stream order."""

    chars: list[TextChar] = field(default_factory=list)
    #: True when every text object on the page is drawn invisibly (render mode 3),
    #: as OCR layers over scans are.
    invisible: bool = False
    #: Characters left out of ``chars`` because the file gives control codes for
    #: them: glyphs with no Unicode mapping. Many of them mean the layer is garbage.
    unmapped: int = 0
    #: The page's form fields; their values are also in ``chars``.
    fields: list[FormField] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)


@dataclass
class PageImage:
    """One page ready for an engine: its picture, DPI and text layer.

    ``error`` is set (and ``image`` is None) when this page alone could not be
    rendered; the pipeline records it as a failed page and goes on.
    """

    source: Path
    number: int  # 1-based
    image: Image.Image | None
    dpi: float | None
    text_layer: TextLayer | None = None
    error: str | None = None
    render_seconds: float = 0.0
    #: Set when the page was scaled down to stay within the model pixel budget.
    downscaled_from: tuple[int, int] | None = None

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size if self.image is not None else (0, 0)


@dataclass
class SourceDocument:
    """An opened input: how many pages it has and a lazy iterator over the selected ones.

    ``pages()`` renders one page at a time; callers must not hold on to all of them.
    ``close()`` releases the file (PDF handles); it is also a context manager.
    """

    path: Path
    kind: Literal["pdf", "image"]
    page_count: int
    selected: list[int]  # 1-based page numbers to produce, in order
    _pages: object = None  # callable(numbers) -> Iterator[PageImage], set by the opener
    _close: object = None

    def pages(self) -> Iterator[PageImage]:
        return self._pages(self.selected)  # type: ignore[operator]

    def close(self) -> None:
        if self._close is not None:
            self._close()  # type: ignore[operator]
            self._close = None

    def __enter__(self) -> SourceDocument:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
