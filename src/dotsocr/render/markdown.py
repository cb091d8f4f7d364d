"""Elements to Markdown, the way the reference formats each category."""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from dotsocr.model import HEADER_FOOTER, Element
from dotsocr.render.pipe_table import pipe_table
from dotsocr.render.sanitize import RUBY_TAGS, escape_tags, safe_table_html

#: Tags the engines write in running text that stay live in Markdown: ruby, and
#: superscripts/subscripts (footnote marks, "H<sub>2</sub>O").
_INLINE_KEPT = RUBY_TAGS | frozenset({"sup", "sub"})

if TYPE_CHECKING:
    from dotsocr.model import Document, Page
    from dotsocr.writers.base import FileReader

_SECTION_NUMBER = re.compile(r"^\s*((?:\d{1,3}|[A-Z])(?:\.\d{1,3})*)\.?\s+\S")
_LIST_MARK = re.compile(r"^\s*([-*+•·▪‣◦]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|[①-⑳])\s+")


#: How Markdown shows tables: the reference's HTML, or pipe tables where the grid allows.
MarkdownTables = Literal["html", "pipe"]
#: How Markdown shows figures: linked files, data URLs in the Markdown, or not at all.
MarkdownImages = Literal["files", "embed", "none"]


@dataclass(frozen=True)
class FigureLinks:
    """Where a figure's ``![](...)`` points: its file (relative to the document
    folder, where the Markdown files are), or its bytes as a data URL so one
    Markdown file holds everything, as the reference parser's Markdown does."""

    mode: MarkdownImages = "files"
    #: Reads a figure's bytes for ``embed``; a figure it cannot read is linked.
    read: FileReader | None = None

    def target(self, image: str) -> str | None:
        if self.mode == "none":
            return None
        if self.mode == "embed" and self.read is not None:
            data = self.read(image)
            if data is not None:
                return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        return image


def figure_markdown(target: str, alt: str) -> str:
    """``![alt](target)``; the alt text is one line without brackets."""
    alt = " ".join(re.sub(r"[\[\]]", "", escape_tags(alt)).split())
    return f"![{alt}]({target})"


def element_markdown(element: Element, *, tables: MarkdownTables = "html") -> str:
    """One element as a Markdown block ('' for pictures and empty text).

    ``tables="pipe"`` writes a table whose grid is plain as a pipe table; other tables,
    and every table with ``"html"`` (the reference's form), stay sanitised HTML.
    """
    text = (element.text or "").strip()
    if element.category == "Picture" or not text:
        return ""
    if element.category == "Table":
        piped = pipe_table(text) if tables == "pipe" else None
        return piped if piped is not None else safe_table_html(text)
    text = escape_tags(text, keep=_INLINE_KEPT)
    if element.category == "Title":
        return "# " + _heading_text(text)
    if element.category == "Section-header":
        return "#" * section_level(text) + " " + _heading_text(text)
    if element.category == "Formula":
        body = text.strip("$").strip()
        return f"$$\n{body}\n$$"
    if element.category == "List-item" and not _LIST_MARK.match(text):
        return "- " + text
    return text


def section_level(text: str) -> int:
    """Markdown level of a section heading: what the model marked ("### Foo"), else
    its numbering depth ("2" -> ##, "2.1" -> ###, "A.1.2" -> ####), else ##; the
    document title alone is #."""
    marks = len(text) - len(text.lstrip("#"))
    if marks:
        return min(6, max(2, marks))
    numbered = _SECTION_NUMBER.match(text)
    if numbered:
        return min(6, numbered.group(1).count(".") + 2)
    return 2


def _heading_text(text: str) -> str:
    """One line, without any Markdown heading marks the model already put there; a
    full-width space (U+3000, as after a Japanese list marker) is text and stays."""
    return _BREAKS.sub(" ", text.lstrip("#")).strip(" ")


#: Runs of whitespace a heading line folds into one space (not U+3000).
_BREAKS = re.compile(r"[^\S\u3000]+")


def _caption_beside(elements: Sequence[Element], i: int) -> str:
    """The text of a caption just before or after element ``i``, else ''."""
    for j in (i - 1, i + 1):
        if 0 <= j < len(elements) and elements[j].category == "Caption":
            return elements[j].text or ""
    return ""


def elements_markdown(
    elements: Sequence[Element],
    *,
    headers_footers: bool = True,
    tables: MarkdownTables = "html",
    figures: FigureLinks | None = None,
) -> str:
    """Elements in reading order as Markdown blocks; a figure is linked where its
    element stands, after a table's or formula's own text."""
    links = figures or FigureLinks()
    blocks = []
    for i, element in enumerate(elements):
        if not headers_footers and element.category in HEADER_FOOTER:
            continue
        blocks.append(element_markdown(element, tables=tables))
        target = links.target(element.image) if element.image else None
        if target is not None:
            blocks.append(figure_markdown(target, _caption_beside(elements, i)))
    return "\n\n".join(b for b in blocks if b)


def page_markdown(
    page: Page,
    *,
    headers_footers: bool = True,
    tables: MarkdownTables = "html",
    figures: FigureLinks | None = None,
) -> str:
    return elements_markdown(
        page.elements, headers_footers=headers_footers, tables=tables, figures=figures
    )


def document_markdown(
    doc: Document,
    *,
    headers_footers: bool = True,
    tables: MarkdownTables = "html",
    figures: FigureLinks | None = None,
) -> str:
    """All pages in order; failed pages leave an HTML comment so a gap is visible."""
    parts = []
    for page in sorted(doc.pages, key=lambda p: p.number):
        if page.status == "failed":
            parts.append(f"<!-- page {page.number} failed: {_comment_safe(page.error)} -->")
            continue
        md = page_markdown(page, headers_footers=headers_footers, tables=tables, figures=figures)
        if md:
            parts.append(md)
    return "\n\n".join(parts) + "\n" if parts else ""


def _comment_safe(text: str | None) -> str:
    return (text or "unknown error").replace("--", "- -").replace("\n", " ")
