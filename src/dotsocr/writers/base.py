"""What an output writer is: a name, the files it owns, the settings it adds to
the resume hash, and how it renders them from a Page or a Document."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:
    from PIL import Image

    from dotsocr.model import Document, Element, Page
    from dotsocr.options import ParseOptions

#: A rendered file's content; None means "nothing to write this time".
Content = bytes | str | None

#: Reads a file of the document's folder by its path relative to that folder
#: (``images/<stem>_page_0_1.png``); None when there is no such file.
FileReader = Callable[[str], bytes | None]


@dataclass(frozen=True)
class OutputFile:
    """One file a writer makes, named from a base name (``<stem>_page_<i>``)."""

    #: The key under which the manifest records the file ("json", "md_nohf", ...).
    kind: str
    #: What follows the base name: ".json", "_nohf.md", ...
    suffix: str
    #: A sub-folder of the document's folder it goes in ("" for the folder itself).
    folder: str = ""


@dataclass(frozen=True)
class PageContext:
    """What a writer may use besides the Page: the rendered picture, the base name
    of the page's files, and the page's figures and other files already made."""

    picture: Image.Image | None
    #: ``<stem>_page_<i>``: the base name of files a page has a varying number of.
    base: str
    read: FileReader


@dataclass(frozen=True)
class DocumentContext:
    """What a writer may use when the whole document is in: its files on disk."""

    stem: str
    read: FileReader
    #: A page file's path relative to the document folder, when it exists
    #: (``page_file(3, "page_image")`` -> ``pages/<stem>_page_2.jpg``).
    page_file: Callable[[int, str], str | None]


class Writer:
    """Base class of every output format; the default writes nothing."""

    #: The name users pick with ``--to`` / ``to=[...]``.
    name: ClassVar[str]
    #: One line for ``--help``.
    summary: ClassVar[str] = ""
    #: Files per page, in the order they are written.
    page_files: ClassVar[tuple[OutputFile, ...]] = ()
    #: Files per document, named from the stem. A single image's document file
    #: that would have its page file's name (``<stem>.md``) is not written.
    document_files: ClassVar[tuple[OutputFile, ...]] = ()
    #: The kind of page file a rerun can read a page's elements back from, if any.
    resume_kind: ClassVar[str | None] = None
    #: The package an optional writer imports, and the extra that installs it.
    requires: ClassVar[tuple[str, str] | None] = None

    def __init__(self, options: ParseOptions) -> None:
        self.options = options

    def settings(self) -> dict[str, Any]:
        """Settings that change this writer's files, merged into the resume hash.
        Leave out defaults, so adding a setting does not redo earlier runs."""
        return {}

    def uses_figures(self) -> bool:
        """Whether this writer shows the figures cropped from pages, so the run
        saves them (``--figures``) and names them in each element."""
        return False

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        """The content of each of :attr:`page_files` by kind, for a page that did
        not fail."""
        return {}

    def page_extras(self, page: Page, context: PageContext) -> dict[str, Content]:
        """Files a page has a varying number of (one per table, ...), by path
        relative to the document folder; recorded in the manifest with the page."""
        return {}

    def read_elements(self, text: str) -> list[Element]:
        """A page's elements from its ``resume_kind`` file (writers that have one)."""
        raise NotImplementedError(f"the {self.name} writer's files cannot be read back")

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        """The content of each of :attr:`document_files` by kind, once every page
        of a document that did not fail is in ``doc``."""
        return {}


def with_newline(text: str) -> str:
    """Text files end with a newline, except empty ones."""
    return text + "\n" if text else ""
