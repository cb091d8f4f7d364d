"""How a parse run behaves in a terminal, a log file or a script: output folder
checks, empty folders, output formats, progress lines and the Python API's errors."""

from __future__ import annotations

import json
import os
import time

import pytest

from dotsocr import parse
from dotsocr.errors import InputNotFoundError, InputReadError
from support import SAMPLE_PDF, make_text_pdf
from support import run_dotsocr as dotsocr


def test_an_output_path_that_is_a_file_is_a_usage_error_before_any_model_loads(tmp_path):
    in_the_way = tmp_path / "results.txt"
    in_the_way.write_text("keep me")
    started = time.perf_counter()
    run = dotsocr("parse", SAMPLE_PDF, "-o", in_the_way)
    assert run.returncode == 2
    assert f"error: {in_the_way}: is a file, not a folder" in run.stderr
    assert "engine:" not in run.stderr  # nothing was loaded
    assert "internal error" not in run.stderr and "Traceback" not in run.stderr
    assert in_the_way.read_text() == "keep me"
    run = dotsocr("parse", SAMPLE_PDF, "-o", in_the_way / "sub")
    assert run.returncode == 2 and "a file is in the way" in run.stderr
    assert time.perf_counter() - started < 60


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere; read-only is tested below")
def test_an_unwritable_output_folder_is_a_usage_error(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    run = dotsocr("parse", SAMPLE_PDF, "-o", locked / "out")
    assert run.returncode == 2 and "no permission" in run.stderr and str(locked) in run.stderr


def test_an_empty_folder_names_itself_and_the_file_types(tmp_path):
    empty = tmp_path / "scans"
    empty.mkdir()
    (empty / "notes.txt").write_text("not a document")
    run = dotsocr("parse", empty, "-o", tmp_path / "out")
    assert run.returncode == 2
    assert f"error: {empty}: no files to parse in this folder" in run.stderr
    assert ".pdf" in run.stderr and ".png" in run.stderr


def test_to_chooses_the_output_files(tmp_path):
    out = tmp_path / "out"
    run = dotsocr("parse", SAMPLE_PDF, "-o", out, "--to", "json,md", "--workers", "1")
    assert run.returncode == 0, run.stderr
    folder = out / "sample_report"
    assert not list(folder.glob("*.jpg"))
    assert (folder / "sample_report_page_0.json").is_file()
    assert (folder / "sample_report.md").is_file()
    record = json.loads((out / "sample_report.jsonl").read_text().splitlines()[0])
    assert set(record["files"]) == {"json", "md", "md_nohf"}
    # Asking for the pictures too redoes the pages that lack them.
    run = dotsocr("parse", SAMPLE_PDF, "-o", out, "--workers", "1")
    assert "2 page(s) parsed" in run.stdout
    assert len(list(folder.glob("*.jpg"))) == 2


def test_an_unknown_output_format_is_a_usage_error(tmp_path):
    run = dotsocr("parse", SAMPLE_PDF, "-o", tmp_path, "--to", "json,docx")
    assert run.returncode == 2
    assert "unknown output format(s) docx; choose from json, md, jpg" in run.stderr


def test_progress_lines_when_stderr_is_not_a_terminal(tmp_path):
    first = make_text_pdf(tmp_path / "first.pdf", [["Page one."], ["Page two."]])
    second = make_text_pdf(tmp_path / "second.pdf", [["Only page."]])
    run = dotsocr("parse", first, second, "-o", tmp_path / "out", "--workers", "1")
    assert run.returncode == 0, run.stderr
    done = [line for line in run.stderr.splitlines() if line.startswith("done:")]
    assert len(done) == 2, run.stderr
    assert "first.pdf" in done[0] and "2 pages" in done[0]
    quiet = dotsocr("parse", first, "-o", tmp_path / "q", "--quiet", "--force")
    assert quiet.stderr == "" and quiet.stdout == ""


def test_parse_raises_for_a_missing_or_unreadable_file(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"missing\.pdf: no such file") as missing:
        parse(tmp_path / "missing.pdf")
    assert isinstance(missing.value, InputNotFoundError)
    bogus = tmp_path / "bogus.pdf"
    bogus.write_text("not a pdf at all")
    with pytest.raises(InputReadError, match=r"bogus\.pdf: ") as unreadable:
        parse(bogus)
    assert isinstance(unreadable.value, ValueError)
    assert unreadable.value.document.error
