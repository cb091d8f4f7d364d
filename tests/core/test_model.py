import json

import pytest
from pydantic import ValidationError

from dotsocr.model import Document, Element, Page, json_schema
from dotsocr.protocol import CATEGORIES


def test_categories_match_the_model_protocol():
    schema = json.loads(json_schema())
    enum = schema["$defs"]["Element"]["properties"]["category"]["enum"]
    assert tuple(sorted(enum)) == CATEGORIES


def test_unknown_category_rejected():
    with pytest.raises(ValidationError):
        Element(bbox=[0, 0, 1, 1], category="Paragraph", text="x")


def test_inverted_box_rejected():
    with pytest.raises(ValidationError):
        Element(bbox=[10, 0, 5, 1], category="Text", text="x")


def test_box_to_points_is_one_multiplication():
    element = Element(bbox=[200, 400, 600, 800], category="Text", text="x")
    assert element.bbox_points(200) == [72.0, 144.0, 216.0, 288.0]


def test_document_round_trips_through_json():
    page = Page(
        number=2,
        width=100,
        height=200,
        dpi=200,
        elements=[Element(bbox=[1, 2, 3, 4], category="Title", text="Hi")],
        engine="cpu",
        timings={"layout": 0.1},
    )
    doc = Document(source="a.pdf", page_count=3, pages=[page])
    again = Document.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert again.pages[0].index == 1


def test_document_ok_reflects_failed_pages():
    doc = Document(source="a.pdf", pages=[Page(number=1, width=0, height=0, status="failed")])
    assert not doc.ok
    doc.pages[0].status = "repaired"
    assert doc.ok
