"""Every output writer by name; ``--to`` and ``to=[...]`` choose from here."""

from __future__ import annotations

from typing import TYPE_CHECKING

from dotsocr.writers.base import Writer
from dotsocr.writers.json_writer import JsonWriter
from dotsocr.writers.markdown_writer import MarkdownWriter
from dotsocr.writers.overlay_writer import OverlayWriter

if TYPE_CHECKING:
    from dotsocr.options import ParseOptions

WRITERS: dict[str, type[Writer]] = {w.name: w for w in (JsonWriter, MarkdownWriter, OverlayWriter)}

#: What a run writes when ``--to`` is not given: DESIGN.md §5's files.
DEFAULT_WRITERS: tuple[str, ...] = ("json", "md", "jpg")


def writer_names() -> list[str]:
    return list(WRITERS)


def validate_writer_names(names: list[str]) -> list[str]:
    """The names in registry order, without repeats; an unknown name is an error
    that lists the known ones."""
    wanted = {n.strip() for n in names if n.strip()}
    unknown = sorted(wanted - set(WRITERS))
    if unknown:
        raise ValueError(
            f"unknown output format(s) {', '.join(unknown)}; choose from "
            f"{', '.join(WRITERS)}"
        )
    return [name for name in WRITERS if name in wanted]


def make_writers(options: ParseOptions) -> list[Writer]:
    """The writers ``options.to`` names, built for this run."""
    return [WRITERS[name](options) for name in options.to]
