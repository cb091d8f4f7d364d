"""Filled-in form fields: their values are page text too.

A PDF form's values live in widget annotations, not in the page's content stream,
so the text layer does not have them although the rendered page shows them (the
form environment draws them). Each text, combo or list field with a value becomes
characters laid evenly across its box, and the field boxes are kept so the engine
knows where a form is (a layout model takes a block of fields for a picture).
"""

from __future__ import annotations

import ctypes
import logging

import numpy as np
import pypdfium2.raw as pdfium_c

from dotsocr.sources.base import FormField, TextChar

logger = logging.getLogger(__name__)

_VALUE_FIELDS = (
    pdfium_c.FPDF_FORMFIELD_TEXTFIELD,
    pdfium_c.FPDF_FORMFIELD_COMBOBOX,
    pdfium_c.FPDF_FORMFIELD_LISTBOX,
)
#: A field's text is set this share of the field's height (a viewer's auto size).
_TEXT_SHARE = 0.7
#: Characters are laid out this share of the text size wide (a sans font's mean).
_ADVANCE = 0.55


def _value(form: object, annot: object) -> str:
    size = pdfium_c.FPDFAnnot_GetFormFieldValue(form, annot, None, 0)
    if size <= 2:
        return ""
    buffer = ctypes.create_string_buffer(size)
    pdfium_c.FPDFAnnot_GetFormFieldValue(
        form, annot, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)), size
    )
    return buffer.raw[: size - 2].decode("utf-16-le", errors="replace").strip()


def _pixel_box(annot: object, transform: np.ndarray) -> tuple[float, float, float, float] | None:
    rect = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFAnnot_GetRect(annot, rect):
        return None
    corners = np.array(
        [[rect.left, rect.bottom, 1.0], [rect.right, rect.top, 1.0]], dtype=np.float64
    )
    (x1, y1), (x2, y2) = corners @ transform.T
    return (float(min(x1, x2)), float(min(y1, y2)), float(max(x1, x2)), float(max(y1, y2)))


def read_form_fields(page: object, form: object, transform: np.ndarray) -> list[FormField]:
    """The widget annotations of a loaded raw ``page`` (``form``: the document's form
    handle), boxes in rendered pixels; [] when pdfium cannot read them."""
    fields: list[FormField] = []
    for index in range(max(pdfium_c.FPDFPage_GetAnnotCount(page), 0)):
        annot = pdfium_c.FPDFPage_GetAnnot(page, index)
        if not annot:
            continue
        try:
            if pdfium_c.FPDFAnnot_GetSubtype(annot) != pdfium_c.FPDF_ANNOT_WIDGET:
                continue
            box = _pixel_box(annot, transform)
            if box is None:
                continue
            kind = pdfium_c.FPDFAnnot_GetFormFieldType(form, annot)
            value = _value(form, annot) if kind in _VALUE_FIELDS else ""
            fields.append(FormField(box=box, value=value))
        finally:
            pdfium_c.FPDFPage_CloseAnnot(annot)
    return fields


def field_chars(fields: list[FormField]) -> list[TextChar]:
    """Characters of the fields' values, one line per field, laid across its box
    from the left (a multi-line value wraps no further: its lines follow on)."""
    chars: list[TextChar] = []
    for f in fields:
        if not f.value:
            continue
        x1, y1, x2, y2 = f.box
        size = max(min((y2 - y1) * _TEXT_SHARE, (x2 - x1) / max(len(f.value), 1) / _ADVANCE), 1.0)
        top = y1 + ((y2 - y1) - size) / 2
        x = x1 + 0.1 * size
        for ch in " ".join(f.value.split()):
            chars.append(TextChar(ch, (x, top, x + _ADVANCE * size, top + size), font_size=size))
            x += _ADVANCE * size
        chars.append(TextChar("\n", (x, top, x, top + size), font_size=size, generated=True))
    return chars
