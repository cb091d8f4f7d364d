"""OCR character error rate on the Japanese corpus's text-layer PDFs, horizontal and
vertical pages apart (issue 17: vertical CER <= 5%, horizontal <= 2%).

Each page is rendered at 200 DPI and forced through OCR by the CPU engine; its text
layer is the truth. The truth is put in reading order first, because PDFium lists a
vertical page's columns in drawing order: lines are read band by band (tiers) from
the top and, in a band, right to left (a column the layer breaks glyph by glyph is
joined back first). On a horizontal page the layer's order stands, but running
heads and page numbers come first and last. Ruby is left out of the truth (small
kana at most 0.6 the size of a glyph just under it, or just left of it in vertical
text), since the default --ruby drop leaves it out of the text; small digits and
marks (footnote references) are text. Text outside the crop box is left out. Two
numbers per page:

- CER: edit distance of the NFKC, whitespace-free texts over the truth's length,
  as benchmarks/accuracy.py computes it (dot leaders left out of both);
- bag: the same texts compared as multisets of characters (the larger of missing and
  extra over the truth's length), which is blind to order, so CER minus bag is
  roughly what reading order costs and bag what recognition costs.

A page that renders blank (its fonts are neither embedded nor installed) cannot be
OCR'd, and one whose text layer PDFium cannot read has no truth; both are listed as
skipped.

    python benchmarks/ocr_cer_ja.py [--pages 2] [--doc NAME ...]
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium

sys.path.insert(0, str(Path(__file__).resolve().parent))

from dotsocr import parse
from textmetrics import character_error_rate, squeeze, strip_markdown

CORPUS = Path(__file__).resolve().parent / "corpus"
#: Ruby is kana at most this share of the size of its base glyph (half size, as a rule).
RUBY_SCALE = 0.6
#: Ruby is small on the page too: at most this share of the median glyph (ruby
#: over a heading is larger than ruby over body text, but not body-sized).
SMALL = 0.75
#: A line is vertical when its box is this much taller than wide.
TALL = 1.5
#: Share of the page height at the top and at the foot where running heads and
#: page numbers stand.
FURNITURE_BAND = 0.06
#: Fewer characters than this in a page's readable text layer: nothing to score.
MIN_CHARS = 50
#: Dot leaders (a table of contents) are layout, not text; OCR rightly skips them.
LEADERS = re.compile(r"[.…‥]{3,}")


@dataclass
class Line:
    text: str
    box: tuple[float, float, float, float]  # left, bottom, right, top (PDF points)

    @property
    def vertical(self) -> bool:
        left, bottom, right, top = self.box
        return len(self.text) > 1 and (top - bottom) > TALL * (right - left)

    @property
    def horizontal(self) -> bool:
        left, bottom, right, top = self.box
        return len(self.text) > 1 and (right - left) > TALL * (top - bottom)


def text_lines(page: pdfium.PdfPage) -> list[Line]:
    """The text layer's lines with their boxes, ruby glyphs and text outside the
    crop box left out."""
    textpage = page.get_textpage()
    x0, y0, x1, y1 = page.get_bbox()  # the crop box, inherited ones too
    chars = []
    for i in range(textpage.count_chars()):
        ch = textpage.get_text_range(i, 1)
        box = textpage.get_charbox(i, loose=True)
        # Text outside the crop box (a printer's slug in the bleed) is not on the page.
        if x0 <= (box[0] + box[2]) / 2 <= x1 and y0 <= (box[1] + box[3]) / 2 <= y1:
            chars.append((ch, box))
    ruby = ruby_glyphs(chars)
    lines, text, boxes = [], [], []

    def close() -> None:
        if text:
            box = (
                min(b[0] for b in boxes),
                min(b[1] for b in boxes),
                max(b[2] for b in boxes),
                max(b[3] for b in boxes),
            )
            lines.append(Line("".join(text), box))
        text.clear()
        boxes.clear()

    for k, (ch, box) in enumerate(chars):
        if ch in "\r\n":
            close()
        elif ch.strip() and k not in ruby:
            text.append(ch)
            boxes.append(box)
    close()
    return join_stacked(lines)


def ruby_glyphs(chars: list[tuple[str, tuple[float, float, float, float]]]) -> set[int]:
    """Indices of ruby glyphs: small kana (at most SMALL of the page's median glyph)
    with a glyph at least 1/RUBY_SCALE its size just under it (horizontal text) or
    just left of it (vertical text).

    A glyph's size is the larger side of its box: a sideways Latin glyph in a
    vertical line is as wide as the font is tall.
    """
    boxes = np.array([box for _, box in chars], dtype=float).reshape(-1, 4)
    if not len(boxes):
        return set()
    left, bottom, right, top = boxes.T
    size = np.maximum(right - left, top - bottom)
    small = SMALL * float(np.median(size[size > 0])) if np.any(size > 0) else 0.0
    out = set()
    for k, (ch, _) in enumerate(chars):
        if not ("\u3041" <= ch <= "\u30ff") or not 0 < size[k] <= small:
            continue
        s = size[k]
        big = size * RUBY_SCALE >= s
        across = (np.minimum(right, right[k]) - np.maximum(left, left[k])) > 0
        along = (np.minimum(top, top[k]) - np.maximum(bottom, bottom[k])) > 0
        under = across & (top >= bottom[k] - s) & (top <= bottom[k] + 0.5 * s)
        beside = along & (right >= left[k] - s) & (right <= left[k] + 0.5 * s)
        if np.any(big & (under | beside)):
            out.add(k)
    return out


def join_stacked(lines: list[Line]) -> list[Line]:
    """Lines that continue one another down a column, joined.

    Some PDFs (the official gazette) break every vertical column glyph by glyph in
    the text layer, so each "line" is a character or two; such a page would count as
    horizontal and its truth would be scored in drawing order. A piece that starts
    under the previous one, within a glyph and across half the narrower width,
    continues it.
    """
    joined: list[Line] = []
    for line in lines:
        if joined and continues_below(joined[-1], line):
            last = joined[-1]
            box = (
                min(last.box[0], line.box[0]),
                line.box[1],
                max(last.box[2], line.box[2]),
                last.box[3],
            )
            joined[-1] = Line(last.text + line.text, box)
        else:
            joined.append(line)
    return joined


def continues_below(above: Line, below: Line) -> bool:
    if above.horizontal or below.horizontal:
        return False
    width = min(above.box[2] - above.box[0], below.box[2] - below.box[0])
    overlap = min(above.box[2], below.box[2]) - max(above.box[0], below.box[0])
    gap = above.box[1] - below.box[3]
    return overlap >= 0.5 * width and -0.5 * width <= gap <= width


def reading_order(
    lines: list[Line], page_span: tuple[float, float] | None = None
) -> tuple[str, bool]:
    """The page's truth text in reading order, and whether the page is vertical.

    A horizontal page keeps the text layer's order, except that horizontal lines
    in the top and bottom 6% of the page (``page_span``: its bottom and top y; running
    heads, page numbers) come first and last, where a reader meets them, wherever
    the PDF drew them.
    """
    vertical_chars = sum(len(line.text) for line in lines if line.vertical)
    vertical = vertical_chars * 2 > sum(len(line.text) for line in lines)
    if not vertical:
        bottom, top_y = page_span or (0.0, 0.0)
        band = FURNITURE_BAND * (top_y - bottom)
        across = [ln for ln in lines if not ln.vertical]  # side tabs stay where they are
        top = [ln for ln in across if band and ln.box[1] >= top_y - band]
        foot = [ln for ln in across if band and ln.box[3] <= bottom + band]
        body = [ln for ln in lines if ln not in top and ln not in foot]
        return "\n".join(line.text for line in [*top, *body, *foot]), False
    bands: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: -ln.box[3]):
        if bands and same_band(bands[-1], line):
            bands[-1].append(line)
        else:
            bands.append([line])
    ordered = [ln for band in bands for column in columns(band) for ln in column]
    return "\n".join(line.text for line in ordered), True


def same_band(band: list[Line], line: Line) -> bool:
    """Whether a line (the next from the top) belongs to a tier.

    Lines whose vertical extents overlap, or leave less than a character between
    them, are one tier; a horizontal line (a label over columns) never joins
    vertical ones, nor a vertical line horizontal ones.
    """
    if any((ln.horizontal and line.vertical) or (ln.vertical and line.horizontal) for ln in band):
        return False
    glyph = min(line.box[2] - line.box[0], line.box[3] - line.box[1])
    return line.box[3] > min(ln.box[1] for ln in band) - glyph


def columns(band: list[Line]) -> list[list[Line]]:
    """A tier's lines as columns, right to left, each read from the top.

    PDFium breaks a column where ruby or a sideways word interrupts it, so pieces
    whose horizontal extents overlap by half the narrower one are one column.
    """
    result: list[list[Line]] = []
    for line in sorted(band, key=lambda ln: -(ln.box[0] + ln.box[2])):
        if result:
            left = min(ln.box[0] for ln in result[-1])
            right = max(ln.box[2] for ln in result[-1])
            overlap = min(right, line.box[2]) - max(left, line.box[0])
            narrower = min(right - left, line.box[2] - line.box[0])
            if overlap >= 0.5 * narrower:
                result[-1].append(line)
                continue
        result.append([line])
    return [sorted(column, key=lambda ln: -ln.box[3]) for column in result]


def comparable(text: str) -> str:
    """NFKC, whitespace-free text without dot leaders."""
    return LEADERS.sub("", squeeze(text))


def bag_error(got: str, truth: str) -> float:
    """Recognition error with order ignored: max(missing, extra) / len(truth)."""
    have, want = Counter(got), Counter(truth)
    missing = sum((want - have).values())
    extra = sum((have - want).values())
    return max(missing, extra) / max(1, len(truth))


def renders_blank(page: pdfium.PdfPage) -> bool:
    image = page.render(scale=50 / 72, grayscale=True).to_pil()
    low, _high = image.getextrema()
    return low > 245


@dataclass
class Row:
    doc: str
    page: int
    vertical: bool
    chars: int
    edits: float
    bag: float
    seconds: float


def measure(pdf_path: Path, pages: int) -> tuple[list[Row], list[str]]:
    rows, skipped = [], []
    pdf = pdfium.PdfDocument(pdf_path)
    wanted = []
    truths = {}
    for index in range(min(pages, len(pdf))):
        page = pdf[index]
        crop = page.get_bbox()
        text, vertical = reading_order(text_lines(page), (crop[1], crop[3]))
        truth = comparable(text)
        if len(truth) < MIN_CHARS:
            skipped.append(
                f"{pdf_path.stem} p{index + 1}: PDFium reads {len(truth)} chars of its text layer"
            )
        elif renders_blank(page):
            skipped.append(f"{pdf_path.stem} p{index + 1}: renders blank (fonts not embedded)")
        else:
            wanted.append(index + 1)
            truths[index + 1] = (truth, vertical)
    pdf.close()
    if not wanted:
        return rows, skipped
    start = time.perf_counter()
    doc = parse(pdf_path, ",".join(map(str, wanted)), engine="cpu", ocr="always", dpi=200)
    seconds = (time.perf_counter() - start) / len(wanted)
    for page in doc.pages:
        if page.number not in truths:
            continue
        truth, vertical = truths[page.number]
        got = comparable(strip_markdown("\n".join(e.text or "" for e in page.elements)))
        edits = character_error_rate(got, truth) * len(truth)
        rows.append(
            Row(
                pdf_path.stem,
                page.number,
                vertical,
                len(truth),
                edits,
                bag_error(got, truth),
                seconds,
            )
        )
    return rows, skipped


def japanese_pdfs(names: list[str] | None) -> list[Path]:
    """The manifest's Japanese PDFs (lang ja), or the named ones."""
    rows = (CORPUS / "MANIFEST.tsv").read_text(encoding="utf-8").splitlines()[1:]
    files = [r.split("\t")[0] for r in rows if r.split("\t")[2:3] == ["ja"]]
    pdfs = [CORPUS / "docs" / f for f in files if f.endswith(".pdf")]
    if names:
        pdfs = [p for p in pdfs if p.stem in names or p.name in names]
    return pdfs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=2, help="first N pages per document")
    parser.add_argument("--doc", action="append", help="only this document (stem or name)")
    args = parser.parse_args()
    all_rows, all_skipped = [], []
    print(
        f"{'document':34} {'page':>4} {'dir':>4} {'chars':>6} {'CER':>6} {'bag':>6} {'s/page':>6}"
    )
    for pdf_path in japanese_pdfs(args.doc):
        rows, skipped = measure(pdf_path, args.pages)
        for r in rows:
            direction = "vert" if r.vertical else "hor"
            print(
                f"{r.doc:34} {r.page:4d} {direction:>4} {r.chars:6d} {r.edits / r.chars:6.3f} "
                f"{r.bag:6.3f} {r.seconds:6.1f}",
                flush=True,
            )
        all_rows += rows
        all_skipped += skipped
    print()
    for label, vertical, target in (("horizontal", False, 0.02), ("vertical", True, 0.05)):
        part = [r for r in all_rows if r.vertical == vertical]
        if not part:
            continue
        chars = sum(r.chars for r in part)
        cer = sum(r.edits for r in part) / chars
        bag = sum(r.bag * r.chars for r in part) / chars
        verdict = "meets" if cer <= target else "misses"
        print(
            f"{label:10} pages {len(part):3d} chars {chars:6d} CER {cer:.3f} bag {bag:.3f} "
            f"({verdict} target {target:.2f})"
        )
    for line in all_skipped:
        print(f"skipped: {line}")


if __name__ == "__main__":
    main()
