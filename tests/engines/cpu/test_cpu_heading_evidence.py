"""Heading evidence: wrapped heading lines join, run-in leads and sentence pieces
become text, author lists are not headings; real headings stay."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.heading_evidence import (
    check_headings,
    ends_open,
    has_run_in_text,
    is_author_list,
    starts_inside_a_sentence,
)
from dotsocr.engines.cpu.textlines import Line
from support.cpu import rendered_pages


def _block(category: str, text: str, box: tuple[float, float, float, float], size=20.0) -> Block:
    return Block(category, box, [Line(text, box, size, bold=category != "Text")], text)


@pytest.mark.parametrize(
    "text",
    [
        "Results",
        "What's New for 2008",
        "Who Must File",
        "2.1 Data and Methods",
        "第1章 概要",
        "bar charts",
        "automatic extraction of metadata",
    ],
)
def test_real_headings_read_as_headings(text: str) -> None:
    assert not ends_open(text)
    assert not starts_inside_a_sentence(text)
    assert not has_run_in_text(text)
    assert not is_author_list(text)


def test_phrases_that_go_on() -> None:
    assert ends_open("Simplified Procedure for")
    assert ends_open("Income, deductions,")
    assert starts_inside_a_sentence("deduction. The deduction rate for")
    assert starts_inside_a_sentence("）しておく方法が主流。")
    assert has_run_in_text("IRA deduction expanded. You may")
    assert has_run_in_text("Form 1040NR-EZ. You may be able")
    assert not has_run_in_text("U.S. Nonresident Alien Income Tax Return")
    assert not has_run_in_text("Fig. 3 Results of the Survey")


def test_author_lists() -> None:
    assert is_author_list("Ann Lee1, Bo Chen2 and C. D. Smith*")
    assert is_author_list("Maria van der Berg, John Shaffer")
    assert not is_author_list("Methods, Results and Discussion")
    assert not is_author_list("Federal Aviation Administration, DOT")


def test_a_wrapped_heading_is_one_heading() -> None:
    first = _block("Section-header", "Simplified Procedure for", (100, 100, 500, 124))
    second = _block("Section-header", "Claiming Certain Refunds", (100, 128, 480, 152))
    body = _block("Text", "Some text follows here.", (100, 170, 900, 300))
    out = check_headings([first, second, body])
    heads = [b.text for b in out if b.category == "Section-header"]
    assert heads == ["Simplified Procedure for Claiming Certain Refunds"]


def test_a_run_in_lead_joins_its_paragraph() -> None:
    lead = _block("Section-header", "IRA deduction expanded. You may", (100, 100, 500, 124))
    body = _block("Text", "be able to deduct up to $5,000.", (100, 128, 500, 300))
    out = check_headings([lead, body])
    assert [(b.category, b.text) for b in out] == [
        ("Text", "IRA deduction expanded. You may be able to deduct up to $5,000.")
    ]


def test_sentence_pieces_and_authors_become_text() -> None:
    tail = _block("Section-header", "見）しておく方法が主流。", (100, 100, 500, 124))
    authors = _block("Section-header", "Ann Lee1, Bo Chen2", (100, 400, 500, 424))
    out = check_headings([tail, authors])
    assert [b.category for b in out] == ["Text", "Text"]


def _run_in_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="letter", unit="pt")
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.text(72, 80, "What's New for 2008")
    pdf.set_font("Helvetica", "B", 10)
    pdf.text(72, 110, "IRA deduction expanded. You may")
    pdf.set_font("Helvetica", size=10)
    pdf.set_xy(72, 114)
    body = (
        "be able to deduct up to five thousand dollars if you were covered by a "
        "retirement plan and your modified income is less than the limit for the "
        "year. You may also deduct more if you were a participant in a plan. "
    ) * 3
    pdf.multi_cell(230, 12, body, align="L")
    pdf.output(str(path))


def test_a_bold_run_in_line_is_not_a_heading_on_a_page(tmp_path: Path, cpu_engine) -> None:
    pytest.importorskip("fpdf")
    path = tmp_path / "runin.pdf"
    _run_in_pdf(path)
    page = cpu_engine.process_page(rendered_pages(path)[0])
    heads = [e.text for e in page.elements if e.category in ("Section-header", "Title")]
    assert heads == ["What's New for 2008"]
    text = " ".join(e.text or "" for e in page.elements if e.category == "Text")
    assert "IRA deduction expanded. You may be able to deduct" in text


def test_a_chapter_label_and_its_number_are_one_heading() -> None:
    label = _block("Section-header", "Chapter", (333, 1, 842, 214), size=120)
    number = _block("Section-header", "II", (816, 11, 958, 166), size=120)
    body = _block("Text", "We went along a path.", (448, 238, 1034, 791))
    out = check_headings([label, number, body])
    assert [(b.category, b.text) for b in out if b.category != "Text"] == [
        ("Section-header", "Chapter II")
    ]


def test_a_big_first_line_running_into_its_paragraph_is_text() -> None:
    # A drop cap makes a scanned chapter's first line tall; the line goes on below.
    first = _block(
        "Section-header", "WE went tip-toeing along a path amongst", (448, 238, 1034, 290)
    )
    rest = _block("Text", "the trees back towards the end of the garden.", (448, 295, 1034, 791))
    out = check_headings([first, rest])
    assert [b.category for b in out] == ["Text"]
    assert out[0].text.startswith("WE went tip-toeing along a path amongst the trees")


def test_author_names_over_an_affiliation_are_not_headings() -> None:
    first = _block("Section-header", "Yusuke Shinyama", (411, 326, 666, 362))
    second = _block("Section-header", "Satoshi Sekine", (1082, 326, 1289, 361))
    place = _block("Section-header", "New York University, New York", (616, 386, 1084, 420))
    section = _block("Section-header", "Related Work", (200, 1273, 425, 1309))
    body = _block("Text", "Every day a large number of articles appear.", (200, 1334, 831, 2008))
    out = check_headings([first, second, place, section, body])
    heads = [b.text for b in out if b.category == "Section-header"]
    assert heads == ["Related Work"]


def test_numbered_capitals_on_their_own_line_are_headings() -> None:
    from dotsocr.engines.cpu.page_roles import promote_headings

    caps = _block("Text", "I. INTRODUCTION", (354, 729, 570, 754), size=15)
    sentence = _block("Text", "2. We then measured it", (354, 800, 800, 825), size=20)
    promote_headings([caps, sentence], 20.0)
    assert (caps.category, sentence.category) == ("Section-header", "Text")


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("December 1998", True),
        ("RIN 2120\u2013AA64", True),
        ("DARPA-BAA-15-58", True),
        ("Linn Electronics, Inc.", True),
        ("LuaTeX-ja team 2024-09-09 v0.7 (2025 年 6 月 14 日)", True),
        ("2019年度税制改正の概要", False),
        ("P.O. Box 513, 5600 MB Eindhoven, The Netherlands", True),
        ("Boxing Day Sales", False),
        ("e-mail R.J.Severens@phys.tue.nl", True),
        ("COVID-19", False),
        ("14 CFR Part 39", False),
        ("Related Work", False),
    ],
)
def test_dates_identifiers_and_company_names_are_labels(text: str, label: bool) -> None:
    from dotsocr.engines.cpu.heading_evidence import is_label_line

    assert is_label_line(text) is label


def test_a_modest_first_heading_opening_the_first_page_is_the_title() -> None:
    from dotsocr.engines.cpu.page_roles import mark_title

    stamp = Block("Page-header", (40, 700, 75, 1500), [Line("arXiv", (40, 700, 75, 1500), 50)], "x")
    title = _block("Section-header", "Creativity in Machine Learning", (230, 156, 693, 186), 33)
    body = _block("Text", "According to many, creativity is rare.", (112, 793, 811, 918), 27.7)
    later = _block("Section-header", "Basics", (112, 1000, 400, 1030), 27.7)
    mark_title([stamp, title, body, later], 27.7, 2200)
    assert title.category == "Title"
    below = _block("Section-header", "Consolidated Statement", (230, 400, 693, 430), 33)
    first = _block("Text", "Some text above it on the page.", (112, 156, 811, 300), 27.7)
    mark_title([first, below], 27.7, 2200)
    assert below.category == "Section-header"


def test_a_short_heading_over_lower_case_text_stays_a_heading() -> None:
    head = _block("Section-header", "概要", (257, 501, 320, 530))
    body = _block(
        "Text", "luatexja-ruby パッケージは，ルビの組版処理を行う．", (257, 535, 1397, 666)
    )
    out = check_headings([head, body])
    assert [b.category for b in out] == ["Section-header", "Text"]


def test_capitalised_headings_joined_by_and_are_not_author_lists() -> None:
    assert not is_author_list("Second Quarter 2023 Operational and Other Financial Highlights")
    assert not is_author_list("Revenue Recognition and Lease Accounting")
    assert is_author_list("Yusuke Shinyama1 and Satoshi Sekine2")
