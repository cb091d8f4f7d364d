import json
import os

import pytest

from dotsocr.model import Document, Element, Page
from dotsocr.store import DocumentStore, atomic_write, safe_stem


def _page(number: int, status: str = "ok") -> Page:
    return Page(
        number=number,
        width=10,
        height=10,
        dpi=200,
        status=status,
        engine="cpu",
        error="bad page" if status == "failed" else None,
        elements=[]
        if status == "failed"
        else [Element(bbox=[0, 0, 5, 5], category="Text", text=f"page {number}")],
    )


def test_atomic_write_leaves_no_temporary_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "a.json"
    atomic_write(target, "old")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        atomic_write(target, "new")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("report", "report"),
        ("../../etc/passwd", "_.._etc_passwd"),
        ("...", "document"),
        ("a\x00b", "a_b"),
        ("", "document"),
    ],
)
def test_safe_stem(name, expected):
    assert safe_stem(name) == expected


def test_safe_stem_shortens_long_unicode_names_on_a_character_boundary():
    stem = safe_stem("日本語" * 100)
    assert len(stem.encode("utf-8")) <= 120
    assert stem == "日本語" * 13 + "日"  # 120 bytes // 3 = 40 chars


def test_paged_and_single_names(tmp_path):
    paged = DocumentStore(tmp_path, "doc", paged=True, settings_hash="h")
    assert paged.page_paths(1).json == tmp_path / "doc" / "doc_page_0.json"
    assert paged.page_paths(3).md_nohf == tmp_path / "doc" / "doc_page_2_nohf.md"
    single = DocumentStore(tmp_path, "img", paged=False, settings_hash="h")
    assert single.page_paths(1).jpg == tmp_path / "img" / "img.jpg"


def test_resume_returns_done_pages_with_same_settings(tmp_path):
    store = DocumentStore(tmp_path, "doc", paged=True, settings_hash="h1")
    store.load(force=False)
    store.write_page(_page(1), b"jpeg")
    store.write_page(_page(2, "failed"), None)
    store.write_page(_page(3), b"jpeg")

    again = DocumentStore(tmp_path, "doc", paged=True, settings_hash="h1")
    done = again.load(force=False)
    assert sorted(done) == [1, 3]  # the failed page is redone
    assert done[3].elements[0].text == "page 3"
    assert done[3].engine == "cpu"

    assert DocumentStore(tmp_path, "doc", paged=True, settings_hash="h2").load(force=False) == {}
    assert DocumentStore(tmp_path, "doc", paged=True, settings_hash="h1").load(force=True) == {}


def test_resume_ignores_pages_whose_files_are_gone(tmp_path):
    store = DocumentStore(tmp_path, "doc", paged=True, settings_hash="h")
    store.load(force=False)
    store.write_page(_page(1), b"jpeg")
    store.write_page(_page(2), b"jpeg")
    store.page_paths(2).md.unlink()
    assert sorted(
        DocumentStore(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
    ) == [1]


def test_manifest_lines_describe_pages(tmp_path):
    store = DocumentStore(tmp_path, "doc", paged=True, settings_hash="h")
    store.load(force=False)
    store.write_page(_page(2), b"jpeg")
    store.write_page(_page(1, "failed"), None)
    lines = [json.loads(x) for x in (tmp_path / "doc.jsonl").read_text().splitlines()]
    assert [x["page"] for x in lines] == [1, 2]
    assert lines[0]["status"] == "failed" and lines[0]["error"] == "bad page"
    assert "files" not in lines[0]
    assert lines[1]["files"]["json"] == "doc/doc_page_1.json"
    assert lines[1]["settings_hash"] == "h"


def test_stale_temporaries_are_removed_on_load(tmp_path):
    import subprocess
    import sys

    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (tmp_path / "doc").mkdir()
    leftover = tmp_path / "doc" / f".doc_page_0.json.tmp-{dead}"
    leftover.write_text("half")
    DocumentStore(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
    assert not leftover.exists()


def test_a_live_runs_temporaries_are_left_alone(tmp_path):
    import subprocess
    import sys

    (tmp_path / "doc").mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / "doc" / f".doc_page_0.json.tmp-{other.pid}"
        live.write_text("being written")
        DocumentStore(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
        assert live.exists()
    finally:
        other.kill()
        other.wait()
    DocumentStore(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
    assert not live.exists()


def test_markdown_files_use_the_stores_table_form(tmp_path):
    table = "<table><tr><td>a</td><td>b|c</td></tr><tr><td>1</td><td>2</td></tr></table>"
    page = _page(1)
    page.elements.append(Element(bbox=[0, 5, 5, 10], category="Table", text=table))
    html_store = DocumentStore(tmp_path / "html", "doc", paged=True, settings_hash="h")
    pipe_store = DocumentStore(
        tmp_path / "pipe", "doc", paged=True, settings_hash="h", md_tables="pipe"
    )
    for store in (html_store, pipe_store):
        store.load(force=False)
        store.write_page(page, b"jpeg")
        store.write_document_markdown(Document(source="doc.pdf", pages=[page]))
    paths = pipe_store.page_paths(1)
    pipe = "| a | b\\|c |\n| --- | --- |\n| 1 | 2 |"
    assert paths.md.read_text() == f"page 1\n\n{pipe}\n"
    assert paths.md_nohf.read_text() == f"page 1\n\n{pipe}\n"
    assert pipe_store.document_md_path.read_text() == f"page 1\n\n{pipe}\n"
    assert html_store.page_paths(1).md.read_text() == f"page 1\n\n{table}\n"
    assert html_store.document_md_path.read_text() == f"page 1\n\n{table}\n"
    # The JSON keeps the model's HTML whichever form the Markdown has.
    assert paths.json.read_bytes() == html_store.page_paths(1).json.read_bytes()
    assert json.loads(paths.json.read_text())[1]["text"] == table
