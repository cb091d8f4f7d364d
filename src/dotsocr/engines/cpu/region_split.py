"""Split a heading region that holds more than one heading or more than one column.

The layout model sometimes draws one "Section-header" box over a heading and the
first line of the next column ("General Instructions deduction. The deduction
rate for" on an IRS instructions page), or over two headings stacked in different
sizes. Read as one block, the text mixes columns. The lines say what belongs
together: a gap across the whole region wider than a word space is a column
gutter, and a change of type size between stacked lines starts another heading.
"""

from __future__ import annotations

from collections.abc import Sequence

from dotsocr.engines.cpu.textlines import Line

#: A horizontal gap wider than this many em between line groups is a gutter
#: (word spaces are a third of an em; a tab stop inside a heading is rare).
GUTTER_EM = 1.5
#: Stacked lines whose sizes differ by more than this ratio are separate headings.
SIZE_STEP = 1.15


def split_columns(lines: Sequence[Line]) -> list[list[Line]]:
    """``lines`` grouped by gaps in their x projection wider than a gutter, left
    to right; one group when there is none."""
    order = sorted(lines, key=lambda ln: ln.box[0])
    groups: list[list[Line]] = []
    end = float("-inf")
    for line in order:
        gap = line.box[0] - end
        if groups and gap < GUTTER_EM * max(line.size, 1.0):
            groups[-1].append(line)
            end = max(end, line.box[2])
        else:
            groups.append([line])
            end = line.box[2]
    return groups


def split_sizes(lines: Sequence[Line]) -> list[list[Line]]:
    """Stacked ``lines`` (top to bottom) cut where the type size steps up or down."""
    order = sorted(lines, key=lambda ln: (ln.box[1], ln.box[0]))
    groups: list[list[Line]] = []
    for line in order:
        if groups:
            last = groups[-1][-1]
            same_row = min(last.box[3], line.box[3]) - max(last.box[1], line.box[1]) > 0
            big, small = max(last.size, line.size), max(min(last.size, line.size), 1.0)
            if same_row or big / small <= SIZE_STEP:
                groups[-1].append(line)
                continue
        groups.append([line])
    return groups


def split_heading_region(lines: Sequence[Line]) -> list[list[Line]]:
    """The separate headings (or stray body lines) inside one heading region."""
    if len(lines) < 2:
        return [list(lines)] if lines else []
    return [part for col in split_columns(lines) for part in split_sizes(col)]
