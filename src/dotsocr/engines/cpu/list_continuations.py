"""A list item's wrapped line that the layout model boxed on its own goes back into
the item.

Why: a bullet that wraps sets its next line under the item's text, past the mark (a
hanging indent). When the layout model boxes that line apart, it comes out as a
paragraph of its own and cuts the item's sentence in two ("…学習（発" / "見）して
おく方法が主流。"). A reader sees one item: the line sits right under it at the
item's line pitch, in the same type, under its text rather than its mark, and the
item's sentence has not ended.
"""

from __future__ import annotations

from collections.abc import Sequence

from dotsocr.engines.cpu.block import Block
from dotsocr.engines.cpu.boxes import union
from dotsocr.engines.cpu.scripts import join_pieces

#: Gap between the item and the line, in line sizes: one line's leading at most.
MAX_GAP = 0.8
#: Where the line starts past the item's left edge, in line sizes: after the mark.
MIN_HANG, MAX_HANG = 0.5, 3.0
_SENTENCE_END = (".", "!", "?", ":", "\u3002", "\uff01", "\uff1f", "\uff1a")


def join_list_continuations(blocks: Sequence[Block]) -> list[Block]:
    """``blocks`` with each such line merged into the list item above it."""
    out = list(blocks)
    for block in list(out):
        # the layout model boxes such a line as text or, short and alone, a heading
        if block.category not in ("Text", "Section-header") or not block.lines:
            continue
        if not block.text:
            continue
        item = _item_above(block, out)
        if item is None:
            continue
        item.lines.extend(block.lines)
        item.box = union([item.box, block.box])
        item.text = join_pieces([item.text or "", block.text])
        out.remove(block)
    return out


def _item_above(block: Block, blocks: Sequence[Block]) -> Block | None:
    size = block.size
    if size <= 0 or any(line.vertical for line in block.lines):
        return None
    for item in blocks:
        if item.category != "List-item" or not item.lines or not item.text:
            continue
        if any(line.vertical for line in item.lines) or not 0.9 <= size / item.size <= 1.1:
            continue
        gap = block.box[1] - item.box[3]
        hang = block.box[0] - item.box[0]
        last = max(item.lines, key=lambda line: line.box[3])
        if (
            -0.2 * size <= gap <= MAX_GAP * size
            and MIN_HANG * size <= hang <= MAX_HANG * size
            and last.box[2] >= block.box[2] - 0.5 * size  # the item's line was full
            and not item.text.rstrip().endswith(_SENTENCE_END)
        ):
            return item
    return None
