"""The learned table model (SLANet, ``table_model.py``) against the rules, on ICDAR 2013 EU.

For every ground-truth table region (the -reg.xml box, so that detection does not
confound the comparison) the page is rendered as the engine renders it and the
region's lines are taken as the engine gives them to a Table region (the text
layer's lines, or with ``--ocr`` the OCR lines, as on a scan; a line belongs to
the region when at least half of it lies inside). Two grids are built from the
same lines:

- rules: ``tables.table_html`` with the ruling lines ``find_rules`` sees in the
  region, as ``assemble`` calls them for a Table region;
- model: ``table_model.model_table_html`` on the region's crop of the page image.

Both are scored with ``table_structure.py`` (adjacency relations): per document as
the competition does (union of its tables), and per table for the table kinds:

- ruling: ``grid`` (vertical rules inside the table), ``lines`` (horizontal rules
  only), ``none``; from the rules ``find_rules`` sees in the region;
- header: ``spans`` (a ground-truth cell spanning rows or columns) or ``plain``;
- model-spans, rules-spans: whether that system's grid has a spanning cell (what a
  choice at run time can see, unlike the ground truth).

A third row, ``hybrid``, takes the model's grid where the rules' grid has a
spanning cell and the rules' grid elsewhere: a choice made from the rules' result
alone, so the model runs only where it is used.

    python benchmarks/table_model.py [--docs eu-001,eu-015] [--model-file PATH]
        [--margin PX] [--ocr [--ocr-cache DIR]] [--no-rules] [--tables] [--data DIR]
        [--docling]

``--docling`` runs the same comparison on the docling PDFs' ground-truth tables
(accuracy/docling/pdf/groundtruth/*.json; docling's own output, not a human gold
standard), which hold booktabs and unruled tables the EU set lacks.

Times are milliseconds per table region, wall clock and process CPU time (the
latter stays honest on a machine shared with other work): the model's (inference
and filling) and the rules' (finding rules and building the grid), after one
warm-up table.
"""

from __future__ import annotations

import argparse
import json
import pickle
import statistics
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data
from dotsocr.engines.cpu import table_model
from dotsocr.engines.cpu.boxes import Box, expand, inside_ratio, union
from dotsocr.engines.cpu.ocr import ocr_lines, to_bgr
from dotsocr.engines.cpu.rules import Rules, find_rules
from dotsocr.engines.cpu.tables import table_html
from dotsocr.engines.cpu.textlines import Line, lines_from_chars
from dotsocr.sources import open_source
from table_structure import (
    Cell,
    GtTable,
    Prf,
    Region,
    Relation,
    cells_from_html,
    mean_prf,
    read_region_xml,
    read_structure_xml,
    relation_prf,
    relations,
    union_relations,
)

SYSTEMS = ("rules", "model", "hybrid")
#: hybrid: the model's grid where the rules' grid has a spanning cell, else the
#: rules' grid (so the model runs only where the rules' own result asks for it)


@dataclass
class Page:
    """A rendered page: BGR image, DPI and lines."""

    image: np.ndarray
    dpi: float
    lines: list[Line]


@dataclass
class TableResult:
    """One ground-truth table: its kinds, its truth and each system's relations."""

    doc: str
    table_id: str
    ruling: str
    header: str
    truth: Counter[Relation]
    #: whether the model's (the rules') grid has a cell spanning rows or columns
    model_spans: bool = False
    rules_spans: bool = False
    #: whether the hybrid took the model's grid
    hybrid_model: bool = False
    predicted: dict[str, Counter[Relation]] = field(default_factory=dict)

    def prf(self, system: str) -> Prf:
        return relation_prf(self.truth, self.predicted.get(system, Counter()))


def points_to_pixels(box: Box, dpi: float, height_px: int) -> Box:
    """A -reg.xml box (PDF points, origin bottom left) in page-image pixels."""
    s = dpi / 72.0
    x1, y1, x2, y2 = box
    return (x1 * s, height_px - y2 * s, x2 * s, height_px - y1 * s)


def load_page(pdf: Path, number: int, ocr: bool, cache: Path | None = None) -> Page:
    """The page rendered as the engine renders it, with its lines; OCR lines are
    kept in ``cache`` (a folder) when one is given, since OCR is the slow part."""
    with open_source(pdf, pages=str(number)) as doc:
        page = next(iter(doc.pages()))
    assert page.image is not None and page.dpi is not None
    image = to_bgr(page.image)
    if ocr:
        kept = cache / f"{pdf.stem}-page{number}.pickle" if cache else None
        if kept is not None and kept.is_file():
            lines = pickle.loads(kept.read_bytes())
        else:
            lines = ocr_lines(image)
            if kept is not None:
                kept.parent.mkdir(parents=True, exist_ok=True)
                kept.write_bytes(pickle.dumps(lines))
    else:
        layer = page.text_layer
        lines = lines_from_chars(layer.chars) if layer is not None else []
    return Page(image, page.dpi, lines)


def region_lines(page: Page, box: Box) -> list[Line]:
    """The lines the engine would give a Table region at ``box``."""
    height, width = page.image.shape[:2]
    pad = 0.004 * max(width, height)
    padded = expand(box, pad, pad)
    return [ln for ln in page.lines if inside_ratio(ln.box, padded) >= 0.5]


def ruling_kind(rules: Rules, lines: Sequence[Line]) -> str:
    """``grid`` with a vertical rule between the table's text (not only its frame),
    ``lines`` with horizontal rules only, else ``none``."""
    if not lines:
        return "none"
    left = min(ln.box[0] for ln in lines)
    right = max(ln.box[2] for ln in lines)
    if any(left + 2 < x < right - 2 for x in rules.xs):
        return "grid"
    return "lines" if rules.ys else "none"


def header_kind(table: GtTable) -> str:
    spans = any(c.row_span > 1 or c.col_span > 1 for c in table.cells)
    return "spans" if spans else "plain"


def rules_cells(page: Page, box: Box, lines: list[Line]) -> tuple[list[Cell], Rules]:
    """The rules' grid as ``assemble`` builds it for a Table region."""
    region = union([box, *(ln.box for ln in lines)]) if lines else box
    rules = find_rules(page.image, region)
    return cells_from_html(table_html(lines, False, rules)), rules


def model_cells(
    page: Page,
    box: Box,
    lines: list[Line],
    model: table_model.TableModel,
    margin: float,
    rules: Rules | None,
) -> list[Cell]:
    crop, shown = table_model.crop_page(page.image, box, margin)
    html = table_model.model_table_html(crop, shown, lines, model, rules) or "<table></table>"
    return cells_from_html(html)


@dataclass
class Timer:
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def ms(self, system: str) -> float:
        values = self.seconds[system]
        return 1000 * statistics.median(values) if values else 0.0

    def mean_ms(self, system: str) -> float:
        values = self.seconds[system]
        return 1000 * statistics.fmean(values) if values else 0.0


def icdar_tables(pdf: Path) -> list[GtTable]:
    """The document's ground-truth tables, each with its regions and its cells."""
    regions = {t.table_id: t for t in read_region_xml(pdf.with_name(f"{pdf.stem}-reg.xml"))}
    return [
        GtTable(t.table_id, regions=regions[t.table_id].regions, cells=t.cells)
        for t in read_structure_xml(pdf.with_name(f"{pdf.stem}-str.xml"))
        if t.table_id in regions
    ]


def docling_tables(pdf: Path) -> list[GtTable]:
    """The tables (label ``table``) of a docling ground truth (groundtruth/<name>.json
    beside the PDF): box in points, origin bottom left, and cells."""
    truth = json.loads((pdf.parent / "groundtruth" / f"{pdf.stem}.json").read_text())
    out = []
    for i, table in enumerate(truth["tables"]):
        if table["label"] != "table":
            continue
        prov = table["prov"][0]
        b = prov["bbox"]
        assert b.get("coord_origin", "BOTTOMLEFT") == "BOTTOMLEFT"
        cells = tuple(
            Cell(
                row=c["start_row_offset_idx"],
                col=c["start_col_offset_idx"],
                text=c["text"],
                row_span=c["end_row_offset_idx"] - c["start_row_offset_idx"],
                col_span=c["end_col_offset_idx"] - c["start_col_offset_idx"],
            )
            for c in table["data"]["table_cells"]
        )
        box = (b["l"], min(b["b"], b["t"]), b["r"], max(b["b"], b["t"]))
        out.append(GtTable(str(i + 1), regions=(Region(prov["page_no"], box),), cells=cells))
    return out


def run_document(
    pdf: Path,
    model: table_model.TableModel,
    margin: float,
    ocr: bool,
    timer: Timer,
    no_rules: bool = False,
    cache: Path | None = None,
    docling: bool = False,
) -> list[TableResult]:
    pages: dict[int, Page] = {}
    out = []
    for table in docling_tables(pdf) if docling else icdar_tables(pdf):
        located = table
        result = TableResult(
            pdf.stem, table.table_id, "none", header_kind(table), relations(table.cells)
        )
        found: dict[str, list[list[Cell]]] = {"rules": [], "model": []}
        kinds = []
        for region in located.regions:
            if region.page not in pages:
                pages[region.page] = load_page(pdf, region.page, ocr, cache)
            page = pages[region.page]
            box = points_to_pixels(region.box, page.dpi, page.image.shape[0])
            lines = region_lines(page, box)
            start, cpu = time.perf_counter(), time.process_time()
            cells, rules = rules_cells(page, box, lines)
            timer.seconds["rules"].append(time.perf_counter() - start)
            timer.seconds["rules cpu"].append(time.process_time() - cpu)
            found["rules"].append(cells)
            result.rules_spans |= any(c.row_span > 1 or c.col_span > 1 for c in cells)
            kinds.append(ruling_kind(rules, lines))
            start, cpu = time.perf_counter(), time.process_time()
            cells = model_cells(page, box, lines, model, margin, None if no_rules else rules)
            timer.seconds["model"].append(time.perf_counter() - start)
            timer.seconds["model cpu"].append(time.process_time() - cpu)
            found["model"].append(cells)
            result.model_spans |= any(c.row_span > 1 or c.col_span > 1 for c in cells)
        order = ("grid", "lines", "none")
        result.ruling = min(kinds, key=order.index) if kinds else "none"
        for system in ("rules", "model"):
            result.predicted[system] = union_relations(found[system])
        pick = "model" if result.rules_spans else "rules"
        result.hybrid_model = result.rules_spans
        result.predicted["hybrid"] = result.predicted[pick]
        out.append(result)
    return out


def document_prf(results: Sequence[TableResult], system: str) -> Prf:
    truth = sum((r.truth for r in results), Counter())
    predicted = sum((r.predicted[system] for r in results), Counter())
    return relation_prf(truth, predicted)


def print_documents(by_doc: dict[str, list[TableResult]]) -> None:
    print(f"\n{'doc':10} {'tables':>6} {'kinds':24} {'rules F1':>8} {'model F1':>8} {'hybrid':>8}")
    scores: dict[str, list[Prf]] = {s: [] for s in SYSTEMS}
    for name, results in by_doc.items():
        prfs = {s: document_prf(results, s) for s in SYSTEMS}
        for s in SYSTEMS:
            scores[s].append(prfs[s])
        kinds = ",".join(sorted({f"{r.ruling}/{r.header}" for r in results}))
        print(
            f"{name:10} {len(results):6d} {kinds:24} {prfs['rules'].f1:8.3f} "
            f"{prfs['model'].f1:8.3f} {prfs['hybrid'].f1:8.3f}"
        )
    for s in SYSTEMS:
        total = mean_prf(scores[s])
        print(f"  {s}: structure P {total.precision:.3f} R {total.recall:.3f} F1 {total.f1:.3f}")


def print_kinds(results: Sequence[TableResult]) -> None:
    """Mean per-table F1 of each system for each kind of table."""
    print(
        f"\n{'kind':15} {'tables':>6} {'rules F1':>8} {'model F1':>8} {'hybrid':>8} "
        f"{'model wins':>10}"
    )
    groups: dict[str, list[TableResult]] = defaultdict(list)
    for r in results:
        groups[f"ruling={r.ruling}"].append(r)
        groups[f"header={r.header}"].append(r)
        groups[f"{r.ruling}/{r.header}"].append(r)
        groups[f"model-spans={'yes' if r.model_spans else 'no'}"].append(r)
        groups[f"rules-spans={'yes' if r.rules_spans else 'no'}"].append(r)
        groups["all"].append(r)
    for kind in sorted(groups, key=lambda k: (k != "all", "/" in k, k)):
        members = groups[kind]
        f1s = {s: statistics.fmean(r.prf(s).f1 for r in members) for s in SYSTEMS}
        wins = sum(r.prf("model").f1 > r.prf("rules").f1 + 1e-9 for r in members)
        losses = sum(r.prf("model").f1 < r.prf("rules").f1 - 1e-9 for r in members)
        print(
            f"{kind:15} {len(members):6d} {f1s['rules']:8.3f} {f1s['model']:8.3f} "
            f"{f1s['hybrid']:8.3f} {wins:4d}/{losses:<5d}"
        )
    print("(model wins: tables where the model scores higher / lower than the rules)")
    used = sum(r.hybrid_model for r in results)
    print(f"hybrid took the model's grid for {used} of {len(results)} tables")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="folder of <name>.pdf, -reg.xml, -str.xml")
    parser.add_argument("--docs", default="", help="comma-separated names (default: all)")
    parser.add_argument("--model-file", type=Path, help="a SLANet ONNX file (default: wheel's)")
    parser.add_argument("--margin", type=float, default=4.0, help="crop margin, page pixels")
    parser.add_argument("--ocr", action="store_true", help="OCR lines instead of the text layer")
    parser.add_argument("--ocr-cache", type=Path, help="folder keeping OCR lines between runs")
    parser.add_argument("--tables", action="store_true", help="print every table's scores")
    parser.add_argument(
        "--docling", action="store_true", help="docling's PDFs and ground-truth tables instead"
    )
    parser.add_argument(
        "--no-rules", action="store_true", help="fill the model's cells without the ruling lines"
    )
    args = parser.parse_args()
    shared = None if args.data else require_shared_data()
    default = "accuracy/docling/pdf" if args.docling else "tables/icdar2013_eu"
    data = args.data or shared / default  # type: ignore[operator]
    model = table_model.load_model(args.model_file)
    if model is None:
        sys.exit("no table model: pip install 'dotsocr[table-model]' or give --model-file")
    names = {n for n in args.docs.split(",") if n}
    pdfs = [p for p in sorted(data.glob("*.pdf")) if not names or p.stem in names]
    if args.docling:  # the documents that have tables; right-to-left ones are left out
        pdfs = [p for p in pdfs if docling_tables(p) and not p.stem.startswith("right_to_left")]
    lines_from = "OCR" if args.ocr else "text layer"
    print(f"table model {model.name} vs rules: {len(pdfs)} documents from {data}, "
          f"lines from the {lines_from}, crop margin {args.margin:g} px")  # fmt: skip
    timer = Timer()
    by_doc: dict[str, list[TableResult]] = {}
    for i, pdf in enumerate(pdfs):
        results = run_document(
            pdf, model, args.margin, args.ocr, timer, args.no_rules, args.ocr_cache, args.docling
        )
        if i == 0:  # the first table paid for loading the sessions
            for values in timer.seconds.values():
                del values[:1]
        by_doc[pdf.stem] = results
    everything = [r for results in by_doc.values() for r in results]
    print_documents(by_doc)
    print_kinds(everything)
    if args.tables:
        print(f"\n{'table':16} {'kind':12} {'spans in':10} {'rules F1':>8} {'model F1':>8}")
        for r in everything:
            flags = (("rules", r.rules_spans), ("model", r.model_spans))
            spans = "+".join(name for name, on in flags if on)
            print(f"{r.doc + ':' + r.table_id:16} {r.ruling + '/' + r.header:12} {spans or '-':10} "
                  f"{r.prf('rules').f1:8.3f} {r.prf('model').f1:8.3f}")  # fmt: skip
    print(f"\nms per table region, median / mean ({len(timer.seconds['model'])} regions; "
          "cpu: process CPU time, all threads):")  # fmt: skip
    for key in ("model", "model cpu", "rules", "rules cpu"):
        print(f"  {key:10} {timer.ms(key):6.0f} / {timer.mean_ms(key):6.0f}")


if __name__ == "__main__":
    main()
