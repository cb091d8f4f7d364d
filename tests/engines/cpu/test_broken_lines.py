"""Lines of a sound text layer that a broken font map garbles (平成 ™— 年 › 月) are
read from the page image; every other line keeps the layer's text."""

from __future__ import annotations

import pytest

from dotsocr.engines.cpu.broken_lines import _garbled
from dotsocr.engines.cpu.textlines import Line
from support import REPO_ROOT


def _line(text: str, vertical: bool = False) -> Line:
    return Line(text, (100, 100, 400, 130), 24, vertical=vertical)


@pytest.mark.parametrize(
    ("text", "garbled"),
    [
        ("平成 ™— 年 › 月 ™œ 日金曜日", True),  # the gazette's dateline
        ("第›Ÿ˜号", True),
        ("›", True),  # the page number, nothing but a stray
        ("価格は£100です", False),  # one real symbol among text
        ("Java™ の入門", False),  # ™ after a word is a trademark sign
        ("道路交通法施行令の一部を改正する政令", False),
        ("« Bonjour » dit-il", False),  # guillemets in French are text
    ],
)
def test_garbled_lines_are_told_by_their_stray_symbols(text: str, garbled: bool) -> None:
    assert _garbled(_line(text)) is garbled


def test_vertical_lines_are_left_to_the_layer() -> None:
    assert not _garbled(_line("平成™—年›月", vertical=True))


KAMPO = REPO_ROOT / "benchmarks" / "corpus" / "docs" / "ja_kampo_gazette.pdf"


@pytest.mark.slow
@pytest.mark.skipif(not KAMPO.is_file(), reason="Japanese corpus not present")
def test_the_gazette_dateline_is_read_from_the_page() -> None:
    from dotsocr import parse

    doc = parse(KAMPO, "1", engine="cpu")
    (page,) = doc.pages
    text = "\n".join(e.text or "" for e in page.elements)
    if "道路交通法" not in text:
        pytest.skip("the gazette's fonts are not embedded: install fonts-noto-cjk")
    assert "平成20年4月25日" in text
    assert not any(ch in text for ch in "™›œŸ˜")
    assert any("garbled" in w for w in page.warnings), page.warnings
    assert page.method == "text-layer"
