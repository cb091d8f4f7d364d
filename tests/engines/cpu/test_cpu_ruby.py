"""Ruby (furigana) from the text layer: small readings over horizontal text and
beside vertical text are taken out of the line, tied to their base, written as
--ruby asks (base only by default) and always kept in the JSON."""

from __future__ import annotations

from pathlib import Path

from dotsocr.engines.cpu import CpuEngine, CpuEngineOptions
from dotsocr.engines.cpu.ruby import readings, render
from dotsocr.engines.cpu.ruby_lines import attach_ocr_ruby
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.model import Document, Element, Page
from dotsocr.render.json_out import page_json, read_page_elements
from dotsocr.render.markdown import element_markdown
from dotsocr.render.sanitize import safe_html
from dotsocr.sources.base import TextChar
from support.cjk_pdf import Glyph, column, first_page, row, write_pdf

BASE = "ジョバンニは勢いよく走った。"


def _horizontal() -> list[Glyph]:
    """勢 (the 7th glyph, 12 pt) with いきお (6 pt) centred just above it, written
    before the line as many typesetters do; 鷹 with たか after its line."""
    glyphs = row("いきお", 50 + 6 * 12 + 6 - 9, 94, 6) + row(BASE, 50, 100, 12)
    glyphs += row("鷹が飛ぶ。", 50, 130, 12) + row("たか", 50, 124, 6)
    return glyphs


def _vertical() -> list[Glyph]:
    """A column with いきお set right of 勢, and the next column to its left."""
    return (
        column(BASE[:10], 300, 100, 12)
        + column("いきお", 312, 100 + 6 * 12 - 3, 6)
        + column("次の行です。", 280, 100, 12)
    )


def _lines(tmp_path: Path, glyphs: list[Glyph]) -> list[Line]:
    page = first_page(write_pdf(tmp_path / "ruby.pdf", glyphs))
    assert page.text_layer is not None
    return lines_from_chars(page.text_layer.chars)


def test_ruby_over_horizontal_text_leaves_the_line(tmp_path: Path) -> None:
    lines = _lines(tmp_path, _horizontal())
    assert [render(ln.text, "drop") for ln in lines] == [BASE, "鷹が飛ぶ。"]
    assert [render(ln.text, "paren") for ln in lines] == [
        "ジョバンニは勢(いきお)いよく走った。",
        "鷹(たか)が飛ぶ。",
    ]
    assert render(lines[0].text, "html") == (
        "ジョバンニは<ruby>勢<rt>いきお</rt></ruby>いよく走った。"
    )
    assert readings(lines[0].text) == [("勢", "いきお", 6)]


def test_ruby_beside_vertical_text_leaves_the_column(tmp_path: Path) -> None:
    lines = _lines(tmp_path, _vertical())
    assert [(render(ln.text, "paren"), ln.vertical) for ln in lines] == [
        ("ジョバンニは勢(いきお)いよく", True),
        ("次の行です。", True),
    ]


def test_small_text_that_is_no_reading_stays(tmp_path: Path) -> None:
    # A small note well above the line, and small kana beside a horizontal line.
    glyphs = row("注記です", 50, 70, 6) + row("本文の行です。", 50, 100, 12)
    glyphs += row("ほか", 50 + 7 * 12, 106, 6)
    texts = [ln.text for ln in _lines(tmp_path, glyphs)]
    assert "注記です" in texts
    assert not any("\ufff9" in t for t in texts)


def test_the_engine_writes_ruby_as_asked_and_the_json_keeps_it(tmp_path: Path) -> None:
    page = first_page(write_pdf(tmp_path / "ruby.pdf", _horizontal()), dpi=144)
    out: dict[str, Page] = {}
    for mode in ("drop", "html", "paren"):
        engine = CpuEngine(CpuEngineOptions(workers=1, ruby=mode, layout=False))
        out[mode] = engine.process_page(page)
    text = {mode: "\n".join(e.text or "" for e in p.elements) for mode, p in out.items()}
    assert "いきお" not in text["drop"] and "たか" not in text["drop"]
    assert "ジョバンニは勢いよく走った。" in text["drop"]
    assert "<ruby>勢<rt>いきお</rt></ruby>" in text["html"]
    assert "鷹(たか)" in text["paren"]
    for p in out.values():
        found = [(r.base, r.reading) for e in p.elements for r in e.ruby or []]
        assert found == [("勢", "いきお"), ("鷹", "たか")]
    # The per-page JSON round-trips, and the Document stays valid.
    again = read_page_elements(page_json(out["drop"]))
    assert [e.ruby for e in again] == [e.ruby for e in out["drop"].elements]
    Document.model_validate(Document(source="x.pdf", pages=[out["html"]]).model_dump())


def test_ruby_markup_survives_the_sanitiser() -> None:
    html = "<ruby>勢<rt>いきお</rt></ruby>"
    assert safe_html(html) == html
    text = f"ジョバンニは{html}いよく<script>x</script>"
    markdown = element_markdown(Element(bbox=[0, 0, 9, 9], category="Text", text=text))
    assert html in markdown and "<script>" not in markdown
    assert safe_html("<ruby>勢<rp>(</rp><rt>いきお</rt><rp>)</rp></ruby>").count("<rp>") == 2


def test_engine_settings_name_ruby_only_when_not_the_default() -> None:
    assert "ruby" not in CpuEngine(CpuEngineOptions()).settings()
    assert CpuEngine(CpuEngineOptions(ruby="html")).settings()["ruby"] == "html"


def test_ruby_whose_loose_box_overlaps_its_base_is_found() -> None:
    # Glyph boxes as PDFium gives them for a LuaTeX-ja heading (font bounding boxes,
    # so the reading's box reaches into the base's): り over 利, よう over 用, and a
    # reading over a Latin word.
    chars = [
        TextChar("り", (100.6, 41.4, 107.8, 51.8), 7.2),
        TextChar("利", (97.0, 46.6, 111.4, 67.4), 14.39),
        TextChar("よ", (111.4, 41.4, 118.6, 51.8), 7.2),
        TextChar("う", (118.6, 41.4, 125.8, 51.8), 7.2),
        TextChar("用", (111.4, 46.6, 125.8, 67.4), 14.39),
        TextChar("方", (125.8, 46.6, 140.2, 67.4), 14.39),
        TextChar("法", (140.2, 46.6, 154.6, 67.4), 14.39),
    ]
    (line,) = lines_from_chars(chars)
    assert render(line.text, "drop") == "利用方法"
    assert [(b, r) for b, r, _ in readings(line.text)] == [("利用", "りよう")]


def test_kana_ruby_over_a_latin_word(tmp_path: Path) -> None:
    glyphs = row("本来foo", 50, 100, 12) + row("ほげ", 77, 94, 6) + row("です", 92, 100, 12)
    (line,) = _lines(tmp_path, glyphs)
    assert render(line.text, "paren") == "本来foo(ほげ)です"


def test_ruby_written_mid_column_leaves_the_column_whole(tmp_path: Path) -> None:
    # The typesetter writes 煙, then its reading beside it, then the rest of the
    # column: PDFium breaks the line around the reading.
    glyphs = column("時々ぷうぷうと煙", 300, 100, 12) + column("けむり", 312, 100 + 7 * 12 - 3, 6)
    glyphs += column("を吹く。どうも", 300, 100 + 8 * 12, 12) + column("次の行。", 280, 100, 12)
    lines = _lines(tmp_path, glyphs)
    texts = [render(ln.text, "paren") for ln in lines]
    assert texts == ["時々ぷうぷうと煙(けむり)を吹く。どうも", "次の行。"]


def test_ocr_readings_hugging_their_base_line_are_tied_to_it() -> None:
    # Boxes as RapidOCR gives them for a 1940s page with furigana (padded boxes).
    base = Line("1.5mである。前肢は短かく後肢は長く，その趾間に膜を張", (225, 156, 773, 188), 24)
    reading = Line("しかん", (651, 149, 691, 166), 12.8)
    caption = Line("ずかん", (300, 60, 340, 77), 12.8)  # far above: no reading
    column = Line("ジョバンニは勢いよく", (300, 100, 324, 340), 24, vertical=True)
    beside = Line("いきお", (325, 240, 337, 276), 9, vertical=True)
    out = attach_ocr_ruby([caption, reading, base, beside, column])
    assert [render(ln.text, "paren") for ln in out] == [
        "ずかん",
        "1.5mである。前肢は短かく後肢は長く，その趾間(しかん)に膜を張",
        "ジョバンニは勢(いきお)いよく",
    ]
    assert [render(ln.text, "drop") for ln in out][1] == base.text


def test_a_column_with_two_readings_keeps_both() -> None:
    # 無暗に眼が廻る。胸が悪くなる。到底助からない: むやみ beside 無暗 (cells 0-1)
    # and とうてい beside 到底 (cells 15-16), one em (24 px) per character.
    text = "無暗に眼が廻る。胸が悪くなる。到底助からない"
    column = Line(text, (300, 0, 324, 528), 24, vertical=True)
    muyami = Line("むやみ", (326, 4, 337, 44), 9, vertical=True)
    toutei = Line("とうてい", (326, 362, 337, 406), 9, vertical=True)
    (out,) = attach_ocr_ruby([toutei, column, muyami])
    want = "無暗(むやみ)に眼が廻る。胸が悪くなる。到底(とうてい)助からない"
    assert render(out.text, "paren") == want
    assert render(out.text, "drop") == column.text


def test_ocr_ruby_is_sized_by_its_ink_not_its_padded_box() -> None:
    import numpy as np

    # 進入なし：と暁の with あかつき over 暁, as a 200 DPI render has them: glyphs
    # 28 px tall under glyphs 14 px tall. Det pads both boxes by about 10 px, so by
    # box height the reading is 0.8 of its base, by ink a half.
    image = np.full((120, 400, 3), 255, dtype=np.uint8)
    for k in range(8):  # base glyphs at y 60-88, 28 px each
        image[60:88, 20 + 32 * k : 48 + 32 * k] = 0
    for k in range(4):  # ruby glyphs at y 40-54 over the 7th glyph
        image[40:54, 212 + 15 * k : 226 + 15 * k] = 0
    base = Line("進入なし：と暁の", (15, 50, 275, 98), 36.0)
    reading = Line("あかつき", (205, 34, 280, 62), 28.0)
    assert [ln.text for ln in attach_ocr_ruby([reading, base])] == ["あかつき", base.text]
    (out,) = attach_ocr_ruby([reading, base], image)
    assert render(out.text, "paren") == "進入なし：と暁(あかつき)の"


def test_ocr_ruby_over_a_latin_word_is_tied_to_the_word() -> None:
    # 本来foohogeにおいては with ほげほげふがふが set over "foohoge": no kanji
    # under the reading, so it goes with the characters it lies along.
    base = Line("本来foohogeにおいては", (100, 100, 430, 130), 24)
    reading = Line("ほげほげふがふが", (150, 84, 270, 98), 10)
    (out,) = attach_ocr_ruby([reading, base])
    assert render(out.text, "paren") == "本来foohoge(ほげほげふがふが)においては"
    assert render(out.text, "drop") == base.text
