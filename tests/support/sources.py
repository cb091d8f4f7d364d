"""Helpers for the sources tests: PDFs written byte by byte (so every coordinate and
string in them is known) and the shared data set's manifest. A plain module, not the
conftest, so test files can import it by a name no other test folder uses."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

#: ../shared/data relative to the repository root (tests/support/sources.py -> root).
SHARED_DATA = Path(__file__).resolve().parents[2] / ".." / "shared" / "data"

LETTER = (0.0, 0.0, 612.0, 792.0)


@dataclass
class PageSpec:
    """One page of a hand-made PDF."""

    content: bytes = b""
    media: tuple[float, float, float, float] = LETTER
    crop: tuple[float, float, float, float] | None = None
    rotate: int = 0
    #: Square annotations with a black appearance stream, as page rectangles.
    annots: list[tuple[float, float, float, float]] = field(default_factory=list)


def text_content(x: float, y: float, text: str, size: float = 24, mode: int = 0) -> bytes:
    """A content stream drawing ``text`` in Helvetica with its baseline at (x, y)."""
    return f"BT /F1 {size:g} Tf {mode} Tr {x:g} {y:g} Td ({text}) Tj ET\n".encode("latin-1")


def _box(values: tuple[float, ...]) -> str:
    return "[" + " ".join(f"{v:g}" for v in values) + "]"


def build_pdf(pages: list[PageSpec]) -> bytes:
    """A valid PDF (correct xref) with the given pages, all using Helvetica as /F1."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below
    tree = add(b"")
    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
               b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for spec in pages:
        content = add(_stream(b"", spec.content))
        annots = [add(_square_annot(rect, add(_appearance(rect)))) for rect in spec.annots]
        entries = [
            f"/Type /Page /Parent {tree} 0 R /MediaBox {_box(spec.media)}",
            f"/Resources << /Font << /F1 {font} 0 R >> >> /Contents {content} 0 R",
        ]
        if spec.crop:
            entries.append(f"/CropBox {_box(spec.crop)}")
        if spec.rotate:
            entries.append(f"/Rotate {spec.rotate}")
        if annots:
            entries.append("/Annots [" + " ".join(f"{a} 0 R" for a in annots) + "]")
        kids.append(add(("<< " + " ".join(entries) + " >>").encode()))
    objects[catalog - 1] = f"<< /Type /Catalog /Pages {tree} 0 R >>".encode()
    kid_refs = " ".join(f"{k} 0 R" for k in kids)
    objects[tree - 1] = f"<< /Type /Pages /Kids [{kid_refs}] /Count {len(kids)} >>".encode()
    return _serialise(objects)


def _stream(extra: bytes, data: bytes) -> bytes:
    return b"<< " + extra + b"/Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def _appearance(rect: tuple[float, float, float, float]) -> bytes:
    width, height = rect[2] - rect[0], rect[3] - rect[1]
    paint = f"0 0 0 rg 0 0 {width:g} {height:g} re f".encode()
    return _stream(f"/Type /XObject /Subtype /Form /BBox [0 0 {width:g} {height:g}] ".encode(),
                   paint)


def _square_annot(rect: tuple[float, float, float, float], appearance: int) -> bytes:
    return (f"<< /Type /Annot /Subtype /Square /Rect {_box(rect)} /F 4 "
            f"/AP << /N {appearance} 0 R >> >>").encode()


def _serialise(objects: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def manifest_rows() -> list[dict[str, str]]:
    """MANIFEST.tsv rows (empty without the shared data, so parametrize yields none)."""
    manifest = SHARED_DATA / "MANIFEST.tsv"
    if not manifest.is_file():
        return []
    with manifest.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def make_unmapped_pdf(path: Path, *, unmapped: int = 40, readable: str = "Readable header") -> Path:
    """A page whose text is mostly character codes a font gives no Unicode for (as
    pdf.js's TAMReview.pdf is): PDFium reports them as control codes. One line of
    ordinary text sits under them, and the codes draw nothing."""
    import pikepdf

    pdf = pikepdf.new()
    font = pdf.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
        )
    )
    # 2 and 3 are PDFium's own marks (a soft hyphen, ...); tab, LF and CR are kept or breaks
    controls = [c for c in range(4, 0x20) if c not in (0x09, 0x0A, 0x0D)]
    codes = bytes(controls[i % len(controls)] for i in range(unmapped)).hex().encode()
    body = b"BT /F1 24 Tf 72 700 Td <" + codes + b"> Tj ET "
    body += b"BT /F1 24 Tf 72 650 Td (" + readable.encode("latin-1") + b") Tj ET"
    resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=font))
    page = pikepdf.Dictionary(
        Type=pikepdf.Name.Page,
        MediaBox=[0, 0, 612, 792],
        Resources=resources,
        Contents=pdf.make_stream(body),
    )
    pdf.pages.append(pikepdf.Page(page))
    pdf.save(path)
    return path
