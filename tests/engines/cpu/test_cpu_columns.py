"""Columns on government-style pages: three columns read in order although a
footer slug spans them and a vertical stamp stands in the margin; a big heading
on the same row as the next column's text is not read as one line with it."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu.mixed_lines import split_mixed_lines
from dotsocr.engines.cpu.reading_order import reading_order
from dotsocr.engines.cpu.region_split import split_heading_region
from dotsocr.engines.cpu.textlines import Line
from support.cpu import rendered_pages

# A Federal Register-like page at 200 dpi: three columns, a page number and running
# head on top, a slug line across columns 1-2 at the foot, a stamp in the margin.
HEAD = (333, 95, 1366, 124)
NUM = (1490, 93, 1575, 125)
C1A, C1B = (124, 167, 592, 1060), (125, 1096, 592, 2058)
C2A, C2B = (616, 167, 1083, 1180), (616, 1213, 1081, 2058)
C3A, C3B = (1108, 167, 1575, 1480), (1108, 1512, 1575, 2058)
STAMP = (50, 1853, 64, 2129)
SLUG = (69, 2131, 1251, 2149)
BODY = [C1A, C1B, C2A, C2B, C3A, C3B]


def test_three_columns_in_order_despite_stamp_and_slug() -> None:
    boxes = [C3B, SLUG, C2A, STAMP, C1B, HEAD, C3A, NUM, C2B, C1A]
    order = [boxes[i] for i in reading_order(boxes)]
    assert [b for b in order if b in BODY] == BODY


def test_furniture_is_read_before_and_after_the_body() -> None:
    boxes = [C3B, SLUG, C2A, STAMP, C1B, HEAD, C3A, NUM, C2B, C1A]
    roles = {HEAD: "header", NUM: "header", STAMP: "footer", SLUG: "footer"}
    furniture = [roles.get(b, "") for b in boxes]
    order = [boxes[i] for i in reading_order(boxes, furniture=furniture)]
    # The running head and the page number share a row: read left to right.
    assert order == [HEAD, NUM, *BODY, STAMP, SLUG]


def test_a_stack_of_overlapping_boxes_keeps_top_to_bottom_order() -> None:
    # Boxes in one column that touch by a pixel: no column to find, read as stacked.
    boxes = [
        (116, 816, 584, 1017),
        (116, 649, 577, 730),
        (116, 775, 482, 817),
        (116, 719, 560, 786),
    ]
    order = [boxes[i][1] for i in reading_order(boxes)]
    assert order == [649, 719, 775, 816]


def _glyph_line(parts: list[tuple[str, float, float]], top: float) -> Line:
    """One line from (text, x, size) parts, glyphs 0.5 em wide, spaces skipped."""
    glyphs = []
    texts = []
    for text, x, size in parts:
        for ch in text:
            if ch != " ":
                glyphs.append((ch, (x, top, x + 0.5 * size, top + size)))
            x += 0.5 * size
        texts.append(text)
    box = (glyphs[0][1][0], top, glyphs[-1][1][2], top + max(s for _, _, s in parts))
    return Line(text=" ".join(texts), box=box, size=parts[-1][2], bold=True, glyphs=glyphs)


def test_a_heading_and_the_next_columns_text_are_two_lines() -> None:
    line = _glyph_line(
        [("General Instructions", 117, 47), ("deduction. The rate for", 617, 26)], 523
    )
    pieces = split_mixed_lines([line])
    assert [p.text for p in pieces] == ["General Instructions", "deduction. The rate for"]
    assert pieces[0].size > 1.5 * pieces[1].size
    assert pieces[0].box[2] < pieces[1].box[0]


def test_same_size_words_and_superscripts_stay_one_line() -> None:
    plain = _glyph_line([("Total", 100, 20), ("amount", 160, 20)], 100)
    marked = _glyph_line([("Shaffer", 100, 20), ("1", 171, 11)], 100)
    assert split_mixed_lines([plain, marked]) == [plain, marked]


def test_a_heading_region_over_two_columns_and_two_sizes_splits() -> None:
    big = Line("General Instructions", (117, 523, 576, 568), 47.0, bold=True)
    other = Line("deduction. The rate for", (617, 550, 1028, 574), 26.0)
    sub = Line("What's New for 2007", (117, 599, 495, 635), 39.0, bold=True)
    parts = split_heading_region([big, other, sub])
    assert [[ln.text for ln in p] for p in parts] == [
        ["General Instructions"],
        ["What's New for 2007"],
        ["deduction. The rate for"],
    ]


def _three_column_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 9)
    pdf.text(150, 40, "Federal Register / Vol. 85, No. 152 / Thursday, August 6, 2020")
    pdf.set_font("Helvetica", size=9)
    words = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"]
    words += ["golf", "hotel", "india", "juliet", "kilo", "lima"]
    for col in range(3):
        pdf.set_xy(45 + col * 180, 70)
        body = " ".join(f"{w}{col + 1} and" for w in words * 13)
        pdf.multi_cell(165, 11, body, align="L")
    pdf.set_font("Helvetica", size=7)
    pdf.text(22, 762, "VerDate Sep<11>2014 16:21 Aug 05, 2020 Jkt 250001 PO 00000 Frm 00001")
    with pdf.rotation(90, 20, 764):
        pdf.text(20, 764, "on DSKJLSW7X2PROD with PROPOSALS stamp line in the margin")
    pdf.output(str(path))


def test_three_column_page_reads_column_by_column(tmp_path: Path, cpu_engine) -> None:
    pytest.importorskip("fpdf")
    path = tmp_path / "three.pdf"
    _three_column_pdf(path)
    page = cpu_engine.process_page(rendered_pages(path)[0])
    text = " ".join(e.text or "" for e in page.elements)
    firsts = [text.find(f"alpha{c}") for c in (1, 2, 3)]
    lasts = [text.rfind(f"lima{c}") for c in (1, 2, 3)]
    assert all(f >= 0 for f in firsts), text[:300]
    assert lasts[0] < firsts[1] and lasts[1] < firsts[2], text[:600]
    assert text.find("VerDate") > lasts[2], "the foot slug is read after the columns"
