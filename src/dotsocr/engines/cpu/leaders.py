"""Dot leaders: the rows of dots that lead the eye from a label to its numbers.

Statistical tables and tables of contents run ". . . . ." from each label to the
first number. The dots are no content, but a column finder sees them as a column
of their own, and cell text ends in them. A line is cut where a run of them stands
and the dots are left out.
"""

from __future__ import annotations

import re

from dotsocr.engines.cpu.line_pieces import line_pieces
from dotsocr.engines.cpu.textlines import Line

#: A word of leader glyphs only (periods, middle dots, ellipses).
_LEADER_WORD = re.compile(r"^[.\u00b7\u2024\u2026\u22ef]+$")
#: Leader glyphs closing a word ("Total........").
_TRAILING = re.compile(r"[.\u00b7\u2024\u2026\u22ef]{3,}$")
#: So many leader glyphs in a run make a leader (a sentence has one, "etc." one).
MIN_LEADER = 3


def _dots(word: str) -> int:
    return sum(3 if c in "\u2026\u22ef" else 1 for c in word)


def drop_leaders(line: Line) -> list[Line]:
    """``line`` without its dot leaders: the pieces on either side of each run of
    at least MIN_LEADER leader glyphs (none when the line is all leaders); the line
    itself when it has none, or its text and glyphs do not pair up one to one."""
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    words = line.text.split()
    if line.vertical or sum(len(w) for w in words) != len(glyphs) or not words:
        return [line]
    keep: list[list[int]] = [[]]
    texts: list[list[str]] = [[]]
    k = 0
    run: list[int] = []
    for word in words:
        idx = list(range(k, k + len(word)))
        k += len(word)
        if _LEADER_WORD.match(word):
            run.extend(idx)
            continue
        if run:
            _close_run(run, glyphs, keep, texts)
            run = []
        trailing = _TRAILING.search(word)
        if trailing and _dots(trailing.group()) >= MIN_LEADER and trailing.start() > 0:
            cut = len(word) - len(trailing.group())
            texts[-1].append(word[:cut])
            keep[-1].extend(idx[:cut])
            run = idx[cut:]
            continue
        texts[-1].append(word)
        keep[-1].extend(idx)
    if run:
        _close_run(run, glyphs, keep, texts)
    if len(keep) == 1 and len(keep[0]) == len(glyphs):
        return [line]
    return line_pieces(line, glyphs, list(zip(texts, keep, strict=True)))


def _close_run(
    run: list[int], glyphs: list[tuple[str, tuple]], keep: list[list[int]], texts: list[list[str]]
) -> None:
    """End a run of leader glyphs: long enough, it cuts the line (a new piece
    starts); too short ("a . b"), its glyphs stay in the current piece."""
    if _dots("".join(glyphs[i][0] for i in run)) >= MIN_LEADER:
        if keep[-1]:
            if texts[-1][-1].endswith(".") and len(texts[-1][-1]) > 1:
                # "Robbery. . . . ." : the first dot of the leader touches the word.
                texts[-1][-1] = texts[-1][-1][:-1]
                keep[-1].pop()
            keep.append([])
            texts.append([])
        return
    keep[-1].extend(run)
    texts[-1].append("".join(glyphs[i][0] for i in run))
