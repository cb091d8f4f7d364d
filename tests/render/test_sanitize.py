import re

from hypothesis import given
from hypothesis import strategies as st

from dotsocr.model import Element
from dotsocr.render.markdown import element_markdown
from dotsocr.render.sanitize import escape_tags, safe_table_html


def test_table_markup_survives_with_spans_only():
    html = (
        '<table><tr><td rowspan="2" onclick="x()">a &amp; b</td><th colspan=3>h</th></tr></table>'
    )
    assert safe_table_html(html) == (
        '<table><tr><td rowspan="2">a &amp; b</td><th colspan="3">h</th></tr></table>'
    )


def test_script_in_a_table_is_shown_not_run():
    out = safe_table_html(
        "<table><tr><td><script>alert(1)</script><img src=x onerror=y></td></tr></table>"
    )
    assert "<script" not in out and "<img" not in out
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out


def test_tags_in_text_are_escaped_but_comparisons_are_kept():
    assert escape_tags('Click <a href="javascript:x">here</a>') == (
        'Click &lt;a href="javascript:x">here&lt;/a>'
    )
    assert escape_tags("<SCRIPT<?>>") == "&lt;SCRIPT&lt;?>>"
    assert escape_tags("if a < b and c > d") == "if a < b and c > d"


def test_markdown_of_a_hostile_element():
    element = Element(bbox=[0, 0, 1, 1], category="Text", text="<iframe src=evil>")
    assert element_markdown(element) == "&lt;iframe src=evil>"


PIECES = ["<script>", "<script src=x>", "<", ">", "script", "</td>", "<td>", "a", " ", '"', "/"]


@given(st.one_of(st.text(), st.lists(st.sampled_from(PIECES)).map("".join)))
def test_sanitizers_never_leave_a_live_script_tag(text):
    for out in (safe_table_html(text), escape_tags(text)):
        assert not re.search(r"<script[^<]*>", out, re.IGNORECASE)
