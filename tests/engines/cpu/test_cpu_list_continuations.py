"""A list item's wrapped line, boxed apart by the layout model, goes back into the
item when it sits under the item's text at its line pitch and the item's sentence
has not ended; a paragraph after a finished item, or one set at the mark, stays."""

from __future__ import annotations

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.list_continuations import join_list_continuations
from dotsocr.engines.cpu.textlines import Line

SIZE = 89.0


def _block(category: str, text: str, box: tuple[float, float, float, float]) -> Block:
    return Block(category, box, [Line(text, box, SIZE)], text)


def _item(text: str = "- コーパスや辞書からあらかじめ学習（発") -> Block:
    return _block("List-item", text, (327, 960, 2019, 1049))


def test_the_wrapped_line_goes_back_into_its_item() -> None:
    rest = _block("Section-header", "見）しておく方法が主流。", (419, 1060, 1485, 1149))
    out = join_list_continuations([_item(), rest])
    assert [(b.category, b.text) for b in out] == [
        ("List-item", "- コーパスや辞書からあらかじめ学習（発見）しておく方法が主流。")
    ]
    assert out[0].box == (327, 960, 2019, 1149)


def test_after_a_finished_sentence_the_line_is_its_own() -> None:
    rest = _block("Text", "次の段落です。", (419, 1060, 1485, 1149))
    out = join_list_continuations([_item("- 方法が主流。"), rest])
    assert len(out) == 2


def test_a_line_at_the_mark_or_far_below_is_its_own() -> None:
    at_mark = _block("Text", "見）しておく", (327, 1060, 1485, 1149))
    far = _block("Text", "見）しておく", (419, 1300, 1485, 1389))
    assert len(join_list_continuations([_item(), at_mark])) == 2
    assert len(join_list_continuations([_item(), far])) == 2
