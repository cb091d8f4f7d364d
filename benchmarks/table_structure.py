"""The ICDAR 2013 Table Competition's scores, as pure functions (not part of the package).

Structure (Göbel et al., ICDAR 2013): every non-empty cell is paired with its nearest
non-empty neighbour to the right, once for every row it spans, and below, once for
every column it spans; empty cells are skipped over. A relation is
``(text A, text B, direction)`` with both texts normalised: Unicode NFKC, case folded,
and all whitespace removed, not just collapsed, since the ground truth itself drops
spaces inside some cells ("CzechRepublic", "GrandTotal" in eu-015..019); a cell is
empty when its normalised text is.

Counting rule: within one table a pair of cells gives one relation however many rows
(or columns) they share (a cell spanning two rows beside another spanning the same two
rows is one relation, not two; beside two one-row cells, two). Across cells and tables
relations are a multiset (two different "-" cells above two other "-" cells are two
relations), and a prediction matches as many copies as both sides hold. Precision and
recall are taken per document over the union of its tables, averaged over documents,
and F1 is taken from the two averages. A document with ground truth but no predicted
relations has precision 0 (and recall 0); with neither, both are 1.

Detection: table boxes in PDF points (origin bottom left) matched one to one per
page, greedily by IoU, a match when IoU >= 0.5.

Ground truth: ``<name>-reg.xml`` (each table's regions: page, 1-based, and bounding
box) and ``<name>-str.xml`` (each table's cells: ``start-row``, ``start-col``, and
``end-row``/``end-col`` where the cell spans, with its ``<content>``). A table with
several regions keeps one box per region; cells of a region are offset by its
``row-increment``/``col-increment`` attributes (0 throughout the EU half).
"""

from __future__ import annotations

import unicodedata
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dotsocr.render.table_cells import read_table_cells

#: (x1, y1, x2, y2) in PDF points; which origin is up to the caller, the same for both sides.
Box = tuple[float, float, float, float]
#: (normalised text of the first cell, of its neighbour, "right" or "below").
Relation = tuple[str, str, str]

RIGHT = "right"
BELOW = "below"
IOU_MATCH = 0.5


@dataclass(frozen=True)
class Cell:
    """One cell of a table grid; ``row``/``col`` are its top-left position (0-based)."""

    row: int
    col: int
    text: str
    row_span: int = 1
    col_span: int = 1


@dataclass(frozen=True)
class Region:
    """Where (part of) a table lies: its page (1-based) and box in PDF points."""

    page: int
    box: Box


@dataclass(frozen=True)
class GtTable:
    """One ground-truth table: its regions (-reg.xml) or its cells (-str.xml)."""

    table_id: str
    regions: tuple[Region, ...] = ()
    cells: tuple[Cell, ...] = ()

    @property
    def pages(self) -> set[int]:
        return {region.page for region in self.regions}


@dataclass(frozen=True)
class Prf:
    precision: float
    recall: float

    @property
    def f1(self) -> float:
        return f1(self.precision, self.recall)


# -- text ------------------------------------------------------------------------------


def normalise_text(text: str | None) -> str:
    """NFKC, case folded, every whitespace character removed."""
    folded = unicodedata.normalize("NFKC", text or "").casefold()
    return "".join(folded.split())


# -- ground truth XML ------------------------------------------------------------------


def _xml_root(source: str | Path) -> ET.Element:
    """The root of an XML file (a Path) or of XML text (a str)."""
    if isinstance(source, Path):
        return ET.parse(source).getroot()
    return ET.fromstring(source)


def _int(element: ET.Element, name: str, default: int = 0) -> int:
    value = element.get(name)
    return default if value is None or not value.strip() else int(value)


def _box(element: ET.Element | None) -> Box:
    if element is None:
        raise ValueError("region without a bounding-box")
    x1, y1, x2, y2 = (float(element.get(k, "0")) for k in ("x1", "y1", "x2", "y2"))
    return (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))


def read_region_xml(source: str | Path) -> list[GtTable]:
    """Tables of a ``-reg.xml`` (a Path to the file, or its text): pages and boxes."""
    tables = []
    for table in _xml_root(source).iter("table"):
        regions = tuple(
            Region(_int(region, "page", 1), _box(region.find("bounding-box")))
            for region in table.iter("region")
        )
        tables.append(GtTable(table.get("id", str(len(tables) + 1)), regions=regions))
    return tables


def _region_cells(region: ET.Element) -> list[Cell]:
    row_offset = _int(region, "row-increment")
    col_offset = _int(region, "col-increment")
    cells = []
    for cell in region.iter("cell"):
        row, col = _int(cell, "start-row"), _int(cell, "start-col")
        end_row, end_col = _int(cell, "end-row", row), _int(cell, "end-col", col)
        content = cell.find("content")
        text = "".join(content.itertext()) if content is not None else ""
        cells.append(
            Cell(
                row=row + row_offset,
                col=col + col_offset,
                text=text,
                row_span=max(1, end_row - row + 1),
                col_span=max(1, end_col - col + 1),
            )
        )
    return cells


def read_structure_xml(source: str | Path) -> list[GtTable]:
    """Tables of a ``-str.xml`` (a Path to the file, or its text): pages and cells."""
    tables = []
    for table in _xml_root(source).iter("table"):
        regions = list(table.iter("region"))
        cells = tuple(cell for region in regions for cell in _region_cells(region))
        pages = tuple(Region(_int(region, "page", 1), (0.0, 0.0, 0.0, 0.0)) for region in regions)
        tables.append(GtTable(table.get("id", str(len(tables) + 1)), regions=pages, cells=cells))
    return tables


# -- predicted tables as cells ---------------------------------------------------------


def cells_from_html(table_html: str) -> list[Cell]:
    """The cells of a table in HTML (the engine's format), spans kept."""
    parsed = read_table_cells(table_html)
    return [
        Cell(cell.row, cell.col, cell.text, cell.row_span, cell.col_span) for cell in parsed.cells
    ]


def cells_from_rows(rows: Sequence[Sequence[str | None]]) -> list[Cell]:
    """The cells of a plain grid (rows of texts; None or "" is an empty cell)."""
    return [Cell(r, c, text or "") for r, row in enumerate(rows) for c, text in enumerate(row)]


# -- relations -------------------------------------------------------------------------


def occupancy(cells: Sequence[Cell]) -> dict[tuple[int, int], int]:
    """Grid position -> index of the non-empty cell covering it. Where cells overlap
    (malformed spans), the first one listed keeps the position."""
    grid: dict[tuple[int, int], int] = {}
    for index, cell in enumerate(cells):
        if not normalise_text(cell.text):
            continue
        for r in range(cell.row, cell.row + cell.row_span):
            for c in range(cell.col, cell.col + cell.col_span):
                grid.setdefault((r, c), index)
    return grid


def _first_along(
    grid: dict[tuple[int, int], int], start: tuple[int, int], step: tuple[int, int], limit: int
) -> int | None:
    """The first occupied position from ``start`` stepping by ``step`` (``limit`` steps)."""
    r, c = start
    for _ in range(limit):
        found = grid.get((r, c))
        if found is not None:
            return found
        r, c = r + step[0], c + step[1]
    return None


def _neighbour_pairs(cells: Sequence[Cell]) -> set[tuple[int, int, str]]:
    """(cell, neighbour, direction) for every non-empty cell, each pair once."""
    grid = occupancy(cells)
    if not grid:
        return set()
    n_rows = max(r for r, _ in grid) + 1
    n_cols = max(c for _, c in grid) + 1
    pairs: set[tuple[int, int, str]] = set()
    for index in sorted(set(grid.values())):
        cell = cells[index]
        for r in range(cell.row, cell.row + cell.row_span):
            start = (r, cell.col + cell.col_span)
            found = _first_along(grid, start, (0, 1), n_cols - start[1])
            if found is not None and found != index:
                pairs.add((index, found, RIGHT))
        for c in range(cell.col, cell.col + cell.col_span):
            start = (cell.row + cell.row_span, c)
            found = _first_along(grid, start, (1, 0), n_rows - start[0])
            if found is not None and found != index:
                pairs.add((index, found, BELOW))
    return pairs


def relations(cells: Sequence[Cell]) -> Counter[Relation]:
    """A table's adjacency relations, as a multiset of normalised text pairs."""
    return Counter(
        (normalise_text(cells[a].text), normalise_text(cells[b].text), direction)
        for a, b, direction in _neighbour_pairs(cells)
    )


def union_relations(tables: Iterable[Sequence[Cell]]) -> Counter[Relation]:
    """The multiset union (sum) of several tables' relations: one document's."""
    total: Counter[Relation] = Counter()
    for cells in tables:
        total.update(relations(cells))
    return total


# -- scores ----------------------------------------------------------------------------


def f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def ratio(part: int, whole: int, empty: float = 1.0) -> float:
    """``part / whole``; ``empty`` when there is nothing to divide."""
    return part / whole if whole else empty


def relation_prf(truth: Counter[Relation], predicted: Counter[Relation]) -> Prf:
    """Precision and recall of predicted relations against the truth (multisets)."""
    correct = sum((truth & predicted).values())
    n_truth, n_pred = sum(truth.values()), sum(predicted.values())
    if not n_truth and not n_pred:
        return Prf(1.0, 1.0)
    return Prf(ratio(correct, n_pred, 0.0), ratio(correct, n_truth, 0.0))


def mean_prf(scores: Sequence[Prf]) -> Prf:
    """Precision and recall averaged over documents (F1 then comes from the two means)."""
    if not scores:
        return Prf(0.0, 0.0)
    n = len(scores)
    return Prf(sum(s.precision for s in scores) / n, sum(s.recall for s in scores) / n)


# -- boxes -----------------------------------------------------------------------------


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two boxes (x1, y1, x2, y2)."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    inter = max(0.0, width) * max(0.0, height)
    area_a = max(0.0, a[2] - a[0]) * max(0.0, a[3] - a[1])
    area_b = max(0.0, b[2] - b[0]) * max(0.0, b[3] - b[1])
    union = area_a + area_b - inter
    return inter / union if union > 0 else 0.0


def match_boxes(
    truth: Sequence[Box], predicted: Sequence[Box], threshold: float = IOU_MATCH
) -> list[tuple[int, int, float]]:
    """One-to-one greedy matching by IoU: (truth index, predicted index, IoU) for every
    pair taken, highest IoU first, each at ``threshold`` or above."""
    candidates = sorted(
        ((iou(t, p), ti, pi) for ti, t in enumerate(truth) for pi, p in enumerate(predicted)),
        reverse=True,
    )
    used_t: set[int] = set()
    used_p: set[int] = set()
    matches = []
    for overlap, ti, pi in candidates:
        if overlap < threshold or ti in used_t or pi in used_p:
            continue
        used_t.add(ti)
        used_p.add(pi)
        matches.append((ti, pi, overlap))
    return matches


@dataclass
class DetectionCount:
    """Ground-truth boxes, predicted boxes and matches, summed over pages."""

    truth: int = 0
    predicted: int = 0
    matched: int = 0

    def add(self, other: DetectionCount) -> None:
        self.truth += other.truth
        self.predicted += other.predicted
        self.matched += other.matched

    @property
    def prf(self) -> Prf:
        if not self.truth and not self.predicted:
            return Prf(1.0, 1.0)
        return Prf(ratio(self.matched, self.predicted, 0.0), ratio(self.matched, self.truth, 0.0))


def detection_count(
    truth: dict[int, list[Box]], predicted: dict[int, list[Box]], threshold: float = IOU_MATCH
) -> DetectionCount:
    """Boxes per page (page -> boxes) matched page by page."""
    count = DetectionCount()
    for page in sorted(set(truth) | set(predicted)):
        gt, pred = truth.get(page, []), predicted.get(page, [])
        count.add(DetectionCount(len(gt), len(pred), len(match_boxes(gt, pred, threshold))))
    return count


def pixels_to_points_bottom_left(box: Sequence[float], dpi: float, height_px: float) -> Box:
    """A page-image box (pixels at ``dpi``, origin top left) in PDF points, origin
    bottom left (the ICDAR 2013 files' frame): page height in points is
    ``height_px * 72 / dpi``."""
    scale = 72.0 / dpi
    x1, y1, x2, y2 = (v * scale for v in box)
    height = height_px * scale
    return (x1, height - y2, x2, height - y1)


def top_left_to_bottom_left(box: Sequence[float], height: float) -> Box:
    """A box in points with origin top left (pdfplumber's) with origin bottom left."""
    x1, top, x2, bottom = box
    return (x1, height - bottom, x2, height - top)
