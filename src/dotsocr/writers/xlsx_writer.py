"""``xlsx``: every table of a document as one sheet of ``<stem>.xlsx``
(``dotsocr[xlsx]``, openpyxl), sheets named ``p<page>_t<k>`` in reading order.

Spanning cells are merged ranges, as a person would make them in a spreadsheet.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from dotsocr.render.table_cells import read_table_cells
from dotsocr.writers.base import Content, OutputFile, Writer

if TYPE_CHECKING:
    from dotsocr.model import Document
    from dotsocr.writers.base import DocumentContext


class XlsxWriter(Writer):
    name = "xlsx"
    summary = "per document: <stem>.xlsx, one sheet per table (needs dotsocr[xlsx])"
    document_files = (OutputFile("xlsx", ".xlsx"),)
    requires = ("openpyxl", "xlsx")

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        from openpyxl import Workbook

        book = Workbook()
        book.remove(book.active)
        for page in sorted(doc.pages, key=lambda p: p.number):
            tables = [e for e in page.elements if e.category == "Table" and e.text]
            for k, element in enumerate(tables):
                sheet = book.create_sheet(f"p{page.number}_t{k + 1}")
                for cell in read_table_cells(element.text or "").cells:
                    row, col = cell.row + 1, cell.col + 1
                    if cell.text:
                        target = sheet.cell(row=row, column=col, value=cell.text)
                        target.data_type = "s"  # model text is never run as a formula
                    if cell.row_span > 1 or cell.col_span > 1:
                        sheet.merge_cells(
                            start_row=row,
                            start_column=col,
                            end_row=row + cell.row_span - 1,
                            end_column=col + cell.col_span - 1,
                        )
        if not book.sheetnames:
            return {"xlsx": None}
        buffer = io.BytesIO()
        book.save(buffer)
        return {"xlsx": buffer.getvalue()}
