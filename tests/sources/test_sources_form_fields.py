"""Filled-in form fields are page text: their values join the text layer, and a
block of fields the layout model calls a picture keeps its labels."""

from __future__ import annotations

from dotsocr import parse
from dotsocr.engines.cpu.layout import Region, forms_are_not_pictures
from dotsocr.sources import open_source
from dotsocr.sources.base import FormField
from dotsocr.sources.form_fields import field_chars
from support import REPO_ROOT

#: A LibreOffice form (py-pdf/sample-files) with "Alice" and "Bob" filled in.
FORM = REPO_ROOT / "benchmarks" / "corpus" / "docs" / "form_libreoffice_example.pdf"


def test_field_values_join_the_text_layer() -> None:
    with open_source(FORM) as doc:
        (page,) = list(doc.pages())
    layer = page.text_layer
    assert layer is not None
    assert sorted(f.value for f in layer.fields if f.value) == ["Alice", "Bob"]
    assert len(layer.fields) == 9  # text fields, radio buttons, checkboxes
    lines = layer.text.split("\n")
    assert "Alice" in lines and "Bob" in lines
    alice = next(f for f in layer.fields if f.value == "Alice")
    at = layer.text.index("Alice\n")
    for char in layer.chars[at : at + 5]:
        assert alice.box[0] <= char.box[0] and char.box[2] <= alice.box[2], char


def test_values_are_laid_across_their_field() -> None:
    chars = field_chars(
        [FormField((100.0, 50.0, 400.0, 80.0), "  Jane   Doe "), FormField((0, 0, 9, 9))]
    )
    assert "".join(c.text for c in chars) == "Jane Doe\n"
    assert chars[-1].generated and all(100 <= c.box[0] < 400 and c.box[1] >= 50 for c in chars)


def test_a_picture_holding_a_field_is_text() -> None:
    regions = [Region((0, 0, 500, 300), "figure", 0.9), Region((0, 400, 500, 600), "figure", 0.9)]
    out = forms_are_not_pictures(regions, [(100, 100, 300, 130)])
    assert [r.category for r in out] == ["Text", "Picture"]


def test_the_form_keeps_its_labels_and_values() -> None:
    document = parse(FORM, engine="cpu")
    text = document.markdown(headers_footers=False)
    for words in ("First Name", "Alice", "Birthday", "Gender:", "Nationality:", "Bob"):
        assert words in text, words
