"""The Python API as the README shows it."""

from __future__ import annotations

import pytest

from dotsocr import Document, DotsOCRPDFProcessor, EngineError, parse
from support import SAMPLE_PDF


def test_parse_returns_a_document_without_writing(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOTSOCR_SERVER_URL", raising=False)
    doc = parse(SAMPLE_PDF, pages="1")
    assert isinstance(doc, Document)
    assert [p.number for p in doc.pages] == [1]
    assert doc.page_count == 2
    page = doc.pages[0]
    assert page.engine == "cpu" and page.method == "text-layer" and page.dpi == 200
    categories = {e.category for e in page.elements}
    assert {"Title", "Section-header", "Text"} <= categories
    for e in page.elements:
        assert 0 <= e.bbox[0] <= e.bbox[2] <= page.width
        assert 0 <= e.bbox[1] <= e.bbox[3] <= page.height
    assert "# Parsing Documents with dotsocr" in doc.markdown()
    assert list(tmp_path.iterdir()) == []


def test_processor_matches_parse(tmp_path):
    proc = DotsOCRPDFProcessor(use_gpu=False, batch_size=1)
    via_processor = proc.process_pdf(SAMPLE_PDF)
    via_parse = parse(SAMPLE_PDF, engine="cpu")
    assert [p.elements for p in via_processor.pages] == [p.elements for p in via_parse.pages]


def test_processor_writes_outputs_when_asked(tmp_path):
    DotsOCRPDFProcessor().process_pdf(SAMPLE_PDF, output_dir=tmp_path)
    assert (tmp_path / "sample_report" / "sample_report.md").is_file()


def test_gpu_processor_without_a_server_explains_itself(monkeypatch):
    monkeypatch.delenv("DOTSOCR_SERVER_URL", raising=False)
    with pytest.raises(EngineError, match="needs a server: pass --server URL"):
        DotsOCRPDFProcessor(use_gpu=True, batch_size=8)


def test_bad_batch_size():
    with pytest.raises(ValueError):
        DotsOCRPDFProcessor(batch_size=0)
