"""DoclingDocument output: built with docling-core's types, read back by docling-core,
exported and chunked by docling's own tools, all offline."""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

pytest.importorskip("docling_core")
from docling_core.transforms.chunker.hybrid_chunker import HybridChunker
from docling_core.transforms.chunker.tokenizer.base import BaseTokenizer
from docling_core.types.doc import (
    ContentLayer,
    CoordOrigin,
    DocItemLabel,
    DoclingDocument,
    ListItem,
    PictureItem,
    SectionHeaderItem,
    TableItem,
)

from dotsocr.model import Document, Element, Page
from dotsocr.render.docling_doc import DOCLING_LABELS, docling_document, docling_json

# docling-core's own table chunking trips a pandas deprecation; nothing of ours.
pytestmark = pytest.mark.filterwarnings("ignore:Setting an item of incompatible dtype")

DPI = 144.0
FIGURE = "images/report_page_0_0.png"
TABLE_HTML = (
    "<table><thead><tr><th rowspan='2'>Name</th><th colspan='2'>Score</th></tr>"
    "<tr><th>2023</th><th>2024</th></tr></thead>"
    "<tbody><tr><td>Alpha</td><td>1</td><td>2</td></tr></tbody></table>"
)


class WordTokenizer(BaseTokenizer):
    """Whitespace words as tokens: HybridChunker without downloading a tokenizer.

    ``get_tokenizer`` is what HybridChunker hands semchunk to split an item longer
    than ``max_tokens``; semchunk takes a token-counting function there."""

    max_tokens: int = 64

    def count_tokens(self, text: str) -> int:
        return len(text.split())

    def get_max_tokens(self) -> int:
        return self.max_tokens

    def get_tokenizer(self) -> Callable[[str], int]:
        return self.count_tokens


def _png(width: int = 40, height: int = 30) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def _el(box: list[int], category: str, text: str | None = None, **extra: str) -> Element:
    return Element(bbox=box, category=category, text=text, **extra)  # type: ignore[arg-type]


def _document() -> Document:
    """Every category once or more, at 144 DPI (2 pixels per point), with a failed
    page between two good ones."""
    first = Page(
        number=1,
        width=1224,
        height=1584,
        dpi=DPI,
        elements=[
            _el([100, 20, 1100, 60], "Page-header", "Running head"),
            _el([100, 100, 1100, 200], "Title", "# Quarterly Report"),
            _el([100, 220, 1100, 260], "Section-header", "## 1. Introduction"),
            _el([100, 280, 1100, 400], "Text", "The introduction explains the numbers."),
            _el([100, 420, 1100, 450], "List-item", "- first point"),
            _el([100, 460, 1100, 490], "List-item", "2. second point"),
            _el([100, 500, 1100, 560], "Formula", "$$E = mc^2$$"),
            _el([100, 580, 1100, 610], "Caption", "Table 1: Scores by year."),
            _el([100, 620, 1100, 800], "Table", TABLE_HTML),
            _el([100, 820, 500, 1100], "Picture", image=FIGURE),
            _el([100, 1110, 1100, 1140], "Caption", "Figure 1: A red square."),
            _el([100, 1200, 1100, 1260], "Footnote", "1 A footnote."),
            _el([100, 1500, 1100, 1540], "Page-footer", "Page 1"),
        ],
    )
    failed = Page(number=2, width=1224, height=1584, dpi=DPI, status="failed", error="boom")
    last = Page(
        number=3,
        width=612,
        height=792,
        dpi=None,
        elements=[
            _el([50, 50, 550, 80], "Section-header", "2.1 Details"),
            _el([50, 100, 550, 200], "Text", "Closing words on the last page."),
        ],
    )
    return Document(source="/nowhere/report.pdf", page_count=3, pages=[first, failed, last])


def _figures(path: str) -> bytes | None:
    return _png() if path == FIGURE else None


@pytest.fixture(scope="module")
def loaded() -> DoclingDocument:
    """The JSON read back by docling-core: everything below checks what a docling
    user would get from the file."""
    return DoclingDocument.model_validate_json(docling_json(_document(), figure=_figures))


def _body_items(doc: DoclingDocument) -> list:
    return [
        item
        for item, _ in doc.iterate_items(included_content_layers={ContentLayer.BODY})
        if item.label != DocItemLabel.CAPTION
    ]


def test_name_origin_and_pages_in_points(loaded):
    assert loaded.name == "report"
    assert loaded.origin.filename == "report.pdf"
    assert loaded.origin.mimetype == "application/pdf"
    assert loaded.origin.binary_hash == docling_document(_document()).origin.binary_hash
    assert sorted(loaded.pages) == [1, 2, 3]
    assert (loaded.pages[1].size.width, loaded.pages[1].size.height) == (612.0, 792.0)
    assert (loaded.pages[3].size.width, loaded.pages[3].size.height) == (612.0, 792.0)


def test_labels_follow_reading_order_and_the_mapping(loaded):
    labels = [item.label.value for item in _body_items(loaded)]
    assert labels == [
        "title",
        "section_header",
        "text",
        "list_item",
        "list_item",
        "formula",
        "table",
        "picture",
        "footnote",
        "section_header",
        "text",
    ]
    assert set(DOCLING_LABELS.values()) <= {label.value for label in DocItemLabel}


def test_text_loses_markdown_marks_and_headings_get_docling_levels(loaded):
    texts = {item.label.value: item for item in _body_items(loaded)[:3]}
    assert texts["title"].text == "Quarterly Report"
    headings = [i for i in _body_items(loaded) if isinstance(i, SectionHeaderItem)]
    assert [(h.text, h.level) for h in headings] == [("1. Introduction", 1), ("2.1 Details", 2)]
    formula = next(i for i in _body_items(loaded) if i.label == DocItemLabel.FORMULA)
    assert formula.text == "E = mc^2"


def test_list_items_share_one_group_with_their_marks(loaded):
    items = [i for i in _body_items(loaded) if isinstance(i, ListItem)]
    assert [(i.text, i.marker, i.enumerated) for i in items] == [
        ("first point", "-", False),
        ("second point", "2.", True),
    ]
    assert items[0].parent.cref == items[1].parent.cref
    assert items[0].parent.cref.startswith("#/groups/")


def test_headers_and_footers_are_furniture(loaded):
    furniture = [
        item for item, _ in loaded.iterate_items(included_content_layers={ContentLayer.FURNITURE})
    ]
    assert [(i.label.value, i.text) for i in furniture] == [
        ("page_header", "Running head"),
        ("page_footer", "Page 1"),
    ]
    markdown = loaded.export_to_markdown()
    assert "Running head" not in markdown
    assert "Page 1" not in markdown


def test_table_cells_keep_spans_and_headers(loaded):
    (table,) = loaded.tables
    assert isinstance(table, TableItem)
    assert (table.data.num_rows, table.data.num_cols) == (3, 3)
    cells = {c.text: c for c in table.data.table_cells}
    name, score = cells["Name"], cells["Score"]
    assert (name.row_span, name.col_span, name.end_row_offset_idx) == (2, 1, 2)
    assert (score.row_span, score.col_span, score.start_col_offset_idx) == (1, 2, 1)
    assert score.end_col_offset_idx == 3
    assert name.column_header and not cells["Alpha"].column_header
    assert (cells["2024"].start_row_offset_idx, cells["2024"].start_col_offset_idx) == (1, 2)


def test_adjacent_captions_belong_to_their_table_and_picture(loaded):
    (table,) = loaded.tables
    (picture,) = loaded.pictures
    assert table.caption_text(loaded) == "Table 1: Scores by year."
    assert picture.caption_text(loaded) == "Figure 1: A red square."


def test_provenance_is_in_points_from_the_bottom_left(loaded):
    (table,) = loaded.tables
    (prov,) = table.prov
    # 144 DPI: pixels / 2 are points; the page is 792 pt high, so y flips to 792 - y.
    assert prov.page_no == 1
    assert prov.bbox.coord_origin == CoordOrigin.BOTTOMLEFT
    assert (prov.bbox.l, prov.bbox.t, prov.bbox.r, prov.bbox.b) == (50.0, 482.0, 550.0, 392.0)
    last_text = _body_items(loaded)[-1]
    assert last_text.prov[0].page_no == 3
    assert last_text.prov[0].bbox.t == 692.0  # 72 DPI when the page has none
    assert last_text.prov[0].charspan == (0, len(last_text.text))
    assert all(item.prov for item in _body_items(loaded))


def test_picture_carries_its_figure(loaded):
    (picture,) = loaded.pictures
    assert isinstance(picture, PictureItem)
    assert picture.image is not None
    assert (picture.image.size.width, picture.image.size.height) == (40, 30)
    assert picture.image.dpi == int(DPI)
    assert picture.get_image(loaded).size == (40, 30)


def test_picture_without_a_figure_has_no_image():
    doc = docling_document(_document())  # the default reads no figures
    assert doc.pictures[0].image is None
    assert doc.pictures[0].prov


def test_failed_page_is_a_page_without_items(loaded):
    assert 2 in loaded.pages
    on_page_two = [
        item
        for item, _ in loaded.iterate_items(included_content_layers=set(ContentLayer))
        if any(p.page_no == 2 for p in getattr(item, "prov", []))
    ]
    assert on_page_two == []


def test_markdown_export_has_the_content(loaded):
    markdown = loaded.export_to_markdown()
    for expected in (
        "# Quarterly Report",
        "## 1. Introduction",
        "### 2.1 Details",
        "The introduction explains the numbers.",
        "first point",
        "Name",
        "Score",
        "Alpha",
        "Table 1: Scores by year.",
        "Closing words on the last page.",
    ):
        assert expected in markdown
    assert markdown.count("Table 1: Scores by year.") == 1


def test_hybrid_chunker_chunks_it_offline(loaded):
    chunks = list(HybridChunker(tokenizer=WordTokenizer()).chunk(dl_doc=loaded))
    assert chunks
    assert all(chunk.text.strip() for chunk in chunks)
    joined = " ".join(chunk.text for chunk in chunks)
    assert "Alpha" in joined
    assert "Closing words" in joined


def test_image_source_gets_an_image_mimetype(tmp_path: Path):
    source = tmp_path / "scan.png"
    source.write_bytes(_png())
    doc = Document(source=str(source), kind="image", page_count=1, pages=[])
    origin = docling_document(doc).origin
    assert origin.mimetype == "image/png"
    assert origin.filename == "scan.png"


def test_captions_fall_back_to_the_other_side_and_lists_end_at_other_elements():
    page = Page(
        number=1,
        width=600,
        height=800,
        dpi=72,
        elements=[
            _el([0, 0, 600, 10], "Caption", "A lone caption."),
            _el([0, 20, 600, 30], "Text", "Between."),
            _el([0, 40, 600, 100], "Table", "<table><tr><td>x</td></tr></table>"),
            _el([0, 110, 600, 120], "Caption", "Table below its caption."),
            _el([0, 130, 600, 140], "List-item", "one"),
            _el([0, 150, 600, 160], "Text", "Breaks the list."),
            _el([0, 170, 600, 180], "List-item", "two"),
        ],
    )
    doc = docling_document(Document(source="x.png", kind="image", pages=[page]))
    assert doc.tables[0].caption_text(doc) == "Table below its caption."
    lone = next(t for t in doc.texts if t.text == "A lone caption.")
    assert lone.label == DocItemLabel.CAPTION
    assert lone.parent.cref == "#/body"
    groups = {t.parent.cref for t in doc.texts if isinstance(t, ListItem)}
    assert len(groups) == 2


def test_without_docling_core_the_error_says_what_to_install(monkeypatch):
    from dotsocr.render.docling_doc import DoclingMissingError

    monkeypatch.setitem(sys.modules, "docling_core.types.doc", None)
    with pytest.raises(DoclingMissingError, match=r"pip install 'dotsocr\[docling\]'"):
        docling_json(_document())
    assert issubclass(DoclingMissingError, ImportError)


@pytest.mark.slow
def test_docling_pdfs_parse_export_and_chunk(shared_data: Path):
    """The CPU engine on docling's own test PDFs: each result loads in docling-core,
    exports Markdown and chunks into non-empty pieces."""
    from dotsocr.api import parse

    folder = shared_data / "accuracy" / "docling" / "pdf"
    pdfs = sorted(folder.glob("*.pdf"))
    if not pdfs:
        pytest.skip("docling test PDFs are not present")
    chunker = HybridChunker(tokenizer=WordTokenizer())
    for pdf in pdfs:
        doc = parse(pdf)
        loaded = DoclingDocument.model_validate_json(docling_json(doc))
        assert sorted(loaded.pages) == [p.number for p in doc.pages], pdf.name
        assert loaded.export_to_markdown().strip(), pdf.name
        chunks = list(chunker.chunk(dl_doc=loaded))
        assert chunks, pdf.name
        assert all(chunk.text.strip() for chunk in chunks), pdf.name
