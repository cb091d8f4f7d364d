"""ICDAR 2013 Table Competition scores of the CPU engine (and peers) on the EU half.

For every ``<name>.pdf`` in ``../shared/data/tables/icdar2013_eu`` the pages holding
ground-truth tables are parsed (``dotsocr.api.parse``, CPU engine, one worker) and the
Table elements scored with ``table_structure.py``:

- structure: adjacency relations of all predicted tables on those pages against all
  ground-truth relations of the document (the competition's per-document union);
  precision and recall averaged over documents, F1 from the two averages;
- detection: predicted table boxes against the -reg.xml boxes, PDF points with origin
  bottom left, one to one per page at IoU >= 0.5; counted over the parsed pages only,
  so a table found on a page without ground truth is not a false positive here.

Peers, when installed (optional, benchmark only; a note is printed otherwise):
camelot (stream flavour) and pdfplumber (``find_tables()``, default settings).
Seconds are wall time per document (dotsocr after a warm-up parse that loads its models).

    python benchmarks/icdar2013.py [--systems dotsocr,camelot,pdfplumber]
        [--docs eu-001,eu-015] [--misses 5] [--data DIR]

``--misses N`` prints, per document, up to N relations missed and N spurious ones.
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data
from table_structure import (
    Box,
    Cell,
    DetectionCount,
    GtTable,
    Prf,
    Relation,
    cells_from_html,
    cells_from_rows,
    detection_count,
    mean_prf,
    pixels_to_points_bottom_left,
    read_region_xml,
    read_structure_xml,
    relation_prf,
    top_left_to_bottom_left,
    union_relations,
)

SYSTEMS = ("dotsocr", "camelot", "pdfplumber")
#: The Python module each peer needs.
PEER_MODULES = {"camelot": "camelot", "pdfplumber": "pdfplumber"}


@dataclass(frozen=True)
class Truth:
    """One document's ground truth."""

    name: str
    pdf: Path
    regions: list[GtTable]
    structure: list[GtTable]

    @property
    def pages(self) -> list[int]:
        return sorted({page for table in self.regions for page in table.pages})

    def boxes(self) -> dict[int, list[Box]]:
        by_page: dict[int, list[Box]] = {}
        for table in self.regions:
            for region in table.regions:
                by_page.setdefault(region.page, []).append(region.box)
        return by_page

    def relations(self) -> Counter[Relation]:
        return union_relations(table.cells for table in self.structure)


@dataclass(frozen=True)
class PredictedTable:
    page: int
    box: Box
    cells: list[Cell]


@dataclass
class Prediction:
    tables: list[PredictedTable] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None

    def boxes(self) -> dict[int, list[Box]]:
        by_page: dict[int, list[Box]] = {}
        for table in self.tables:
            by_page.setdefault(table.page, []).append(table.box)
        return by_page

    def relations(self) -> Counter[Relation]:
        return union_relations(table.cells for table in self.tables)


@dataclass(frozen=True)
class DocScore:
    truth: Truth
    prediction: Prediction
    structure: Prf
    detection: DetectionCount


Extractor = Callable[[Path, list[int]], list[PredictedTable]]


# -- ground truth ----------------------------------------------------------------------


def load_truth(data: Path, names: set[str] | None) -> list[Truth]:
    """Every PDF of ``data`` with its -reg.xml and -str.xml (or those ``names`` picks)."""
    truths = []
    for pdf in sorted(data.glob("*.pdf")):
        if names and pdf.stem not in names:
            continue
        regions = read_region_xml(pdf.with_name(f"{pdf.stem}-reg.xml"))
        structure = read_structure_xml(pdf.with_name(f"{pdf.stem}-str.xml"))
        truths.append(Truth(pdf.stem, pdf, regions, structure))
    return truths


# -- systems ---------------------------------------------------------------------------


def dotsocr_tables(pdf: Path, pages: list[int]) -> list[PredictedTable]:
    """Table elements of the CPU engine, boxes in points with origin bottom left."""
    from dotsocr.api import parse

    doc = parse(pdf, pages=",".join(map(str, pages)), engine="cpu", workers=1)
    tables = []
    for page in doc.pages:
        if not page.dpi:
            continue
        for element in page.elements:
            if element.category != "Table":
                continue
            box = pixels_to_points_bottom_left(element.bbox, page.dpi, page.height)
            tables.append(PredictedTable(page.number, box, cells_from_html(element.text or "")))
    return tables


def camelot_tables(pdf: Path, pages: list[int]) -> list[PredictedTable]:
    """camelot's stream tables; its boxes are already in points with origin bottom left."""
    import camelot

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "No tables found on page-N"
        found = camelot.read_pdf(str(pdf), pages=",".join(map(str, pages)), flavor="stream")
    tables = []
    for table in found:
        rows = [[str(text) for text in row] for row in table.df.values.tolist()]
        box = tuple(float(v) for v in table._bbox)
        tables.append(PredictedTable(int(table.page), box, cells_from_rows(rows)))  # type: ignore[arg-type]
    return tables


def pdfplumber_tables(pdf: Path, pages: list[int]) -> list[PredictedTable]:
    """pdfplumber's ``find_tables()``; its boxes (origin top left) turned bottom left."""
    import pdfplumber

    tables = []
    with pdfplumber.open(str(pdf)) as doc:
        for number in pages:
            page = doc.pages[number - 1]
            for table in page.find_tables():
                box = top_left_to_bottom_left(table.bbox, float(page.height))
                tables.append(PredictedTable(number, box, cells_from_rows(table.extract())))
    return tables


EXTRACTORS: dict[str, Extractor] = {
    "dotsocr": dotsocr_tables,
    "camelot": camelot_tables,
    "pdfplumber": pdfplumber_tables,
}


def available(system: str) -> bool:
    module = PEER_MODULES.get(system)
    return module is None or importlib.util.find_spec(module) is not None


def predict(extract: Extractor, truth: Truth) -> Prediction:
    """One system's tables on the document's ground-truth pages, timed; errors kept."""
    started = time.perf_counter()
    try:
        tables = extract(truth.pdf, truth.pages)
    except Exception as exc:  # a failing document scores 0, the run goes on
        return Prediction(
            seconds=time.perf_counter() - started, error=f"{type(exc).__name__}: {exc}"
        )
    return Prediction(tables, time.perf_counter() - started)


# -- scoring and printing --------------------------------------------------------------


def score(truth: Truth, prediction: Prediction) -> DocScore:
    structure = relation_prf(truth.relations(), prediction.relations())
    detection = detection_count(truth.boxes(), prediction.boxes())
    return DocScore(truth, prediction, structure, detection)


HEADER = (
    f"{'doc':10} {'GT':>3} {'pred':>4}  {'str P':>6} {'str R':>6} {'str F1':>6}  "
    f"{'det P':>6} {'det R':>6} {'det F1':>6}  {'pages':>5} {'sec':>6}"
)


def _row(label: str, gt: int, pred: int, structure: Prf, detection: Prf, pages: int,
         seconds: float) -> str:  # fmt: skip
    return (
        f"{label:10} {gt:3d} {pred:4d}  {structure.precision:6.3f} {structure.recall:6.3f} "
        f"{structure.f1:6.3f}  {detection.precision:6.3f} {detection.recall:6.3f} "
        f"{detection.f1:6.3f}  {pages:5d} {seconds:6.1f}"
    )


@dataclass(frozen=True)
class Overall:
    structure: Prf
    detection: DetectionCount
    pages: int
    seconds: float

    @property
    def seconds_per_page(self) -> float:
        return self.seconds / self.pages if self.pages else 0.0


def overall(scores: list[DocScore]) -> Overall:
    detection = DetectionCount()
    for doc in scores:
        detection.add(doc.detection)
    return Overall(
        structure=mean_prf([doc.structure for doc in scores]),
        detection=detection,
        pages=sum(len(doc.truth.pages) for doc in scores),
        seconds=sum(doc.prediction.seconds for doc in scores),
    )


def print_documents(system: str, scores: list[DocScore]) -> Overall:
    print(f"\n{system}: per document (structure: adjacency relations; detection: IoU >= 0.5)")
    print(HEADER)
    for doc in scores:
        det = doc.detection
        pages = len(doc.truth.pages)
        row = _row(doc.truth.name, det.truth, det.predicted, doc.structure, det.prf, pages,
                   doc.prediction.seconds)  # fmt: skip
        print(row)
        if doc.prediction.error:
            print(f"{'':10} error: {doc.prediction.error}")
    total = overall(scores)
    det = total.detection
    print(_row("overall", det.truth, det.predicted, total.structure, det.prf, total.pages,
               total.seconds))  # fmt: skip
    return total


def print_misses(scores: list[DocScore], limit: int) -> None:
    """Up to ``limit`` ground-truth relations missed and predicted ones not in the truth."""
    for doc in scores:
        truth, predicted = doc.truth.relations(), doc.prediction.relations()
        missed = list((truth - predicted).elements())[:limit]
        spurious = list((predicted - truth).elements())[:limit]
        print(f"  {doc.truth.name}: missed {missed}")
        print(f"  {doc.truth.name}: spurious {spurious}")


def print_summary(totals: dict[str, Overall]) -> None:
    print("\noverall (structure P/R averaged over documents, F1 from the averages; "
          "detection pooled over pages)")  # fmt: skip
    print(
        f"{'system':10} {'str P':>6} {'str R':>6} {'str F1':>6}  {'det P':>6} {'det R':>6} "
        f"{'det F1':>6}  {'pages':>5} {'sec':>6} {'s/page':>6}"
    )
    for system, total in totals.items():
        s, d = total.structure, total.detection.prf
        print(
            f"{system:10} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}  {d.precision:6.3f} "
            f"{d.recall:6.3f} {d.f1:6.3f}  {total.pages:5d} {total.seconds:6.1f} "
            f"{total.seconds_per_page:6.3f}"
        )


def warm_up(truths: list[Truth]) -> None:
    """Load dotsocr's models before the clock runs (one page of the first document)."""
    if truths:
        dotsocr_tables(truths[0].pdf, truths[0].pages[:1])


def run_system(system: str, truths: list[Truth], misses: int) -> Overall:
    if system == "dotsocr":
        warm_up(truths)
    scores = [score(truth, predict(EXTRACTORS[system], truth)) for truth in truths]
    total = print_documents(system, scores)
    if misses:
        print_misses(scores, misses)
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="folder of <name>.pdf, -reg.xml, -str.xml")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help="comma-separated")
    parser.add_argument("--docs", default="", help="comma-separated names (default: all)")
    parser.add_argument("--misses", type=int, default=0, help="relations shown per document")
    args = parser.parse_args()
    data = args.data or require_shared_data() / "tables" / "icdar2013_eu"
    truths = load_truth(data, {n for n in args.docs.split(",") if n} or None)
    print(f"ICDAR 2013 tables: {len(truths)} documents, "
          f"{sum(len(t.regions) for t in truths)} tables, "
          f"{sum(len(t.pages) for t in truths)} pages, from {data}")  # fmt: skip
    totals: dict[str, Overall] = {}
    for system in (s.strip() for s in args.systems.split(",") if s.strip()):
        if system not in EXTRACTORS:
            sys.exit(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")
        if not available(system):
            print(f"\n{system}: not installed")
            continue
        totals[system] = run_system(system, truths, args.misses)
    print_summary(totals)


if __name__ == "__main__":
    main()
