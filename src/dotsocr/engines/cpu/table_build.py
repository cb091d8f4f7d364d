"""A table region's grid: built by the rules, or by SLANet where the rules find
spanning cells.

Measured on the ICDAR 2013 EU tables (benchmarks/table_model.py), PaddleOCR's
SLANet reads tables with spanning headers better than the rules (0.992 against
0.955 table F1) and plain grids slightly worse (0.993 against 1.000), and it
misreads docling's unruled forms. So the rules run first, and only a grid in which
they found a spanning cell (in a table short enough for the model's input) is
rebuilt by the model, when the ``table-model`` extra is installed. Currency signs
in columns of their own and dot leaders, which the rules read and the model does
not, keep the rules' grid too, and so does a model grid with fewer rows than the
rules read from the text lines (it ran "Consistent tables" and "Inconsistent
tables" together under a spanning "Tables:" row).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.cell_text import is_currency_sign
from dotsocr.engines.cpu.currency_columns import split_signs
from dotsocr.engines.cpu.leaders import drop_leaders
from dotsocr.engines.cpu.rules import find_rules
from dotsocr.engines.cpu.table_model import crop_page, model_table_html
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line
from dotsocr.render.table_cells import read_table_cells

#: Pixels of page around the region the model sees.
CROP_MARGIN = 4
#: The model sees the table shrunk to 488 pixels: a taller table's rows come out
#: a few pixels high and it loses count of them (13 of eu-001's 15 rows, and a
#: 55-row statistics table scrambled), so the rules' grid stands.
MAX_MODEL_ROWS = 20


def _spans(html: str) -> bool:
    return "rowspan=" in html or "colspan=" in html


def _rules_only(lines: Sequence[Line]) -> bool:
    """Whether the lines hold what only the rules read: a currency sign standing
    apart, or a run of dot leaders."""
    for line in lines:
        if drop_leaders(line) != [line]:
            return True
        if any(is_currency_sign(p.text) for p in split_signs(line)):
            return True
    return False


def region_table_html(lines: Sequence[Line], rtl: bool, box: Box, image: np.ndarray | None) -> str:
    """The table of a region as ``<table>`` HTML (see module doc)."""
    rules = find_rules(image, box)
    html = table_html(lines, rtl, rules)
    if rtl or image is None or not _spans(html) or _rules_only(lines):
        return html
    if html.count("<tr") > MAX_MODEL_ROWS:
        return html
    crop, shown = crop_page(image, box, CROP_MARGIN)
    learned = model_table_html(crop, shown, lines, rules=rules)
    if learned is None or _rows(learned) < _rows(html):
        return html
    return learned


def _rows(html: str) -> int:
    return read_table_cells(html).n_rows
