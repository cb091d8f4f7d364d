"""Lists inside text blocks, run-in headings, formulas, captions, footnotes and
edge furniture: the page-level roles the CPU engine gives blocks."""

from __future__ import annotations

from dotsocr.engines.cpu.assemble import assemble, run_in_heading
from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.formulas import formula_text, looks_like_formula
from dotsocr.engines.cpu.layout import Region
from dotsocr.engines.cpu.lists import segment_lists
from dotsocr.engines.cpu.page_roles import (
    footnotes_last,
    is_caption_text,
    join_number_badges,
    mark_captions,
    mark_edge_furniture,
    mark_margins,
    promote_headings,
)
from dotsocr.engines.cpu.textlines import Line
from support.cpu import make_line

W, H = 1700, 2200


def _row(text: str, y: float, x1: float = 380, x2: float = 1500, size: float = 28) -> Line:
    return make_line(text, (x1, y, x2, y + size), size=size)


def test_a_list_inside_a_text_region_is_split_from_the_prose_around_it() -> None:
    lines = [
        _row("The following CL commands can be used to work with, display, or change", 270),
        _row("function usage IDs:", 303, x2=640),
        _row("- Work Function Usage (WRKFCNUSG)", 350, x2=840),
        _row("- Change Function Usage (CHGFCNUSG)", 383, x2=870),
        _row("For example, the following command shows granting authorization to", 446),
        _row("a user:", 479, x2=560),
    ]
    segments = segment_lists(lines)
    kinds = [(kind, " ".join(ln.text for ln in seg)) for kind, seg in segments]
    assert kinds == [
        ("Text", "The following CL commands can be used to work with, display, or change "
                 "function usage IDs:"),
        ("List-item", "- Work Function Usage (WRKFCNUSG)"),
        ("List-item", "- Change Function Usage (CHGFCNUSG)"),
        ("Text", "For example, the following command shows granting authorization to a user:"),
    ]  # fmt: skip


def test_wrapped_and_hanging_item_lines_stay_in_their_item() -> None:
    lines = [
        _row("1. The first item is long enough that it wraps onto the next line and", 100),
        _row("goes on at the margin.", 133, x2=700),
        _row("2. The second item has a hanging indent, so its next line", 166),
        _row("starts under the text, not the number.", 199, x1=420, x2=900),
    ]
    segments = segment_lists(lines)
    assert [kind for kind, _ in segments] == ["List-item", "List-item"]
    assert [len(seg) for _, seg in segments] == [2, 2]


def test_a_number_at_the_start_of_a_wrapped_line_is_not_a_list() -> None:
    lines = [
        _row("The results are summarised in Section 4 and the figures in Appendix", 100),
        _row("3. The remaining tables follow the same layout as before.", 133, x2=1200),
    ]
    assert [kind for kind, _ in segment_lists(lines)] == ["Text"]


def test_run_in_heading_by_size_or_weight() -> None:
    larger = [
        _row("(1) Revision of the Infectious Disease Act", 100, size=34.7),
        _row("The act was revised on 1 January 2020 and now", 150, size=32.0),
        _row("groups the diseases by grade.", 190, size=32.0),
    ]
    assert run_in_heading(larger) == 1
    bold = [_row("Results", 100, x2=600), _row("We measured everything twice.", 140)]
    bold[0].bold = True
    assert run_in_heading(bold) == 1
    plain = [_row("Results were measured", 100), _row("twice on every page.", 140)]
    assert run_in_heading(plain) == 0
    caption = [_row("Figure 1. Sample program: sieve of", 100), _row("initialized to", 140)]
    caption[0].bold = True
    assert run_in_heading(caption) == 0
    # OCR sizes vary from line to line: no heading guessed from size alone.
    noisy = [_row("Heading", 100, size=36), _row("a", 150, size=30), _row("b", 190, size=33)]
    assert run_in_heading(noisy) == 0


def test_run_in_heading_becomes_its_own_block() -> None:
    lines = [
        _row("(1) Revision of the Infectious Disease Act", 100, size=34.7),
        _row("The act was revised on 1 January 2020 and now", 150, size=32.0),
        _row("groups the diseases by grade.", 190, size=32.0),
    ]
    blocks = assemble(lines, [Region((370, 90, 1510, 230), "text", 0.9)], W, H)
    assert [(b.category, b.text) for b in blocks] == [
        ("Section-header", "(1) Revision of the Infectious Disease Act"),
        ("Text", "The act was revised on 1 January 2020 and now groups the diseases by grade."),
    ]


def test_formula_lines_are_told_from_headings_and_prose() -> None:
    assert looks_like_formula("a2 + 8 = 12")
    assert looks_like_formula("E = mc2")
    assert looks_like_formula("x ≤ y")
    assert looks_like_formula("f(x) = x^2 + 1")
    assert not looks_like_formula("2.1 Results")
    assert not looks_like_formula("Total = 5 items.")
    assert not looks_like_formula("Revenue = price × quantity")
    assert not looks_like_formula("Input → Output")
    assert not looks_like_formula("<準・要>")  # a boxed label on a Japanese form


def test_formula_text_is_latex_ish_with_scripts_from_glyph_boxes() -> None:
    # "a" and "8" full size on one baseline; a small raised "2" after the "a" and a
    # small lowered "i" after "x".
    glyphs = [
        ("a", (100, 110, 115, 140)), ("2", (116, 100, 125, 118)), (" ", (125, 110, 135, 140)),
        ("+", (135, 110, 150, 140)), (" ", (150, 110, 160, 140)), ("x", (160, 110, 175, 140)),
        ("i", (176, 130, 182, 148)), (" ", (182, 110, 190, 140)), ("≤", (190, 110, 205, 140)),
        (" ", (205, 110, 212, 140)), ("α", (212, 110, 227, 140)),
    ]  # fmt: skip
    line = Line(text="a2 + xi ≤ α", box=(100, 100, 227, 148), size=30, glyphs=glyphs)
    assert formula_text([line]) == r"a^{2} + x_{i} \leq \alpha"
    # OCR lines have no glyphs: symbols are still spelt the LaTeX way.
    assert formula_text([make_line("∑ x ≥ 0", (0, 0, 100, 30))]) == r"\sum x \geq 0"


def test_displayed_equation_and_caption_like_formula_regions() -> None:
    lines = [
        _row("a2 + 8 = 12", 1000, x1=780, x2=920, size=30),
        _row("Listing 1: Simple JavaScript Program", 400, x1=620, x2=1080, size=26),
    ]
    regions = [
        Region((770, 990, 930, 1040), "title", 0.9),
        Region((610, 390, 1090, 430), "equation", 0.9),
    ]
    blocks = {b.text: b.category for b in assemble(lines, regions, W, H)}
    assert blocks == {"a2 + 8 = 12": "Formula", "Listing 1: Simple JavaScript Program": "Caption"}


def test_a_formula_region_without_text_is_kept() -> None:
    blocks = assemble([], [Region((600, 900, 1100, 980), "equation", 0.9)], W, H)
    assert [(b.category, b.text) for b in blocks] == [("Formula", None)]


def test_captions_but_not_sentences_about_figures() -> None:
    assert is_caption_text("Figure 3-5 Special registers and adopted authority")
    assert is_caption_text("Table 2: results per page")
    assert is_caption_text("Fig. 4. pages per second")
    assert not is_caption_text("Figure 3-5 shows the difference in the values")
    assert not is_caption_text("Table 3-1 summarizes these special registers.")
    table = Block("Table", (380, 300, 1500, 600), [], "<table></table>")
    about = Block("Caption", (380, 200, 1200, 230), [_row("x", 200)], "Table 3-1 summarizes these.")
    title = Block("Text", (380, 260, 1000, 290), [_row("x", 260)], "Table 3-1 Special registers")
    heading = Block("Caption", (380, 240, 900, 270), [_row("x", 240)], "3. Reference throughput")
    heading.lines[0].bold = True
    plain_caption = Block("Caption", (380, 610, 900, 640), [_row("x", 610)], "3. Results per run")
    mark_captions([table, about, title, heading, plain_caption], H, body=28.0)
    assert (about.category, title.category) == ("Text", "Caption")
    assert (heading.category, plain_caption.category) == ("Section-header", "Caption")


def _block(category: str, text: str, box: tuple[float, float, float, float], size: float = 28):
    return Block(category, box, [make_line(text, box, size=size)], text)


def test_footnotes_go_last_with_their_continuations() -> None:
    body_left = _block("Text", "Left column text that runs on into the", (180, 300, 820, 1800))
    note = _block("Text", "1) A note on the left column.", (180, 1850, 820, 1880), size=20)
    more = _block("List-item", "② its second clause.", (200, 1885, 820, 1910), size=20)
    body_right = _block("Text", "right column, where it ends.", (880, 300, 1520, 1900))
    footer = _block("Page-footer", "7", (840, 2100, 860, 2125))
    blocks = [body_left, note, more, body_right, footer]
    mark_margins(blocks, 28.0, H)
    assert (note.category, more.category) == ("Footnote", "Footnote")
    assert footnotes_last(blocks) == [body_left, body_right, note, more, footer]
    # "07233 Seoul ..." (a postcode) is no footnote mark.
    address = _block("Text", "07233 Seoul, Yeongdeungpo-gu", (180, 2000, 820, 2030), size=20)
    mark_margins([address], 28.0, H)
    assert address.category == "Text"


def test_edge_furniture_lone_number_and_closing_heading() -> None:
    body = _block("Text", "The body of the page.", (370, 400, 1330, 1700))
    number = _block("Text", "1", (842, 1932, 856, 1958))  # 88 % down, nothing below
    issn = _block("Section-header", "ISSN 2005-744X", (990, 2030, 1400, 2070))
    blocks = [body, number, issn]
    mark_edge_furniture(blocks, H)
    assert (number.category, issn.category) == ("Text", "Page-footer")
    mark_edge_furniture([body, number], H)
    assert number.category == "Page-footer"
    address = _block("Text", "07233 Seoul, Yeongdeungpo-gu", (180, 2040, 820, 2070), size=20)
    last_line = _block("Text", "the end of the body text.", (370, 2040, 1330, 2070))
    mark_edge_furniture([body, address, last_line], H, body=28.0)
    assert (address.category, last_line.category) == ("Page-footer", "Text")
    heading = _block("Section-header", "2 Methods", (370, 2030, 800, 2060))
    after = _block("Text", "More text.", (370, 2070, 1330, 2100))
    mark_edge_furniture([body, heading, after], H)
    assert heading.category == "Section-header"


def test_headings_promoted_and_demoted() -> None:
    bold = _block("Text", "Results and discussion", (370, 400, 900, 430))
    bold.lines[0].bold = True
    plain = _block("Text", "A plain short line", (370, 500, 900, 530))
    sentence = _block("Text", "This bold line ends a sentence.", (370, 600, 1200, 630))
    sentence.lines[0].bold = True
    bullet = _block("Section-header", "• IBM MT/ST: introduced in 1964", (370, 700, 1200, 730))
    mark = _block("Section-header", "®", (1500, 100, 1520, 130))
    numbered = _block("Section-header", "(2) Supervision", (370, 800, 900, 830))
    promote_headings([bold, plain, sentence, bullet, mark, numbered], 28.0)
    assert [b.category for b in (bold, plain, sentence, bullet, mark, numbered)] == [
        "Section-header", "Text", "Text", "List-item", "Text", "Section-header",
    ]  # fmt: skip


def test_a_chapter_number_badge_joins_its_heading() -> None:
    badge = _block("Text", "3", (204, 1013, 225, 1053), size=37.5)
    head = _block("Text", "Problems", (274, 1014, 370, 1054), size=37.5)
    head.lines[0].bold = True
    body_text = _block("Text", "12", (900, 1013, 930, 1053))  # a number far away stays
    out = join_number_badges([badge, head, body_text], 32.0)
    assert [(b.category, b.text) for b in out] == [
        ("Section-header", "3 Problems"), ("Text", "12"),
    ]  # fmt: skip
    # A plain, body-sized neighbour (a table-of-contents row) is not a heading.
    toc_no = _block("Text", "1", (200, 300, 220, 330))
    toc = _block("Text", "Intro", (260, 300, 400, 330))
    assert len(join_number_badges([toc_no, toc], 28.0)) == 2


def test_a_paragraphs_indented_full_measure_first_line_is_no_run_in_heading() -> None:
    # a larger font inside the line (code, a formula) lifts its measured size
    lines = [
        _row("The package is loaded with \\usepackage{luatexja-ruby}, which", 100, 378, size=30.0),
        _row("loads LuaTeX-ja itself when needed. Plain TeX is not yet", 140, 350, size=27.8),
        _row("supported.", 180, 350, 600, size=27.8),
    ]
    assert run_in_heading(lines) == 0


def test_a_short_line_centred_over_the_paragraph_below_is_a_heading() -> None:
    body = Block(
        "Text",
        (880, 890, 1446, 1040),
        [make_line("a", (880, 890, 1446, 920)), make_line("b", (880, 930, 1446, 960))],
        "爬虫類にはトカゲ・蛇・ワニ・カメなどがあり，肺によつて空氣を呼吸する",
    )
    centred = _block("Text", "第4. 爬虫類", (1069, 834, 1271, 871))
    left = _block("Text", "第5. 両棲類", (880, 834, 1082, 871))
    promote_headings([centred, body], 28.0)
    promote_headings([left, body], 28.0)
    assert (centred.category, left.category) == ("Section-header", "Text")
