"""Every output writer by name; ``--to`` and ``to=[...]`` choose from here."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from dotsocr.writers.base import Writer
from dotsocr.writers.csv_writer import CsvWriter
from dotsocr.writers.docling_writer import DoclingWriter
from dotsocr.writers.html_writer import HtmlWriter
from dotsocr.writers.json_writer import JsonWriter
from dotsocr.writers.markdown_writer import MarkdownWriter
from dotsocr.writers.overlay_writer import OverlayWriter
from dotsocr.writers.pdf_writer import PdfWriter
from dotsocr.writers.xlsx_writer import XlsxWriter

if TYPE_CHECKING:
    from dotsocr.options import ParseOptions

WRITERS: dict[str, type[Writer]] = {
    w.name: w
    for w in (
        JsonWriter,
        MarkdownWriter,
        OverlayWriter,
        HtmlWriter,
        PdfWriter,
        DoclingWriter,
        CsvWriter,
        XlsxWriter,
    )
}

#: What a run writes when ``--to`` is not given: DESIGN.md §5's files.
DEFAULT_WRITERS: tuple[str, ...] = ("json", "md", "jpg")
#: ``--figures`` when not given; the resume hash names the setting only otherwise.
DEFAULT_FIGURES = "pictures"


def writer_names() -> list[str]:
    return list(WRITERS)


def validate_writer_names(names: list[str]) -> list[str]:
    """The names in registry order, without repeats; an unknown name, or a writer
    whose optional package is not installed, is an error that says what to do."""
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(wanted - set(WRITERS))
    if unknown:
        raise ValueError(
            f"unknown output format(s) {', '.join(unknown)}; choose from {', '.join(WRITERS)}"
        )
    for name in wanted:
        needs = WRITERS[name].requires
        if needs is not None and importlib.util.find_spec(needs[0]) is None:
            raise ValueError(
                f"output format {name} needs the {needs[0]} package: "
                f"pip install 'dotsocr[{needs[1]}]'"
            )
    return [name for name in WRITERS if name in wanted]


def make_writers(options: ParseOptions) -> list[Writer]:
    """The writers ``options.to`` names, built for this run."""
    return [WRITERS[name](options) for name in options.to]


def writer_settings(writers: Sequence[Writer], figures: str) -> dict[str, Any]:
    """What the chosen writers add to the resume hash: their own settings, and the
    figure mode when a writer shows figures and it is not the default."""
    settings: dict[str, Any] = {}
    for writer in writers:
        settings.update(writer.settings())
    if figures != DEFAULT_FIGURES and any(w.uses_figures() for w in writers):
        settings["figures"] = figures
    return settings
