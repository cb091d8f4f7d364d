"""The command line as a user runs it: real subprocesses, real files."""

from __future__ import annotations

import json
import re

import pytest

from support import SAMPLE_PDF, make_text_pdf
from support import run_dotsocr as dotsocr


def test_sample_report_end_to_end(tmp_path):
    out = tmp_path / "out"
    run = dotsocr("parse", SAMPLE_PDF, "--output", out)
    assert run.returncode == 0, run.stderr
    assert "engine: cpu" in run.stderr
    assert "2 page(s) parsed" in run.stdout
    folder = out / "sample_report"
    for i in (0, 1):
        for suffix in (".json", ".md", "_nohf.md", ".jpg"):
            assert (folder / f"sample_report_page_{i}{suffix}").is_file()
    md = (folder / "sample_report.md").read_text()
    assert "# Parsing Documents with dotsocr" in md
    assert "Reading order matters" in md
    assert md.index("Scanned archives") < md.index("Reading order matters")
    nohf = (folder / "sample_report_page_0_nohf.md").read_text()
    assert "dotsocr sample report" not in nohf
    manifest = [json.loads(x) for x in (out / "sample_report.jsonl").read_text().splitlines()]
    assert [m["status"] for m in manifest] == ["ok", "ok"]
    assert manifest[0]["engine"] == "cpu" and manifest[0]["dpi"] == 200

    again = dotsocr("parse", SAMPLE_PDF, "--output", out)
    assert again.returncode == 0
    assert "2 page(s) already done" in again.stdout


def test_bad_inputs_each_get_one_line_and_the_rest_completes(tmp_path, shared_data):
    bogus = tmp_path / "notreally.pdf"
    bogus.write_text("hello, I am text")
    good = make_text_pdf(tmp_path / "good.pdf", [["A good page of text."]])
    encrypted = shared_data / "robustness/pdfjs/issue6010_1.pdf"
    corrupt = shared_data / "robustness/pdfjs/bug1020226.pdf"
    out = tmp_path / "out"
    run = dotsocr("parse", bogus, tmp_path / "missing.pdf", encrypted, corrupt, good, "-o", out)
    assert run.returncode == 1
    errors = [line for line in run.stderr.splitlines() if line.startswith("error")]
    assert len(errors) == 4, run.stderr
    assert any("notreally.pdf" in e and "not a PDF" in e for e in errors)
    assert any("missing.pdf" in e and "no such file" in e for e in errors)
    assert any("issue6010_1.pdf" in e and "password" in e for e in errors)
    assert any("bug1020226.pdf" in e for e in errors)
    assert "Traceback" not in run.stderr
    assert (out / "good" / "good_page_0.md").read_text().strip() == "A good page of text."


def test_password_opens_encrypted_pdf(tmp_path, shared_data):
    run = dotsocr(
        "parse",
        shared_data / "robustness/pdfjs/issue6010_1.pdf",
        "--password",
        "abc",
        "-o",
        tmp_path,
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout == ""


def test_usage_errors_exit_2(tmp_path):
    assert dotsocr("parse", SAMPLE_PDF, "--pages", "3-1", "-o", tmp_path).returncode == 2
    assert dotsocr("parse", SAMPLE_PDF, "--engine", "nope", "-o", tmp_path).returncode == 2
    run = dotsocr("parse", SAMPLE_PDF, "--engine", "dots", "-o", tmp_path)
    assert run.returncode == 2 and "needs a server" in run.stderr
    run = dotsocr("parse", SAMPLE_PDF, "--prompt", "grounding_ocr", "-o", tmp_path)
    assert run.returncode == 2 and "--engine dots" in run.stderr
    assert dotsocr("parse", tmp_path / "nothing-here", "-o", tmp_path).returncode == 1


def test_md_tables_pipe_writes_pipe_tables_and_redoes_the_pages(tmp_path):
    out = tmp_path / "out"
    folder = out / "sample_report"
    assert dotsocr("parse", SAMPLE_PDF, "-o", out, "--quiet").returncode == 0
    json_before = (folder / "sample_report_page_0.json").read_text()
    assert "<table>" in (folder / "sample_report.md").read_text()

    run = dotsocr("parse", SAMPLE_PDF, "-o", out, "--md-tables", "pipe")
    assert run.returncode == 0, run.stderr
    assert "2 page(s) parsed" in run.stdout  # other Markdown, so not resumed
    for name in ("sample_report.md", "sample_report_page_0.md", "sample_report_page_0_nohf.md"):
        md = (folder / name).read_text()
        assert "| --- | --- | --- |" in md and "<table>" not in md, name
    assert (folder / "sample_report_page_0.json").read_text() == json_before


def test_md_tables_refuses_an_unknown_form(tmp_path):
    run = dotsocr("parse", SAMPLE_PDF, "--md-tables", "bogus", "-o", tmp_path)
    assert run.returncode == 2
    message = " ".join(re.sub("[│╭╮╰╯─]", " ", run.stderr).split())
    assert "Invalid value for '--md-tables'" in message
    assert "'bogus' is not one of 'html', 'pipe'" in message
    assert not (tmp_path / "sample_report").exists()


def test_schema_prints_json_schema():
    run = dotsocr("schema")
    schema = json.loads(run.stdout)
    assert schema["title"] == "Document"
    assert "Element" in schema["$defs"]


def test_help_lists_commands():
    run = dotsocr("--help")
    assert run.returncode == 0
    assert "parse" in run.stdout and "schema" in run.stdout


def test_pages_option_selects_pages(tmp_path):
    pdf = make_text_pdf(tmp_path / "five.pdf", [[f"Body of page {i}."] for i in range(1, 6)])
    run = dotsocr("parse", pdf, "--pages", "2,4-5", "-o", tmp_path / "out")
    assert run.returncode == 0, run.stderr
    names = sorted(p.name for p in (tmp_path / "out" / "five").glob("*_page_*.json"))
    assert names == ["five_page_1.json", "five_page_3.json", "five_page_4.json"]
    run = dotsocr("parse", pdf, "--pages", "5-9", "-o", tmp_path / "clipped", "--quiet")
    assert run.returncode == 0, run.stderr
    assert [p.name for p in (tmp_path / "clipped" / "five").glob("*_page_*.json")] == [
        "five_page_4.json"
    ]
    run = dotsocr("parse", pdf, "--pages", "9", "-o", tmp_path / "out")
    assert run.returncode == 1 and "five.pdf" in run.stderr


@pytest.mark.slow
def test_folder_of_docling_pdfs(tmp_path, shared_data):
    src = shared_data / "accuracy/docling/pdf"
    out = tmp_path / "out"
    run = dotsocr("parse", src, "-o", out, "--quiet")
    assert run.returncode == 0, run.stderr
    pdfs = sorted(src.glob("*.pdf"))
    for pdf in pdfs:
        md = (out / pdf.stem / f"{pdf.stem}.md").read_text()
        assert len(md) > 100, pdf.name
    # groundtruth/*.json sits below the folder but is not an input
    assert not (out / "groundtruth").exists()
    assert len(list(out.glob("*.jsonl"))) == len(pdfs)


@pytest.mark.slow
def test_dotsocr_demo_inputs(tmp_path, shared_data):
    src = shared_data / "accuracy/dotsocr_demo"
    out = tmp_path / "out"
    run = dotsocr("parse", src, "-o", out, "--quiet")
    assert run.returncode == 0, run.stderr
    for image in ("demo_image1", "demo_image2", "demo_image3"):
        elements = json.loads((out / image / f"{image}.json").read_text())
        assert elements, image
        assert (out / image / f"{image}.jpg").is_file()
    assert (out / "demo_pdf1" / "demo_pdf1_page_1.json").is_file()


@pytest.mark.slow
def test_japanese_pdfs_forced_through_ocr(tmp_path, shared_data):
    import unicodedata

    src = shared_data / "accuracy/pdfjs_textlayer/ja"
    out = tmp_path / "out"
    run = dotsocr(
        "parse",
        src / "issue16538.pdf",
        src / "issue15340.pdf",
        "--ocr",
        "always",
        "-o",
        out,
        "--quiet",
    )
    assert run.returncode == 0, run.stderr
    for stem in ("issue16538", "issue15340"):
        manifest = [json.loads(x) for x in (out / f"{stem}.jsonl").read_text().splitlines()]
        assert all(m["method"] == "ocr" for m in manifest)
        got = "".join(
            unicodedata.normalize("NFKC", (out / stem / f"{stem}.md").read_text()).split()
        )
        truth = (src / f"{stem}.textlayer.txt").read_text()
        truth = "".join(unicodedata.normalize("NFKC", truth).split())
        sample = truth[:12]
        assert sample in got, (stem, sample, got[:200])
        assert " " not in (out / stem / f"{stem}_page_0.md").read_text().strip()[:20]
