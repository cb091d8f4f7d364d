"""Every writer at once through the CLI, as the issue's yardstick runs it, and a
rerun that skips every page."""

from __future__ import annotations

import json
from pathlib import Path

import pypdfium2 as pdfium
import pytest

from dotsocr.model import Document
from dotsocr.writers import registry
from support import SAMPLE_PDF, run_dotsocr

ALL = "json,md,jpg,html,pdf,docling,csv,xlsx"


@pytest.fixture(scope="module")
def parsed(tmp_path_factory) -> Path:
    pytest.importorskip("pikepdf")
    pytest.importorskip("docling_core")
    out = tmp_path_factory.mktemp("all")
    done = run_dotsocr("parse", SAMPLE_PDF, "-o", out, "--to", ALL, "--figures", "all")
    assert done.returncode == 0, done.stderr
    return out


def test_every_file_of_every_writer_is_written(parsed):
    folder = parsed / "sample_report"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    expected = {
        "sample_report.json",
        "sample_report.md",
        "sample_report_nohf.md",
        "sample_report.html",
        "sample_report.searchable.pdf",
        "sample_report.docling.json",
        "sample_report.xlsx",
    }
    for i in (0, 1):
        base = f"sample_report_page_{i}"
        expected |= {f"{base}{s}" for s in (".json", ".md", "_nohf.md", ".jpg")}
        expected.add(f"pages/{base}.jpg")
    assert expected <= names
    assert any(n.startswith("images/sample_report_page_0_") for n in names)
    assert any(n.startswith("tables/sample_report_page_0_table_") for n in names)
    assert not [n for n in names if ".tmp-" in n]


def test_the_document_json_is_a_valid_document_naming_its_figures(parsed):
    jsonschema = pytest.importorskip("jsonschema")
    folder = parsed / "sample_report"
    data = json.loads((folder / "sample_report.json").read_text(encoding="utf-8"))
    schema = json.loads(run_dotsocr("schema").stdout)
    jsonschema.validate(data, schema)
    doc = Document.model_validate(data)
    assert [p.number for p in doc.pages] == [1, 2]
    figures = [e.image for p in doc.pages for e in p.elements if e.image]
    assert figures and all((folder / f).is_file() for f in figures)
    page_json = json.loads((folder / "sample_report_page_0.json").read_text(encoding="utf-8"))
    assert [e.get("image") for e in page_json] == [e.image for e in doc.pages[0].elements]


def test_the_document_markdown_links_figures_and_nohf_drops_furniture(parsed):
    folder = parsed / "sample_report"
    md = (folder / "sample_report.md").read_text(encoding="utf-8")
    nohf = (folder / "sample_report_nohf.md").read_text(encoding="utf-8")
    links = [line for line in md.splitlines() if line.startswith("![")]
    assert links and all((folder / line.split("](")[1].rstrip(")")).is_file() for line in links)
    assert "Page 1" in md and "Page 1" not in nohf  # the sample's page footer
    assert len(nohf) < len(md)


def test_the_searchable_pdf_opens_and_keeps_the_born_digital_text(parsed):
    pdf = pdfium.PdfDocument(parsed / "sample_report" / "sample_report.searchable.pdf")
    assert len(pdf) == 2
    assert "Parsing Documents with dotsocr" in pdf[0].get_textpage().get_text_range()


def test_a_rerun_skips_every_page_and_keeps_every_file(parsed):
    folder = parsed / "sample_report"
    before = {p: p.stat().st_mtime_ns for p in folder.rglob("*") if p.is_file()}
    again = run_dotsocr("parse", SAMPLE_PDF, "-o", parsed, "--to", ALL, "--figures", "all")
    assert again.returncode == 0, again.stderr
    assert "2 page(s) already done" in again.stdout + again.stderr
    page_files = [p for p in before if "_page_" in p.name]
    assert all(p.stat().st_mtime_ns == before[p] for p in page_files)  # not rewritten


def test_a_single_image_gets_its_page_files_and_the_document_formats(tmp_path):
    pytest.importorskip("pikepdf")
    image = tmp_path / "scan.png"
    pdfium.PdfDocument(SAMPLE_PDF)[0].render(scale=100 / 72).to_pil().save(image)
    done = run_dotsocr("parse", image, "-o", tmp_path / "out", "--to", "json,md,html,pdf,csv")
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "out" / "scan"
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert {"scan.json", "scan.md", "scan_nohf.md", "scan.html", "scan.searchable.pdf"} <= names
    assert "pages/scan.jpg" in names
    assert isinstance(json.loads((folder / "scan.json").read_text(encoding="utf-8")), list)
    assert len(pdfium.PdfDocument(folder / "scan.searchable.pdf")) == 1


def test_a_writer_whose_package_is_missing_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(registry.PdfWriter, "requires", ("no_such_package_xyz", "pdf"))
    with pytest.raises(ValueError, match=r"pip install 'dotsocr\[pdf\]'"):
        registry.validate_writer_names(["json", "pdf"])


def test_unknown_formats_are_refused_with_the_list(tmp_path):
    done = run_dotsocr("parse", SAMPLE_PDF, "-o", tmp_path, "--to", "json,docx")
    assert done.returncode == 2
    assert "docx" in done.stderr and "docling" in done.stderr
    assert not list(tmp_path.iterdir())


def test_help_lists_every_writer_and_the_figure_options():
    shown = " ".join(run_dotsocr("parse", "--help").stdout.split())
    for name in registry.WRITERS:
        assert name in shown
    assert "--figures" in shown and "--md-images" in shown
