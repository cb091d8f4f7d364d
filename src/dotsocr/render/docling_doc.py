"""A Document as a DoclingDocument, built with docling-core's own types so docling's
chunkers (HybridChunker, HierarchicalChunker) and exporters take it as is.

docling-core is an optional extra (``pip install 'dotsocr[docling]'``); it is imported
only when a function here runs.

How categories map to docling labels:

| dotsocr category | docling label    | how it is added                                      |
|------------------|------------------|------------------------------------------------------|
| Title            | `title`          | `add_title`                                          |
| Section-header   | `section_header` | `add_heading`, level = Markdown level - 1 (## -> 1)  |
| Text             | `text`           | `add_text`                                           |
| List-item        | `list_item`      | `add_list_item` in a list group (one per run)        |
| Caption          | `caption`        | `add_text`; beside a Table/Picture: its caption      |
| Footnote         | `footnote`       | `add_text`                                           |
| Formula          | `formula`        | `add_formula` (LaTeX without `$` delimiters)         |
| Table            | `table`          | `add_table` with cells and spans from the HTML       |
| Picture          | `picture`        | `add_picture` with the figure image when saved       |
| Page-header      | `page_header`    | `add_text`, furniture content layer                  |
| Page-footer      | `page_footer`    | `add_text`, furniture content layer                  |

Every item has one provenance: its page and box in PDF points, origin bottom left.
Pages keep their numbers; a failed page is a page with no items.
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dotsocr.model import HEADER_FOOTER, Element, Page
from dotsocr.render.markdown import section_level
from dotsocr.render.table_cells import read_table_cells

if TYPE_CHECKING:
    from docling_core.types.doc import (
        DoclingDocument,
        FloatingItem,
        ImageRef,
        NodeItem,
        ProvenanceItem,
        TableData,
    )
    from docling_core.types.doc.document import DocumentOrigin

    from dotsocr.model import Document

#: Reads a figure by its path relative to the document folder (Element.image).
FigureReader = Callable[[str], "bytes | None"]

#: dotsocr category -> docling DocItemLabel value.
DOCLING_LABELS: dict[str, str] = {
    "Title": "title",
    "Section-header": "section_header",
    "Text": "text",
    "List-item": "list_item",
    "Caption": "caption",
    "Footnote": "footnote",
    "Formula": "formula",
    "Table": "table",
    "Picture": "picture",
    "Page-header": "page_header",
    "Page-footer": "page_footer",
}

#: Tables usually have their caption above, pictures below; the other side is the
#: fallback when that one is missing or taken.
_CAPTION_SIDE: dict[str, tuple[int, int]] = {"Table": (-1, 1), "Picture": (1, -1)}

_HEADING_MARKS = re.compile(r"^\s*#{1,6}\s+")
_LIST_MARK = re.compile(r"^\s*(?P<mark>[-*+•·▪‣◦]|\(?(?P<enum>\d{1,3}|[a-zA-Z])[.)]|[①-⑳])\s+")
_FORMULA_DELIMITERS = re.compile(r"^\s*(\$\$?|\\\[)(?P<body>.*?)(\$\$?|\\\])\s*$", re.DOTALL)

_MIMETYPES = {".tif": "image/tiff", ".tiff": "image/tiff", ".jpg": "image/jpeg"}


class DoclingMissingError(ImportError):
    """docling-core is not installed; it comes with the ``docling`` extra."""

    def __init__(self) -> None:
        super().__init__(
            "DoclingDocument output needs docling-core: pip install 'dotsocr[docling]'"
        )


def _never(_: str) -> bytes | None:
    return None


def docling_document(doc: Document, *, figure: FigureReader = _never) -> DoclingDocument:
    """The Document as a DoclingDocument: pages in order, elements in reading order.

    ``figure`` returns a saved figure's PNG bytes by its relative path (or None), so
    pictures carry their image; without it pictures have a box but no image.
    """
    _require_docling()
    from docling_core.types.doc import DoclingDocument

    source = Path(doc.source)
    out = DoclingDocument(name=source.stem or "document", origin=_origin(source))
    builder = _Builder(out, figure)
    for page in sorted(doc.pages, key=lambda p: p.number):
        builder.add_page(page)
    return out


def docling_json(doc: Document, *, figure: FigureReader = _never) -> str:
    """The DoclingDocument as JSON (what ``DoclingDocument.load_from_json`` reads)."""
    data = docling_document(doc, figure=figure).export_to_dict()
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _require_docling() -> None:
    try:
        import docling_core.types.doc  # noqa: F401
    except ImportError as exc:
        raise DoclingMissingError() from exc


def _origin(source: Path) -> DocumentOrigin:
    """Filename, mimetype and a 64-bit hash: of the bytes when the file is there (as
    docling does), else of the path, so the value is stable either way."""
    from docling_core.types.doc.document import DocumentOrigin

    try:
        content = source.read_bytes()
    except OSError:
        content = str(source).encode("utf-8")
    digest = hashlib.sha256(content).digest()
    return DocumentOrigin(
        filename=source.name or "document",
        mimetype=_mimetype(source),
        binary_hash=int.from_bytes(digest[:8], "big"),
    )


def _mimetype(source: Path) -> str:
    suffix = source.suffix.lower()
    if suffix in _MIMETYPES:
        return _MIMETYPES[suffix]
    guessed, _ = mimetypes.guess_type(source.name)
    return guessed or "application/octet-stream"


def _dpi(page: Page) -> float:
    return page.dpi or 72.0


def _points(pixels: int, dpi: float) -> float:
    return round(pixels * 72.0 / dpi, 3)


@dataclass
class _Builder:
    """Adds pages and their elements to a DoclingDocument, keeping the state that
    spans elements: the open list group."""

    out: DoclingDocument
    figure: FigureReader
    list_group: NodeItem | None = field(default=None)

    def add_page(self, page: Page) -> None:
        """Always adds the page, so page numbers stay right; a failed page has no items."""
        from docling_core.types.doc import Size

        dpi = _dpi(page)
        size = Size(width=_points(page.width, dpi), height=_points(page.height, dpi))
        self.out.add_page(page_no=page.number, size=size)
        if page.status == "failed":
            return
        elements = page.elements
        captions = _caption_owners(elements)
        attached = set(captions.values())
        for k, element in enumerate(elements):
            if k in attached:
                continue  # added with its table or picture
            caption = elements[captions[k]] if k in captions else None
            self.add_element(page, element, caption)

    def add_element(self, page: Page, element: Element, caption: Element | None) -> None:
        category = element.category
        if category not in HEADER_FOOTER and category != "List-item":
            self.list_group = None  # a list ends at the first other body element
        if category == "Table":
            self._add_table(page, element, caption)
        elif category == "Picture":
            self._add_picture(page, element, caption)
        else:
            self._add_text(page, element)

    def _add_text(self, page: Page, element: Element) -> None:
        from docling_core.types.doc import ContentLayer, DocItemLabel

        raw = element.text or ""
        text = _clean_text(element)
        if not text:
            return  # an empty item only makes empty chunks
        prov = _provenance(page, element, text)
        category = element.category
        if category == "Title":
            self.out.add_title(text=text, orig=raw, prov=prov)
        elif category == "Section-header":
            level = min(6, max(1, section_level(raw.strip()) - 1))
            self.out.add_heading(text=text, orig=raw, level=level, prov=prov)
        elif category == "List-item":
            self._add_list_item(raw, prov)
        elif category == "Formula":
            self.out.add_formula(text=text, orig=raw, prov=prov)
        else:
            furniture = category in HEADER_FOOTER
            self.out.add_text(
                label=DocItemLabel(DOCLING_LABELS[category]),
                text=text,
                orig=raw,
                prov=prov,
                content_layer=ContentLayer.FURNITURE if furniture else None,
            )

    def _add_list_item(self, raw: str, prov: ProvenanceItem) -> None:
        """Consecutive list items share one group, as docling's own converters do;
        the item's own mark ("1.", "a)", "•") becomes its marker."""
        if self.list_group is None:
            self.list_group = self.out.add_list_group()
        text, marker, enumerated = _list_item_parts(raw)
        self.out.add_list_item(
            text=text,
            orig=raw,
            enumerated=enumerated,
            marker=marker,
            prov=prov,
            parent=self.list_group,
        )

    def _add_table(self, page: Page, element: Element, caption: Element | None) -> None:
        html = element.text or ""
        item = self.out.add_table(
            data=_table_data(html),
            prov=_provenance(page, element, html),
        )
        image = self._image(page, element)
        if image is not None:
            item.image = image
        self._add_caption(page, item, caption)

    def _add_picture(self, page: Page, element: Element, caption: Element | None) -> None:
        item = self.out.add_picture(
            image=self._image(page, element),
            prov=_provenance(page, element, ""),
        )
        self._add_caption(page, item, caption)

    def _add_caption(self, page: Page, owner: FloatingItem, caption: Element | None) -> None:
        """The caption becomes a child of its table or picture and is named in its
        ``captions``, the shape docling's own converters produce."""
        from docling_core.types.doc import DocItemLabel

        if caption is None:
            return
        text = _clean_text(caption)
        if not text:
            return
        item = self.out.add_text(
            label=DocItemLabel.CAPTION,
            text=text,
            orig=caption.text,
            prov=_provenance(page, caption, text),
            parent=owner,
        )
        owner.captions.append(item.get_ref())

    def _image(self, page: Page, element: Element) -> ImageRef | None:
        """The saved figure as an ImageRef at the page's DPI; None when there is no
        figure or it cannot be read (the item keeps its box either way)."""
        from docling_core.types.doc import ImageRef
        from PIL import Image, UnidentifiedImageError

        if element.image is None:
            return None
        data = self.figure(element.image)
        if not data:
            return None
        try:
            with Image.open(io.BytesIO(data)) as picture:
                picture.load()
                return ImageRef.from_pil(picture.copy(), dpi=round(_dpi(page)))
        except (UnidentifiedImageError, OSError):
            return None


def _caption_owners(elements: list[Element]) -> dict[int, int]:
    """Which caption (by index) belongs to which table or picture: the one right
    before or after it on the page, each caption used once."""
    owners: dict[int, int] = {}
    taken: set[int] = set()
    for k, element in enumerate(elements):
        sides = _CAPTION_SIDE.get(element.category)
        if sides is None:
            continue
        for side in sides:
            j = k + side
            if 0 <= j < len(elements) and elements[j].category == "Caption" and j not in taken:
                owners[k] = j
                taken.add(j)
                break
    return owners


def _clean_text(element: Element) -> str:
    """The element's text without Markdown heading marks (docling keeps levels in
    the item) and, for formulas, without the ``$$`` delimiters docling adds itself."""
    text = (element.text or "").strip()
    if element.category in ("Title", "Section-header"):
        return " ".join(text.lstrip("#").split())
    if element.category == "Formula":
        match = _FORMULA_DELIMITERS.match(text)
        return match.group("body").strip() if match else text
    if element.category == "List-item":
        return _list_item_parts(text)[0]
    return _HEADING_MARKS.sub("", text, count=1)


def _list_item_parts(raw: str) -> tuple[str, str, bool]:
    """(text without its mark, the mark, whether the mark counts: "1." or "a)")."""
    text = raw.strip()
    match = _LIST_MARK.match(text)
    if match is None:
        return text, "", False
    return text[match.end() :].strip(), match.group("mark"), match.group("enum") is not None


def _table_data(html: str) -> TableData:
    """Cells with their grid positions and spans; header cells are column headers."""
    from docling_core.types.doc import TableCell, TableData

    parsed = read_table_cells(html)
    cells = [
        TableCell(
            text=cell.text,
            row_span=cell.row_span,
            col_span=cell.col_span,
            start_row_offset_idx=cell.row,
            end_row_offset_idx=cell.row + cell.row_span,
            start_col_offset_idx=cell.col,
            end_col_offset_idx=cell.col + cell.col_span,
            column_header=cell.header,
        )
        for cell in parsed.cells
    ]
    return TableData(num_rows=parsed.n_rows, num_cols=parsed.n_cols, table_cells=cells)


def _provenance(page: Page, element: Element, text: str) -> ProvenanceItem:
    """The box in PDF points with docling's bottom-left origin (y flipped)."""
    from docling_core.types.doc import BoundingBox, CoordOrigin, ProvenanceItem

    dpi = _dpi(page)
    height = _points(page.height, dpi)
    x1, y1, x2, y2 = element.bbox_points(dpi)
    box = BoundingBox(
        l=x1,
        t=round(height - y1, 3),
        r=x2,
        b=round(height - y2, 3),
        coord_origin=CoordOrigin.BOTTOMLEFT,
    )
    return ProvenanceItem(page_no=page.number, bbox=box, charspan=(0, len(text)))
