"""Ligatures, split accents and doubled quotes from text layers are repaired."""

import pytest

from dotsocr.engines.cpu.hygiene import clean_text
from dotsocr.engines.cpu.textlines import lines_from_chars
from support.cpu import line_chars


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("J\u00b4an", "Ján"),
        ("e\ufb03cient \ufb01eld \ufb02ow", "efficient field flow"),
        ("na\u00a8\u0131ve", "naïve"),
        ("Dvo\u02c7r\u00b4ak", "Dvořák"),
        ("fa\u00b8cade", "façade"),
        ("don\u00b4t", "don\u00b4t"),  # no precomposed t-acute: left alone
        ("x^a + `e`", "x^a + `e`"),  # ASCII ^ and ` are code and maths, not accents
        ("plain text", "plain text"),
        ("\u2f42\u5b57\u3092\u2f64\u3044\u308b", "文字を用いる"),  # Kangxi radicals ⽂ ⽤
        ("\u2018\u2018quoted\u2019\u2019 text", "\u201cquoted\u201d text"),
        ("TeX ``quoted,'' text", "TeX \u201cquoted,\u201d text"),
        ("it\u2019s \u2018single\u2019", "it\u2019s \u2018single\u2019"),  # kept as set
        ("WHERE name = '' AND x = ``", "WHERE name = '' AND x = ``"),  # code left alone
    ],
)
def test_clean_text(raw, clean):
    assert clean_text(raw) == clean


def test_lines_from_a_text_layer_are_cleaned():
    (line,) = lines_from_chars(line_chars("Sch\u00a8on \ufb01nal", 10, 10))
    assert line.text == "Schön final"
