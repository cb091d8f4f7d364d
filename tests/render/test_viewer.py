"""The HTML viewer's markup, without a browser: escaping, counts, formulas, tables,
failed pages and missing page pictures (tests/render/test_viewer_browser.py drives it)."""

from __future__ import annotations

from html.parser import HTMLParser
from importlib import resources

import pytest

from dotsocr.model import Document, Element, Page
from dotsocr.render.viewer import element_html, inline_html, mathml, viewer_html

HOSTILE = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'


class Tags(HTMLParser):
    """Every start tag with its attributes, and the text of each <script>."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.scripts: list[str] = []
        self._in_script = False
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"
        if self._in_script:
            self.scripts.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.scripts[-1] += data

    def with_class(self, name: str) -> list[dict[str, str | None]]:
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]


def _page(number: int, elements: list[Element], **fields: object) -> Page:
    return Page(number=number, width=1000, height=1400, dpi=200, elements=elements, **fields)


def _doc(*pages: Page, source: str = "report.pdf") -> Document:
    return Document(source=source, page_count=len(pages), pages=list(pages))


def _url(page: Page) -> str:
    return f"pages/report_page_{page.index}.jpg"


def _hostile_doc() -> Document:
    elements = [
        Element(bbox=[10, 10, 200, 40], category=category, text=HOSTILE)
        for category in (
            "Title",
            "Section-header",
            "Text",
            "Caption",
            "Footnote",
            "List-item",
            "Page-header",
            "Page-footer",
            "Table",
            "Formula",
        )
    ]
    elements += [
        Element(bbox=[10, 50, 200, 90], category="Formula", text=r"\text{" + HOSTILE + "}"),
        Element(bbox=[10, 50, 200, 90], category="Text", text="$\\text{" + HOSTILE + "}$"),
        Element(bbox=[10, 100, 200, 300], category="Picture", image="javascript:alert(1)"),
        Element(bbox=[10, 100, 200, 300], category="Picture", image='x" onerror="alert(1).png'),
    ]
    page = _page(1, elements, warnings=[HOSTILE], engine=HOSTILE, method="ocr")
    failed = _page(2, [], status="failed", error=HOSTILE)
    return _doc(page, failed, source=f"/data/{HOSTILE}.pdf")


def test_hostile_text_never_becomes_live_markup():
    markup = viewer_html(_hostile_doc(), page_image=_url)
    tags = Tags(markup)
    own_script = resources.files("dotsocr.render").joinpath("viewer_assets/viewer.js")
    assert tags.scripts == [own_script.read_text("utf-8")]
    handlers = [(t, n) for t, a in tags.tags for n in a if n.lower().startswith("on")]
    assert handlers == []
    sources = [a.get("src") or "" for t, a in tags.tags if t == "img"]
    assert all(not s.lower().startswith("javascript:") for s in sources)
    assert sum(t == "script" for t, _ in tags.tags) == 1
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup  # shown, as text
    # the source's name (after its last "/") in <title> and the header, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf — dotsocr viewer</title>" in markup
    assert '<h1 title="/data/&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;' in markup


def test_hostile_picture_path_is_percent_encoded_not_an_attribute_break():
    markup = viewer_html(_hostile_doc(), page_image=_url)
    figures = Tags(markup).with_class("figure")
    assert [f["src"] for f in figures] == ["x%22%20onerror=%22alert(1).png"]


def test_one_box_and_one_block_per_element_on_every_page():
    pages = [
        _page(
            n,
            [
                Element(bbox=[i, i, i + 50, i + 20], category="Text", text=f"t{n}.{i}")
                for i in range(n * 3)
            ],
        )
        for n in (1, 2, 3)
    ]
    tags = Tags(viewer_html(_doc(*pages), page_image=_url))
    boxes, blocks = tags.with_class("box"), tags.with_class("block")
    assert len(boxes) == len(blocks) == 18
    for page in pages:
        mine = [b for b in boxes if b["data-page"] == str(page.number)]
        assert [b["data-index"] for b in mine] == [str(i) for i in range(len(page.elements))]
        assert len([b for b in blocks if b["data-page"] == str(page.number)]) == len(mine)
    sheets = [a for t, a in tags.tags if t == "svg"]
    assert {s["viewbox"] for s in sheets} == {"0 0 1000 1400"}


def test_only_the_first_page_is_displayed_and_images_are_lazy_links():
    pages = [_page(n, []) for n in (1, 2, 3)]
    tags = Tags(viewer_html(_doc(*pages), page_image=_url))
    sections = [a for t, a in tags.tags if t == "section"]
    assert ["hidden" in s for s in sections] == [False, True, True]
    images = tags.with_class("page-image")
    assert [i["src"] for i in images] == [_url(p) for p in pages]
    assert all(i["loading"] == "lazy" for i in images)


def test_formula_becomes_mathml_and_bad_latex_falls_back_to_code():
    good = element_html(Element(bbox=[0, 0, 1, 1], category="Formula", text="$$\\frac{a}{b}$$"), 1)
    assert good.startswith('<div class="formula"><math') and "<mfrac>" in good
    bad = element_html(Element(bbox=[0, 0, 1, 1], category="Formula", text="\\left( x <y"), 1)
    assert "<math" not in bad
    assert "<code>\\left( x &lt;y</code>" in bad


def test_mathml_is_rebuilt_from_an_allowlist():
    # latex2mathml copies \text{...} through as written: the raw tag must not survive
    converted = mathml(r"\text{<img src=x onerror=alert(1)>} + x < y")
    assert converted is not None and converted.startswith("<math")
    tags = Tags(converted)
    assert {t for t, _ in tags.tags} <= {"math", "mrow", "mtext", "mi", "mo"}
    assert "&lt;img" in converted


def test_inline_markdown_and_math_in_text():
    markup = inline_html("**bold** and *it* cost $5 and $10; $x^2$ <b>raw</b>")
    assert "<strong>bold</strong>" in markup and "<em>it</em>" in markup
    assert "$5 and $10" in markup  # prices are not math
    assert markup.count("<math") == 1 and "<msup>" in markup
    assert "&lt;b&gt;raw&lt;/b&gt;" in markup


def test_headings_use_the_markdown_writers_levels():
    title = element_html(Element(bbox=[0, 0, 1, 1], category="Title", text="# Report"), 1)
    sub = element_html(Element(bbox=[0, 0, 1, 1], category="Section-header", text="2.1 Scope"), 2)
    assert title == "<h1>Report</h1>" and sub == "<h3>2.1 Scope</h3>"


def test_table_html_is_sanitised_and_its_figure_follows():
    table = Element(
        bbox=[0, 0, 1, 1],
        category="Table",
        text="<table onclick=alert(1)><tr><td>a<script>alert(1)</script></td></tr></table>",
        image="images/report_page_0_0.png",
    )
    tags = Tags(element_html(table, 1))
    names = [t for t, _ in tags.tags]
    assert "script" not in names and names[:2] == ["div", "table"]
    assert not any(n.startswith("on") for _, a in tags.tags for n in a)
    assert names[-1] == "img" and tags.tags[-1][1]["src"] == "images/report_page_0_0.png"


def test_picture_shows_its_figure_or_says_none_was_saved():
    saved = Element(bbox=[0, 0, 1, 1], category="Picture", image="images/a #1.png")
    assert 'src="images/a%20%231.png"' in element_html(saved, 4)
    assert "no figure image saved" in element_html(
        Element(bbox=[0, 0, 1, 1], category="Picture"), 4
    )


def test_failed_page_shows_its_error_and_the_header_counts_it():
    failed = _page(2, [], status="failed", error="render crashed: out of memory")
    markup = viewer_html(_doc(_page(1, []), failed), page_image=_url)
    section = markup.split('id="page-2"')[1].split("</section>")[0]
    assert "Page failed:</b> render crashed: out of memory" in section
    assert "st-failed" in section
    assert '<span class="chip bad">1 failed</span>' in markup


def test_page_meta_lists_engine_method_warnings_and_timings():
    page = _page(
        1,
        [],
        engine="cpu",
        method="text-layer",
        warnings=["layout model skipped"],
        timings={"text": 0.25, "layout": 0.5},
    )
    markup = viewer_html(_doc(page), page_image=_url)
    for fact in ("engine <b>cpu</b>", "method <b>text-layer</b>", "layout model skipped"):
        assert fact in markup
    assert "text 0.25 s · layout 0.50 s" in markup and "total 0.75 s" in markup


@pytest.mark.parametrize("size", [(1000, 1400), (0, 0)])
def test_page_without_picture_is_a_blank_box_of_its_size(size):
    page = Page(number=1, width=size[0], height=size[1], elements=[])
    tags = Tags(viewer_html(_doc(page), page_image=lambda p: None))
    assert tags.with_class("page-image") == [] and len(tags.with_class("no-image")) == 1
    sheet = tags.with_class("sheet")[0]
    width, height = size if size[0] else (1000, 1414)
    assert sheet["style"].startswith(f"--w:{width};--h:{height};")


def test_empty_document_still_renders():
    markup = viewer_html(_doc(), page_image=_url)
    assert "This document has no pages." in markup and "0 failed" in markup
