import json
import os
from typing import Any

import pytest
from PIL import Image

from dotsocr.errors import OutputDirError
from dotsocr.model import Document, Element, Page
from dotsocr.options import ParseOptions
from dotsocr.store import DocumentStore, atomic_write, check_output_dir, safe_stem
from dotsocr.writers.base import Content, DocumentContext, OutputFile, PageContext, Writer
from dotsocr.writers.registry import make_writers

PICTURE = Image.new("RGB", (10, 10), "white")


def _store(root, stem, *, paged, settings_hash, **options: Any) -> DocumentStore:
    """The store as a run builds it: with the writers its options choose."""
    writers = make_writers(ParseOptions(**options))
    return DocumentStore(root, stem, paged=paged, settings_hash=settings_hash, writers=writers)


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
    paged = _store(tmp_path, "doc", paged=True, settings_hash="h")
    assert paged.page_paths(1)["json"] == tmp_path / "doc" / "doc_page_0.json"
    assert paged.page_paths(3)["md_nohf"] == tmp_path / "doc" / "doc_page_2_nohf.md"
    assert list(paged.page_paths(1)) == ["json", "md", "md_nohf", "jpg"]
    assert list(paged.document_paths().values()) == [
        tmp_path / "doc" / "doc.json",
        tmp_path / "doc" / "doc.md",
        tmp_path / "doc" / "doc_nohf.md",
    ]
    single = _store(tmp_path, "img", paged=False, settings_hash="h")
    assert single.page_paths(1)["jpg"] == tmp_path / "img" / "img.jpg"
    assert single.document_paths() == {}  # its page files already are the document's


def test_resume_returns_done_pages_with_same_settings(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h1")
    store.load(force=False)
    store.write_page(_page(1), PICTURE)
    store.write_page(_page(2, "failed"), None)
    store.write_page(_page(3), PICTURE)

    again = _store(tmp_path, "doc", paged=True, settings_hash="h1")
    done = again.load(force=False)
    assert sorted(done) == [1, 3]  # the failed page is redone
    assert done[3].elements[0].text == "page 3"
    assert done[3].engine == "cpu"

    assert _store(tmp_path, "doc", paged=True, settings_hash="h2").load(force=False) == {}
    assert _store(tmp_path, "doc", paged=True, settings_hash="h1").load(force=True) == {}


def test_resume_ignores_pages_whose_files_are_gone(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h")
    store.load(force=False)
    store.write_page(_page(1), PICTURE)
    store.write_page(_page(2), PICTURE)
    store.page_paths(2)["md"].unlink()
    assert sorted(_store(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)) == [1]


def test_manifest_lines_describe_pages(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h")
    store.load(force=False)
    store.write_page(_page(2), PICTURE)
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
    _store(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
    assert not leftover.exists()


def test_a_live_runs_temporaries_are_left_alone(tmp_path):
    import subprocess
    import sys

    (tmp_path / "doc").mkdir()
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        live = tmp_path / "doc" / f".doc_page_0.json.tmp-{other.pid}"
        live.write_text("being written")
        _store(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
        assert live.exists()
    finally:
        other.kill()
        other.wait()
    _store(tmp_path, "doc", paged=True, settings_hash="h").load(force=False)
    assert not live.exists()


def test_markdown_files_use_the_stores_table_form(tmp_path):
    table = "<table><tr><td>a</td><td>b|c</td></tr><tr><td>1</td><td>2</td></tr></table>"
    page = _page(1)
    page.elements.append(Element(bbox=[0, 5, 5, 10], category="Table", text=table))
    html_store = _store(tmp_path / "html", "doc", paged=True, settings_hash="h")
    pipe_store = _store(tmp_path / "pipe", "doc", paged=True, settings_hash="h", md_tables="pipe")
    for store in (html_store, pipe_store):
        store.load(force=False)
        store.write_page(page, PICTURE)
        store.write_document(Document(source="doc.pdf", pages=[page]))
    paths = pipe_store.page_paths(1)
    pipe = "| a | b\\|c |\n| --- | --- |\n| 1 | 2 |"
    assert paths["md"].read_text() == f"page 1\n\n{pipe}\n"
    assert paths["md_nohf"].read_text() == f"page 1\n\n{pipe}\n"
    assert (tmp_path / "pipe" / "doc" / "doc.md").read_text() == f"page 1\n\n{pipe}\n"
    assert html_store.page_paths(1)["md"].read_text() == f"page 1\n\n{table}\n"
    assert (tmp_path / "html" / "doc" / "doc.md").read_text() == f"page 1\n\n{table}\n"
    # The JSON keeps the model's HTML whichever form the Markdown has.
    assert paths["json"].read_bytes() == html_store.page_paths(1)["json"].read_bytes()
    assert json.loads(paths["json"].read_text())[1]["text"] == table


def test_only_the_chosen_writers_files_are_written_and_recorded(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h", to=["json"])
    store.load(force=False)
    store.write_page(_page(1), PICTURE)
    store.write_document(Document(source="doc.pdf", pages=[_page(1)]))
    assert sorted(p.name for p in (tmp_path / "doc").iterdir()) == ["doc.json", "doc_page_0.json"]
    record = json.loads((tmp_path / "doc.jsonl").read_text())
    assert record["files"] == {"json": "doc/doc_page_0.json"}
    assert sorted(_store(tmp_path, "doc", paged=True, settings_hash="h", to=["json"])
                  .load(force=False)) == [1]  # fmt: skip
    # Asking for more formats later redoes the page, whose Markdown is missing.
    assert _store(tmp_path, "doc", paged=True, settings_hash="h").load(force=False) == {}


def test_without_the_json_writer_pages_are_redone(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h", to=["md"])
    store.load(force=False)
    store.write_page(_page(1), PICTURE)
    assert (tmp_path / "doc" / "doc_page_0.md").read_text() == "page 1\n"
    again = _store(tmp_path, "doc", paged=True, settings_hash="h", to=["md"])
    assert again.load(force=False) == {}  # nothing to read the elements back from


def test_a_failed_document_loses_its_whole_document_files(tmp_path):
    store = _store(tmp_path, "doc", paged=True, settings_hash="h")
    store.load(force=False)
    store.write_page(_page(1), PICTURE)
    store.write_document(Document(source="doc.pdf", pages=[_page(1)]))
    assert (tmp_path / "doc" / "doc.md").is_file()
    store.write_document(Document(source="doc.pdf", pages=[_page(1)], error="too many failed"))
    assert not (tmp_path / "doc" / "doc.md").exists()


class WordCountWriter(Writer):
    """A writer as a plug-in would add one: a file per page and per document."""

    name = "words"
    page_files = (OutputFile("words", ".words.txt"),)
    document_files = (OutputFile("words", ".words.txt"),)

    def render_page(self, page: Page, context: PageContext) -> dict[str, Content]:
        return {"words": str(sum(len((e.text or "").split()) for e in page.elements))}

    def render_document(self, doc: Document, context: DocumentContext) -> dict[str, Content]:
        return {
            "words": str(sum(len((e.text or "").split()) for p in doc.pages for e in p.elements))
        }


def test_a_new_writer_needs_no_change_to_the_store(tmp_path):
    store = DocumentStore(
        tmp_path, "doc", paged=True, settings_hash="h", writers=[WordCountWriter(ParseOptions())]
    )
    store.load(force=False)
    pages = [_page(1), _page(2)]
    for page in pages:
        store.write_page(page, None)
    store.write_document(Document(source="doc.pdf", pages=pages))
    assert (tmp_path / "doc" / "doc_page_1.words.txt").read_text() == "2"
    assert (tmp_path / "doc" / "doc.words.txt").read_text() == "4"
    record = json.loads((tmp_path / "doc.jsonl").read_text().splitlines()[0])
    assert record["files"] == {"words": "doc/doc_page_0.words.txt"}


def test_output_folder_problems_name_the_path(tmp_path):
    in_the_way = tmp_path / "file.txt"
    in_the_way.write_text("x")
    with pytest.raises(OutputDirError, match=r"file\.txt: is a file, not a folder"):
        check_output_dir(in_the_way)
    with pytest.raises(OutputDirError, match=r"file\.txt/out: a file is in the way"):
        check_output_dir(in_the_way / "out")
    check_output_dir(tmp_path / "new" / "out")
    assert (tmp_path / "new" / "out").is_dir()
    assert list((tmp_path / "new" / "out").iterdir()) == []  # the probe is gone


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write anywhere")
def test_an_unwritable_output_folder_is_named(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    with pytest.raises(OutputDirError, match="locked: no permission"):
        check_output_dir(locked / "out")
