"""Limits, passwords files and safe output paths through the real CLI."""

from __future__ import annotations

import json

from support import make_text_pdf
from support import run_dotsocr as dotsocr


def test_passwords_file_opens_each_file(tmp_path, shared_data):
    pdfjs = shared_data / "robustness/pdfjs"
    book = tmp_path / "passwords.tsv"
    book.write_text(
        "# name<TAB>password, or a password for all\n"
        "issue6010_2.pdf\tæøå\n"
        "abc\n"
        "saslprep-r6.pdf\tSªSL\u00adprep\n",
        encoding="utf-8",
    )
    files = [pdfjs / n for n in ("issue6010_1.pdf", "issue6010_2.pdf", "saslprep-r6.pdf")]
    run = dotsocr("parse", *files, "--passwords", book, "-o", tmp_path / "out", "--quiet")
    assert run.returncode == 0, run.stderr
    assert len(list((tmp_path / "out").glob("*.jsonl"))) == 3


def test_unreadable_passwords_file_is_a_usage_error(tmp_path):
    run = dotsocr("parse", tmp_path, "--passwords", tmp_path / "nope.tsv", "-o", tmp_path / "o")
    assert run.returncode == 2 and "passwords file" in run.stderr


def test_limits_give_one_line_each(tmp_path):
    big = make_text_pdf(tmp_path / "big.pdf", [[f"Page {i}."] for i in range(1, 6)])
    run = dotsocr("parse", big, "--max-pages", "3", "-o", tmp_path / "o")
    assert run.returncode == 1
    assert "big.pdf: 5 pages selected, over the limit of 3" in run.stderr
    run = dotsocr("parse", big, "--max-file-size", "0.001", "-o", tmp_path / "o")
    assert run.returncode == 1 and "over the limit of 0.001 MB" in run.stderr


def test_absurd_page_fails_clearly(tmp_path, shared_data):
    run = dotsocr("parse", shared_data / "robustness/pdfjs/poppler-85140-0.pdf", "-o", tmp_path)
    assert run.returncode == 1
    assert "page 1: page is 595 x 2.14748e+09 pt" in run.stderr
    assert "Traceback" not in run.stderr


def test_odd_input_names_stay_inside_the_output_folder(tmp_path):
    names = ["..", "日本語の報告書 (第2版)", "x" * 200, "tab\there", "-rf"]
    inputs = tmp_path / "in"
    inputs.mkdir()
    for name in names:
        make_text_pdf(inputs / f"{name}.pdf", [["Some text."]])
    out = tmp_path / "out"
    # "...pdf" is a hidden file: a folder walk skips it, so it is also named directly
    run = dotsocr("parse", inputs, inputs / "...pdf", "-o", out, "--quiet")
    assert run.returncode == 0, run.stderr
    written = [p for p in tmp_path.rglob("*") if p.is_file() and not p.is_relative_to(inputs)]
    assert written and all(p.resolve().is_relative_to(out.resolve()) for p in written)
    assert len(list(out.glob("*.jsonl"))) == len(names)
    for manifest in out.glob("*.jsonl"):
        for line in manifest.read_text().splitlines():
            for rel in json.loads(line)["files"].values():
                assert (out / rel).resolve().is_relative_to(out.resolve())
