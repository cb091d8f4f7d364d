"""Paragraphs and subheadings inside one text region: gaps, first-line indents,
short last lines and bold subheadings split it; a bold lead running on into its
paragraph and plain wrapped prose do not."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu.paragraphs import split_paragraphs
from dotsocr.engines.cpu.textlines import Line
from support.cpu import rendered_pages

SIZE = 20.0


def _row(text: str, y: float, x: float = 100, right: float = 900, bold: bool = False) -> Line:
    return Line(text, (x, y, right, y + SIZE), SIZE, bold=bold)


def _texts(segments) -> list[tuple[str, str]]:
    return [(kind, " ".join(ln.text for ln in lines)) for kind, lines in segments]


def test_a_wider_gap_splits_paragraphs() -> None:
    rows = [
        _row("one a", 100),
        _row("one b.", 125, right=500),
        _row("two a", 170),
        _row("two b", 195),
    ]
    assert _texts(split_paragraphs(rows)) == [("Text", "one a one b."), ("Text", "two a two b")]


def test_first_line_indents_split_paragraphs() -> None:
    rows = [
        _row("First paragraph starts", 100, x=140),
        _row("and goes on here", 125),
        _row("Second paragraph starts", 150, x=140),
        _row("and goes on too", 175),
    ]
    assert [k for k, _ in split_paragraphs(rows)] == ["Text", "Text"]


def test_a_centred_second_line_is_no_indented_paragraph() -> None:
    # a two-line label set centred: the second row is set in by one em on both sides
    rows = [
        _row("このような語は", 100, x=100, right=400),
        _row("大量にある", 125, x=120, right=380),
    ]
    assert _texts(split_paragraphs(rows)) == [("Text", "このような語は 大量にある")]
    # indented on the left only: a new paragraph, as before
    rows = [_row("このような語は", 100, x=100, right=400), _row("次の段落", 125, x=120, right=400)]
    assert [k for k, _ in split_paragraphs(rows)] == ["Text", "Text"]


def test_a_short_line_ending_a_sentence_splits() -> None:
    rows = [
        _row("a full line of text", 100),
        _row("ends here.", 125, right=400),
        _row("Next one", 150),
    ]
    assert _texts(split_paragraphs(rows)) == [
        ("Text", "a full line of text ends here."),
        ("Text", "Next one"),
    ]


def test_bold_subheadings_between_notes() -> None:
    rows = [
        _row("1. Basis of preparation", 100, right=450, bold=True),
        _row("The statements are prepared under", 125),
        _row("the usual standards.", 150, right=500),
        _row("2. Revenue", 175, right=300, bold=True),
        _row("Revenue is recognised when earned.", 200, right=700),
    ]
    assert _texts(split_paragraphs(rows)) == [
        ("Section-header", "1. Basis of preparation"),
        ("Text", "The statements are prepared under the usual standards."),
        ("Section-header", "2. Revenue"),
        ("Text", "Revenue is recognised when earned."),
    ]


def test_plain_prose_and_a_run_in_lead_stay_whole() -> None:
    prose = [_row("wrapped text going", 100), _row("on and on", 125), _row("to the end.", 150)]
    assert len(split_paragraphs(prose)) == 1
    lead = [
        _row("Alternative minimum tax (AMT)", 100, bold=True),
        _row("exemption decreased.", 125),
    ]
    assert len(split_paragraphs(lead)) == 1


def _notes_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="A4", unit="pt")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_xy(60, 80)
    text = "The group prepares its accounts under the usual standards and reports them each year. "
    for title in ("1. Basis of preparation", "2. Revenue recognition", "3. Leases"):
        pdf.set_font("Helvetica", "B", 10)
        pdf.set_x(60)
        pdf.cell(0, 14, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10)
        pdf.set_x(60)
        pdf.multi_cell(470, 13, text * 3, align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def test_notes_with_bold_subheadings_on_a_page(tmp_path: Path, cpu_engine) -> None:
    pytest.importorskip("fpdf")
    path = tmp_path / "notes.pdf"
    _notes_pdf(path)
    page = cpu_engine.process_page(rendered_pages(path)[0])
    heads = [e.text for e in page.elements if e.category in ("Section-header", "Title")]
    assert heads == ["1. Basis of preparation", "2. Revenue recognition", "3. Leases"]
    paragraphs = [e for e in page.elements if e.category == "Text"]
    assert len(paragraphs) == 3


def test_ocr_lines_set_one_by_one_keep_their_breaks() -> None:
    from dotsocr.engines.cpu.paragraphs import segment_text

    rows = ["4 ons linzen", "3 liter water", "3 uien", "bloem, boter", "laurier, kruidnagel, zout"]
    ocr = [
        Line(t, (100, 100 + 40 * i, 100 + 24 * len(t), 130 + 40 * i), 30.0)
        for i, t in enumerate(rows)
    ]
    assert segment_text(ocr) == "\n".join(rows)
    prose = ["De linzen wassen en in 1 liter kokend wa-", "ter 1 dag laten weken, dan"]
    wrapped = [Line(t, (100, 100 + 40 * i, 1100, 130 + 40 * i), 30.0) for i, t in enumerate(prose)]
    assert "\n" not in segment_text(wrapped)
    layer = [
        Line(
            t,
            (100, 100 + 40 * i, 100 + 24 * len(t), 130 + 40 * i),
            30.0,
            glyphs=[("x", (0, 0, 1, 1))],
        )
        for i, t in enumerate(rows)
    ]
    assert "\n" not in segment_text(layer)
