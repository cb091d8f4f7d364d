"""Make model text safe to show in a browser, with one allowlist for every writer.

The model's text is read from pages nobody vetted, and it reaches browsers: Markdown
viewers render the HTML a Markdown file embeds (tables are HTML by design, the model's
format), and the HTML viewer shows it directly. A page can carry ``<script>`` or
``<img onerror=...>`` as easily as a table. So every writer that emits model text as
HTML passes it through :func:`safe_html`, which cleans it with nh3 (the binding of
Rust's ammonia, a sanitiser built on a browser-grade HTML5 parser) against the ONE
allowlist below: table markup, a few inline formatting tags, and ``rowspan`` /
``colspan`` with plain digit values. Widen or narrow what is live here, never in a
writer, so the Markdown, the HTML viewer and every other writer agree.

A tag outside the allowlist is shown as text, not dropped: what a page printed
(``<T>`` in a code listing, ``<script>`` in a security paper) is text a reader should
see, and Markdown text and pipe-table cells show it the same way (:func:`escape_tags`).
That escaping only decides what is *shown*; nh3 is what makes the output safe, and it
strips any markup that escaping let through but the allowlist does not name.

Plain text that is not HTML at all (headings, paragraphs in Markdown) goes through
:func:`escape_tags`, which leaves no "<" that could open a tag.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from types import MappingProxyType

import nh3

#: Table structure, as the model writes tables.
_TABLE_STRUCTURE = frozenset(
    {"table", "thead", "tbody", "tfoot", "tr", "th", "td", "caption", "colgroup", "col"}
)
#: Ruby annotations (furigana), as the CPU engine writes them with ``--ruby html``.
RUBY_TAGS = frozenset({"ruby", "rt", "rp"})
#: Inline formatting the model writes in text and table cells.
INLINE_TAGS = frozenset({"b", "i", "em", "strong", "sub", "sup", "u"}) | RUBY_TAGS
#: The one allowlist: every tag left live when model text is shown as HTML.
ALLOWED_TAGS = _TABLE_STRUCTURE | INLINE_TAGS | {"br"}
#: Table HTML may hold exactly the allowlisted tags (the name table readers use).
TABLE_TAGS = ALLOWED_TAGS
#: The only attributes kept, on cells only, and only with digit values.
SPAN_ATTRIBUTES = frozenset({"rowspan", "colspan"})
ALLOWED_ATTRIBUTES: Mapping[str, frozenset[str]] = MappingProxyType(
    {"td": SPAN_ATTRIBUTES, "th": SPAN_ATTRIBUTES}
)
#: Tags dropped with everything inside them, should one ever reach nh3 as markup.
CLEAN_CONTENT_TAGS = frozenset({"script", "style"})

#: A "<" that could open a tag, comment or declaration in an HTML parser.
_TAG_OPEN = re.compile(r"<(?=[A-Za-z/!?])")
#: A "<" that opens a tag (or end tag) the allowlist does not name. Tag names end at
#: HTML whitespace, "/" or ">". "<!" and "<?" are left to nh3, which drops comments,
#: declarations and processing instructions.
_UNLISTED_TAG_OPEN = re.compile(
    r"<(?=[A-Za-z/])(?!/?(?:{})(?:[\t\n\f\r />]|$))".format("|".join(sorted(ALLOWED_TAGS))),
    re.IGNORECASE,
)
_TBODY = re.compile(r"<tbody", re.IGNORECASE)
_DIGITS = re.compile(r"[0-9]+")


def _span_value(tag: str, name: str, value: str) -> str | None:
    """nh3's attribute filter: a span keeps a plain digit value; nothing else stays."""
    if name in ALLOWED_ATTRIBUTES.get(tag, ()) and _DIGITS.fullmatch(value):
        return value
    return None


def safe_html(fragment: str) -> str:
    """An HTML fragment of model text with only the allowlisted markup live.

    Tags outside the allowlist show as text; attributes other than digit spans,
    comments, and the bodies of any script/style are dropped. The output is the
    HTML5 parse of the fragment written out again, so it is well formed (open cells
    and rows are closed) and entities other than ``&amp; &lt; &gt; &nbsp;`` become
    the characters they stand for. The ``<tbody>`` a parser implies in a table is
    left out when the model wrote none (a browser implies it again), so a clean
    table comes out as the model wrote it.
    """
    shown = _UNLISTED_TAG_OPEN.sub("&lt;", fragment)
    cleaned = nh3.clean(
        shown,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(CLEAN_CONTENT_TAGS),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_span_value,
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
    )
    if not _TBODY.search(shown):
        # Safe to remove: in nh3's output every "<" of text is escaped and no
        # attribute value holds one, so these strings can only be the tags.
        cleaned = cleaned.replace("<tbody>", "").replace("</tbody>", "")
    return cleaned


def safe_table_html(text: str) -> str:
    """Table HTML (the model's format for tables) with only the allowlisted markup
    live: :func:`safe_html`, under the name the Markdown writer uses."""
    return safe_html(text)


def escape_tags(text: str, keep: frozenset[str] = frozenset()) -> str:
    """Text in which no HTML tag can start: every "<" that could open one becomes
    "&lt;" (a comparison such as "a < b" is left as it is). Tags named in ``keep``
    stay live where written bare, ``<rt>`` or ``</rt>``: no attribute can ride on them."""
    if not keep:
        return _TAG_OPEN.sub("&lt;", text)
    bare = re.compile(r"</?(?:{})>".format("|".join(sorted(keep))))
    return _TAG_OPEN.sub(lambda m: m.group(0) if bare.match(text, m.start()) else "&lt;", text)
