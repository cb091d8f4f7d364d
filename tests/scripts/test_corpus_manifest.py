"""The real-document corpus (benchmarks/corpus/): its manifest and check files are
consistent, and benchmarks/corpus_checks.py judges hand-made Markdown correctly
(no parse runs)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from support import REPO_ROOT, load_script

cc = load_script("benchmarks/corpus_checks.py")

CORPUS = REPO_ROOT / "benchmarks" / "corpus"
_HEX40 = re.compile(r"^[0-9a-f]{40}$")
_MAX_BYTES = 1_500_000


def _rows() -> list[dict[str, str]]:
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE))


needs_corpus = pytest.mark.skipif(
    not (CORPUS / "MANIFEST.tsv").is_file(), reason="benchmarks/corpus is not present"
)


# --- the corpus as committed ---------------------------------------------------------


@needs_corpus
def test_manifest_header_is_the_agreed_one():
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as f:
        assert tuple(f.readline().rstrip("\n").split("\t")) == cc.MANIFEST_FIELDS


@needs_corpus
def test_every_manifest_row_is_complete_and_names_a_small_existing_file():
    rows = _rows()
    assert rows
    for row in rows:
        where = row.get("file")
        assert None not in row, f"{where}: too many fields"
        for key in cc.MANIFEST_FIELDS:
            assert (row.get(key) or "").strip(), f"{where}: empty {key}"
        assert _HEX40.match(row["commit"]), f"{where}: commit is not 40 hex digits"
        assert re.match(r"^[\w.-]+/[\w.-]+$", row["source"]), f"{where}: source not owner/repo"
        path = CORPUS / "docs" / row["file"]
        assert path.is_file(), f"{where}: no such file in docs/"
        assert path.stat().st_size <= _MAX_BYTES, f"{where}: larger than 1.5 MB"
        assert int(row["pages"]) == cc.page_count(path), f"{where}: pages column is wrong"


@needs_corpus
def test_every_document_has_exactly_one_manifest_row():
    files = [r["file"] for r in _rows()]
    assert len(files) == len(set(files)), "a file is listed twice"
    on_disk = sorted(p.name for p in (CORPUS / "docs").iterdir() if p.is_file())
    assert sorted(set(files)) == on_disk


@needs_corpus
def test_every_check_file_loads_names_a_document_and_has_unique_ids():
    docs, checks = cc.load_corpus(CORPUS)  # raises on the first bad line
    names = {d.name for d in docs}
    assert len(names) == len(docs), "two documents share a name (stem)"
    for path in (CORPUS / "checks").glob("*.jsonl"):
        assert path.stem in names
    ids = [c.id for c in checks]
    assert len(ids) == len(set(ids))
    assert all(c.doc in names for c in checks)


# --- validation of check lines -------------------------------------------------------


def _line(**fields) -> dict:
    return {"id": "doc-001", "page": 1, "note": "why", **fields}


@pytest.mark.parametrize(
    ("obj", "message"),
    [
        (_line(type="bogus", text="x"), "unknown check type"),
        (_line(type="present"), "needs field 'text'"),
        (_line(type="order", before="a"), "needs field 'after'"),
        (_line(type="heading", text="x"), "needs field 'level'"),
        (_line(type="heading", text="x", level=9), "level"),
        (_line(type="present", text="x", page=3), "page 3 is not in 1..2"),
        (_line(type="present", text="x", page=0), "page 0"),
        (_line(type="present", text=""), "non-empty"),
        (_line(type="table", cell="1", left=""), "non-empty"),
        (_line(type="present", text="x", colour="red"), "unknown field"),
        ({"id": "other-001", "type": "present", "page": 1, "note": "n", "text": "x"}, "start"),
    ],
)
def test_a_bad_check_line_is_refused_naming_file_and_line(obj, message):
    with pytest.raises(cc.CorpusError, match=re.escape(message)) as err:
        cc.parse_check(obj, "doc", 2, "checks/doc.jsonl:7")
    assert "checks/doc.jsonl:7" in str(err.value)


def test_load_checks_names_the_line_that_is_not_json(tmp_path: Path):
    path = tmp_path / "doc.jsonl"
    good = json.dumps(_line(type="present", text="x"))
    path.write_text(good + "\n\n{not json\n", encoding="utf-8")
    with pytest.raises(cc.CorpusError, match=r"doc\.jsonl:3: not JSON"):
        cc.load_checks(path, 1)


def test_a_broken_check_file_is_left_out_with_its_error_when_errors_are_collected(
    tmp_path: Path,
):
    from fpdf import FPDF

    (tmp_path / "docs").mkdir()
    (tmp_path / "checks").mkdir()
    pdf = FPDF()
    pdf.add_page()
    pdf.output(str(tmp_path / "docs" / "a.pdf"))
    row = ["a.pdf", "notes", "en", "1", "o/r", "p.pdf", "0" * 40, "MIT", "-"]
    (tmp_path / "MANIFEST.tsv").write_text(
        "\t".join(cc.MANIFEST_FIELDS) + "\n" + "\t".join(row) + "\n", encoding="utf-8"
    )
    (tmp_path / "checks" / "a.jsonl").write_text(
        json.dumps({"id": "a-001", "type": "present", "page": 2, "note": "n", "text": "x"}),
        encoding="utf-8",
    )
    (tmp_path / "checks" / "ghost.jsonl").write_text("", encoding="utf-8")
    with pytest.raises(cc.CorpusError):
        cc.load_corpus(tmp_path)
    errors: list[str] = []
    docs, checks = cc.load_corpus(tmp_path, errors)
    assert [d.name for d in docs] == ["a"] and checks == []
    assert any("a.jsonl:1" in e and "page 2" in e for e in errors)
    assert any("ghost" in e and "no manifest row" in e for e in errors)


# --- evaluation on hand-made Markdown -------------------------------------------------

PAGE = """# Preemptive Information Extraction

Yusuke Shinyama and Satoshi Sekine

## 1 Background

Every day, a large number of news articles are created. The goal of
Information Extraction is to retrieve events.

## Satoshi Sekine wrote this heading

<table><tr><td>Year</td><td>Pax</td></tr><tr><td>FY2013</td><td>7,723,293</td></tr>
<tr><td>FY2014</td><td>7,793,704</td></tr></table>
"""


def _out(page: str, full: str | None = None) -> object:
    return cc.Output(page, {1: page}, {1: full if full is not None else page})


def _check(**fields) -> object:
    return cc.parse_check({"id": "doc-001", "page": 1, "note": "n", **fields}, "doc", 1, "t")


def test_present_matches_across_a_line_break_and_fails_on_missing_text():
    out = _out(PAGE)
    assert cc.check_passes(_check(type="present", text="created. The goal of Information"), out)
    assert not cc.check_passes(_check(type="present", text="a sentence nobody wrote"), out)


def test_absent_finds_a_japanese_side_tab_glued_to_the_body():
    out = _out("第4章デジタル化の進展と課題について述べる。")
    assert not cc.check_passes(_check(type="absent", text="第4章"), out)
    assert cc.check_passes(_check(type="absent", text="第5章"), out)


def test_check_text_is_normalised_like_the_page():
    # A full-width bracket in the check matches the page's (NFKC-folded) one.
    out = _out("申請書（様式第1号）を提出する")
    assert cc.check_passes(_check(type="present", text="申請書（様式第1号）"), out)


def test_absent_fails_when_the_running_head_is_in_the_body_in_any_case():
    out = _out(PAGE + "\nFLIGHTOPS Page 1 of 48\n")
    assert not cc.check_passes(_check(type="absent", text="Page 1 of 48"), out)
    assert not cc.check_passes(_check(type="absent", text="FlightOPS"), out)
    assert cc.check_passes(_check(type="absent", text="Page 2 of 48"), out)
    # a number inside a longer number is not the page number
    assert cc.check_passes(_check(type="absent", text="723"), out)


def test_a_less_than_sign_in_text_does_not_hide_the_rest_of_the_page():
    out = _out(
        "if T1 < |M| and T2 < mapscore then link\n\nFigure 6: Computing clusters.\n\n<table>"
    )
    assert cc.check_passes(_check(type="present", text="Figure 6: Computing clusters."), out)
    assert cc.check_passes(_check(type="present", text="if T1 < |M| and T2"), out)


def test_order_needs_both_snippets_in_reading_order():
    out = _out(PAGE)
    ok = _check(type="order", before="news articles are created", after="retrieve events")
    swapped = _check(type="order", before="retrieve events", after="news articles are created")
    missing = _check(type="order", before="news articles are created", after="not on the page")
    assert cc.check_passes(ok, out)
    assert not cc.check_passes(swapped, out)
    assert not cc.check_passes(missing, out)


def test_heading_level_must_match_exactly():
    out = _out(PAGE)
    assert cc.check_passes(_check(type="heading", text="Background", level=2), out)
    assert not cc.check_passes(_check(type="heading", text="Background", level=1), out)
    assert cc.check_passes(_check(type="heading", text="Preemptive Information", level=1), out)
    # headings in small caps or capitals still count
    assert cc.check_passes(_check(type="heading", text="BACKGROUND", level=2), out)
    assert not cc.check_passes(_check(type="heading", text="Yusuke Shinyama", level=2), out)


def test_heading_level_zero_needs_the_text_present_and_in_no_heading_line():
    out = _out(PAGE)
    assert cc.check_passes(_check(type="heading", text="Yusuke Shinyama", level=0), out)
    # Satoshi Sekine is also in a heading line: that fails level 0
    assert not cc.check_passes(_check(type="heading", text="Satoshi Sekine", level=0), out)
    # absent altogether also fails
    assert not cc.check_passes(_check(type="heading", text="Mohammad Chuttur", level=0), out)


def test_table_cell_needs_its_neighbours():
    out = _out("no table here", full=PAGE)
    good = _check(type="table", cell="7,723,293", up="Pax", left="FY2013", down="7,793,704")
    wrong = _check(type="table", cell="7,723,293", left="FY2014")
    assert cc.check_passes(good, out)
    assert not cc.check_passes(wrong, out)
    assert not cc.check_passes(good, _out(PAGE, full="FY2013 7,723,293"))


def test_a_page_with_no_output_fails_every_positive_check():
    empty = cc.Output("", {}, {})
    assert not cc.check_passes(_check(type="present", text="anything"), empty)
    assert not cc.check_passes(_check(type="heading", text="x", level=0), empty)
    assert cc.check_passes(_check(type="absent", text="Page 1 of 48"), empty)
