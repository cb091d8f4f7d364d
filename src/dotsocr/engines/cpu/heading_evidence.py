"""Whether a "heading" reads like one: the last check before headings are final.

The layout model and the style passes make a heading of any short line set apart,
and so also of lines that are not: the second line of a wrapped heading ("Simplified
Procedure for" / "Claiming Certain Refunds"), the wrapped tail of a sentence
("見）しておく方法が主流。"), a bold run-in lead with its paragraph's first words
("IRA deduction expanded. You may"), a list of author names. A reader tells them
apart by the words: a heading neither starts nor ends in the middle of a
sentence, and does not list people. A heading that ends on a word that needs a
continuation is joined with the heading right under it; otherwise such blocks
become text, joined to the paragraph they start or finish when it lies right
below.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import union

#: Words that cannot end an English heading: the phrase goes on on the next line.
_OPEN_WORDS = frozenset(
    re.findall(
        r"\w+",
        "a an the and or nor but of for to in on at by with from into onto as that which "
        "who whose is are was were be been may can will would should could must if than "
        "its their our your his her this these those such",
    )
)
#: Sentence punctuation inside CJK text: a line ending in it (or starting with a
#: closing bracket or comma) is running text.
_CJK_SENTENCE_END = ("\u3002", "\u3001", "\uff0c")
_CJK_CONTINUES = ("\uff09", "\u3001", "\u3002", "\uff0c", "\u300d", "\u300f", ")")
#: An initial ("J."), a name particle, or a capitalised word of a person's name.
_NAME_WORD = re.compile(
    r"^(?:[A-Z]\.(?:-?[A-Z]\.)*|[A-Z][a-z'\u2019]+(?:-[A-Z]?[a-z'\u2019]+)*|"
    r"van|von|de|der|da|di|le|la)$"
)
_NAME_MARKS = re.compile(r"[\d*\u2020\u2021\u00a7\u00b9\u00b2\u00b3\u2074-\u2079,;]+")
#: A full stop after a word, then a capitalised word: where a run-in lead ends.
#: A date on its own: "December 1998", "October 31, 2014", "12 March 2006".
_DATE_LINE = re.compile(
    r"^(?:\d{1,2}\s+)?(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
    r"(?:\s+\d{1,2},?)?\s+(?:19|20)\d\d$",
    re.IGNORECASE,
)
#: A full date anywhere in the line: "2024-09-09", "2025 年 6 月 14 日" (a dateline,
#: a version stamp; a section heading names a year or a month, not a day).
_FULL_DATE = re.compile(
    r"(?:19|20)\d\d-\d\d-\d\d\b|(?:19|20)\d\d\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
)
#: Contact details: a postal address ("P.O. Box 513, 5600 MB Eindhoven", "Postfach
#: 10 12", "〒279-8501") or an e-mail address.
_CONTACT = re.compile(
    r"\bP\.?\s?O\.?\s*Box\b|\bPostfach\b|\u3012\s*\d|[\w.+-]+@[\w-]+\.\w",
    re.IGNORECASE,
)
#: An identifier: capitals and digits joined by hyphens, a prefix word allowed.
_IDENTIFIER = re.compile(
    r"^(?:[A-Z]{2,6}\s+)?(?=[A-Z0-9\-\u2010-\u2013]*\d)[A-Z0-9]+(?:[\-\u2010-\u2013][A-Z0-9]+){1,5}$"
)
#: A company's legal form at the end of a name.
_COMPANY = re.compile(r",?\s+(?:Inc|Ltd|LLC|GmbH|Corp|Co|S\.A|plc|AG)\.?$")
#: What an author's affiliation line says.
_AFFILIATION = re.compile(
    r"@|\b(?:universit|institut|department|dept\.|laborator|college|school|faculty|"
    r"hospital|centre|center|academy|corporation|inc\.|ltd|gmbh|e-mail|email)",
    re.IGNORECASE,
)
#: A chapter or part number standing alone: "II", "12", "IV.".
_LONE_NUMBER = re.compile(r"^\s*(?:[IVXLC]{1,6}|\d{1,3})\.?\s*$")
_LEAD_END = re.compile(r"(\S+)\.\s+(?=[A-Z])")
#: Abbreviations whose full stop ends no sentence.
_ABBREVIATIONS = frozenset(
    re.findall(
        r"\w+",
        "no vol fig figs eq eqs sec art ch pp dr mr mrs ms st inc ltd co corp jr sr vs etc al "
        "approx dept univ rev ed eds op cf",
    )
)


def _words(text: str) -> list[str]:
    return unicodedata.normalize("NFKC", text).split()


def ends_open(text: str) -> bool:
    """Whether ``text`` stops where a sentence or phrase must go on: a comma, a
    hyphen, or a word such as "for" or "the"; CJK text ending in a sentence mark."""
    text = text.rstrip()
    if not text:
        return False
    if text.endswith((",", "-", "\u2010", "/")):
        return True
    words = _words(text)
    return bool(words) and words[-1].casefold() in _OPEN_WORDS and len(words) > 1


def starts_inside_a_sentence(text: str) -> bool:
    """Whether ``text`` begins mid-sentence: a lower-case word, or a closing bracket
    or comma of CJK text."""
    text = text.lstrip()
    if text.startswith(_CJK_CONTINUES):
        return True
    words = _words(text)
    if not words:
        return False
    first = words[0].rstrip(".,;:")
    if not (first.isalpha() and first.islower() and first.isascii()):
        return False
    # Slide and poster titles are often set all in lower case ("bar charts"); the
    # tail of a sentence shows its punctuation, an open end or its length.
    inner = any(p in text.rstrip(".:") for p in (". ", ", ", "; "))
    return inner or ends_open(text) or len(words) >= 8


def _runs_on(text: str) -> bool:
    """A line of running words that can go on into the next line: four words or
    more, ending in a letter (a short label such as "概要" or "Abstract" stays)."""
    return len(_words(text)) >= 4 and text[-1:].isascii() and text[-1:].isalpha()


def is_label_line(text: str) -> bool:
    """A line that names or dates something rather than a section: a date alone
    ("December 1998"), a line with a full date in it ("v0.7 (2025 年 6 月 14 日)"),
    an identifier ("RIN 2120-AA64", "DARPA-BAA-15-58"), a company's name ("Linn
    Electronics, Inc."), a postal or e-mail address ("P.O. Box 513, 5600 MB
    Eindhoven", "e-mail R.J.Severens@phys.tue.nl")."""
    text = unicodedata.normalize("NFKC", text).strip()
    code = bool(_IDENTIFIER.match(text)) and sum(c.isdigit() for c in text) >= 4
    dated = bool(_DATE_LINE.match(text) or _FULL_DATE.search(text))
    return bool(dated or code or _COMPANY.search(text) or _CONTACT.search(text))


def _starts_lower(text: str) -> bool:
    words = _words(text)
    return bool(words) and words[0][:1].islower()


def is_sentence_tail(text: str) -> bool:
    """CJK running text: it ends on a sentence or clause mark."""
    return text.rstrip().endswith(_CJK_SENTENCE_END)


def is_author_list(text: str) -> bool:
    """Two or more people's names: "Ann Lee1, Bo Chen2 and C. D. Smith*". A list of
    names shows it: commas, initials or affiliation marks; a year or other long
    number never stands in one ("Second Quarter 2023 Operational and Other ...")."""
    parts = [p for p in re.split(r",|;|\band\b|&", text) if p.strip()]
    if len(parts) < 2 or re.search(r"\d{3}", text):
        return False
    listed = "," in text or ";" in text or bool(re.search(r"\b[A-Z]\.|\d|[*\u2020\u2021]", text))
    if not listed:
        return False
    for part in parts:
        words = _NAME_MARKS.sub(" ", part).split()
        if not 2 <= len(words) <= 4 or not all(_NAME_WORD.match(w) for w in words):
            return False
    return True


def has_run_in_text(text: str) -> bool:
    """A bold lead and the first words of its paragraph on one line: "IRA deduction
    expanded. You may" (words after the lead's full stop, not ending a sentence)."""
    for m in _LEAD_END.finditer(text):
        word = m.group(1)
        if len(word) <= 2 or word.casefold() in _ABBREVIATIONS or "." in word:
            continue  # "1.", "A.", "Fig.", "U.S.": numbering and abbreviations
        rest = text[m.end() :].rstrip()
        if len(rest.split()) >= 2 and not rest.endswith((".", "!", "?", ":")):
            return True
    return False


def _below(upper: Block, lower: Block) -> bool:
    """Whether ``lower`` sits right under ``upper`` in the same column."""
    size = max(upper.size, lower.size, 1.0)
    gap = lower.box[1] - upper.box[3]
    overlap = min(upper.box[2], lower.box[2]) - max(upper.box[0], lower.box[0])
    narrow = min(upper.box[2] - upper.box[0], lower.box[2] - lower.box[0])
    return -0.3 * size <= gap <= 1.2 * size and overlap > 0.5 * narrow


def _next_below(block: Block, blocks: Sequence[Block]) -> Block | None:
    cands = [o for o in blocks if o is not block and o.lines and o.text and _below(block, o)]
    return min(cands, key=lambda o: o.box[1]) if cands else None


def is_person_name(text: str) -> bool:
    """Two to four capitalised name words or initials, marks aside: "Satoshi Sekine",
    "Md. Khalid Hossain1"."""
    words = _NAME_MARKS.sub(" ", text).split()
    return 2 <= len(words) <= 4 and all(_NAME_WORD.match(w) for w in words)


def _byline(block: Block, blocks: Sequence[Block]) -> bool:
    """A person's name among more names (beside or under it) with an affiliation or
    e-mail line right under them: an author, not a heading."""
    if not is_person_name(block.text or ""):
        return False
    names = [block]
    for o in sorted(blocks, key=lambda o: o.box[1]):
        if o in names or not o.text or not is_person_name(o.text):
            continue
        if any(_near(n, o) for n in names):
            names.append(o)
    left = min(n.box[0] for n in names)
    right = max(n.box[2] for n in names)
    foot = max(n.box[3] for n in names)
    size = max(n.size for n in names)
    for o in blocks:
        if o in names or not o.text:
            continue
        under = 0 <= o.box[1] - foot <= 2 * size and o.box[0] < right and o.box[2] > left
        if under and _AFFILIATION.search(o.text):
            if o.category == "Section-header":
                o.category = "Text"  # the affiliation is no heading either
            return True
    return False


def _near(a: Block, b: Block) -> bool:
    """Two blocks on one row or stacked close: one byline."""
    size = max(a.size, b.size, 1.0)
    rows = min(a.box[3], b.box[3]) - max(a.box[1], b.box[1])
    return rows > 0 or -0.3 * size <= b.box[1] - a.box[3] <= 2.0 * size


def _names_or_labels(b: Block, blocks: Sequence[Block]) -> bool:
    """A sentence tail, people's names or a label line: not a heading."""
    text = (b.text or "").strip()
    return (
        is_sentence_tail(text) or is_author_list(text) or is_label_line(text) or _byline(b, blocks)
    )


def _label_above(block: Block, blocks: Sequence[Block]) -> Block | None:
    """A heading of at most three words ("Chapter", "Part") right above ``block`` or
    just before it on its row."""
    for o in blocks:
        if o is block or o.category not in ("Section-header", "Title") or not o.text:
            continue
        if len(_words(o.text)) > 3 or _LONE_NUMBER.match(o.text):
            continue
        rows = min(o.box[3], block.box[3]) - max(o.box[1], block.box[1])
        short = min(o.box[3] - o.box[1], block.box[3] - block.box[1])
        gap = block.box[0] - o.box[2]
        size = max(o.size, block.size, 1.0)
        beside = rows >= 0.5 * short and -0.5 * size <= gap <= 3 * size
        if beside or _below(o, block):
            return o
    return None


def _merge(upper: Block, lower: Block, category: str) -> None:
    """Join ``upper`` into ``lower`` (in place), under ``category``."""
    lower.text = f"{upper.text.rstrip()} {lower.text.lstrip()}"  # type: ignore[union-attr]
    lower.lines = [*upper.lines, *lower.lines]
    lower.box = union((upper.box, lower.box))
    lower.category = category
    upper.text = ""


def check_headings(blocks: list[Block]) -> list[Block]:
    """Headings that do not read as headings become text (or join the heading or
    paragraph they belong to); returns the page's blocks without the joined ones."""
    for b in sorted(blocks, key=lambda o: o.box[1]):
        if b.category != "Section-header" or not b.text or not b.lines:
            continue
        text = b.text.strip()
        after = _next_below(b, blocks)
        if ends_open(text) and not has_run_in_text(text):
            if after is not None and after.category == "Section-header":
                _merge(b, after, "Section-header")
            elif after is not None and after.category == "Text":
                _merge(b, after, "Text")
            else:
                b.category = "Text"
        elif has_run_in_text(text) or starts_inside_a_sentence(text):
            if after is not None and after.category == "Text" and _starts_lower(after.text or ""):
                _merge(b, after, "Text")
            else:
                b.category = "Text"
        elif _names_or_labels(b, blocks):
            b.category = "Text"
        elif _LONE_NUMBER.match(text) and _label_above(b, blocks) is not None:
            label = _label_above(b, blocks)
            assert label is not None
            _merge(label, b, "Section-header")  # "Chapter" over "II": "Chapter II"
        elif (
            after is not None
            and after.category == "Text"
            and _starts_lower(after.text or "")
            and _runs_on(text)
        ):
            _merge(b, after, "Text")  # a paragraph's first line (a drop cap made it big)
    return [b for b in blocks if b.text != "" or b.category in ("Picture", "Formula")]
