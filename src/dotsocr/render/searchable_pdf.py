"""A searchable PDF: the source's pages with an invisible text layer over OCR'd pages.

Why: a scanned PDF (or a page image) shows text that no reader can search, select or
copy. This renderer keeps every page as it is and adds the recognised text on top,
drawn in text render mode 3 (invisible), each element's lines stretched over the
element's box, so a highlight or a search hit lands where the text is seen.

How, in brief (the facts behind each choice are in the functions' docstrings):

- Only pages whose text came from OCR or the VLM (``Page.method`` "ocr"/"vlm") and
  that did not fail get a layer. Born-digital pages ("text-layer") and pages the
  Document does not hold are not touched at all.
- The existing content streams stay byte for byte; the page's ``/Contents`` becomes
  ``[q, original..., Q + text layer]`` so the layer starts from a clean graphics state.
- One "glyphless" font serves every page: a Type0 font (Identity-H) whose TrueType
  descendant has two inkless glyphs (a narrow and a wide cell) that every CID maps
  to. CIDs are numbered per document (1..n over the characters used); a ToUnicode
  CMap maps them back to Unicode (UTF-16BE, surrogate pairs beyond the BMP), so any
  script round-trips.
- Boxes are pixels of the page image pypdfium2 rendered (``/Rotate`` applied, the
  crop box filling the image); they are mapped back to PDF user space the same way.
- Image inputs become one PDF page per frame, sized ``pixels * 72 / dpi``.
"""

from __future__ import annotations

import io
import itertools
import re
import struct
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream
from PIL import Image, ImageOps, ImageSequence

from dotsocr.model import Document, Element, Page
from dotsocr.render.table_cells import table_plain_text
from dotsocr.sources.images import image_dpi, to_rgb

#: Page methods whose text is not in the PDF already and so gets a layer.
LAYER_METHODS = frozenset({"ocr", "vlm"})
#: Categories whose text is Markdown (the rest: Table is HTML, Formula LaTeX, Picture none).
_MARKDOWN_CATEGORIES = frozenset(
    {
        "Caption",
        "Footnote",
        "List-item",
        "Page-footer",
        "Page-header",
        "Section-header",
        "Text",
        "Title",
    }
)
#: Advance widths of the glyphless font, in 1/1000 em: East Asian wide characters
#: take a full em, spaces a quarter, everything else half. Only the ratios within a
#: line matter, as each line is stretched to its box: they keep CJK and Latin in
#: proportion, and keep spaces narrow, so a line stretched far (a loose box) still
#: reads as one line to poppler, which splits text at gaps much wider than its size.
WIDE_WIDTH = 1000
NARROW_WIDTH = 500
SPACE_WIDTH = 250
#: The font's vertical metrics (scripts/make_glyphless_font.py): an em from 0.2 em
#: below the baseline to 0.8 em above it, so a line set at a size equal to its slot's
#: height, baseline 0.2 slot above the slot's bottom, fills the slot exactly.
ASCENT = 800
DESCENT = -200
#: The font size is the slot height: an em is a line pitch of about 1.2 em of the
#: printed text, which is what the wrap estimate (``_line_count``) assumes.
_PITCH_EMS = 1.2
_FONT_NAME = "GlyphLessFont"
#: The font's glyph (big-endian GID) for each width: cells of that width without ink.
_GLYPH_FOR_WIDTH = {NARROW_WIDTH: b"\x00\x01", WIDE_WIDTH: b"\x00\x02", SPACE_WIDTH: b"\x00\x03"}
_MAX_CID = 0xFFFF
#: Smallest horizontal scale written (percent), so that a long text in a sliver of
#: a box is not rounded to zero width.
_MIN_TZ = 0.01
_REPLACEMENT = "\ufffd"
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
#: Bold marks around text ("**word**", "__word__"); a lone run ("____", a form's
#: blank) is text and stays.
_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=[^\s*_])(.+?)(?<=[^\s*_])\1")
_MD_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|])")
_SPACES = re.compile(r"\s+")


def searchable_pdf(doc: Document, source: Path, *, password: str | None = None) -> bytes:
    """The searchable PDF of ``doc`` as bytes.

    ``source`` is the file the Document was parsed from: for ``doc.kind == "pdf"`` the
    PDF (``password`` opens an encrypted one; its encryption is kept), for ``"image"``
    the image file (every frame of a multi-frame TIFF becomes a page). Pages with
    ``method`` "ocr" or "vlm" and a status other than "failed" get the invisible text
    of their elements; every other page, and the document's metadata, stay as they were.
    Raises PermissionError when ``password`` does not open the PDF.

    Needs pikepdf (the ``pdf`` extra): import this module only when writing a PDF.
    """
    source = Path(source)
    pdf = _open_pdf(source, password) if doc.kind == "pdf" else image_pdf(doc, source)
    with pdf:
        layers = _page_layers(doc, len(pdf.pages))
        if layers:
            font = CidFont.for_texts(ln.text for _, lines in layers.values() for ln in lines)
            font_ref = font.make_pdf_font(pdf)
            for number, (page, lines) in layers.items():
                _add_layer(pdf, pdf.pages[number - 1], page, lines, (font, font_ref))
        return _save(pdf)


def _open_pdf(source: Path, password: str | None) -> pikepdf.Pdf:
    try:
        return pikepdf.open(source, password=password or "")
    except pikepdf.PasswordError as exc:
        raise PermissionError(f"{source.name}: the password does not open it") from exc


def _save(pdf: pikepdf.Pdf) -> bytes:
    """The PDF's bytes: new streams Flate-compressed, streams already filtered
    copied as they are (not decoded and redone), the XMP left exactly as it was, and
    the file ID derived from the content. An encrypted source stays encrypted with
    its own settings; there qpdf must re-encrypt every stream and a random ID is
    part of the encryption, so neither of the last two applies."""
    options: dict[str, Any] = {"encryption": True}
    if not pdf.is_encrypted:
        options = {
            "stream_decode_level": pikepdf.StreamDecodeLevel.none,
            "deterministic_id": True,
        }
    buffer = io.BytesIO()
    pdf.save(buffer, compress_streams=True, fix_metadata_version=False, **options)
    return buffer.getvalue()


def wants_layer(page: Page) -> bool:
    """Whether ``page`` gets an invisible text layer."""
    return page.method in LAYER_METHODS and page.status != "failed"


# --- what text goes where ----------------------------------------------------


@dataclass(frozen=True)
class LayerLine:
    """One line of invisible text and the slot of the page image it fills."""

    text: str
    box: tuple[float, float, float, float]  # x1, y1, x2, y2 in page-image pixels


def _page_layers(doc: Document, page_count: int) -> dict[int, tuple[Page, list[LayerLine]]]:
    """Every page that gets a layer (by number), with its lines."""
    layers: dict[int, tuple[Page, list[LayerLine]]] = {}
    for page in doc.pages:
        if not wants_layer(page) or not 1 <= page.number <= page_count:
            continue
        if page.width <= 0 or page.height <= 0:
            continue
        lines = page_lines(page)
        if lines:
            layers[page.number] = (page, lines)
    return layers


def page_lines(page: Page) -> list[LayerLine]:
    """Every element's lines, each with its share of the element's box: the box
    height divided evenly among the lines, top to bottom; vertical writing goes in
    columns, right to left, one character under the other."""
    out: list[LayerLine] = []
    for element in page.elements:
        x1, y1, x2, y2 = (float(v) for v in element.bbox)
        texts = element_lines(element)
        if not texts or x2 <= x1 or y2 <= y1:
            continue
        if _looks_vertical("".join(texts), x2 - x1, y2 - y1):
            out.extend(vertical_lines(texts, (x1, y1, x2, y2)))
            continue
        slot = (y2 - y1) / len(texts)
        for i, text in enumerate(texts):
            out.append(LayerLine(text, (x1, y1 + i * slot, x2, y1 + (i + 1) * slot)))
    return out


def vertical_lines(texts: list[str], box: tuple[float, float, float, float]) -> list[LayerLine]:
    """Vertical text as one invisible character per cell: the box split into columns
    from the right (a text line each, or, for one joined line, as many as the box's
    shape holds), each column into one cell per character from the top. So a
    character's box lies on the printed one, and text tools read each column top to
    bottom, columns right to left, as the page is read."""
    x1, y1, x2, y2 = box
    columns = texts
    if len(texts) == 1:
        count = min(_line_count(texts[0], y2 - y1, x2 - x1), len(texts[0]))
        size = -(-len(texts[0]) // count)
        columns = [texts[0][i : i + size] for i in range(0, len(texts[0]), size)]
    width = (x2 - x1) / len(columns)
    out: list[LayerLine] = []
    for i, column in enumerate(columns):
        chars = [ch for ch in column if not ch.isspace()]
        if not chars:
            continue
        right = x2 - i * width
        cell = (y2 - y1) / len(chars)
        for j, ch in enumerate(chars):
            out.append(LayerLine(ch, (right - width, y1 + j * cell, right, y1 + (j + 1) * cell)))
    return out


def element_lines(element: Element) -> list[str]:
    """The lines of invisible text for ``element``, top to bottom.

    The text's own lines are kept; a single line whose box holds several printed
    lines (a paragraph the engine joined; judged from the box's shape and the text's
    length, see ``wrap_line``) is wrapped into that many balanced lines, so each
    line's character boxes sit near the printed line instead of one line stretched
    over the whole paragraph.
    """
    lines = [clean_line(line) for line in element_text(element).splitlines()]
    lines = [line for line in lines if line]
    if len(lines) == 1:
        x1, y1, x2, y2 = element.bbox
        lines = wrap_line(lines[0], x2 - x1, y2 - y1)
    return lines


def element_text(element: Element) -> str:
    """The plain text an element shows: Markdown marks dropped, table cells from
    HTML (cells joined by spaces, rows by newlines), LaTeX as written, pictures none."""
    text = element.text or ""
    if element.category == "Picture" or not text.strip():
        return ""
    if element.category == "Table":
        return table_text(text)
    if element.category in _MARKDOWN_CATEGORIES:
        return markdown_text(text)
    return text


def markdown_text(text: str) -> str:
    """Markdown as a reader sees it: no heading marks, bold marks or escapes."""
    lines = [_MD_HEADING.sub("", line) for line in text.splitlines()]
    return _MD_ESCAPE.sub(r"\1", _MD_EMPHASIS.sub(r"\2", "\n".join(lines)))


def table_text(table_html: str) -> str:
    """Table HTML as text: one line per row, its cells' texts joined by spaces."""
    return table_plain_text(table_html, " ")


def clean_line(line: str) -> str:
    """One line as it is drawn: control characters and lone surrogates replaced,
    whitespace runs collapsed to one space, ends trimmed."""
    chars = []
    for ch in line:
        category = unicodedata.category(ch)
        if category == "Cs":
            chars.append(_REPLACEMENT)
        elif category == "Cc":
            chars.append(" ")
        else:
            chars.append(ch)
    return _SPACES.sub(" ", "".join(chars)).strip()


def char_width(ch: str) -> int:
    """Advance of ``ch`` in the glyphless font, in 1/1000 em."""
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return WIDE_WIDTH
    return SPACE_WIDTH if ch.isspace() else NARROW_WIDTH


def _line_count(text: str, width: float, height: float) -> int:
    """How many printed lines a box of ``width`` x ``height`` holding ``text`` has:
    with k lines the pitch is height/k, an em pitch/1.2, and the text (E ems long)
    is E/k ems per line, so E * height / (1.2 k^2) = width."""
    ems = sum(char_width(ch) for ch in text) / 1000.0
    if width <= 0 or height <= 0:
        return 1
    return max(1, round((ems * height / (_PITCH_EMS * width)) ** 0.5))


def _looks_vertical(text: str, width: float, height: float) -> bool:
    """Mostly East Asian wide characters in a box taller than wide: likely vertical
    writing, whose columns horizontal lines would not match (a taller-than-wide
    box of Latin text is just a narrow column, and is wrapped)."""
    wide = sum(1 for ch in text if char_width(ch) == WIDE_WIDTH)
    return height > width and wide * 2 > len(text)


def _tokens(text: str) -> list[str]:
    """Break opportunities: a word with its trailing spaces, or one wide character."""
    tokens: list[str] = []
    current = ""
    for ch in text:
        wide = char_width(ch) == WIDE_WIDTH
        if current and (wide or (not ch.isspace() and current[-1].isspace())):
            tokens.append(current)
            current = ""
        current += ch
        if wide:
            tokens.append(current)
            current = ""
    if current:
        tokens.append(current)
    # A wide character's trailing spaces belong with it.
    merged: list[str] = []
    for token in tokens:
        if merged and token.isspace():
            merged[-1] += token
        else:
            merged.append(token)
    return merged


def wrap_line(text: str, width: float, height: float) -> list[str]:
    """``text`` in as many lines as the box seems to print (see ``_line_count``),
    broken at the word boundaries (or between wide characters) nearest to equal
    widths. Text that looks vertical (see ``_looks_vertical``) is not wrapped."""
    if _looks_vertical(text, width, height):
        return [text]
    tokens = _tokens(text)
    count = min(_line_count(text, width, height), len(tokens))
    if count <= 1:
        return [text]
    ends: list[float] = []
    total = 0.0
    for token in tokens:
        total += sum(char_width(ch) for ch in token)
        ends.append(total)
    cuts: list[int] = []
    for i in range(1, count):
        target = total * i / count
        low = cuts[-1] + 1 if cuts else 1
        high = len(tokens) - (count - i)
        best = min(range(low, high + 1), key=lambda j: abs(ends[j - 1] - target))
        cuts.append(best)
    bounds = [0, *cuts, len(tokens)]
    lines = ["".join(tokens[a:b]).strip() for a, b in itertools.pairwise(bounds)]
    return [line for line in lines if line]


# --- right-to-left text -------------------------------------------------------
#
# Text extractors (PDFium, poppler) take glyphs drawn left to right as the visual
# order and apply the Unicode bidirectional algorithm to get the reading order back,
# as they must for real Arabic or Hebrew PDFs. So a line is drawn in visual order:
# the model's logical text goes through a compact form of that algorithm (UAX #9
# for one paragraph without explicit embeddings or mirroring), enough for words,
# numbers and punctuation mixed in either direction.

_STRONG_RTL = frozenset({"R", "AL"})
_NUMBERS = frozenset({"EN", "AN"})


def visual_order(line: str) -> str:
    """``line`` (logical order) in the order its characters appear left to right."""
    classes = [unicodedata.bidirectional(ch) for ch in line]
    if not any(c in _STRONG_RTL or c == "AN" for c in classes):
        return line
    base = 1 if _first_strong(classes) == "R" else 0
    levels = _levels(_resolve_weak(classes, base), base)
    order = list(range(len(line)))
    for level in range(max(levels), 0, -1):
        i = 0
        while i < len(order):
            if levels[order[i]] < level:
                i += 1
                continue
            j = i
            while j < len(order) and levels[order[j]] >= level:
                j += 1
            order[i:j] = order[i:j][::-1]
            i = j
    return "".join(line[k] for k in order)


def _first_strong(classes: Sequence[str]) -> str | None:
    for c in classes:
        if c == "L":
            return "L"
        if c in _STRONG_RTL:
            return "R"
    return None


def _resolve_weak(classes: list[str], base: int) -> list[str]:
    """Each character as "L", "R", "N" (a number, which sits left to right inside
    right-to-left text) or "" (neutral): marks take the class before them,
    separators inside a number and signs next to it join it, and a European number
    after left-to-right text is left-to-right."""
    out: list[str] = []
    strong = "R" if base else "L"
    for c in classes:
        if c == "NSM":
            c = out[-1] if out else strong
        if c in _STRONG_RTL or c == "R":
            strong = "R"
            out.append("R")
        elif c == "L":
            strong = "L"
            out.append("L")
        elif c in _NUMBERS:
            out.append("L" if c == "EN" and strong == "L" else "N")
        else:
            out.append(c)
    for i in range(1, len(out) - 1):
        if out[i] in ("ES", "CS") and out[i - 1] == out[i + 1] and out[i - 1] in ("N", "L"):
            out[i] = out[i - 1]
    return [c if c in ("L", "R", "N") else "" for c in out]


def _levels(kinds: list[str], base: int) -> list[int]:
    """Embedding levels: right-to-left 1, numbers 2, left-to-right 0 (2 inside a
    right-to-left paragraph); a neutral run takes the direction on both its sides
    when they agree (numbers count as right-to-left there), else the paragraph's."""
    strong_level = {"L": 2 if base else 0, "R": 1, "N": 2}
    levels = [strong_level.get(k, -1) for k in kinds]
    edge = "R" if base else "L"
    i = 0
    while i < len(kinds):
        if kinds[i]:
            i += 1
            continue
        j = i
        while j < len(kinds) and not kinds[j]:
            j += 1
        before = _side(kinds[i - 1]) if i > 0 else edge
        after = _side(kinds[j]) if j < len(kinds) else edge
        fill = strong_level[before] if before == after else base
        levels[i:j] = [fill] * (j - i)
        i = j
    return levels


def _side(kind: str) -> str:
    return "L" if kind == "L" else "R"


# --- the glyphless font -------------------------------------------------------


@dataclass(frozen=True)
class CidFont:
    """The document's CIDs: one per character used, numbered from 1, narrow
    characters first then wide ones (so ``/W`` is one range), each group by code point."""

    cids: dict[str, int]

    @classmethod
    def for_texts(cls, texts: Iterable[str]) -> CidFont:
        used = set()
        for text in texts:
            used.update(text)
        ordered = sorted(used, key=_cid_order)
        if len(ordered) > _MAX_CID:
            # Two-byte codes 1..65535 hold that many characters; the rest show U+FFFD.
            ordered = sorted({*ordered[: _MAX_CID - 1], _REPLACEMENT}, key=_cid_order)
        return cls({ch: cid for cid, ch in enumerate(ordered, start=1)})

    def encode(self, text: str) -> str:
        """``text`` as a PDF hex string of two-byte CIDs (Identity-H)."""
        fallback = self.cids.get(_REPLACEMENT, 1)
        return "<" + "".join(f"{self.cids.get(ch, fallback):04X}" for ch in text) + ">"

    def widths(self) -> list[int]:
        """The ``/W`` array, ``first last width`` per run of CIDs of one width
        (CIDs are ordered by width, so one run per width); wide CIDs take ``/DW``."""
        runs: dict[int, list[int]] = {}
        for ch, cid in self.cids.items():
            runs.setdefault(char_width(ch), []).append(cid)
        out: list[int] = []
        for width, cids in sorted(runs.items()):
            if width != WIDE_WIDTH:
                out += [min(cids), max(cids), width]
        return out

    def gid_map(self) -> bytes:
        """The CIDToGIDMap, two bytes per CID from 0 (unused: the narrow glyph):
        each CID to the glyph of its width."""
        by_cid = sorted((cid, char_width(ch)) for ch, cid in self.cids.items())
        glyphs = [_GLYPH_FOR_WIDTH[width] for _, width in by_cid]
        return b"".join([_GLYPH_FOR_WIDTH[NARROW_WIDTH], *glyphs])

    def to_unicode(self) -> bytes:
        """The ToUnicode CMap: bfrange for runs of consecutive BMP code points,
        bfchar for the rest (UTF-16BE, so characters beyond the BMP are surrogate pairs)."""
        ranges, singles = _cmap_runs(sorted((cid, ch) for ch, cid in self.cids.items()))
        body = [
            "/CIDInit /ProcSet findresource begin",
            "12 dict begin",
            "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def",
            "/CMapType 2 def",
            "1 begincodespacerange",
            "<0000> <FFFF>",
            "endcodespacerange",
        ]
        for chunk in _chunks(ranges, 100):
            body.append(f"{len(chunk)} beginbfrange")
            body += [f"<{a:04X}> <{b:04X}> <{_utf16(ch)}>" for a, b, ch in chunk]
            body.append("endbfrange")
        for chunk in _chunks(singles, 100):
            body.append(f"{len(chunk)} beginbfchar")
            body += [f"<{cid:04X}> <{_utf16(ch)}>" for cid, ch in chunk]
            body.append("endbfchar")
        body += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
        return ("\n".join(body) + "\n").encode("ascii")

    def make_pdf_font(self, pdf: pikepdf.Pdf) -> pikepdf.Object:
        """Add the Type0 font (and its parts) to ``pdf``; returns the indirect font."""
        font_file = Stream(pdf, glyphless_font())
        font_file.Length1 = len(glyphless_font())
        descriptor = Dictionary(
            Type=Name.FontDescriptor,
            FontName=Name("/" + _FONT_NAME),
            Flags=4,  # symbolic: its glyphs are not from the standard Latin set
            FontBBox=Array([0, DESCENT, WIDE_WIDTH, ASCENT]),
            ItalicAngle=0,
            Ascent=ASCENT,
            Descent=DESCENT,
            CapHeight=ASCENT,
            StemV=80,
            FontFile2=pdf.make_indirect(font_file),
        )
        gid_map = Stream(pdf, self.gid_map())
        descendant = Dictionary(
            Type=Name.Font,
            Subtype=Name.CIDFontType2,
            BaseFont=Name("/" + _FONT_NAME),
            CIDSystemInfo=Dictionary(Registry="Adobe", Ordering="Identity", Supplement=0),
            FontDescriptor=pdf.make_indirect(descriptor),
            DW=WIDE_WIDTH,
            W=Array(self.widths()),
            CIDToGIDMap=pdf.make_indirect(gid_map),
        )
        font = Dictionary(
            Type=Name.Font,
            Subtype=Name.Type0,
            BaseFont=Name("/" + _FONT_NAME),
            Encoding=Name("/Identity-H"),
            DescendantFonts=Array([pdf.make_indirect(descendant)]),
            ToUnicode=pdf.make_indirect(Stream(pdf, self.to_unicode())),
        )
        return pdf.make_indirect(font)


def _cid_order(ch: str) -> tuple[int, int]:
    return char_width(ch), ord(ch)


def glyphless_font() -> bytes:
    """The package's glyphless TrueType font (scripts/make_glyphless_font.py)."""
    return resources.files("dotsocr.render").joinpath("fonts/glyphless.ttf").read_bytes()


def _cmap_runs(
    pairs: Sequence[tuple[int, str]],
) -> tuple[list[tuple[int, int, str]], list[tuple[int, str]]]:
    """Split (cid, char) pairs, sorted by CID, into bfrange runs and bfchar singles.

    A run needs consecutive CIDs and code points, BMP characters only, and may not
    carry into a CID's or a character's high byte (a bfrange only counts the last byte).
    """
    ranges: list[tuple[int, int, str]] = []
    singles: list[tuple[int, str]] = []
    run: list[tuple[int, str]] = []

    def flush() -> None:
        if len(run) > 1:
            ranges.append((run[0][0], run[-1][0], run[0][1]))
        else:
            singles.extend(run)
        run.clear()

    for cid, ch in pairs:
        if run and _continues(run[-1], (cid, ch)):
            run.append((cid, ch))
            continue
        flush()
        run.append((cid, ch))
    flush()
    return ranges, singles


def _continues(last: tuple[int, str], pair: tuple[int, str]) -> bool:
    (cid0, ch0), (cid, ch) = last, pair
    code0, code = ord(ch0), ord(ch)
    return (
        cid == cid0 + 1
        and code == code0 + 1
        and code <= 0xFFFF
        and cid >> 8 == cid0 >> 8
        and code >> 8 == code0 >> 8
    )


def _utf16(ch: str) -> str:
    return ch.encode("utf-16-be").hex().upper()


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- page geometry ------------------------------------------------------------


@dataclass(frozen=True)
class PageGeometry:
    """The affine from page-image pixels to PDF user space, as pdfium renders.

    pdfium draws the page's crop box (intersected with its media box) rotated by
    ``/Rotate`` clockwise into the whole image, so pixel (px, py) is the point at
    fractions u = px / width, v = py / height across the rotated box. ``matrix`` is
    (a, b, c, d, e, f): x = a*px + c*py + e, y = b*px + d*py + f.
    """

    matrix: tuple[float, float, float, float, float, float]

    @classmethod
    def for_box(
        cls, box: tuple[float, float, float, float], rotate: int, width: int, height: int
    ) -> PageGeometry:
        """``box`` (x0, y0, x1, y1, normalised) drawn with ``rotate`` (0/90/180/270)
        into a ``width`` x ``height`` pixel image."""
        x0, y0, x1, y1 = box
        w, h = x1 - x0, y1 - y0
        su, sv = 1.0 / width, 1.0 / height
        # (x, y) as functions of (u, v) for each rotation, then scaled to pixels.
        table = {
            0: (w, 0.0, 0.0, -h, x0, y1),
            90: (0.0, h, w, 0.0, x0, y0),
            180: (-w, 0.0, 0.0, h, x1, y0),
            270: (0.0, -h, -w, 0.0, x1, y1),
        }
        a, b, c, d, e, f = table[rotate]
        return cls((a * su, b * su, c * sv, d * sv, e, f))

    def point(self, px: float, py: float) -> tuple[float, float]:
        a, b, c, d, e, f = self.matrix
        return a * px + c * py + e, b * px + d * py + f

    def scales(self) -> tuple[float, float]:
        """Points per pixel along the image's x and y axes."""
        a, b, c, d, _, _ = self.matrix
        return (a * a + b * b) ** 0.5, (c * c + d * d) ** 0.5


def pdf_page_geometry(page_obj: pikepdf.Object, width: int, height: int) -> PageGeometry:
    """The geometry of a pikepdf page rendered at ``width`` x ``height`` pixels,
    with pdfium's rules: a missing or empty media box is US Letter, the crop box
    (inherited, normalised) is clipped to the media box, /Rotate is taken in whole
    quarter turns (C integer division, then modulo 4)."""
    media = _rect(_inherited(page_obj, "/MediaBox")) or (0.0, 0.0, 612.0, 792.0)
    crop = _rect(_inherited(page_obj, "/CropBox"))
    box = _intersect(crop, media) if crop else media
    rotate_value = _inherited(page_obj, "/Rotate")
    try:
        quarter = int(int(rotate_value) / 90) if rotate_value is not None else 0
    except (TypeError, ValueError):
        quarter = 0
    return PageGeometry.for_box(box, (quarter % 4) * 90, width, height)


def _inherited(page_obj: pikepdf.Object, key: str) -> Any:
    """``key`` of a page or of the nearest page-tree node above it that has it."""
    node, seen = page_obj, 0
    while node is not None and seen < 64:
        if key in node:
            return node[key]
        node = node.get("/Parent")
        seen += 1
    return None


def _rect(value: Any) -> tuple[float, float, float, float] | None:
    """A PDF rectangle, normalised; None when absent, malformed or empty."""
    try:
        x0, y0, x1, y1 = (float(v) for v in value)
    except (TypeError, ValueError):
        return None
    rect = (min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))
    return rect if rect[2] > rect[0] and rect[3] > rect[1] else None


def _intersect(
    a: tuple[float, float, float, float], b: tuple[float, float, float, float]
) -> tuple[float, float, float, float]:
    rect = (max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3]))
    return rect if rect[2] > rect[0] and rect[3] > rect[1] else b


# --- adding the layer to a page -----------------------------------------------


def _add_layer(
    pdf: pikepdf.Pdf,
    pdf_page: pikepdf.Page,
    page: Page,
    lines: list[LayerLine],
    font: tuple[CidFont, pikepdf.Object],
) -> None:
    """Append the invisible text of ``lines`` to the pikepdf page ``pdf_page``."""
    cid_font, font_ref = font
    geometry = pdf_page_geometry(pdf_page.obj, page.width, page.height)
    name = _add_font_resource(pdf_page.obj, font_ref)
    ops = [_line_ops(line, geometry, cid_font, name) for line in lines]
    layer = "BT\n3 Tr 0 Tc 0 Tw 0 Ts\n" + "".join(ops) + "ET\n"
    _append_content(pdf, pdf_page, layer.encode("ascii"))


def _line_ops(line: LayerLine, geometry: PageGeometry, font: CidFont, name: str) -> str:
    """Text operators drawing one line stretched over its slot.

    The font size is the slot's height in points; the baseline sits 0.2 of it above
    the slot's bottom (the font's descent), so the glyph cells span the slot. The
    horizontal scale (Tz) makes the line's advance equal the slot's width. The
    characters go in visual order (right-to-left runs reversed).
    """
    x1, y1, x2, y2 = line.box
    sx, sy = geometry.scales()
    size = (y2 - y1) * sy
    ems = sum(char_width(ch) for ch in line.text) / 1000.0
    scale = max(_MIN_TZ, 100.0 * (x2 - x1) * sx / (ems * size))
    a, b, c, d, _, _ = geometry.matrix
    ox, oy = geometry.point(x1, y2 + (y2 - y1) * DESCENT / 1000.0)
    # Text x axis: along the image's x; text y axis: up the image (against pixel y).
    tm = (a / sx, b / sx, -c / sy, -d / sy, ox, oy)
    return (
        f"/{name} {_num(size)} Tf {_num(scale)} Tz "
        f"{' '.join(_num(v) for v in tm)} Tm {font.encode(visual_order(line.text))} Tj\n"
    )


def _num(value: float) -> str:
    """A number for a content stream: at most 4 decimals, no trailing zeros."""
    text = f"{value:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _add_font_resource(page_obj: pikepdf.Object, font_ref: pikepdf.Object) -> str:
    """Put the font in the page's own /Resources /Font under a free name.

    The page gets its own (shallow) copies of its resources and font dictionaries,
    inherited or shared ones included, so no other page's resources change.
    """
    own = _dict_copy(_inherited(page_obj, "/Resources"))
    own_fonts = _dict_copy(own.get("/Font"))
    name = _FONT_NAME
    n = 0
    while "/" + name in own_fonts:
        n += 1
        name = f"{_FONT_NAME}{n}"
    own_fonts[Name("/" + name)] = font_ref
    own.Font = own_fonts
    page_obj.Resources = own
    return name


def _dict_copy(value: Any) -> pikepdf.Dictionary:
    """A new direct dictionary with ``value``'s entries (empty if it is no dictionary)."""
    if not isinstance(value, Dictionary):
        return Dictionary()
    return Dictionary({key: item for key, item in value.items()})


def _append_content(pdf: pikepdf.Pdf, pdf_page: pikepdf.Page, layer: bytes) -> None:
    """``/Contents`` becomes [q stream, the original streams..., Q + ``layer``]:
    the original streams are not rewritten, and enough q/Q surround them that
    whatever graphics state they leave (even unbalanced) is undone before the layer."""
    contents = pdf_page.obj.get("/Contents")
    if contents is None:
        original: list[Any] = []
    elif isinstance(contents, Array):
        original = list(contents)
    else:
        original = [contents]
    if not original:
        pdf_page.obj.Contents = pdf.make_indirect(Stream(pdf, layer))
        return
    opens, closes = _save_restore_balance(pdf_page)
    head = pdf.make_indirect(Stream(pdf, b"q\n" * opens))
    tail = pdf.make_indirect(Stream(pdf, b"\n" + b"Q\n" * closes + layer))
    pdf_page.obj.Contents = Array([head, *original, tail])


def _save_restore_balance(page: pikepdf.Page) -> tuple[int, int]:
    """How many q to put before the page's content and Q after it so that the
    graphics state is back at the page's default: one of each, plus one more q for
    every Q the content pops beyond its own q, and one more Q for every q it leaves open."""
    depth = lowest = 0
    try:
        for instruction in pikepdf.parse_content_stream(page, "q Q"):
            depth += 1 if str(instruction.operator) == "q" else -1
            lowest = min(lowest, depth)
    except (pikepdf.PdfError, ValueError):
        return 1, 1
    opens = 1 - lowest
    return opens, opens + depth


# --- image inputs -------------------------------------------------------------


def image_pdf(doc: Document, source: Path) -> pikepdf.Pdf:
    """A new PDF with one page per frame of the image ``source``, the frame drawn
    upright (EXIF orientation applied, as the sources do) over the whole page. A
    page's size is its image's pixels * 72 / dpi, with the Document's page size and
    DPI where it has the page (72 DPI if unknown)."""
    pdf = pikepdf.new()
    pages = {page.number: page for page in doc.pages}
    with Image.open(source) as image:
        for index, frame in enumerate(ImageSequence.Iterator(image)):
            # A single-frame JPEG that needs no turning goes in as its own bytes.
            jpeg = image.format == "JPEG" and index == 0 and _upright(frame)
            upright = ImageOps.exif_transpose(frame)
            size = _frame_points(upright, pages.get(index + 1))
            xobject = _image_xobject(pdf, upright, source.read_bytes() if jpeg else None)
            _add_image_page(pdf, xobject, size)
    return pdf


def _frame_points(frame: Image.Image, page: Page | None) -> tuple[float, float]:
    """Page size in points for a frame."""
    if page is not None and page.width > 0 and page.height > 0:
        dpi = page.dpi or 72.0
        return page.width * 72.0 / dpi, page.height * 72.0 / dpi
    dpi = image_dpi(frame) or 72.0
    return frame.width * 72.0 / dpi, frame.height * 72.0 / dpi


def _add_image_page(pdf: pikepdf.Pdf, xobject: pikepdf.Object, size: tuple[float, float]) -> None:
    width, height = (round(v, 4) for v in size)
    content = f"q {_num(width)} 0 0 {_num(height)} 0 0 cm /Im0 Do Q\n".encode("ascii")
    page = Dictionary(
        Type=Name.Page,
        MediaBox=Array([0, 0, width, height]),
        Resources=Dictionary(XObject=Dictionary(Im0=xobject)),
        Contents=pdf.make_indirect(Stream(pdf, content)),
    )
    pdf.pages.append(pikepdf.Page(page))


def _image_xobject(
    pdf: pikepdf.Pdf, frame: Image.Image, jpeg: bytes | None = None
) -> pikepdf.Object:
    """The frame as an image XObject: ``jpeg`` (the file's own bytes, DCTDecode) when
    given and the frame is grey or RGB, otherwise lossless Flate with PNG predictors
    (the PNG encoder's own compressed data, which PDF's FlateDecode reads as it is)."""
    if jpeg is not None and frame.mode in ("L", "RGB"):
        data, filter_, parms = jpeg, Name.DCTDecode, None
        bits, colors = 8, len(frame.mode)
    else:
        frame = _pdf_mode(frame)
        data, bits, colors = png_idat(frame)
        filter_ = Name.FlateDecode
        parms = Dictionary(Predictor=15, Colors=colors, BitsPerComponent=bits, Columns=frame.width)
    stream = Stream(pdf, b"")
    stream.write(data, filter=filter_, decode_parms=parms)
    stream.Type = Name.XObject
    stream.Subtype = Name.Image
    stream.Width = frame.width
    stream.Height = frame.height
    stream.ColorSpace = Name.DeviceGray if colors == 1 else Name.DeviceRGB
    stream.BitsPerComponent = bits
    return pdf.make_indirect(stream)


def _upright(frame: Image.Image) -> bool:
    """Whether the frame needs no turning by its EXIF orientation."""
    return frame.getexif().get(0x0112, 1) == 1


def _pdf_mode(frame: Image.Image) -> Image.Image:
    """1-bit, 8-bit grey or RGB, the modes written as they are; anything else
    (palette, alpha, 16-bit, CMYK) through the sources' RGB conversion."""
    if frame.mode in ("1", "L", "RGB"):
        return frame
    return to_rgb(frame)


def png_idat(image: Image.Image) -> tuple[bytes, int, int]:
    """The zlib data of ``image`` encoded as PNG (predictor bytes included), with
    its bits per component and colour count."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=6)
    data = buffer.getvalue()
    chunks: list[bytes] = []
    pos = 8  # the PNG signature
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if kind == b"IDAT":
            chunks.append(data[pos + 8 : pos + 8 + length])
        pos += 12 + length
    bits = 1 if image.mode == "1" else 8
    return b"".join(chunks), bits, 1 if image.mode in ("1", "L") else 3
