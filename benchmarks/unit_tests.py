"""olmOCR-bench-style unit tests over the shared data, plus table cell accuracy.

Checks are generated from the docling PDFs' ground truth (groundtruth/*.json, a
DoclingDocument with reading order, furniture labels and table cells):

- ``present``: the first sentence of a body text item appears in the document's
  Markdown without headers/footers (fuzzy, 95 % similarity after normalisation);
- ``absent``: a page header/footer text (with letters in it) does not appear in that
  page's ``_nohf`` Markdown;
- ``order``: of two consecutive body items on one page, the first comes first in
  that page's ``_nohf`` Markdown (so a table of contents elsewhere cannot match);
- ``table``: a cell of a groundtruth table is found in an HTML (or pipe) table of
  the page with the same up/down/left/right neighbours and column heading.

The same suite is scored on pypdfium2's plain text as a floor (a plain text has no
tables and no idea of headers, so those types score what they score).

Table accuracy: each groundtruth table (label ``table``; the table of contents that
docling labels ``document_index`` is left out) is matched to the predicted table of
its page with the best score; cell precision/recall/F1 over the multiset of
non-empty normalised cell texts, and the same for adjacency relations (pairs of
horizontally / vertically neighbouring cells, ICDAR 2013 style), micro-averaged.

    python benchmarks/unit_tests.py [--engine cpu|floor|both] [--ocr] [--verbose] [--corpus]

``--corpus`` then scores the development corpus of real documents (benchmarks/corpus:
filings, forms, gazettes, slides, scans, Japanese) per kind, with pypdfium2's text
beside it; benchmarks/corpus_checks.py runs that part alone, with more options.
"""

from __future__ import annotations

import argparse
import html
import json
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from rapidfuzz import fuzz

from common import require_shared_data

BODY_LABELS = {"text", "section_header", "list_item", "caption", "footnote", "title"}
FURNITURE_LABELS = {"page_header", "page_footer"}
PRESENT_SIMILARITY = 95.0
CELL_SIMILARITY = 90.0
MAX_TABLE_CHECKS_PER_TABLE = 15

_QUOTES = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2212": "-",
        "\u00a0": " ",
    }
)
_MD_MARKS = re.compile(r"(?m)^\s*(?:#{1,6}\s+|[-*+]\s+|>\s?)|[*_`]|\$\$")
_TAG = re.compile(r"<[^>]+>")


def norm(text: str) -> str:
    """NFKC, plain quotes and dashes, no Markdown marks, no private-use or control
    characters (docling writes an unmapped bullet glyph as "SM590000"), single spaces."""
    text = html.unescape(text).replace("SM590000", " ")
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    text = "".join(" " if unicodedata.category(c) in ("Co", "Cc") else c for c in text)
    text = _MD_MARKS.sub(" ", text)
    return " ".join(text.split())


def norm_plain(markdown: str) -> str:
    """A Markdown page with its HTML tags dropped (table text stays), normalised."""
    return norm(_TAG.sub(" ", markdown))


# --- checks --------------------------------------------------------------------


@dataclass
class Check:
    kind: str  # present | absent | order | table
    doc: str
    page: int  # 1-based; 0 = whole document
    text: str
    before: str = ""  # order: text that must come first
    neighbours: dict[str, str] = field(default_factory=dict)  # table

    def describe(self) -> str:
        if self.kind == "order":
            return f"{self.doc} p{self.page}: {self.before[:30]!r} before {self.text[:30]!r}"
        if self.kind == "table":
            return f"{self.doc} p{self.page}: cell {self.text!r} {self.neighbours}"
        return f"{self.doc} p{self.page}: {self.text[:60]!r}"


def _first_sentence(text: str, limit: int = 160) -> str:
    text = norm(text)
    m = re.search(r"(?<=[a-z0-9)\]][.!?])\s+(?=[A-Z])", text)
    sentence = text[: m.start()] if m and m.start() >= 20 else text
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0]
    return sentence


def _items(gt: dict) -> list[dict]:
    """Texts and tables in body order (groups expanded)."""
    index = {"#/texts/": gt["texts"], "#/tables/": gt["tables"], "#/groups/": gt["groups"]}

    def resolve(ref: str) -> dict:
        for prefix, items in index.items():
            if ref.startswith(prefix):
                return items[int(ref[len(prefix) :])]
        return {}

    out: list[dict] = []

    def walk(node: dict) -> None:
        for child in node.get("children", []):
            item = resolve(child["$ref"])
            if not item:
                continue
            if child["$ref"].startswith("#/groups/"):
                walk(item)
            else:
                out.append(item)
                walk(item)

    walk(gt["body"])
    return out


def _grid_texts(table: dict) -> list[list[tuple[int, str]]]:
    """The groundtruth table as a grid of (cell id, normalised text)."""
    data = table["data"]
    grid: list[list[tuple[int, str]]] = [
        [(-1, "")] * data["num_cols"] for _ in range(data["num_rows"])
    ]
    for k, c in enumerate(data["table_cells"]):
        for r in range(c["start_row_offset_idx"], c["end_row_offset_idx"]):
            for col in range(c["start_col_offset_idx"], c["end_col_offset_idx"]):
                if r < len(grid) and col < len(grid[r]):
                    grid[r][col] = (k, norm(c["text"]))
    return grid


def table_neighbours(grid: list[list[tuple[int, str]]], r: int, c: int) -> dict[str, str]:
    """Texts of the nearest different cells up/down/left/right, and the column's top
    cell (its heading); empty neighbours are left out."""
    me = grid[r][c][0]
    out: dict[str, str] = {}
    steps = {"up": (-1, 0), "down": (1, 0), "left": (0, -1), "right": (0, 1)}
    for name, (dr, dc) in steps.items():
        rr, cc = r + dr, c + dc
        while 0 <= rr < len(grid) and 0 <= cc < len(grid[rr]) and grid[rr][cc][0] == me:
            rr, cc = rr + dr, cc + dc
        if 0 <= rr < len(grid) and 0 <= cc < len(grid[rr]):
            out[name] = grid[rr][cc][1]
    top = grid[0][c]
    if top[0] != me and r > 0:
        out["top_heading"] = top[1]
    return {k: v for k, v in out.items() if v}


def build_checks(data: Path) -> tuple[list[Check], dict[str, list[tuple[int, dict]]]]:
    """All checks, and the groundtruth tables per document as (page, table)."""
    checks: list[Check] = []
    tables: dict[str, list[tuple[int, dict]]] = {}
    for js in sorted((data / "accuracy/docling/pdf/groundtruth").glob("*.json")):
        if js.name.endswith(".pages.meta.json"):
            continue
        gt = json.loads(js.read_text())
        doc = js.stem
        items = _items(gt)
        body_text = Counter()
        for t in gt["texts"]:
            if t["label"] in BODY_LABELS:
                body_text[norm(t["text"])] += 1
        body_all = " ".join(body_text)
        prev: dict | None = None
        for item in items:
            label = item.get("label")
            prov = item.get("prov") or [{}]
            page = prov[0].get("page_no", 0)
            if label in BODY_LABELS and item.get("content_layer", "body") == "body":
                sentence = _first_sentence(item["text"])
                if len(sentence) >= 15:
                    checks.append(Check("present", doc, page, sentence))
                    if (
                        prev is not None
                        and prev["page"] == page
                        and body_all.count(prev["key"]) == 1
                        and body_all.count(sentence[:40]) == 1
                    ):
                        checks.append(Check("order", doc, page, sentence[:40], prev["key"]))
                    prev = {"page": page, "key": sentence[:40]}
        for t in gt["texts"]:
            if t["label"] not in FURNITURE_LABELS:
                continue
            text = norm(t["text"])
            if sum(c.isalpha() for c in text) < 3 or text in body_all:
                continue
            checks.append(Check("absent", doc, t["prov"][0]["page_no"], text))
        for table in gt["tables"]:
            if table["label"] != "table":
                continue
            page = table["prov"][0]["page_no"]
            tables.setdefault(doc, []).append((page, table))
            grid = _grid_texts(table)
            counts = Counter(text for row in grid for _, text in row)
            seen: set[int] = set()
            made = 0
            for r, row in enumerate(grid):
                for c, (cid, text) in enumerate(row):
                    if cid < 0 or cid in seen or not text or made >= MAX_TABLE_CHECKS_PER_TABLE:
                        continue
                    seen.add(cid)
                    cell = table["data"]["table_cells"][cid]
                    if cell["row_span"] > 1 or cell["col_span"] > 1 or counts[text] != 1:
                        continue
                    nb = table_neighbours(grid, r, c)
                    if len(nb) >= 2:
                        checks.append(Check("table", doc, page, text, neighbours=nb))
                        made += 1
    return checks, tables


# --- tables in Markdown -----------------------------------------------------------


class _TableParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[tuple[str, int, int]]]] = []
        self._cell: list[str] | None = None
        self._span = (1, 1)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th") and self.tables:
            if not self.tables[-1]:
                self.tables[-1].append([])
            self._cell = []
            self._span = (int(a.get("rowspan") or 1), int(a.get("colspan") or 1))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append((norm("".join(self._cell)), *self._span))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


Grid = list[list[tuple[int, str]]]


def _expand(rows: list[list[tuple[str, int, int]]]) -> Grid:
    """HTML rows with spans -> a full grid of (cell id, text)."""
    grid: dict[tuple[int, int], tuple[int, str]] = {}
    cid = 0
    for r, row in enumerate(rows):
        c = 0
        for text, rs, cs in row:
            while (r, c) in grid:
                c += 1
            for dr in range(max(rs, 1)):
                for dc in range(max(cs, 1)):
                    grid[(r + dr, c + dc)] = (cid, text)
            cid += 1
            c += max(cs, 1)
    if not grid:
        return []
    nrows = max(r for r, _ in grid) + 1
    ncols = max(c for _, c in grid) + 1
    return [[grid.get((r, c), (-1, "")) for c in range(ncols)] for r in range(nrows)]


_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_PIPE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def markdown_tables(markdown: str) -> list[Grid]:
    parser = _TableParser()
    parser.feed(markdown)
    grids = [_expand(t) for t in parser.tables]
    block: list[str] = []
    for line in [*markdown.splitlines(), ""]:
        if _PIPE_ROW.match(line):
            block.append(line)
            continue
        if len(block) >= 2 and _PIPE_RULE.match(block[1]):
            rows = [block[0], *block[2:]]
            cells = [[(norm(c), 1, 1) for c in r.strip().strip("|").split("|")] for r in rows]
            grids.append(_expand(cells))
        block = []
    return [g for g in grids if g]


def _same(a: str, b: str) -> bool:
    if a == b:
        return True
    if not a or not b:
        return False
    return fuzz.ratio(a, b) >= CELL_SIMILARITY


def table_check_passes(check: Check, grids: list[Grid]) -> bool:
    for grid in grids:
        for r, row in enumerate(grid):
            for c, (cid, text) in enumerate(row):
                if cid < 0 or not _same(text, check.text):
                    continue
                got = table_neighbours(grid, r, c)
                if all(_same(got.get(k, ""), v) for k, v in check.neighbours.items()):
                    return True
    return False


# --- running checks ------------------------------------------------------------------


@dataclass
class Output:
    """What a system produced for one document."""

    doc_nohf: str  # whole document without headers/footers
    pages_nohf: dict[int, str]  # per page, without headers/footers
    pages_full: dict[int, str]  # per page, with everything


def _find(needle: str, hay: str) -> int:
    """Start of ``needle`` in ``hay`` (exact, else fuzzy), -1 if absent."""
    pos = hay.find(needle)
    if pos >= 0:
        return pos
    if not needle:
        return -1
    al = fuzz.partial_ratio_alignment(needle, hay, score_cutoff=PRESENT_SIMILARITY)
    return al.dest_start if al is not None else -1


def run_check(check: Check, out: Output) -> bool:
    if check.kind == "present":
        return _find(check.text, norm_plain(out.doc_nohf)) >= 0
    if check.kind == "absent":
        page = norm_plain(out.pages_nohf.get(check.page, ""))
        return not re.search(r"(?<!\w)" + re.escape(check.text) + r"(?!\w)", page)
    if check.kind == "order":
        hay = norm_plain(out.pages_nohf.get(check.page, ""))
        a, b = _find(check.before, hay), _find(check.text, hay)
        return 0 <= a < b
    if check.kind == "table":
        return table_check_passes(check, markdown_tables(out.pages_full.get(check.page, "")))
    raise ValueError(check.kind)


def cpu_outputs(
    data: Path, docs: list[str], ocr: str = "auto"
) -> tuple[dict[str, Output], float, int]:
    from dotsocr import parse
    from dotsocr.render.markdown import page_markdown

    outs: dict[str, Output] = {}
    started = time.perf_counter()
    pages = 0
    for doc in docs:
        d = parse(data / "accuracy/docling/pdf" / f"{doc}.pdf", engine="cpu", ocr=ocr)
        pages += len(d.pages)
        outs[doc] = Output(
            d.markdown(headers_footers=False),
            {p.number: page_markdown(p, headers_footers=False) for p in d.pages},
            {p.number: page_markdown(p) for p in d.pages},
        )
    return outs, time.perf_counter() - started, pages


def floor_outputs(data: Path, docs: list[str]) -> dict[str, Output]:
    import pypdfium2 as pdfium

    outs: dict[str, Output] = {}
    for doc in docs:
        pdf = pdfium.PdfDocument(data / "accuracy/docling/pdf" / f"{doc}.pdf")
        texts = {}
        for i in range(len(pdf)):
            tp = pdf[i].get_textpage()
            texts[i + 1] = tp.get_text_range()
        pdf.close()
        outs[doc] = Output("\n".join(texts.values()), texts, texts)
    return outs


# --- table accuracy ----------------------------------------------------------------


def _cells(grid: Grid) -> Counter:
    seen: dict[int, str] = {}
    for row in grid:
        for cid, text in row:
            if cid >= 0 and text:
                seen[cid] = text
    return Counter(seen.values())


def _relations(grid: Grid) -> Counter:
    rel: Counter = Counter()
    for r, row in enumerate(grid):
        for c, (cid, text) in enumerate(row):
            if cid < 0 or not text:
                continue
            nb = table_neighbours(grid, r, c)
            for k in ("right", "down"):
                if k in nb:
                    rel[(text, k, nb[k])] += 1
    # a spanning cell is visited once per grid slot: count each relation once
    return Counter(set(rel))


def _prf(tp: int, n_pred: int, n_gt: int) -> tuple[float, float, float]:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gt if n_gt else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def table_accuracy(
    tables: dict[str, list[tuple[int, dict]]], outs: dict[str, Output], verbose: bool
) -> dict[str, tuple[float, float, float]]:
    sums = {"cells": [0, 0, 0], "relations": [0, 0, 0]}
    for doc, items in tables.items():
        for page, table in items:
            gt = _grid_texts(table)
            gt_cells, gt_rel = _cells(gt), _relations(gt)
            best = (-1.0, Counter(), Counter())
            for grid in markdown_tables(outs[doc].pages_full.get(page, "")):
                pc, pr = _cells(grid), _relations(grid)
                score = _prf(
                    sum((pc & gt_cells).values()), sum(pc.values()), sum(gt_cells.values())
                )
                if score[2] > best[0]:
                    best = (score[2], pc, pr)
            _, pc, pr = best
            for name, pred, want in (("cells", pc, gt_cells), ("relations", pr, gt_rel)):
                sums[name][0] += sum((pred & want).values())
                sums[name][1] += sum(pred.values())
                sums[name][2] += sum(want.values())
            if verbose:
                f_cells = _prf(
                    sum((pc & gt_cells).values()), sum(pc.values()), sum(gt_cells.values())
                )
                f_rel = _prf(sum((pr & gt_rel).values()), sum(pr.values()), sum(gt_rel.values()))
                print(
                    f"  table {doc} p{page}: cells F1 {f_cells[2]:.3f}, relations F1 {f_rel[2]:.3f}"
                )
    return {k: _prf(*v) for k, v in sums.items()}


# --- main ----------------------------------------------------------------------------


def score(name: str, checks: list[Check], outs: dict[str, Output], verbose: bool) -> None:
    by_kind: dict[str, list[bool]] = defaultdict(list)
    for check in checks:
        ok = run_check(check, outs[check.doc])
        by_kind[check.kind].append(ok)
        if verbose and not ok:
            print(f"  FAIL {check.kind:7} {check.describe()}")
    total = [ok for oks in by_kind.values() for ok in oks]
    parts = [
        f"{k} {sum(v)}/{len(v)} ({100 * sum(v) / len(v):.1f}%)" for k, v in sorted(by_kind.items())
    ]
    macro = sum(sum(v) / len(v) for v in by_kind.values()) / len(by_kind)
    print(f"{name}: " + ", ".join(parts))
    print(
        f"{'':{len(name)}}  all {sum(total)}/{len(total)} ({100 * sum(total) / len(total):.1f}%), "
        f"mean of types {100 * macro:.1f}%"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engine", choices=("cpu", "floor", "both"), default="both")
    parser.add_argument(
        "--ocr",
        action="store_true",
        help="also score the CPU engine with every page OCR'd (the scanned-page path)",
    )
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument(
        "--corpus",
        action="store_true",
        help="then score the development corpus of real documents (benchmarks/corpus) "
        "per kind and check type, as benchmarks/corpus_checks.py does",
    )
    parser.add_argument(
        "--corpus-engines",
        default="cpu,pdfium",
        help="engines for --corpus (add pymupdf4llm where the 'peers' extra is installed)",
    )
    args = parser.parse_args()
    data = require_shared_data()
    checks, tables = build_checks(data)
    docs = sorted({c.doc for c in checks})
    counts = Counter(c.kind for c in checks)
    print(
        f"{len(checks)} checks over {len(docs)} docling PDFs: "
        + ", ".join(f"{k} {n}" for k, n in sorted(counts.items()))
    )
    if args.engine in ("floor", "both"):
        floor = floor_outputs(data, docs)
        score("pypdfium2 plain text (floor)", checks, floor, False)
        acc = table_accuracy(tables, floor, False)
        print(
            f"  floor table cells P/R/F1 {acc['cells'][0]:.3f}/{acc['cells'][1]:.3f}/"
            f"{acc['cells'][2]:.3f}"
        )
    if args.engine in ("cpu", "both"):
        runs = [("dotsocr cpu engine", "auto")]
        if args.ocr:
            runs.append(("dotsocr cpu engine, every page OCR'd", "always"))
        for name, ocr in runs:
            outs, secs, pages = cpu_outputs(data, docs, ocr)
            score(name, checks, outs, args.verbose)
            acc = table_accuracy(tables, outs, args.verbose)
            for kind, (p, r, f) in acc.items():
                print(f"  table {kind:9} precision {p:.3f} recall {r:.3f} F1 {f:.3f}")
            print(f"  ({pages} pages in {secs:.1f} s, models loading included)")
    if args.corpus:
        score_corpus(args.corpus_engines, args.verbose)


def score_corpus(engines: str, verbose: bool) -> None:
    """The real-document corpus's checks (issue 13), per kind and check type."""
    import corpus_checks  # imports this module's check helpers: load it late

    print()
    corpus_checks.run(
        argparse.Namespace(
            lang="all", kind=None, only=None, engines=engines, verbose=verbose, out=None
        )
    )


if __name__ == "__main__":
    main()
