"""PDFs from ../shared/data: encryption, corrupt files and extreme pages.
Skipped where the shared data is absent."""

from __future__ import annotations

from pathlib import Path

import pytest

from dotsocr.errors import InputError, PasswordError
from dotsocr.sources import open_source
from dotsocr.sources.passwords import password_candidates, saslprep
from support.sources import manifest_rows

PDFJS = Path("robustness/pdfjs")


def _open_first(path: Path, **options: object):
    with open_source(path, **options) as doc:
        return doc, next(doc.pages())


@pytest.mark.parametrize(
    ("name", "password"),
    [
        ("issue6010_1.pdf", "abc"),
        ("issue6010_2.pdf", "æøå"),
        ("issue21579.pdf", "pässwört"),
        ("saslprep-r6.pdf", "SaSLprep"),
        ("saslprep-r6.pdf", "SªSL\u00adprep"),  # raw form: needs SASLprep
        ("issue3371.pdf", "ELXRTQWS"),
        ("pr6531_1.pdf", "asdfasdf"),
    ],
)
def test_passwords_open(shared_data: Path, name: str, password: str) -> None:
    doc, page = _open_first(shared_data / PDFJS / name, password=password)
    assert doc.page_count == 1 and page.error is None and page.image is not None


def test_decomposed_password_is_normalised(shared_data: Path) -> None:
    decomposed = "pa\u0308sswo\u0308rt"  # ä and ö as base letter + combining diaeresis
    _, page = _open_first(shared_data / PDFJS / "issue21579.pdf", password=decomposed)
    assert page.image is not None


@pytest.mark.parametrize("name", ["issue6010_2.pdf", "saslprep-r6.pdf", "issue3371.pdf"])
def test_missing_password(shared_data: Path, name: str) -> None:
    with pytest.raises(PasswordError, match="encrypted PDF: pass --password"):
        open_source(shared_data / PDFJS / name)


@pytest.mark.parametrize("name", ["issue6010_2.pdf", "saslprep-r6.pdf"])
def test_wrong_password(shared_data: Path, name: str) -> None:
    with pytest.raises(PasswordError, match="wrong password"):
        open_source(shared_data / PDFJS / name, password="not it")


@pytest.mark.parametrize("password", [None, "unneeded"])
def test_owner_password_only_opens(shared_data: Path, password: str | None) -> None:
    _, page = _open_first(shared_data / PDFJS / "empty_protected.pdf", password=password)
    assert page.image is not None


FAILING = [
    row["local_path"]
    for row in manifest_rows()
    if row["kind"].startswith("pdf") and row["pdfium_5.15.2"].startswith("FAIL")
]


@pytest.mark.parametrize("local_path", FAILING)
def test_files_pdfium_cannot_open_give_input_error(shared_data: Path, local_path: str) -> None:
    with pytest.raises(InputError) as caught:
        open_source(shared_data / local_path)
    reason = caught.value.reason
    assert reason and "\n" not in reason


def test_unreadable_page_is_reported_and_iteration_goes_on(shared_data: Path) -> None:
    with open_source(shared_data / PDFJS / "Pages-tree-refs.pdf") as doc:
        pages = list(doc.pages())
    assert [p.number for p in pages] == [1, 2]
    assert pages[0].image is not None
    assert pages[1].image is None and pages[1].error


def test_absurdly_tall_page_fails_clearly_instead_of_rendering(shared_data: Path) -> None:
    _, page = _open_first(shared_data / PDFJS / "poppler-85140-0.pdf")
    assert page.image is None
    assert page.error == (
        "page is 595 x 2.14748e+09 pt: within the pixel budget it would be "
        "2 x 5644800 px, too thin to read"
    )


def test_huge_page_is_scaled_to_the_budget(tmp_path: Path) -> None:
    from dotsocr.protocol import MAX_PIXELS
    from support import make_text_pdf

    pdf = make_text_pdf(tmp_path / "big.pdf", [["Big page."]])
    with open_source(pdf, dpi=1200) as doc:
        (page,) = list(doc.pages())
    width, height = page.size
    assert width * height <= MAX_PIXELS
    assert page.downscaled_from is not None and page.downscaled_from[0] > width
    assert page.dpi is not None and page.dpi < 1200


def test_tiny_pages_render(shared_data: Path) -> None:
    with open_source(shared_data / PDFJS / "issue11878_reduced.pdf", pages="1-3") as doc:
        sizes = [p.size for p in doc.pages()]
    assert sizes == [(8, 8)] * 3


def test_docling_invisible_layer_marks_chars(shared_data: Path) -> None:
    path = shared_data / "robustness/docling/invisible_text_layer.pdf"
    _, page = _open_first(path)
    hidden = "".join(c.text for c in page.text_layer.chars if c.invisible)
    assert hidden == "Invisible OCR text layer"


def test_rotated_pages_in_the_wild(shared_data: Path) -> None:
    with open_source(shared_data / "robustness/pypdf/habibi-rotated.pdf") as doc:
        sizes = [p.size for p in doc.pages()]
    assert sizes == [(2339, 1654), (1654, 2339), (2339, 1654), (1654, 2339)]


def test_saslprep_rules() -> None:
    assert saslprep("SªSL\u00adprep") == "SaSLprep"  # ª -> a (NFKC), soft hyphen dropped
    assert saslprep("a\u00a0b") == "a b"  # non-ASCII space -> space
    assert saslprep("I\u2168") == "IIX"  # NFKC
    assert saslprep("a\u0007b") is None  # control character prohibited
    assert saslprep("\u0627a\u0627") is None  # right-to-left mixed with left-to-right
    assert saslprep("\u0627\u0628") == "\u0627\u0628"


def test_password_candidates_dedupe_and_order() -> None:
    assert password_candidates("abc") == ["abc"]
    assert password_candidates("SªSL\u00adprep") == ["SªSL\u00adprep", "SaSL\u00adprep", "SaSLprep"]
