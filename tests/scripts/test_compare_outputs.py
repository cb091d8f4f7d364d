"""scripts/compare_outputs.py's comparison, on hand-made output folders (no parse runs)."""

import json
from pathlib import Path

from support import load_script

compare_outputs = load_script("scripts/compare_outputs.py")


def _record(page: int, **extra: object) -> dict[str, object]:
    return {"page": page, "status": "ok", "element_count": 3, **extra}


def _manifest(*records: dict[str, object]) -> str:
    return "".join(json.dumps(r, sort_keys=True) + "\n" for r in records)


def _tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return root


def _outputs(**overrides: str | bytes) -> dict[str, str | bytes]:
    files: dict[str, str | bytes] = {
        "doc.jsonl": _manifest(_record(1, timings={"ocr": 1.5}), _record(2, timings={})),
        "doc/doc_page_0.md": "# Title\n\nText.\n",
        "doc/doc_page_0.jpg": b"\xff\xd8\x00\x01\xff\xd9",
        "doc/doc.md": "# Title\n",
    }
    files.update(overrides)
    return files


def test_identical_folders_say_so_with_the_file_count(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    new = _tree(tmp_path / "new", _outputs())
    result = compare_outputs.compare_trees(base, new)
    assert result.identical
    assert result.report() == ["identical: 4 files"]


def test_timings_alone_do_not_make_manifests_differ(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    other_timings = _manifest(_record(1, timings={"ocr": 9.9}), _record(2, timings={"x": 1.0}))
    new = _tree(tmp_path / "new", _outputs(**{"doc.jsonl": other_timings}))
    assert compare_outputs.compare_trees(base, new).identical


def test_any_other_manifest_change_is_reported_with_its_line_and_key(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    changed = _manifest(_record(1, timings={}), _record(2, timings={}, element_count=4))
    new = _tree(tmp_path / "new", _outputs(**{"doc.jsonl": changed}))
    result = compare_outputs.compare_trees(base, new)
    assert result.different == [("doc.jsonl", "line 2: element_count: 3 vs 4")]


def test_a_lost_manifest_line_is_a_difference(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    new = _tree(tmp_path / "new", _outputs(**{"doc.jsonl": _manifest(_record(1))}))
    result = compare_outputs.compare_trees(base, new)
    assert result.different == [("doc.jsonl", "2 vs 1 lines")]


def test_one_byte_off_is_found_and_located(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    new = _tree(tmp_path / "new", _outputs(**{"doc/doc_page_0.md": "# Title\n\nText!\n"}))
    result = compare_outputs.compare_trees(base, new)
    assert not result.identical
    assert result.different == [
        ("doc/doc_page_0.md", "15 vs 15 bytes, first difference at byte 13 (line 3)")
    ]
    assert result.report()[-1] == "DIFFERENT: 1 different, 0 missing, 0 extra (of 4 files in base)"


def test_a_trailing_newline_more_is_a_difference():
    assert compare_outputs.compare_bytes(b"a\n", b"a\n\n") == (
        "2 vs 3 bytes, first difference at byte 2 (line 2)"
    )


def test_missing_and_extra_files_are_listed(tmp_path):
    base = _tree(tmp_path / "base", _outputs())
    files = _outputs()
    del files["doc/doc.md"]
    files["doc/doc_page_0.html"] = "<p>Text.</p>"
    new = _tree(tmp_path / "new", files)
    result = compare_outputs.compare_trees(base, new)
    assert result.report() == [
        "missing in new: doc/doc.md",
        "extra in new: doc/doc_page_0.html",
        "DIFFERENT: 0 different, 1 missing, 1 extra (of 4 files in base)",
    ]


def test_more_keys_can_be_ignored():
    base = _manifest(_record(1, tokens={"prompt": 10}))
    new = _manifest(_record(1, tokens={"prompt": 12}))
    assert compare_outputs.compare_manifest(base.encode(), new.encode(), {"timings"})
    assert compare_outputs.compare_manifest(base.encode(), new.encode(), {"tokens"}) is None


def test_a_crash_is_not_a_run_even_with_exit_status_1():
    run = compare_outputs.RunResult
    assert compare_outputs.crashed(run(1, "Traceback (most recent call last):\n ...", 1.0))
    assert compare_outputs.crashed(run(2, "error: --pages: bad range", 1.0))
    assert not compare_outputs.crashed(run(1, "error: bad.pdf: not a PDF", 1.0))
