"""Page headers and footers seen on one page, without a second page to compare.

Running text that recurs is found across pages (:mod:`headers`); a one-page PDF, a
journal article's first page or a scan has nothing to repeat. What a reader goes
by there is where the text sits and what it says: a line in the top or bottom
band with none of the body beyond it, that names a journal and its web address, a
volume, issue, DOI or date, a revision or part number, a page counter, or a
"downloaded from" stamp; small print in those bands; and a vertical stamp in the
side margin, away from the body. Text set outside the page's crop box is not on
the page at all.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.textlines import Line

#: Share of the page height at the top and bottom where headers and footers sit.
BAND = 0.1
#: ... and where a line that says what furniture says may sit (a journal line at
#: the foot of a short column).
WIDE_BAND = 0.17
#: Longest text that its words alone make a header or footer (longer is body text
#: that happens to cite a date or a part number).
SAYS_CHARS = 120
SAYS_WORDS = 20
_NOTE_MARK = re.compile(r"^\s*(?:<sup>)?(?:\d{1,2}(?!\d)|[*\u2020\u2021])(?:</sup>)?\s*")
#: Share of the page width at either side where a vertical stamp stands.
SIDE = 0.08
_FURNITURE = ("Page-header", "Page-footer")
_CANDIDATES = ("Text", "Section-header", "List-item", "Page-header", "Page-footer")
_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
#: What furniture says: addresses, citations, counters, stamps, versions.
_FURNITURE_TEXT = re.compile(
    "|".join(
        (
            r"https?://|\bwww\.|\b[\w-]+\.(?:org|com|net|edu|gov|int)(?:/|\b)",
            r"\bdoi\b|\b10\.\d{4,}/",
            r"\bdownloaded\s+(?:from|by)\b|\baccessed\s+(?:on|at)\b",
            r"\bvol(?:ume)?\.?\s*\d|\bno\.\s*\d+\s*[,/]|\bissue\s*\d",
            r"\b(?:19|20)\d\d\s*[,;]\s*\d+\s*[:(]\s*\d+",  # "2010, 4:1", "2010;86:272"
            r"\b\d+\s*\(\d+\)\s*:\s*\d+",  # "8(1): 7-10"
            r"\bissn\b|\bisbn\b",
            r"\bpage\s+\d+\s+of\s+\d+\b|^\s*\d+\s*(?:/|of)\s*\d+\s*$",
            r"\brev(?:ision)?\.?\s*[a-z]?\d|\bversion\s*v?\d|\bpart\s+(?:no\.?|number)\s*\w",
            r"\bcat\.\s*no\.|\bp/n\b",
            r"\u00a9|\bcopyright\b|\(c\)\s*(?:19|20)\d\d",
            rf"\b{_MONTH}\s+\d{{1,2}},?\s+(?:19|20)\d\d\b",
            rf"\b\d{{1,2}}[-\s]{_MONTH}[-\s](?:19|20)?\d\d\b",
            r"\b\d{1,2}/\d{1,2}/\d{2,4}\s+\d{1,2}:\d{2}\b",  # a print time stamp
        )
    ),
    re.IGNORECASE,
)


def furniture_text(text: str) -> bool:
    """Whether ``text`` says what headers and footers say (see the module doc)."""
    return bool(_FURNITURE_TEXT.search(unicodedata.normalize("NFKC", text)))


def _is_stamp(b: Block, width: int, height: int) -> bool:
    """A vertical line of text in the side margin."""
    w, h = b.box[2] - b.box[0], b.box[3] - b.box[1]
    in_margin = b.box[2] <= SIDE * width or b.box[0] >= (1 - SIDE) * width
    return in_margin and h >= 4 * w and h >= 0.05 * height


def _beyond(b: Block, others: Sequence[Block], top: bool) -> bool:
    """Whether no body block lies between ``b`` and its edge of the page."""
    for o in others:
        if o is b or o.category in _FURNITURE or not (o.text or o.category == "Picture"):
            continue
        if top and o.box[3] < b.box[1]:
            return False
        if not top and o.box[1] > b.box[3]:
            return False
    return True


def _masthead(b: Block, blocks: Sequence[Block]) -> bool:
    """Whether a title or heading shares ``b``'s rows: a report's date or issue line
    beside its title is part of the masthead, not a running head."""
    for o in blocks:
        if o is b or o.category not in ("Title", "Section-header", "Caption"):
            continue
        if sum(c.isalpha() for c in o.text or "") < 3:
            continue  # a page number the layout model boxed as a heading
        if min(o.box[3], b.box[3]) - max(o.box[1], b.box[1]) > 0:
            return True
    return False


def _footnote(text: str) -> bool:
    """A marked note with words after its mark ("1 Pub. L. No. 105-304, ...")."""
    if "<sup>" in text:
        return True  # a note mark anywhere: footers carry none
    m = _NOTE_MARK.match(text)
    return bool(m) and len(text[m.end() :].split()) >= 4


def says_furniture(b: Block, blocks: Sequence[Block]) -> bool:
    """Whether block ``b`` reads as a header or footer line: short, saying what
    they say, neither a marked footnote nor part of a masthead beside a title."""
    text = b.text or ""
    if len(text) > SAYS_CHARS or len(text.split()) > SAYS_WORDS:
        return False
    return furniture_text(text) and not _footnote(text) and not _masthead(b, blocks)


def _role(b: Block, blocks: Sequence[Block], body: float, height: int) -> str | None:
    text = b.text or ""
    if _footnote(text) or _masthead(b, blocks):
        return None
    said = says_furniture(b, blocks)
    band = WIDE_BAND if said else BAND
    top = b.box[3] <= band * height
    bottom = b.box[1] >= (1 - band) * height
    if not (top or bottom) or len(b.lines) > 3 or len(b.text or "") > 200:
        return None
    if not _beyond(b, blocks, top):
        return None
    small = body > 0 and b.size <= 0.85 * body
    if said or small:
        return "Page-header" if top else "Page-footer"
    return None


def mark_single_page_furniture(
    blocks: Sequence[Block], body: float, width: int, height: int
) -> None:
    """Mark headers, footers and margin stamps that one page shows (in place);
    outer ones first, so a second header line under a first one is seen too. Pages
    written mostly in vertical lines (vertical CJK) have no margin stamps."""
    vertical = sum(1 for b in blocks for ln in b.lines if ln.vertical)
    horizontal = sum(1 for b in blocks for ln in b.lines if not ln.vertical)
    for b in blocks:
        stamp = vertical < horizontal and _is_stamp(b, width, height)
        if b.category in _CANDIDATES and b.text and stamp:
            cy = (b.box[1] + b.box[3]) / 2
            b.category = "Page-header" if cy < 0.5 * height else "Page-footer"
    tops = sorted(blocks, key=lambda o: o.box[1])
    bottoms = sorted(blocks, key=lambda o: -o.box[3])
    for order in (tops, bottoms):
        for b in order:
            if b.category not in _CANDIDATES or b.category in _FURNITURE or not b.text:
                continue
            role = _role(b, blocks, body, height)
            if role is not None:
                b.category = role


def _on_page(box: tuple[float, float, float, float], width: int, height: int) -> bool:
    cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
    return 0 <= cx <= width and 0 <= cy <= height


def visible_lines(lines: Sequence[Line], width: int, height: int) -> list[Line]:
    """The lines whose middle lies on the page: a printer's slug set outside the
    crop box ("PAGER/SGML Page 1 of 48", "VerDate ...") is in the text layer but
    not on the page anyone sees. A page whose lines mostly lie off it has its
    coordinates wrong, not its text: it keeps them all."""
    on = [ln for ln in lines if _on_page(ln.box, width, height)]
    return on if len(on) * 2 > len(lines) else list(lines)
