"""Section heading levels on a page: ``##`` for the page's main headings, ``###`` and
deeper for the ones under them.

Why: a flat list of ``##`` loses the outline a reader sees. Documents show it three
ways, and this reads all three: smaller type for subsections (IRS instructions: 47 pt
sections over 39 pt subsections), capitals for the main headings at one size
("METHODS" over "Inclusion criteria"), and numbering ("第1節" over "1 生成AIが抱える
課題"). The level travels as Markdown marks at the start of the heading's text, the
form the DotsOCR model writes (``### Foo``), which every writer already reads.

Levels are judged per page, so a page holding only subsections calls them ``##``; a
heading numbered with dots ("2.1") keeps the level its numbering gives. Sizes count
only where the text layer gives them: OCR box heights are too rough.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from dotsocr.engines.cpu.block import Block

#: A heading this much smaller than the page's largest heading is one level down.
TIER_STEP = 1.12
#: The deepest level given.
DEEPEST = 4
#: Dotted section numbers ("2.1 Data") carry their own level (see render.markdown).
_DOTTED = re.compile(r"^\s*(?:\d{1,2}|[A-Z])\.\d")
#: Japanese chapter and section numbers: 第1章, 第2節, 第三部.
_JA_DIVISION = re.compile(r"^\s*第\s*[0-9０-９一二三四五六七八九十]+\s*[部編章節]")
#: A plain number opening a heading ("1 生成AI", "2. Methods", "（3）").
_PLAIN_NUMBER = re.compile(r"^\s*[(（]?[0-9０-９]{1,2}[)）.．\s\u3000]")


def mark_heading_levels(ordered: Sequence[Block]) -> None:
    """Prefix deeper Section-headers with ``###`` (or ``####``), in place. ``ordered``
    is the page in reading order: a heading goes one level down for each higher
    rank among the headings read before it, since a subsection follows its section
    (a larger heading further down the page is a sibling's, not a parent's)."""
    heads = _outline_heads(ordered)
    if len(heads) < 2:
        return
    keys = _rank_keys(heads)
    for i, block in enumerate(heads):
        above = {key for key in keys[:i] if key < keys[i]}
        level = min(DEEPEST, 2 + len(above))
        if level > 2 and block.text:
            block.text = "#" * level + " " + block.text.lstrip()


def _outline_heads(ordered: Sequence[Block]) -> list[Block]:
    """The page's section headings that take part in its outline. What is read
    before the title (a journal's section name, a volume number) stands outside it."""
    start = next((i for i, b in enumerate(ordered) if b.category == "Title"), 0)
    return [
        b
        for b in ordered[start:]
        if b.category == "Section-header"
        and b.lines
        and b.text
        and not b.text.lstrip().startswith("#")
        and not _DOTTED.match(b.text)
    ]


def _rank_keys(heads: Sequence[Block]) -> list[tuple[int, int, int]]:
    """(size tier, capitals, numbering) per heading; smaller keys rank higher."""
    # OCR'd sizes are box heights, off by more than a tier's step: there only
    # capitals and numbering tell
    exact = all(line.glyphs for b in heads for line in b.lines)
    tiers = _size_tiers([b.size for b in heads]) if exact else [0] * len(heads)
    caps = [_all_capitals(b.text or "") for b in heads]
    divisions = [bool(_JA_DIVISION.match(b.text or "")) for b in heads]
    keys = []
    for i, block in enumerate(heads):
        same_tier = [j for j in range(len(heads)) if tiers[j] == tiers[i]]
        # capitals rank above mixed case only where the tier holds both
        mixed = any(caps[j] for j in same_tier) and not all(caps[j] for j in same_tier)
        under_caps = int(mixed and not caps[i])
        # "1 ..." under a "第1節" of the same tier
        numbered = bool(_PLAIN_NUMBER.match(block.text or ""))
        under_division = int(numbered and any(divisions[j] for j in same_tier))
        keys.append((tiers[i], under_caps, under_division))
    return keys


def _size_tiers(sizes: Sequence[float]) -> list[int]:
    """Tier per size: 0 for the largest, one more at each step of TIER_STEP down."""
    order = sorted(set(sizes), reverse=True)
    tier_of: dict[float, int] = {}
    tier, top = 0, order[0]
    for size in order:
        if size * TIER_STEP <= top:
            tier, top = tier + 1, size
        tier_of[size] = tier
    return [tier_of[s] for s in sizes]


def _all_capitals(text: str) -> bool:
    letters = [c for c in text if c.isalpha() and c.isascii()]
    return len(letters) >= 3 and all(c.isupper() for c in letters)
