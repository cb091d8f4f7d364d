"""Elements to Markdown, the way the reference formats each category."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

from dotsocr.model import HEADER_FOOTER, Element
from dotsocr.render.pipe_table import pipe_table
from dotsocr.render.sanitize import escape_tags, safe_table_html

if TYPE_CHECKING:
    from dotsocr.model import Document, Page

_SECTION_NUMBER = re.compile(r"^\s*((?:\d{1,3}|[A-Z])(?:\.\d{1,3})*)\.?\s+\S")
_LIST_MARK = re.compile(r"^\s*([-*+•·▪‣◦]|\(?\d{1,3}[.)]|\(?[a-zA-Z][.)]|[①-⑳])\s+")


#: How Markdown shows tables: the reference's HTML, or pipe tables where the grid allows.
MarkdownTables = Literal["html", "pipe"]


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
    text = escape_tags(text)
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
    """One line, without any Markdown heading marks the model already put there."""
    return " ".join(text.lstrip("#").split())


def elements_markdown(
    elements: Iterable[Element], *, headers_footers: bool = True, tables: MarkdownTables = "html"
) -> str:
    blocks = (
        element_markdown(e, tables=tables)
        for e in elements
        if headers_footers or e.category not in HEADER_FOOTER
    )
    return "\n\n".join(b for b in blocks if b)


def page_markdown(
    page: Page, *, headers_footers: bool = True, tables: MarkdownTables = "html"
) -> str:
    return elements_markdown(page.elements, headers_footers=headers_footers, tables=tables)


def document_markdown(
    doc: Document, *, headers_footers: bool = True, tables: MarkdownTables = "html"
) -> str:
    """All pages in order; failed pages leave an HTML comment so a gap is visible."""
    parts = []
    for page in sorted(doc.pages, key=lambda p: p.number):
        if page.status == "failed":
            parts.append(f"<!-- page {page.number} failed: {_comment_safe(page.error)} -->")
            continue
        md = page_markdown(page, headers_footers=headers_footers, tables=tables)
        if md:
            parts.append(md)
    return "\n\n".join(parts) + "\n" if parts else ""


def _comment_safe(text: str | None) -> str:
    return (text or "unknown error").replace("--", "- -").replace("\n", " ")
