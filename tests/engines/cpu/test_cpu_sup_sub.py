"""Superscripts and subscripts from the text layer: tagged in the element text and
kept live in the Markdown; small capitals and plain text stay as they are."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu.sup_sub import mark_scripts
from dotsocr.engines.cpu.table_grid import _td
from dotsocr.engines.cpu.textlines import Line
from dotsocr.model import Element
from dotsocr.render.markdown import element_markdown
from support.cpu import rendered_pages


def _line(parts: list[tuple[str, float, float]], text: str | None = None) -> Line:
    """A line from (text, size, rise) runs; glyph boxes are em boxes on a baseline
    at y=120 shifted up by ``rise`` (negative: down), 0.5 em wide."""
    glyphs = []
    x = 100.0
    for run, size, rise in parts:
        for ch in run:
            if ch != " ":
                bottom = 120 + 0.2 * size - rise
                glyphs.append((ch, (x, bottom - size, x + 0.5 * size, bottom)))
            x += 0.5 * size
    full = text if text is not None else "".join(run for run, _, _ in parts)
    box = (100.0, min(b[1] for _, b in glyphs), x, max(b[3] for _, b in glyphs))
    return Line(full, box, 20.0, glyphs=glyphs)


def test_raised_small_digits_are_superscripts() -> None:
    line = _line([("Shaffer", 20, 0), ("1", 12, 7), (" and Boisen", 20, 0), ("4,5", 12, 7)])
    assert mark_scripts(line).text == "Shaffer<sup>1</sup> and Boisen<sup>4,5</sup>"


def test_a_space_the_layer_put_before_a_mark_goes() -> None:
    line = _line([("Reports", 20, 0), ("1", 12, 7), (" from", 20, 0)], text="Reports 1 from")
    assert mark_scripts(line).text == "Reports<sup>1</sup> from"


def test_lowered_small_digits_are_subscripts() -> None:
    line = _line([("H", 20, 0), ("2", 12, -4), ("O is water", 20, 0)])
    assert mark_scripts(line).text == "H<sub>2</sub>O is water"


def test_small_capitals_and_plain_lines_stay() -> None:
    caps = _line([("P", 20, 0), ("REFACE TO THE", 14, 0), (" BOOK", 20, 0)])
    plain = _line([("Nothing raised here", 20, 0)])
    assert mark_scripts(caps) is caps
    assert mark_scripts(plain) is plain


def test_markdown_keeps_sup_and_sub_but_escapes_other_tags() -> None:
    el = Element(bbox=(0, 0, 10, 10), category="Text", text="H<sub>2</sub>O<sup>1</sup> <b>x</b>")
    assert element_markdown(el) == "H<sub>2</sub>O<sup>1</sup> &lt;b>x&lt;/b>"


def _marks_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    y = 100
    x = 72.0
    for run, size, rise in [
        ("Authors: Mary Shaffer", 11, 0),
        ("1", 7, 4),
        (" and Peter Boisen", 11, 0),
        ("4,5", 7, 4),
        (" measured H", 11, 0),
        ("2", 7, -2.5),
        ("O uptake in the lab.", 11, 0),
    ]:
        pdf.set_font("Helvetica", size=size)
        pdf.text(x, y - rise, run)
        x += pdf.get_string_width(run)
    pdf.output(str(path))


def test_marks_in_a_pdf_come_out_tagged(tmp_path: Path, cpu_engine) -> None:
    pytest.importorskip("fpdf")
    path = tmp_path / "marks.pdf"
    _marks_pdf(path)
    page = cpu_engine.process_page(rendered_pages(path)[0])
    text = " ".join(e.text or "" for e in page.elements)
    assert "Shaffer<sup>1</sup> and Peter Boisen<sup>4,5</sup>" in text, text
    assert "H<sub>2</sub>O uptake" in text, text


def test_a_decimal_point_set_low_is_no_subscript() -> None:
    # PDFium boxes a full stop tightly, small and low on the line: it is still text.
    line = _line([("11,062", 20, 0), (".", 6, -4), ("6 and 9", 20, 0), (".", 6, -4), ("5", 20, 0)])
    assert mark_scripts(line).text == "11,062.6 and 9.5"


def test_a_mark_in_a_table_cell_stays_markup() -> None:
    assert _td("Stolen property<sup>1</sup> <b>", 1, 1) == (
        "<td>Stolen property<sup>1</sup> &lt;b&gt;</td>"
    )
