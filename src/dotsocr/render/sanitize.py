"""Make model text safe to put in Markdown that a viewer renders as HTML.

Table text is HTML by design (the model's format): only table markup survives,
with rowspan/colspan as its only attributes; anything else is shown as text.
Elsewhere any "<" that could open a tag (``<script ...>``) is escaped, so text
read from a page can never become live markup in someone's Markdown viewer.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

TABLE_TAGS = frozenset(
    {
        "table",
        "thead",
        "tbody",
        "tfoot",
        "tr",
        "th",
        "td",
        "caption",
        "colgroup",
        "col",
        "br",
        "b",
        "i",
        "em",
        "strong",
        "sub",
        "sup",
        "u",
    }
)
VOID_TAGS = frozenset({"br", "col"})
TABLE_ATTRIBUTES = frozenset({"rowspan", "colspan"})
#: A "<" that could open a tag, comment or declaration in an HTML parser.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")


class MarkupReader(HTMLParser):
    """An HTML parser that hands entities on as written (so they show as the model
    wrote them) and drops comments, declarations and processing instructions, which
    carry nothing a reader needs and can hide markup."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)

    def keep_entity(self, text: str) -> None:
        """Called with an entity or character reference as written ("&amp;")."""
        raise NotImplementedError

    def handle_entityref(self, name: str) -> None:
        self.keep_entity(f"&{name};")

    def handle_charref(self, name: str) -> None:
        self.keep_entity(f"&#{name};")

    def handle_comment(self, data: str) -> None:
        pass

    def handle_decl(self, decl: str) -> None:
        pass

    def unknown_decl(self, data: str) -> None:
        pass

    def handle_pi(self, data: str) -> None:
        pass


class _TableSanitizer(MarkupReader):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def keep_entity(self, text: str) -> None:
        self.parts.append(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in TABLE_TAGS:
            self.parts.append(html.escape(self.get_starttag_text() or f"<{tag}>"))
            return
        kept = "".join(
            f' {name}="{value}"'
            for name, value in attrs
            if name in TABLE_ATTRIBUTES and value is not None and value.isdigit()
        )
        self.parts.append(f"<{tag}{kept}>")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in TABLE_TAGS and tag not in VOID_TAGS:
            self.parts.append(f"</{tag}>")
        elif tag not in TABLE_TAGS:
            self.parts.append(html.escape(f"</{tag}>"))

    def handle_data(self, data: str) -> None:
        self.parts.append(html.escape(data, quote=False))


def safe_table_html(text: str) -> str:
    """Table HTML with only table markup left live."""
    parser = _TableSanitizer()
    parser.feed(text)
    parser.close()
    return "".join(parser.parts)


def escape_tags(text: str) -> str:
    """Text in which no HTML tag can start: every "<" that could open one becomes
    "&lt;" (a comparison such as "a < b" is left as it is)."""
    return _TAG_OPEN.sub("&lt;", text)
