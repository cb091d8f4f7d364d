"""csv and xlsx: every table to a spreadsheet, spans repeated or merged."""

from __future__ import annotations

import csv
import io
import json

import pytest
from PIL import Image

from dotsocr.model import Document, Element, Page
from dotsocr.options import ParseOptions
from dotsocr.store import DocumentStore
from dotsocr.writers.registry import make_writers

TABLE = (
    "<table><tr><th rowspan=2>Name</th><th colspan=2>Year ended</th></tr>"
    "<tr><th>2023</th><th>2024</th></tr>"
    "<tr><td>=1+1</td><td>-5</td><td>東京</td></tr></table>"
)


def _page(number: int, tables: int) -> Page:
    elements = [Element(bbox=[0, 0, 50, 10], category="Text", text="Intro")]
    elements += [
        Element(bbox=[0, 20 + 20 * k, 50, 30 + 20 * k], category="Table", text=TABLE)
        for k in range(tables)
    ]
    return Page(number=number, width=100, height=100, dpi=72, elements=elements, engine="cpu")


def _write(tmp_path, to: list[str]) -> DocumentStore:
    store = DocumentStore(
        tmp_path, "doc", paged=True, settings_hash="h", writers=make_writers(ParseOptions(to=to))
    )
    store.load(force=False)
    pages = [_page(1, 2), _page(2, 0), _page(3, 1)]
    picture = Image.new("RGB", (100, 100), "white")
    for page in pages:
        store.write_page(page, picture)
    store.write_document(Document(source="doc.pdf", pages=pages))
    return store


def test_csv_per_table_with_bom_spans_repeated_and_formulas_defused(tmp_path):
    _write(tmp_path, ["json", "csv"])
    names = sorted(p.name for p in (tmp_path / "doc" / "tables").iterdir())
    assert names == [
        "doc_page_0_table_0.csv",
        "doc_page_0_table_1.csv",
        "doc_page_2_table_0.csv",
    ]
    raw = (tmp_path / "doc" / "tables" / "doc_page_2_table_0.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows == [
        ["Name", "Year ended", "Year ended"],
        ["Name", "2023", "2024"],
        ["'=1+1", "-5", "東京"],
    ]
    record = json.loads((tmp_path / "doc.jsonl").read_text().splitlines()[0])
    assert record["extra_files"] == [
        "doc/tables/doc_page_0_table_0.csv",
        "doc/tables/doc_page_0_table_1.csv",
    ]


def test_a_missing_table_file_makes_a_rerun_redo_its_page(tmp_path):
    _write(tmp_path, ["json", "csv"])
    (tmp_path / "doc" / "tables" / "doc_page_0_table_1.csv").unlink()
    again = DocumentStore(
        tmp_path, "doc", paged=True, settings_hash="h",
        writers=make_writers(ParseOptions(to=["json", "csv"])),
    )  # fmt: skip
    assert sorted(again.load(force=False)) == [2, 3]


def test_xlsx_one_sheet_per_table_with_merged_spans(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    _write(tmp_path, ["json", "xlsx"])
    book = openpyxl.load_workbook(tmp_path / "doc" / "doc.xlsx")
    assert book.sheetnames == ["p1_t1", "p1_t2", "p3_t1"]
    sheet = book["p3_t1"]
    assert sorted(str(r) for r in sheet.merged_cells.ranges) == ["A1:A2", "B1:C1"]
    assert [c.value for c in sheet[3]] == ["=1+1", "-5", "東京"]
    assert sheet["A3"].data_type == "s"  # text, never run as a formula
