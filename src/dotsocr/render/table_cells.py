"""Table HTML (the model's table format) read into cells with their grid positions.

Spreadsheets (CSV, XLSX) and DoclingDocument's TableData need each cell's row,
column and spans, not markup. Cells are placed the way a browser lays out a table:
a cell goes to the first column its row has free, after the cells spanning down
into that row from above.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

_CELL_TAGS = frozenset({"td", "th"})
_HEADER_SECTION = "thead"
#: Spans larger than this are taken as typos; a grid of a million columns helps nobody.
_MAX_SPAN = 1000


#: Text a spreadsheet would run as a formula: "=", "@", or a sign not before a number.
_FORMULA_START = re.compile(r"^[=@\t\r]|^[+-](?![\d.,\s%]*$)")


def spreadsheet_safe(text: str) -> str:
    """Cell text a spreadsheet shows as text: a leading "'" before anything it would
    otherwise evaluate (CSV injection); numbers such as "-5" are left alone."""
    return "'" + text if _FORMULA_START.match(text) else text


@dataclass(frozen=True)
class TableCell:
    row: int
    col: int
    row_span: int
    col_span: int
    text: str
    #: A <th>, or a cell in <thead>.
    header: bool


@dataclass(frozen=True)
class TableCells:
    cells: list[TableCell]
    n_rows: int
    n_cols: int

    def grid(self) -> list[list[str]]:
        """Every row as a list of ``n_cols`` texts; a spanning cell's text repeats
        in each position it covers, which is what a spreadsheet filter expects."""
        rows = [[""] * self.n_cols for _ in range(self.n_rows)]
        for cell in self.cells:
            for r in range(cell.row, cell.row + cell.row_span):
                for c in range(cell.col, cell.col + cell.col_span):
                    rows[r][c] = cell.text
        return rows


@dataclass
class _RawCell:
    text: list[str]
    row_span: int
    col_span: int
    header: bool


class _CellReader(HTMLParser):
    """Collects rows of raw cells from the first table; nested tables' text joins
    the cell that holds them."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[_RawCell]] = []
        self.depth = 0
        self.section = ""
        self.cell: _RawCell | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.depth += 1
        elif self.depth != 1:
            if tag == "br" and self.cell is not None:
                self.cell.text.append("\n")
        elif tag in ("thead", "tbody", "tfoot"):
            self.section = tag
        elif tag == "tr":
            self.rows.append([])
            self.cell = None
        elif tag in _CELL_TAGS:
            if not self.rows:
                self.rows.append([])
            named = dict(attrs)
            self.cell = _RawCell(
                text=[],
                row_span=_span(named.get("rowspan")),
                col_span=_span(named.get("colspan")),
                header=tag == "th" or self.section == _HEADER_SECTION,
            )
            self.rows[-1].append(self.cell)
        elif tag == "br" and self.cell is not None:
            self.cell.text.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "table":
            self.depth -= 1
        elif self.depth == 1 and tag in _CELL_TAGS:
            self.cell = None
        elif self.depth == 1 and tag in ("thead", "tbody", "tfoot"):
            self.section = ""

    def handle_data(self, data: str) -> None:
        if self.cell is not None and self.depth >= 1:
            self.cell.text.append(data)


def _span(value: str | None) -> int:
    try:
        return max(1, min(_MAX_SPAN, int((value or "1").strip())))
    except ValueError:
        return 1


def _clean(parts: list[str]) -> str:
    lines = ("".join(parts)).split("\n")
    return "\n".join(" ".join(line.split()) for line in lines).strip()


def read_table_cells(table_html: str) -> TableCells:
    """The cells of the first table in ``table_html`` (text without markup)."""
    reader = _CellReader()
    reader.feed(table_html)
    reader.close()
    taken: set[tuple[int, int]] = set()
    cells: list[TableCell] = []
    n_cols = 0
    for r, row in enumerate(reader.rows):
        c = 0
        for raw in row:
            while (r, c) in taken:
                c += 1
            for dr in range(raw.row_span):
                for dc in range(raw.col_span):
                    taken.add((r + dr, c + dc))
            cells.append(TableCell(r, c, raw.row_span, raw.col_span, _clean(raw.text), raw.header))
            c += raw.col_span
            n_cols = max(n_cols, c)
    n_rows = max((cell.row + cell.row_span for cell in cells), default=0)
    return TableCells(cells=cells, n_rows=n_rows, n_cols=n_cols)


def table_plain_text(table_html: str, separator: str = "\t") -> str:
    """A table as text: one line per row, its non-empty cells joined by ``separator``
    (spans not repeated). Text that is not a table (a model's plain fallback) is kept,
    without any tags."""
    parsed = read_table_cells(table_html)
    if not parsed.cells:
        return html.unescape(re.sub(r"<[^>]*>", " ", table_html))
    rows: dict[int, list[str]] = {}
    for cell in parsed.cells:
        if cell.text:
            rows.setdefault(cell.row, []).append(cell.text.replace("\n", " "))
    return "\n".join(separator.join(texts) for _, texts in sorted(rows.items()))
