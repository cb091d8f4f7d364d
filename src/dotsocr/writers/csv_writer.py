"""``csv``: every table as a spreadsheet file,
``tables/<stem>_page_<i>_table_<k>.csv`` (``k`` counts the page's tables from 0).

UTF-8 with a byte-order mark, because spreadsheet programs otherwise guess a
legacy encoding and garble Japanese; text a spreadsheet would run as a formula gets
a leading "'"; a spanning cell's text repeats in every
position it covers, so sorting and filtering keep rows whole.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING

from dotsocr.render.table_cells import read_table_cells, spreadsheet_safe
from dotsocr.writers.base import Content, Writer

if TYPE_CHECKING:
    from dotsocr.model import Page
    from dotsocr.writers.base import PageContext

TABLE_FOLDER = "tables"


def table_csv(table_html: str) -> str | None:
    """One table as CSV text with a BOM; None for a table with no cells."""
    grid = read_table_cells(table_html).grid()
    if not grid:
        return None
    buffer = io.StringIO()
    rows = ([spreadsheet_safe(text) for text in row] for row in grid)
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buffer.getvalue()


class CsvWriter(Writer):
    name = "csv"
    summary = "per table: tables/<stem>_page_<i>_table_<k>.csv (UTF-8 with BOM)"

    def page_extras(self, page: Page, context: PageContext) -> dict[str, Content]:
        files: dict[str, Content] = {}
        tables = (e for e in page.elements if e.category == "Table" and e.text)
        for k, element in enumerate(tables):
            content = table_csv(element.text or "")
            if content is not None:
                files[f"{TABLE_FOLDER}/{context.base}_table_{k}.csv"] = content
        return files
