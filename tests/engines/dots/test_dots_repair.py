"""parse_layout_output: the model's answer, valid or broken, to raw elements."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dotsocr.engines.dots.repair import ParsedOutput, RawElement, parse_layout_output

ELEMENTS = [
    {"bbox": [10, 20, 300, 60], "category": "Title", "text": 'A {braced} "quoted" title'},
    {"bbox": [10, 80, 300, 400], "category": "Formula", "text": "\\frac{a}{b} = c"},
    {"bbox": [10, 420, 300, 600], "category": "Picture"},
]
VALID = json.dumps(ELEMENTS, ensure_ascii=False)


def raw(d: dict) -> RawElement:
    return RawElement(
        bbox=[float(v) for v in d["bbox"]], category=d["category"], text=d.get("text")
    )


EXPECTED = [raw(d) for d in ELEMENTS]


def el(i: int) -> str:
    return json.dumps({"bbox": [i, i, i + 10, i + 10], "category": "Text", "text": f"t{i}"})


def test_valid_list_is_ok():
    out = parse_layout_output(VALID)
    assert out == ParsedOutput(elements=EXPECTED, status="ok", notes=[])


@pytest.mark.parametrize(
    "text",
    [
        "```json\n" + VALID + "\n```",
        "```\n" + VALID + "```",
        json.dumps({"layout": ELEMENTS}),
        json.dumps({"result": {"elements": ELEMENTS}}),
        "\n  " + VALID + "  \n",
    ],
)
def test_fences_and_wrappers_are_ok(text):
    out = parse_layout_output(text)
    assert out.status == "ok"
    assert out.elements == EXPECTED


def test_single_object_is_ok():
    out = parse_layout_output(json.dumps(ELEMENTS[0]))
    assert out.status == "ok" and out.elements == EXPECTED[:1]


@pytest.mark.parametrize(
    "text", ["", "   \n", "[]", "```json\n[]\n```", "{}", '{"layout": []}', "null", '""']
)
def test_empty(text):
    out = parse_layout_output(text)
    assert out.status == "empty" and out.elements == []


def test_truncated_after_repetition_loop_drops_tail_and_duplicates():
    loop = ", ".join([el(1)] + [el(2)] * 50)
    out = parse_layout_output("[" + loop + ', {"bbox": [5, 5, 9')
    assert out.status == "repaired"
    assert [e.text for e in out.elements] == ["t1", "t2"]
    assert "dropped incomplete tail" in out.notes
    assert "removed 49 duplicates" in out.notes


def test_truncated_inside_a_string_with_braces():
    text = "[" + el(1) + ', {"bbox": [1, 2, 3, 4], "category": "Text", "text": "x = {y'
    out = parse_layout_output(text)
    assert [e.text for e in out.elements] == ["t1"]
    assert out.status == "repaired"


def test_truncated_wrapper():
    text = '{"layout": [' + el(1) + ", " + el(2) + ", " + el(3)[:20]
    out = parse_layout_output(text)
    assert [e.text for e in out.elements] == ["t1", "t2"]
    assert "dropped incomplete tail" in out.notes


def test_missing_commas_between_objects():
    out = parse_layout_output("[" + el(1) + "\n" + el(2) + " " + el(3) + "]")
    assert out.status == "repaired"
    assert [e.text for e in out.elements] == ["t1", "t2", "t3"]


def test_missing_comma_and_trailing_comma_inside_an_object():
    text = '[{"bbox": [1, 2, 3, 4] "category": "Text", "text": "a",}, ' + el(5) + "]"
    out = parse_layout_output(text)
    assert out.status == "repaired"
    assert [e.text for e in out.elements] == ["a", "t5"]
    assert out.elements[0].bbox == [1.0, 2.0, 3.0, 4.0]
    assert any("comma" in n for n in out.notes)


def test_unterminated_string_costs_only_its_element():
    broken = '{"bbox": [1, 2, 3, 4], "category": "Text", "text": "abc}'
    out = parse_layout_output("[" + el(1) + ", " + broken + ", " + el(2) + ", " + el(3) + "]")
    assert out.status == "repaired"
    texts = [e.text for e in out.elements]
    assert texts[0] == "t1" and texts[-2:] == ["t2", "t3"]
    assert len(texts) in (3, 4)  # the broken one may be recovered ("abc")


def test_trailing_garbage_and_leading_prose():
    out = parse_layout_output("Here is the layout:\n" + VALID + "\nHope this helps!")
    assert out.status == "repaired"
    assert out.elements == EXPECTED
    assert "ignored text before the JSON" in out.notes
    assert "ignored text after the JSON" in out.notes


def test_raw_control_characters_in_strings():
    text = '[{"bbox": [1, 2, 3, 4], "category": "Text", "text": "line one\nline\ttwo"}]'
    out = parse_layout_output(text)
    assert out.status == "ok"
    assert out.elements[0].text == "line one\nline\ttwo"


def test_python_style_quotes():
    text = "[{'bbox': [1, 2, 3, 4], 'category': 'Text', 'text': \"it's\"}, " + el(7)
    out = parse_layout_output(text)
    assert out.status == "repaired"
    assert [e.text for e in out.elements] == ["it's", "t7"]


def test_exact_duplicates_in_valid_json():
    out = parse_layout_output(json.dumps([ELEMENTS[0], ELEMENTS[1], ELEMENTS[0]]))
    assert out.status == "repaired"
    assert out.elements == EXPECTED[:2]
    assert out.notes == ["removed 1 duplicate"]


def test_same_box_different_text_is_not_a_duplicate():
    a = {"bbox": [1, 2, 3, 4], "category": "Text", "text": "a"}
    out = parse_layout_output(json.dumps([a, {**a, "text": "b"}]))
    assert out.status == "ok" and len(out.elements) == 2


@pytest.mark.parametrize(
    ("bbox", "expected"),
    [
        ([1, 2, 3, 4], [1.0, 2.0, 3.0, 4.0]),
        ([1.5, "2", " 3.25", 4], [1.5, 2.0, 3.25, 4.0]),
        ((1, 2, 3, 4), [1.0, 2.0, 3.0, 4.0]),
        ([1, 2, 3], None),
        ([1, 2, 3, "x"], None),
        ([1, 2, 3, True], None),
        ([1, 2, 3, None], None),
        ("1, 2, 3, 4", None),
        (None, None),
    ],
)
def test_bbox_coercion(bbox, expected):
    out = parse_layout_output(json.dumps([{"bbox": bbox, "category": "Text", "text": "x"}]))
    assert out.elements[0].bbox == expected
    assert out.status == ("ok" if expected else "repaired")


def test_nan_bbox_is_invalid():
    out = parse_layout_output('[{"bbox": [NaN, 1, 2, 3], "category": "Text", "text": "x"}]')
    assert out.elements[0].bbox is None
    assert out.notes == ["1 element without a valid bbox"]


def test_categories_are_not_validated_here():
    out = parse_layout_output('[{"bbox": [1, 2, 3, 4], "category": "Paragraph"}]')
    assert out.elements == [RawElement(bbox=[1.0, 2.0, 3.0, 4.0], category="Paragraph", text=None)]


@pytest.mark.parametrize(
    "text",
    [
        "Just the text of the page.\nSecond line.",
        "  It's a page with f(x) = {a} in it  ",
        "42",
        '"quoted text"',
    ],
)
def test_plain_text(text):
    out = parse_layout_output(text)
    assert out.status == "plain_text"
    assert len(out.elements) == 1
    only = out.elements[0]
    assert only.bbox is None and only.category == "Text"
    assert only.text == text.strip().strip('"')


@pytest.mark.parametrize(
    "text", ["[", '[{"bbox": [1, 2', "{{{{", "[1, 2, 3]", '{"a": 1}', '["x", "y"]', "]]}}"]
)
def test_unusable(text):
    out = parse_layout_output(text)
    assert out.status == "unusable" and out.elements == []


def test_degenerate_nesting_is_fast():
    import time

    start = time.perf_counter()
    for text in ["{" * 50_000, '{"bbox": ' * 20_000, "{" * 20_000 + "}" * 20_000]:
        parse_layout_output(text)
    assert time.perf_counter() - start < 5


def test_truncation_at_every_position_yields_a_prefix():
    for cut in range(len(VALID) + 1):
        out = parse_layout_output(VALID[:cut])
        assert out.elements == EXPECTED[: len(out.elements)], cut
        if out.elements:
            assert out.status in ("ok", "repaired")
    assert parse_layout_output(VALID).status == "ok"


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_never_raises_on_any_text(text):
    out = parse_layout_output(text)
    assert out.status in ("ok", "repaired", "plain_text", "empty", "unusable")
    for e in out.elements:
        assert e.bbox is None or len(e.bbox) == 4


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, len(VALID)),
            st.integers(0, 8),
            st.sampled_from(["", ",", "}", "{", "]", "[", '"', "\\", "'", "\n", "```", "null"]),
        ),
        max_size=4,
    )
)
def test_never_raises_on_mutated_answers(edits):
    text = VALID
    for pos, delete, insert in edits:
        pos = min(pos, len(text))
        text = text[:pos] + insert + text[pos + delete :]
    out = parse_layout_output(text)
    assert isinstance(out, ParsedOutput)
    assert out.status in ("ok", "repaired", "plain_text", "empty", "unusable")
