"""Table HTML as a GitHub pipe table, for ``--md-tables pipe``.

The model writes tables as HTML, and the reference Markdown embeds that HTML; many
Markdown tools (diffs, plain-text readers, LLM prompts) read a pipe table better. A
pipe table can only hold a plain grid, though: one header row, the same number of
cells in every row, no spans, no nesting, no caption. So a table becomes a pipe table
only when nothing would be lost; any other table keeps its (sanitised) HTML form.

Cell text follows the rules of the other Markdown text: every "<" that could open a
tag is escaped (a tag the model wrote that is not table markup stays visible as text),
entities are kept as written so they show as they would in the HTML table, and the
inline formatting tags the HTML form keeps live (``<b>``, ``<sub>``, ...) stay live,
without attributes. Line breaks (``<br>``, newlines) become spaces and ``|`` becomes
``\\|``, so each row is one line.
"""

from __future__ import annotations

from dotsocr.render.markup_reader import MarkupReader
from dotsocr.render.sanitize import ALLOWED_TAGS, INLINE_TAGS, escape_tags

#: Inline formatting kept live inside a cell, as the HTML form keeps it.
_INLINE_TAGS = INLINE_TAGS
#: Row groups: each ends any row left open.
_SECTION_TAGS = frozenset({"thead", "tbody", "tfoot"})
#: Column widths and styles, which a pipe table has no place for and needs none.
_COLUMN_TAGS = frozenset({"colgroup", "col"})
_CELL_TAGS = frozenset({"td", "th"})
_SPANS = ("rowspan", "colspan")


class _NotSimple(Exception):
    """The table is not a plain grid; it keeps its HTML form."""


class _GridReader(MarkupReader):
    """Reads one table into rows of cell texts, or raises _NotSimple."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.seen_table = False
        self.open = False  # inside <table>...</table>
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.data: list[str] = []  # the cell's text since its last markup, unescaped
        self.inline: list[str] = []  # inline tags open in the current cell

    # -- structure -------------------------------------------------------------------

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            if self.seen_table:
                raise _NotSimple  # nested, or a second table in one element
            self.seen_table = self.open = True
        elif not self.open:
            raise _NotSimple  # markup outside the table
        elif tag == "tr":
            self._end_row()
            self.row = []
        elif tag in _CELL_TAGS:
            if self.row is None:
                raise _NotSimple  # a cell outside any row
            if any(name in _SPANS and (value or "1").strip() != "1" for name, value in attrs):
                raise _NotSimple
            self._end_cell()
            self.cell = []
        elif tag == "br":
            self._text(" ")
        elif tag in _SECTION_TAGS:
            self._end_row()
        elif tag in _INLINE_TAGS:
            self._markup(f"<{tag}>")
            self.inline.append(tag)
        elif tag in _COLUMN_TAGS:
            pass  # column widths and styles: nothing a pipe table holds
        elif tag in ALLOWED_TAGS:
            raise _NotSimple  # caption: a pipe table has no place for it
        else:
            self._text(escape_tags(self.get_starttag_text() or f"<{tag}>"))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if not self.open:
            raise _NotSimple
        if tag == "table":
            self._end_row()
            self.open = False
        elif tag == "tr" or tag in _SECTION_TAGS:
            self._end_row()
        elif tag in _CELL_TAGS:
            self._end_cell()
        elif tag == "br":
            self._text(" ")  # browsers read </br> as <br>
        elif tag in _INLINE_TAGS:
            if tag in self.inline:  # close it (and what opened inside it); else drop it
                while self.inline:
                    inner = self.inline.pop()
                    self._markup(f"</{inner}>")
                    if inner == tag:
                        break
        elif tag in _COLUMN_TAGS:
            pass
        elif tag in ALLOWED_TAGS:
            raise _NotSimple
        else:
            self._text(escape_tags(f"</{tag}>"))

    def _end_cell(self) -> None:
        self._flush()
        if self.cell is not None and self.row is not None:
            self.cell.extend(f"</{tag}>" for tag in reversed(self.inline))
            self.row.append(_cell_text("".join(self.cell)))
        self.cell = None
        self.inline = []

    def _end_row(self) -> None:
        self._end_cell()
        if self.row is not None:
            self.rows.append(self.row)
        self.row = None

    # -- content ---------------------------------------------------------------------

    def _text(self, text: str) -> None:
        """Add Markdown-ready text (already escaped) to the cell."""
        if self.cell is not None:
            self._flush()
            self.cell.append(text)
        elif text.strip():
            raise _NotSimple  # text outside any cell would be lost

    def _markup(self, markup: str) -> None:
        if self.cell is None:
            raise _NotSimple
        self._flush()
        self.cell.append(markup)

    def _flush(self) -> None:
        """Escape the text gathered so far in one piece: the parser may hand "<" and
        what follows it over separately, and only together do they show a tag."""
        if self.cell is not None and self.data:
            self.cell.append(escape_tags("".join(self.data)))
        self.data = []

    def handle_data(self, data: str) -> None:
        if self.cell is not None:
            self.data.append(data)
        elif data.strip():
            raise _NotSimple

    def keep_entity(self, text: str) -> None:
        self._text(text)


def _cell_text(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def table_rows(table_html: str) -> list[list[str]] | None:
    """The cells of a plain grid (Markdown-ready text, row by row), or None when the
    table is not one: spans, nesting, a caption, ragged rows, under 2 columns."""
    reader = _GridReader()
    try:
        reader.feed(table_html)
        reader.close()
        if reader.open:
            reader.handle_endtag("table")  # an unclosed table: its rows are all there
    except _NotSimple:
        return None
    rows = reader.rows
    if not rows or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
        return None
    return rows


def pipe_table(table_html: str) -> str | None:
    """The table as a GitHub pipe table (first row as header), or None when it is not
    a plain grid and must stay HTML."""
    rows = table_rows(table_html)
    if rows is None:
        return None
    lines = [_row_line(rows[0]), _row_line(["---"] * len(rows[0]))]
    lines.extend(_row_line(row) for row in rows[1:])
    return "\n".join(lines)


def _row_line(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"
