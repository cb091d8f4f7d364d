"""Builds samples/sample_report.pdf, the document the README's first command parses.

Run once when the sample should change (needs fpdf2 from the test extra):
    python samples/make_sample.py
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent

INTRO = (
    "This short report shows what dotsocr extracts from a born-digital PDF: a title, "
    "section headings, paragraphs in reading order, a bulleted list, a table and the "
    "running header and footer that repeat on every page."
)
LEFT = (
    "Scanned archives and born-digital reports often sit side by side in the same "
    "folder. A parser that trusts the text layer where it is good and falls back to "
    "optical character recognition where it is missing handles both without asking "
    "the user to sort them first."
)
RIGHT = (
    "Reading order matters as much as the characters themselves. Two columns must be "
    "read top to bottom, left column first, and page furniture such as headers and "
    "footers must be labelled so that it can be left out of the clean Markdown."
)
ITEMS = [
    "Layout elements come with boxes in page pixels.",
    "Markdown is written per page and for the whole document.",
    "A rerun skips pages that are already done.",
]
TABLE = [
    ("Engine", "Hardware", "Pages per second"),
    ("cpu", "2 cores", "3"),
    ("dots", "RTX 4090", "4 to 5"),
    ("dots", "A100 40GB", "6 to 8"),
]
FIGURE_CAPTION = "Figure 1. Pages per second of each engine, from the table above."
CLOSING = (
    "The second page continues the report. Its header and footer repeat the ones on "
    "the first page, which is how they are recognised as page furniture rather than "
    "as part of the text."
)


class Report(FPDF):
    def header(self) -> None:
        self.set_font("Helvetica", size=9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, "dotsocr sample report", align="L")
        self.ln(12)
        self.set_text_color(0, 0, 0)

    def footer(self) -> None:
        self.set_y(-15)
        self.set_font("Helvetica", size=9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 8, f"Page {self.page_no()}", align="C")
        self.set_text_color(0, 0, 0)


def build(path: Path) -> None:
    pdf = Report(format="A4")
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.set_creation_date(datetime(2026, 1, 1, tzinfo=timezone.utc))  # reproducible bytes
    pdf.add_page()
    pdf.set_font("Helvetica", style="B", size=22)
    pdf.cell(0, 12, "Parsing Documents with dotsocr", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, INTRO, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _heading(pdf, "1. Two columns")
    top = pdf.get_y()
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(85, 6, LEFT, new_x="LMARGIN", new_y="NEXT")
    left_bottom = pdf.get_y()
    pdf.set_xy(pdf.l_margin + 95, top)
    pdf.multi_cell(85, 6, RIGHT, new_x="LMARGIN", new_y="NEXT")
    pdf.set_y(max(pdf.get_y(), left_bottom))
    pdf.ln(4)
    _heading(pdf, "2. What comes out")
    pdf.set_font("Helvetica", size=11)
    for item in ITEMS:
        pdf.cell(6, 6, "-")
        pdf.multi_cell(0, 6, item, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    _heading(pdf, "3. Reference throughput")
    pdf.set_font("Helvetica", size=11)
    with pdf.table(col_widths=(40, 50, 50), text_align="LEFT") as table:
        for row in TABLE:
            cells = table.row()
            for value in row:
                cells.cell(value)
    pdf.add_page()
    _heading(pdf, "4. Second page")
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(0, 6, CLOSING, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.image(_bar_chart(), x=pdf.l_margin + 25, w=130)
    pdf.ln(1)
    pdf.set_font("Helvetica", style="I", size=10)
    pdf.multi_cell(0, 6, FIGURE_CAPTION, align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def _bar_chart() -> Image.Image:
    """A raster bar chart, so the sample has a picture for the figure writers to crop."""
    width, height = 1040, 500
    chart = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(chart)
    draw.line([(80, 40), (80, 480), (1000, 480)], fill="black", width=4)
    bars = [("cpu", 3.0, "#4c78a8"), ("RTX 4090", 4.5, "#f58518"), ("A100", 7.0, "#54a24b")]
    for index, (_, value, colour) in enumerate(bars):
        left = 160 + index * 280
        top = 480 - int(value * 60)
        draw.rectangle([left, top, left + 160, 478], fill=colour)
    return chart


def _heading(pdf: FPDF, text: str) -> None:
    pdf.set_font("Helvetica", style="B", size=14)
    pdf.cell(0, 9, text, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)


if __name__ == "__main__":
    build(HERE / "sample_report.pdf")
    print(HERE / "sample_report.pdf")
