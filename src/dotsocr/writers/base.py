"""What an output writer is: a name, the files it owns, the settings it adds to
the resume hash, and how it renders them from a Page or a Document."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from PIL import Image

    from dotsocr.model import Document, Element, Page
    from dotsocr.options import ParseOptions

#: A rendered file's content; None means "nothing to write this time".
Content = bytes | str | None


@dataclass(frozen=True)
class OutputFile:
    """One file a writer makes, named from a base name (``<stem>_page_<i>``)."""

    #: The key under which the manifest records the file ("json", "md_nohf", ...).
    kind: str
    #: What follows the base name: ".json", "_nohf.md", ...
    suffix: str


class Writer:
    """Base class of every output format; the default writes nothing."""

    #: The name users pick with ``--to`` / ``to=[...]``.
    name: ClassVar[str]
    #: One line for ``--help``.
    summary: ClassVar[str] = ""
    #: Files per page, in the order they are written.
    page_files: ClassVar[tuple[OutputFile, ...]] = ()
    #: Files per paged document (a PDF or multi-page image), named from the stem.
    document_files: ClassVar[tuple[OutputFile, ...]] = ()
    #: The kind of page file a rerun can read a page's elements back from, if any.
    resume_kind: ClassVar[str | None] = None

    def __init__(self, options: ParseOptions) -> None:
        self.options = options

    def settings(self) -> dict[str, Any]:
        """Settings that change this writer's files, merged into the resume hash.
        Leave out defaults, so adding a setting does not redo earlier runs."""
        return {}

    def render_page(self, page: Page, picture: Image.Image | None) -> dict[str, Content]:
        """The content of each of :attr:`page_files` by kind, for a page that did
        not fail. ``picture`` is the rendered page, when there is one."""
        return {}

    def read_elements(self, text: str) -> list[Element]:
        """A page's elements from its ``resume_kind`` file (writers that have one)."""
        raise NotImplementedError(f"the {self.name} writer's files cannot be read back")

    def render_document(self, doc: Document) -> dict[str, Content]:
        """The content of each of :attr:`document_files` by kind, once every page
        of a document that did not fail is in ``doc``."""
        return {}


def with_newline(text: str) -> str:
    """Text files end with a newline, except empty ones."""
    return text + "\n" if text else ""
