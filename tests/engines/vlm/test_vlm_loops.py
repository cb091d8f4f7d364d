"""The repetition detector: catches real loops early, leaves long legitimate output alone."""

from __future__ import annotations

import json
import random
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dotsocr.engines.vlm.loops import RepetitionDetector


def feed_all(
    text: str, chunk: int = 7, detector: RepetitionDetector | None = None
) -> tuple[bool, RepetitionDetector, int]:
    """Feed text in chunks; (fired, detector, characters fed when it fired)."""
    detector = detector or RepetitionDetector()
    fed = 0
    for start in range(0, len(text), chunk):
        piece = text[start : start + chunk]
        fed += len(piece)
        if detector.feed(piece):
            return True, detector, fed
    return False, detector, fed


def element(i: int, category: str = "Text", text: str | None = None) -> dict:
    item: dict = {"bbox": [10 + i, 20 + 3 * i, 500 + i, 40 + 3 * i], "category": category}
    if text is not None:
        item["text"] = text
    return item


def layout_prefix(n: int = 3) -> str:
    elems = [element(i, text=f"Paragraph number {i} about topic {i * 7}.") for i in range(n)]
    return json.dumps(elems)[:-1] + ", "


@pytest.mark.parametrize(
    "unit",
    [
        "ab",
        "\u3000",
        ".",
        "_",
        "| --- | --- |\n",
        "the same sentence again. ",
        "<td></td>",
        "\n",
        "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod. " * 2,
    ],
)
def test_repeated_unit_fires(unit: str) -> None:
    fired, detector, fed = feed_all("Some real text first.\n" + unit * 5000)
    assert fired, unit
    assert detector.reason
    assert fed < 8000 + 200 * len(unit)  # caught early, not at the end


def test_repeated_json_element_fires() -> None:
    item = '{"bbox": [1, 2, 3, 4], "category": "Text", "text": "x"}, '
    fired, _, fed = feed_all(layout_prefix() + item * 500)
    assert fired
    assert fed < 8000


def test_repeated_element_with_drifting_bbox_fires() -> None:
    items = "".join(
        json.dumps(element(i, text="Figure 3: the same caption text, again.")) + ", "
        for i in range(500)
    )
    fired, detector, _ = feed_all(layout_prefix() + items)
    assert fired
    assert "layout element" in (detector.reason or "")


def test_long_char_run_fires_within_one_chunk() -> None:
    detector = RepetitionDetector()
    assert detector.feed("x" + "=" * 2000 + "y")
    assert "'='" in (detector.reason or "")
    assert detector.feed("anything")  # sticky


def test_legit_layout_json_does_not_fire() -> None:
    rng = random.Random(1)
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"]
    elems = [
        element(
            i,
            rng.choice(["Text", "Section-header", "List-item"]),
            " ".join(rng.choice(words) for _ in range(rng.randint(3, 40))),
        )
        for i in range(400)
    ]
    assert not feed_all(json.dumps(elems, indent=None))[0]


def test_layout_only_many_text_boxes_does_not_fire() -> None:
    elems = [element(i) for i in range(300)]  # no text: only the bbox differs
    assert not feed_all(json.dumps(elems))[0]


def test_table_with_many_cells_does_not_fire() -> None:
    rows = "".join(
        "<tr>" + "".join(f"<td>{r * 13 + c}.{c}</td>" for c in range(8)) + "</tr>"
        for r in range(300)
    )
    table = {"bbox": [1, 2, 3, 4], "category": "Table", "text": f"<table>{rows}</table>"}
    assert not feed_all(json.dumps([table]))[0]


def test_table_with_some_empty_cells_does_not_fire() -> None:
    rows = "".join(
        f"<tr><td>Item {r}</td>" + "<td></td>" * 12 + f"<td>{r * 3}</td></tr>" for r in range(200)
    )
    assert not feed_all("<table>" + rows + "</table>")[0]


def test_toc_dot_leaders_do_not_fire() -> None:
    lines = "".join(
        f"{n}. Chapter title number {n} " + "." * (60 + n % 40) + f" {n * 9}\n" for n in range(80)
    )
    assert not feed_all(lines)[0]
    # One long leader of a few hundred dots is fine too.
    assert not feed_all("Contents " + "." * 400 + " 12\n")[0]


def test_markdown_table_separator_row_does_not_fire() -> None:
    row = "|" + " --- |" * 40 + "\n"
    body = "".join("|" + "".join(f" v{r}{c} |" for c in range(40)) + "\n" for r in range(50))
    assert not feed_all("| h |\n" + row + body)[0]


def test_feeding_is_fast() -> None:
    rng = random.Random(2)
    text = "".join(rng.choice("abcdefghij ,.") for _ in range(300_000))
    start = time.perf_counter()
    fired, _, _ = feed_all(text, chunk=4)
    assert not fired
    assert time.perf_counter() - start < 5.0


def test_invalid_parameters() -> None:
    with pytest.raises(ValueError):
        RepetitionDetector(min_repeats=1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=300), max_size=40))
def test_never_raises_on_any_text(chunks: list[str]) -> None:
    detector = RepetitionDetector(check_every=16, min_span=32, max_char_run=40)
    for chunk in chunks:
        result = detector.feed(chunk)
        assert isinstance(result, bool)
    assert (detector.reason is not None) == detector.fired
