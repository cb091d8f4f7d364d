"""One parsed document as a self-contained HTML viewer that works offline (file://).

Each page shows its picture with the layout boxes drawn over it as SVG, beside the
page's content rendered block by block; boxes and blocks share ``data-page`` /
``data-index`` so the inline script can link them. Everything the model wrote is
escaped (tables go through the shared allowlist, formulas become MathML that is
rebuilt from an allowlist), images are linked and never inlined, and all pages are
written as static markup with only the current one displayed: a 352-page document
parses in a fraction of a second, and hidden pages load no images.
"""

from __future__ import annotations

import html
import inspect
import re
from collections import Counter
from collections.abc import Callable
from html.parser import HTMLParser
from importlib import resources
from pathlib import PurePath
from urllib.parse import quote

from latex2mathml import exceptions as latex_exceptions
from latex2mathml.converter import convert as latex_to_mathml

from dotsocr.model import Category, Document, Element, Page
from dotsocr.render.markdown import section_level
from dotsocr.render.overlay import CATEGORY_COLOURS
from dotsocr.render.sanitize import safe_table_html

#: Every category, in the order the toggles list them.
CATEGORIES: tuple[str, ...] = tuple(Category.__args__)  # type: ignore[attr-defined]

#: Shown for a page whose size is unknown (0 x 0, e.g. one that failed to render).
_FALLBACK_SIZE = (1000, 1414)

_ASSETS = "viewer_assets"

# --- escaping and URLs -----------------------------------------------------------


def _esc(text: object) -> str:
    """Text for element content or a quoted attribute value: nothing can open markup."""
    return html.escape(str(text), quote=True)


_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_SAFE_SCHEMES = frozenset({"http", "https", "file"})


def _url(path: str | None) -> str | None:
    """A linkable URL for a relative path (or http/https/file URL), else None.

    Characters that would change a relative path's meaning ("#", "?", spaces) are
    percent-encoded; "%" is kept so an already encoded URL survives. Other schemes
    (javascript:, data:) are refused: the viewer links files, nothing else.
    """
    if not path:
        return None
    scheme = _SCHEME.match(path)
    if scheme and len(scheme.group(1)) > 1:  # one letter is a Windows drive, not a scheme
        return path if scheme.group(1).lower() in _SAFE_SCHEMES else None
    return quote(path.replace("\\", "/"), safe="/%:@&=+$,;~!*'()-._")


# --- formulas ----------------------------------------------------------------------

#: What latex2mathml raises on LaTeX it cannot read: its own errors plus the plain
#: ones its parser lets escape (seen by fuzzing: StopIteration, ValueError,
#: IndexError), and RecursionError for absurd nesting. Bugs elsewhere still surface.
_LATEX_ERRORS: tuple[type[BaseException], ...] = (
    *(
        cls
        for cls in vars(latex_exceptions).values()
        if inspect.isclass(cls) and issubclass(cls, Exception)
    ),
    StopIteration,
    ValueError,
    IndexError,
    RecursionError,
)

_MATHML_TAGS = frozenset(
    {
        "math",
        "mrow",
        "mi",
        "mn",
        "mo",
        "ms",
        "mtext",
        "mspace",
        "msub",
        "msup",
        "msubsup",
        "mfrac",
        "msqrt",
        "mroot",
        "mstyle",
        "merror",
        "mpadded",
        "mphantom",
        "mfenced",
        "menclose",
        "munder",
        "mover",
        "munderover",
        "mmultiscripts",
        "mprescripts",
        "none",
        "mtable",
        "mtr",
        "mtd",
        "mlabeledtr",
        "semantics",
        "annotation",
    }
)
_MATHML_ATTRIBUTES = frozenset(
    {
        "display",
        "mathvariant",
        "mathsize",
        "mathcolor",
        "mathbackground",
        "stretchy",
        "fence",
        "separator",
        "lspace",
        "rspace",
        "form",
        "largeop",
        "movablelimits",
        "accent",
        "accentunder",
        "minsize",
        "maxsize",
        "symmetric",
        "linethickness",
        "bevelled",
        "numalign",
        "denomalign",
        "columnalign",
        "rowalign",
        "columnlines",
        "rowlines",
        "columnspacing",
        "rowspacing",
        "columnspan",
        "rowspan",
        "frame",
        "framespacing",
        "equalrows",
        "equalcolumns",
        "displaystyle",
        "scriptlevel",
        "width",
        "height",
        "depth",
        "notation",
        "open",
        "close",
        "separators",
        "voffset",
        "align",
        "linebreak",
        "encoding",
    }
)
_MATHML_NS = "http://www.w3.org/1998/Math/MathML"


class _MathMLRebuilder(HTMLParser):
    """Rebuilds latex2mathml's output from an allowlist.

    Why: latex2mathml copies ``\\text{...}`` into the markup as it is, so
    ``\\text{<img onerror=...>}`` would come out as a live tag. Here only MathML
    elements and presentation attributes survive, text is escaped again, and any
    other tag is shown as the text it was.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _MATHML_TAGS:
            self.parts.append(_esc(self.get_starttag_text() or ""))
            return
        kept = "".join(
            f' {name}="{_esc(value)}"'
            for name, value in attrs
            if value is not None
            and (name in _MATHML_ATTRIBUTES or (name == "xmlns" and value == _MATHML_NS))
        )
        self.parts.append(f"<{tag}{kept}>")
        self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag in _MATHML_TAGS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag not in self.open:
            if tag not in _MATHML_TAGS:
                self.parts.append(_esc(f"</{tag}>"))
            return
        while self.open:
            closed = self.open.pop()
            self.parts.append(f"</{closed}>")
            if closed == tag:
                break

    def handle_data(self, data: str) -> None:
        self.parts.append(_esc(data))

    def markup(self) -> str:
        self.close()
        return "".join(self.parts) + "".join(f"</{t}>" for t in reversed(self.open))


def mathml(latex: str, *, display: str = "block") -> str | None:
    """LaTeX as safe MathML markup, or None when latex2mathml cannot read it."""
    try:
        raw = latex_to_mathml(latex, display=display)
    except _LATEX_ERRORS:
        return None
    rebuilder = _MathMLRebuilder()
    rebuilder.feed(raw)
    return rebuilder.markup()


_FORMULA_FENCES = (("$$", "$$"), ("\\[", "\\]"), ("$", "$"))


def _formula_body(text: str) -> str:
    """The LaTeX inside the display fences the model may put around a formula."""
    body = text.strip()
    for start, end in _FORMULA_FENCES:
        if len(body) > len(start) + len(end) and body.startswith(start) and body.endswith(end):
            return body[len(start) : -len(end)].strip()
    return body


# --- inline text -------------------------------------------------------------------

#: Inline math as Markdown viewers read it: $x$ (no space just inside the dollars,
#: no digit just after, so "$5 and $10" stays text) or \(x\).
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?=[^\s$])([^$\n]*?[^\s\\$])\$(?!\d)|\\\((.+?)\\\)")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_CODE = re.compile(r"`([^`\n]+)`")


def _markdown_inline(text: str) -> str:
    """Escaped text with **bold**, *italic* and `code` made live (escaping comes
    first, so the patterns only ever wrap text that holds no markup)."""
    out = _esc(text)
    out = _CODE.sub(r"<code>\1</code>", out)
    out = _BOLD.sub(r"<strong>\1</strong>", out)
    return _ITALIC.sub(r"<em>\1</em>", out)


def inline_html(text: str) -> str:
    """Model text (Markdown with inline LaTeX) as safe inline HTML."""
    parts: list[str] = []
    last = 0
    for match in _INLINE_MATH.finditer(text):
        parts.append(_markdown_inline(text[last : match.start()]))
        latex = match.group(1) or match.group(2)
        parts.append(mathml(latex, display="inline") or f"<code>{_esc(match.group(0))}</code>")
        last = match.end()
    parts.append(_markdown_inline(text[last:]))
    return "".join(parts)


# --- element bodies ----------------------------------------------------------------

_BULLET = re.compile(r"^\s*[-*+•·▪‣◦]\s+")


def _heading(element: Element, text: str) -> str:
    level = 1 if element.category == "Title" else section_level(text)
    return f"<h{level}>{inline_html(' '.join(text.lstrip('#').split()))}</h{level}>"


def _list_item(text: str) -> str:
    """A bullet for "- foo" (or no marker); a numbered item keeps its own number."""
    bullet = _BULLET.match(text)
    if bullet or not re.match(r"^\s*\(?[\w①-⑳]{1,3}[.)]\s", text):
        return f"<ul><li>{inline_html(text[bullet.end() if bullet else 0 :])}</li></ul>"
    return f'<ul class="numbered"><li>{inline_html(text)}</li></ul>'


def _formula(text: str) -> str:
    body = _formula_body(text)
    converted = mathml(body)
    if converted is not None:
        return f'<div class="formula">{converted}</div>'
    return (
        f'<div class="formula failed"><code>{_esc(body)}</code>'
        "<small>LaTeX shown as written: it could not be converted to MathML</small></div>"
    )


def _picture(element: Element, number: int) -> str:
    src = _url(element.image)
    if src is None:
        return '<p class="empty">Picture (no figure image saved)</p>'
    alt = f"Picture {number}"
    return f'<img class="figure" src="{_esc(src)}" alt="{alt}" loading="lazy">'


def element_html(element: Element, number: int) -> str:
    """One element's content as HTML, per its category (DESIGN.md §2 text formats)."""
    text = (element.text or "").strip()
    category = element.category
    if category == "Picture":
        return _picture(element, number)
    if not text:
        body = '<p class="empty">(no text)</p>'
    elif category in ("Title", "Section-header"):
        body = _heading(element, text)
    elif category == "Table":
        body = f'<div class="table-wrap">{safe_table_html(text)}</div>'
    elif category == "Formula":
        body = _formula(text)
    elif category == "List-item":
        body = _list_item(text)
    else:
        body = f"<p>{inline_html(text)}</p>"
    if element.image and _url(element.image):
        body += _picture(element, number)
    return body


# --- page parts ----------------------------------------------------------------------


def _page_size(page: Page) -> tuple[int, int]:
    if page.width > 0 and page.height > 0:
        return page.width, page.height
    return _FALLBACK_SIZE


def _attrs(kind: str, page: Page, index: int, element: Element) -> str:
    """The attributes that tie a box to its block (and to its category's toggle)."""
    return (
        f'class="{kind} cat-{element.category}" data-page="{page.number}" '
        f'data-index="{index}" data-cat="{element.category}"'
    )


def _box(page: Page, index: int, element: Element, label_size: int) -> str:
    """One element's box, with its reading-order number in a tab left of its top
    corner: in the margin or the column gap it hides no text of the box above."""
    x1, y1, x2, y2 = element.bbox
    digits = len(str(index + 1))
    tab_w = round(label_size * (0.62 * digits + 0.5))
    tab_h = round(label_size * 1.25)
    tab_x = x1 - tab_w if x1 >= tab_w else x1
    attrs = _attrs("box", page, index, element)
    return (
        f'<g {attrs} tabindex="0" role="button" '
        f'aria-label="{index + 1} {element.category}">'
        f'<rect class="frame" x="{x1}" y="{y1}" width="{max(1, x2 - x1)}" '
        f'height="{max(1, y2 - y1)}"/>'
        f'<g class="num"><rect x="{tab_x}" y="{y1}" width="{tab_w}" height="{tab_h}"/>'
        f'<text x="{tab_x + label_size // 4}" y="{y1 + label_size}">{index + 1}</text>'
        "</g></g>"
    )


def _sheet(page: Page, image_url: str | None) -> str:
    """The page picture (or a blank box) with the boxes over it, scaled together:
    the SVG's viewBox is the page's pixel size, so boxes follow the image's size."""
    width, height = _page_size(page)
    label_size = max(12, round(min(width, height) / 55))
    boxes = "".join(_box(page, i, e, label_size) for i, e in enumerate(page.elements))
    src = _url(image_url)
    picture = (
        f'<img class="page-image" src="{_esc(src)}" alt="Page {page.number}" '
        f'loading="lazy" decoding="async">'
        if src
        else '<div class="no-image">no page image</div>'
    )
    return (
        f'<div class="sheet-col"><div class="sheet-fit">'
        f'<div class="sheet" style="--w:{width};--h:{height};--label:{label_size}">'
        f"{picture}"
        f'<svg class="boxes" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" style="font-size:{label_size}px">{boxes}</svg>'
        "</div></div></div>"
    )


def _timings(page: Page) -> str:
    if not page.timings:
        return ""
    spans = " · ".join(f"{_esc(k)} {v:.2f} s" for k, v in page.timings.items())
    total = sum(page.timings.values())
    return f'<div class="timings">Timings: {spans} <b>(total {total:.2f} s)</b></div>'


def _page_meta(page: Page) -> str:
    """How the page was made: status, method, engine, warnings, timings, error."""
    width, height = page.width, page.height
    facts = [
        f'<span class="status st-{page.status}">{page.status}</span>',
        f"engine <b>{_esc(page.engine or '—')}</b>",
        f"method <b>{_esc(page.method or '—')}</b>",
        f"{width}×{height} px" + (f" @ {page.dpi:g} dpi" if page.dpi else ""),
        f"{len(page.elements)} elements",
    ]
    if page.attempts > 1:
        facts.append(f"{page.attempts} attempts")
    if page.tokens is not None:
        facts.append(f"tokens {page.tokens.prompt} in / {page.tokens.completion} out")
    parts = [f'<div class="facts">{" · ".join(facts)}</div>', _timings(page)]
    if page.warnings:
        items = "".join(f"<li>{_esc(w)}</li>" for w in page.warnings)
        parts.append(f'<ul class="warnings">{items}</ul>')
    if page.error:
        label = "Page failed" if page.status == "failed" else "Note"
        parts.append(f'<div class="error" role="alert"><b>{label}:</b> {_esc(page.error)}</div>')
    return f'<div class="meta">{"".join(parts)}</div>'


def _block(page: Page, index: int, element: Element) -> str:
    attrs = _attrs("block", page, index, element)
    return (
        f'<div {attrs} tabindex="0"><span class="tag">{index + 1} · {element.category}</span>'
        f"{element_html(element, index + 1)}</div>"
    )


def _page_section(page: Page, image_url: str | None, position: int) -> str:
    blocks = "".join(_block(page, i, e) for i, e in enumerate(page.elements))
    if not page.elements:
        blocks = '<p class="empty">No elements on this page.</p>'
    hidden = "" if position == 0 else " hidden"
    return (
        f'<section class="page" id="page-{page.number}" data-page="{page.number}" '
        f'data-status="{page.status}"{hidden}>'
        f"{_sheet(page, image_url)}"
        f'<div class="content">{_page_meta(page)}{blocks}</div></section>'
    )


# --- document parts ----------------------------------------------------------------


def _category_css() -> str:
    """Per-category colours (the overlay pictures' colours) and the toggles' rules."""
    rules = []
    for category in CATEGORIES:
        r, g, b = CATEGORY_COLOURS.get(category, (0, 0, 0))
        rules.append(
            f".cat-{category}{{--c:rgb({r},{g},{b});--c-soft:rgba({r},{g},{b},.10);"
            f"--c-strong:rgba({r},{g},{b},.22)}}"
            f"body.hide-{category} :is(.box,.block).cat-{category}{{display:none}}"
        )
    return "\n".join(rules)


def _toggles(counts: Counter[str]) -> str:
    """A checkbox per category present, with its colour and how many elements."""
    items = [
        f'<label class="toggle cat-{c}"><input type="checkbox" checked data-cat="{c}">'
        f'<i class="swatch"></i>{c} <small>{counts[c]}</small></label>'
        for c in CATEGORIES
        if counts[c]
    ]
    return f'<div class="toggles" aria-label="Categories">{"".join(items)}</div>'


def _header(doc: Document, pages: list[Page]) -> str:
    failed = sum(p.status == "failed" for p in pages)
    counts = Counter(e.category for p in pages for e in p.elements)
    name = PurePath(doc.source).name or doc.source
    in_source = f" of {doc.page_count}" if doc.page_count > len(pages) else ""
    error = (
        f'<div class="error doc-error" role="alert"><b>Document error:</b> {_esc(doc.error)}</div>'
        if doc.error
        else ""
    )
    return (
        f'<header class="top"><div class="title"><h1 title="{_esc(doc.source)}">{_esc(name)}</h1>'
        f'<span class="chip">{len(pages)}{in_source} pages</span>'
        f'<span class="chip{" bad" if failed else ""}">{failed} failed</span>'
        f'<span class="chip">{sum(counts.values())} elements</span></div>'
        f"{_toggles(counts)}</header>{error}"
    )


def _page_list(pages: list[Page]) -> str:
    current = ' aria-current="page"'
    items = "".join(
        f'<li><button type="button" data-goto="{p.number}" class="st-{p.status}"'
        f"{current if i == 0 else ''}>"
        f'<span class="n">{p.number}</span><span class="s">{p.status}</span>'
        f'<span class="e">{len(p.elements)}</span></button></li>'
        for i, p in enumerate(pages)
    )
    return f'<nav class="pages" aria-label="Pages"><ol>{items}</ol></nav>'


def _toolbar(pages: list[Page]) -> str:
    first = pages[0].number if pages else 0
    last = pages[-1].number if pages else 0
    return (
        '<div class="toolbar">'
        '<button type="button" id="prev" title="Previous page (←)">◀ Prev</button>'
        f'<label>Page <input id="page-input" type="number" min="{first}" max="{last}" '
        f'value="{first}"> of {last}</label>'
        '<button type="button" id="next" title="Next page (→)">Next ▶</button>'
        '<span class="sep"></span>'
        '<label><input type="checkbox" id="fit-width"> fit width</label>'
        '<label><input type="checkbox" id="show-numbers" checked> numbers</label>'
        '<span id="selection" class="selection" aria-live="polite"></span></div>'
    )


def _asset(name: str) -> str:
    return resources.files("dotsocr.render").joinpath(_ASSETS, name).read_text("utf-8")


def _inline_safe(code: str, tag: str) -> str:
    """Our own CSS/JS, refused if it could close its <style>/<script> early."""
    if f"</{tag}" in code.lower() or "<!--" in code:
        raise ValueError(f"viewer asset cannot be inlined in <{tag}>")
    return code


def viewer_html(doc: Document, *, page_image: Callable[[Page], str | None]) -> str:
    """The whole viewer as one HTML string (CSS and script inline, images linked).

    ``page_image(page)`` gives the URL of the page's plain picture relative to the
    HTML file, or None for a blank box of the page's size. ``Element.image`` paths
    are relative to the same folder.
    """
    pages = sorted(doc.pages, key=lambda p: p.number)
    sections = "".join(_page_section(page, page_image(page), i) for i, page in enumerate(pages))
    css = _inline_safe(_asset("viewer.css") + "\n" + _category_css(), "style")
    script = _inline_safe(_asset("viewer.js"), "script")
    return _document_shell(
        title=f"{PurePath(doc.source).name or doc.source} — dotsocr viewer",
        css=css,
        body=(
            f'{_header(doc, pages)}<div class="layout">{_page_list(pages)}'
            f"<main>{_toolbar(pages)}{sections or _no_pages()}</main></div>"
            '<div id="tip" class="tip" hidden></div>'
        ),
        script=script,
    )


def _no_pages() -> str:
    return '<p class="empty">This document has no pages.</p>'


def _document_shell(*, title: str, css: str, body: str, script: str) -> str:
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="generator" content="dotsocr">'
        f"<title>{_esc(title)}</title><style>{css}</style>"
        "<noscript><style>.page[hidden]{display:grid}</style></noscript>"
        f"</head><body>{body}<script>{script}</script></body></html>\n"
    )


__all__ = ["element_html", "inline_html", "mathml", "viewer_html"]
