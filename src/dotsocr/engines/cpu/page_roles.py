"""Page-level roles of blocks: title, headings, captions, formulas, footnotes,
page numbers and other furniture in the margins.

The layout model's labels and the paragraphs grouped from loose lines are only a
first guess; these passes look at a block beside the rest of the page (its size
against the body text, its place in the margins, what lies above and below it)
and correct the category. Furniture that needs several pages to be seen (running
heads) is the document pass in :mod:`headers`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import Box, union
from dotsocr.engines.cpu.formulas import formula_text, looks_like_formula
from dotsocr.engines.cpu.furniture import says_furniture
from dotsocr.engines.cpu.lists import is_list_start

#: A page number: Arabic (five digits for registers and gazettes, "47698") or
#: Roman, alone or as "Page 3 of 48".
_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-\u2013(\[]?\s*(?:\d{1,5}|[ivxlc]{1,6})\s*[-\u2013)\]]?"
    r"(?:\s*(?:/|of)\s*\d{1,4})?$",
    re.IGNORECASE,
)
#: A footnote starts with its mark: a number of one or two digits (not "07233"), a
#: dagger, an asterisk or a superscript digit.
_FOOTNOTE_MARK = re.compile(
    r"^\s*(?:<sup>)?(?:\d{1,2}(?!\d)|[*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2074-\u2079])"
)
CAPTION = re.compile(
    r"^\s*(?:figure|fig\.|table|tab\.|chart|listing|scheme|plate|"
    r"\u56fe|\u8868|\u56f3|\u5716)\s*(?-i:[\dA-Z])[\d.\-:]*",
    re.IGNORECASE,
)
#: A centred line (a title, a heading over its paragraph) has its centre within this
#: share of the width of what it stands over of that one's centre.
CENTRED = 0.03
#: Type this many times the body size is display type (titles, not captions).
DISPLAY_SIZE = 1.5
_SENTENCE_END = (".", "!", "?", "\u3002", "\uff01", "\uff1f")
_BADGE = re.compile(r"^\s*\d{1,2}\s*$")
_SECTION_NUMBER = re.compile(r"^\s*\d{1,2}(?:\.\d{1,2})*\.?\s+\w")
_TEXT_LIKE = ("Text", "Section-header", "List-item")
#: A numbered section title set in capitals on a line of its own, as IEEE and many
#: reports set them ("I. INTRODUCTION", "2. MATERIALS AND METHODS"); small
#: capitals measure smaller than the body, so size cannot tell.
_CAPS_SECTION = re.compile(r"^(?:[IVX]{1,5}|\d{1,2}|[A-H])\.\s+[A-Z][A-Z0-9 ,&\-]{2,60}$")
_ROMAN = re.compile(r"^[IVXLC]{1,6}\.?$")
#: The <sup>/<sub> tags of :mod:`sup_sub`: markup, not the "<" and ">" of a relation.
_SCRIPT_TAG = re.compile(r"</?su[bp]>")
#: Share of the page height at the top and bottom that counts as margin for a lone
#: page number (running text is held to a tighter margin).
NUMBER_MARGIN = 0.2
#: Below this share of the page height, the last thing on a page can be a footer.
BOTTOM_EDGE = 0.92
#: A page-number-like numeral this many times the body size is a chapter number.
CHAPTER_NUMBER = 1.4


def _set_apart(b: Block, body: float, ratio: float) -> bool:
    """Whether a block is styled like a heading: all bold, or at least ``ratio``
    times the body size."""
    return all(ln.bold for ln in b.lines) or (body > 0 and b.size >= ratio * body)


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(unicodedata.normalize("NFKC", text).strip()))


def _folio(b: Block, body: float) -> bool:
    """A page number: the text of one, not set large. A numeral far larger than the
    body text ("II" over a chapter) numbers a chapter, not the page."""
    return is_page_number(b.text or "") and not (body > 0 and b.size >= CHAPTER_NUMBER * body)


def is_caption_text(text: str) -> bool:
    """ "Figure 3-5 Special registers" or "Table 2: ..." — but not the sentence
    "Figure 3-5 shows the ..." that refers to one."""
    m = CAPTION.match(text)
    if not m:
        return False
    rest = text[m.end() :].lstrip(" .:\u2013\u2014-")
    return not (rest[:1].islower() and not text[: m.end()].rstrip().endswith((":", ".")))


def _is_sentence(text: str) -> bool:
    return len(text.split()) >= 5 and text.rstrip().endswith(_SENTENCE_END)


def headings_in_the_header_band(blocks: Sequence[Block], body: float) -> None:
    """A bold or large "header" the layout model found is usually the page's first
    heading, not a running head (those are small and plain), and a whole sentence
    there is body text; the document pass still marks either Page-header when it
    recurs across pages."""
    for b in blocks:
        if b.category != "Page-header" or not b.lines or not b.text:
            continue
        if is_page_number(b.text) and (_folio(b, body) or not _ROMAN.match(b.text.strip())):
            continue  # a number in the header band; only a large Roman one is a chapter's
        if says_furniture(b, blocks):
            continue  # a journal line, a date, a counter: set in bold, still a header
        if _is_sentence(b.text):
            b.category = "Text"
        elif len(b.lines) <= 3 and (_set_apart(b, body, 1.15)):
            b.category = "Section-header"


def join_number_badges(blocks: list[Block], body: float) -> list[Block]:
    """A chapter number set apart before its heading ("3" + "Problems", often in a
    box of its own) joins the heading as one Section-header "3 Problems"."""
    out = list(blocks)
    for badge in blocks:
        if not badge.text or not _BADGE.match(badge.text) or not badge.lines:
            continue
        size = max(badge.size, 1.0)
        for head in out:
            if head is badge or head.category not in ("Text", "Section-header") or not head.lines:
                continue
            if not head.text or len(head.text) > 80 or head.text.rstrip().endswith(_SENTENCE_END):
                continue
            rows = min(badge.box[3], head.box[3]) - max(badge.box[1], head.box[1])
            gap = head.box[0] - badge.box[2]
            styled = head.category == "Section-header" or _set_apart(head, body, 1.15)
            if rows >= 0.5 * min(badge.box[3] - badge.box[1], head.box[3] - head.box[1]) and (
                -0.2 * size <= gap <= 3 * size and styled
            ):
                head.text = f"{badge.text.strip()} {head.text}"
                head.box = union((badge.box, head.box))
                head.lines = [*badge.lines, *head.lines]
                head.category = "Section-header"
                out.remove(badge)
                break
    return out


def promote_headings(blocks: Sequence[Block], body: float) -> None:
    """A one-line Text block set in bold or clearly larger than the body, short and
    not a sentence, is a heading the layout model boxed as text; a "heading" that
    starts with a bullet is a list item, and one without two letters or digits
    ("®") is text."""
    for b in blocks:
        if b.category == "Section-header" and b.text:
            text = b.text.strip()
            if sum(c.isalnum() for c in text) < 2:
                b.category = "Text"
            elif is_list_start(text) and not text[0].isalnum() and text[0] not in "(#":
                b.category = "List-item"
            continue
        if b.category != "Text" or len(b.lines) != 1 or not b.text:
            continue
        text = b.text.strip()
        if not 2 <= len(text) <= 80 or text.endswith((*_SENTENCE_END, ",", ";", ":")):
            continue
        if sum(c.isalpha() for c in text) < 2 or is_list_start(text) or is_page_number(text):
            continue
        if _set_apart(b, body, 1.2) or _CAPS_SECTION.match(text) or _centred_over(b, blocks):
            b.category = "Section-header"


def _centred_over(b: Block, blocks: Sequence[Block]) -> bool:
    """A short line centred over the paragraph right under it, much narrower than
    it: a heading set in the body's type, as old books and reports centre theirs
    ("第4. 爬虫類" over its section). Bylines and dates that stand so are put
    back by the heading evidence."""
    text = (b.text or "").strip()
    if len(text) > 40:
        return False
    size = max(b.size, 1.0)
    below = [
        o
        for o in blocks
        if o is not b
        and o.category == "Text"
        and len(o.lines) >= 2
        and 0 <= o.box[1] - b.box[3] <= 1.5 * size
        and min(o.box[2], b.box[2]) > max(o.box[0], b.box[0])
    ]
    if not below:
        return False
    under = min(below, key=lambda o: o.box[1])
    return _centred(b.box, under.box[0], under.box[2], widest=0.6)


def _centred(box: Box, left: float, right: float, widest: float) -> bool:
    """Whether ``box`` stands centred between ``left`` and ``right`` and takes at
    most ``widest`` of that width."""
    span = right - left
    centre = (box[0] + box[2]) / 2
    return abs(centre - (left + right) / 2) <= CENTRED * span and box[2] - box[0] <= widest * span


def mark_title(blocks: Sequence[Block], body: float, height: int) -> None:
    """The biggest heading in the upper half of a first page becomes the Title; so
    does a heading that opens the page centred over the text, in type no smaller
    than any other heading's (a report's bold title at body size)."""
    heads = [
        b
        for b in blocks
        if b.category in ("Section-header", "Text")
        and b.lines
        and b.box[1] < 0.5 * height
        and b.text
        and (
            (len(b.lines) <= 3 and len(b.text) <= 200)
            or (body > 0 and b.size >= DISPLAY_SIZE * body and len(b.text) <= 300)
        )
    ]
    if not heads:
        return
    top = max(heads, key=lambda b: b.size)
    others = [b.size for b in heads if b is not top and b.category == "Section-header"]
    if top.size >= 1.3 * body and (not others or top.size >= 1.1 * max(others)):
        top.category = "Title"
    elif (
        top.category == "Section-header"
        and _opens_the_page(top, blocks)
        and top.size >= 1.15 * body
        and (not others or top.size >= 1.1 * max(others))
    ):
        # A modest title (1.15x the body) still opens the first page: the first and
        # largest heading, with only furniture or pictures above it.
        top.category = "Title"
    else:
        _centred_title(blocks, body)


def _centred_title(blocks: Sequence[Block], body: float) -> None:
    """The heading that opens the page centred over the text column (not spanning
    it), in type no smaller than the body's or any other heading's. A centred line
    the layout model took for a page header is tried first when it has no digits:
    a form's or a statistics table's title, where a running head would carry a
    page, volume or date number. OCR sizes are box heights: 5% under the body's
    still counts as body size."""
    heads = [b for b in blocks if b.category == "Section-header" and b.lines and b.text]
    headers = [b for b in blocks if _undated_header(b)]
    text = [b.box for b in blocks if b.category in _TEXT_LIKE]
    if not text:
        return
    left, right = min(b[0] for b in text), max(b[2] for b in text)
    largest = max((b.size for b in heads), default=0.0)
    for candidates in (headers, heads):
        if not candidates:
            continue
        first = min(candidates, key=lambda b: b.box[1])
        if (
            _opens_the_page(first, blocks)
            and _centred(first.box, left, right, widest=0.8)
            and first.size >= 0.95 * body
            and first.size >= largest / 1.02
        ):
            first.category = "Title"
            return


def _undated_header(b: Block) -> bool:
    """A page header of at most two lines without a digit in it."""
    text = unicodedata.normalize("NFKC", b.text or "")
    return (
        b.category == "Page-header"
        and 0 < len(b.lines) <= 2
        and bool(text.strip())
        and not any(c.isdigit() for c in text)
    )


def _opens_the_page(b: Block, blocks: Sequence[Block]) -> bool:
    """Whether nothing but page furniture or pictures lies above ``b``."""
    return not any(
        o is not b
        and o.category not in ("Page-header", "Page-footer", "Picture")
        and o.box[3] <= b.box[1]
        for o in blocks
    )


def mark_margins(blocks: Sequence[Block], body: float, height: int) -> None:
    """Page numbers in the top/bottom margins; small marked notes at the bottom."""
    for b in blocks:
        if b.category not in _TEXT_LIKE or not b.text:
            continue
        cy = (b.box[1] + b.box[3]) / 2
        if _folio(b, body) and (cy < 0.1 * height or cy > 0.9 * height):
            b.category = "Page-header" if cy < 0.5 * height else "Page-footer"
        elif (
            b.category in ("Text", "List-item")
            and b.box[1] > 0.7 * height
            and body > 0
            and b.size <= 0.85 * body
            and _FOOTNOTE_MARK.match(b.text)
        ):
            b.category = "Footnote"
    _footnote_continuations(blocks, body)


def _footnote_continuations(blocks: Sequence[Block], body: float) -> None:
    """Small text right under a footnote in the same column (its second
    paragraph, a "②" sub-item) belongs to the footnote."""
    notes = [b for b in blocks if b.category == "Footnote"]
    while notes:
        found = []
        for b in blocks:
            if b.category not in ("Text", "List-item") or not b.lines or b.size > 0.85 * body:
                continue
            for n in notes:
                gap = b.box[1] - n.box[3]
                overlap = min(n.box[2], b.box[2]) - max(n.box[0], b.box[0])
                if -0.2 * b.size <= gap <= 1.0 * b.size and overlap > 0.5 * (b.box[2] - b.box[0]):
                    b.category = "Footnote"
                    found.append(b)
                    break
        notes = found


def mark_edge_furniture(blocks: Sequence[Block], height: int, body: float = 0.0) -> None:
    """What sits alone at the very top or bottom of the page, beyond all other
    content: a page number there is furniture even outside the tight margin; a
    "heading" in the bottom margin with nothing after it (a publication number, an
    ISSN line) is a footer, since a heading always has something under it; so is
    small unmarked print there (a publisher's address)."""
    content = [b for b in blocks if b.category not in ("Page-header", "Page-footer")]
    for b in content:
        if b.category not in _TEXT_LIKE or not b.text:
            continue
        below = any(o is not b and o.box[1] >= b.box[3] - 1 for o in content)
        above = any(o is not b and o.box[3] <= b.box[1] + 1 for o in content)
        if _folio(b, body):
            if not below and b.box[1] > (1 - NUMBER_MARGIN) * height:
                b.category = "Page-footer"
            elif not above and b.box[3] < NUMBER_MARGIN * height:
                b.category = "Page-header"
        elif not below and b.box[1] > BOTTOM_EDGE * height and len(b.lines) <= 3:
            small = body > 0 and b.size <= 0.85 * body
            if b.category == "Section-header" or (b.category == "Text" and small):
                b.category = "Page-footer"


def _numbered_heading(b: Block, body: float) -> bool:
    """One short line numbered like a section ("3. Results", "2.1 Data") and set
    bold or larger than the body: a heading, even right above a table."""
    if len(b.lines) != 1 or not b.text or len(b.text) > 80 or CAPTION.match(b.text):
        return False
    return _set_apart(b, body, 1.15) and bool(_SECTION_NUMBER.match(b.text))


def mark_captions(blocks: Sequence[Block], height: int, body: float = 0.0) -> None:
    """Short "Figure 3-1 ..." / "Table 2 ..." text right above or below a picture or
    table is its caption (the layout model misses some); a "caption" that is a
    sentence about a figure ("Figure 3-5 shows ...") is text, and one that is a
    numbered heading in bold ("3. Results") is a heading."""
    anchors = [b.box for b in blocks if b.category in ("Picture", "Table")]
    for b in blocks:
        if not b.text:
            continue
        if b.category == "Caption" and CAPTION.match(b.text) and not is_caption_text(b.text):
            b.category = "Text"
            continue
        if b.category == "Caption" and (_numbered_heading(b, body) or _display_heading(b, body)):
            b.category = "Section-header"
            continue
        if b.category != "Text" or len(b.lines) > 6 or not is_caption_text(b.text):
            continue
        near = 0.03 * height
        for a in anchors:
            overlap = min(a[2], b.box[2]) - max(a[0], b.box[0])
            gap = max(b.box[1] - a[3], a[1] - b.box[3])
            if overlap > 0 and gap <= near:
                b.category = "Caption"
                break


def _display_heading(block: Block, body: float) -> bool:
    """A "caption" with no "Table 2"/"Figure 1" label, set in type far larger than
    the body (a report's title over its one big table), is a heading."""
    return (
        body > 0
        and not CAPTION.match(block.text or "")
        and len(block.lines) <= 3
        and block.size >= DISPLAY_SIZE * body
    )


def mark_formulas(blocks: Sequence[Block]) -> None:
    """A displayed equation the layout model took for a heading or text becomes a
    Formula; a "formula" that reads as a caption ("Listing 1: ...") becomes a
    Caption. Formula text is rewritten LaTeX-ish."""
    for b in blocks:
        if not b.text or not b.lines:
            continue
        if b.category == "Formula" and is_caption_text(b.text):
            b.category = "Caption"
        elif (
            b.category in ("Section-header", "Text", "Title")
            and len(b.lines) <= 2
            and looks_like_formula(_SCRIPT_TAG.sub("", b.text))
        ):
            b.category = "Formula"
        if b.category == "Formula":
            b.text = formula_text(b.lines) or b.text


def footnotes_last(blocks: list[Block]) -> list[Block]:
    """Footnotes after the page's body (before its trailing footers), so a sentence
    running from one column into the next is not cut by the notes between them. A
    table's or figure's own notes, read right after it, stay there."""
    tail = len(blocks)
    while tail > 0 and blocks[tail - 1].category == "Page-footer":
        tail -= 1
    body = blocks[:tail]
    moved = {
        id(b)
        for i, b in enumerate(body)
        if b.category == "Footnote" and not _note_of_previous(body, i)
    }
    if not moved:
        return blocks
    notes = [b for b in body if id(b) in moved]
    rest = [b for b in body if id(b) not in moved]
    return [*rest, *notes, *blocks[tail:]]


def _note_of_previous(body: Sequence[Block], i: int) -> bool:
    """Whether block ``i`` follows a table or figure, or that one's notes."""
    j = i - 1
    while j >= 0 and body[j].category == "Footnote":
        j -= 1
    return j >= 0 and body[j].category in ("Table", "Picture")
