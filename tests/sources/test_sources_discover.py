"""Finding input files in folders."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dotsocr.sources import discover_inputs


def _touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")


def _rel(files: list[Path], root: Path) -> list[str]:
    return [f.relative_to(root).as_posix() for f in files]


def test_recursive_natural_order(tmp_path: Path) -> None:
    _touch(tmp_path, "page10.pdf", "page2.PDF", "Page1.png", "b/scan.TIFF", "a/x.jpeg",
           "a/sub/y.webp", "z.bmp", "c.gif", "d.jpg", "e.tif")
    found = discover_inputs([tmp_path])
    assert found.missing == []
    assert _rel(found.files, tmp_path) == [
        "a/sub/y.webp", "a/x.jpeg", "b/scan.TIFF", "c.gif", "d.jpg", "e.tif",
        "Page1.png", "page2.PDF", "page10.pdf", "z.bmp",
    ]


def test_case_ties_are_stable(tmp_path: Path) -> None:
    _touch(tmp_path, "B.pdf", "a.pdf", "b.pdf")
    names = _rel(discover_inputs([tmp_path]).files, tmp_path)
    assert names[0] == "a.pdf" and sorted(names[1:]) == ["B.pdf", "b.pdf"]
    assert names == _rel(discover_inputs([tmp_path]).files, tmp_path)


def test_hidden_and_unsupported_are_skipped(tmp_path: Path) -> None:
    _touch(tmp_path, ".hidden.pdf", ".git/obj.pdf", "notes.txt", "doc.docx", "ok.pdf")
    assert _rel(discover_inputs([tmp_path]).files, tmp_path) == ["ok.pdf"]


def test_files_are_taken_as_given(tmp_path: Path) -> None:
    _touch(tmp_path, "weird.data", ".hidden.pdf")
    given = [tmp_path / "weird.data", tmp_path / ".hidden.pdf"]
    assert discover_inputs(given).files == given


def test_missing_paths_are_returned_not_raised(tmp_path: Path) -> None:
    _touch(tmp_path, "a.pdf")
    found = discover_inputs([tmp_path / "gone.pdf", str(tmp_path / "a.pdf"), tmp_path / "nodir"])
    assert found.files == [tmp_path / "a.pdf"]
    assert found.missing == [tmp_path / "gone.pdf", tmp_path / "nodir"]
    files, missing, empty = found  # a plain triple for callers that unpack
    assert empty == []
    assert len(files) == 1 and len(missing) == 2


def test_duplicates_are_kept_once(tmp_path: Path) -> None:
    _touch(tmp_path, "a.pdf")
    found = discover_inputs([tmp_path / "a.pdf", tmp_path, tmp_path / "a.pdf"])
    assert found.files == [tmp_path / "a.pdf"]


def test_symlinks_outside_are_skipped_with_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside, root = tmp_path / "outside", tmp_path / "root"
    _touch(outside, "secret.pdf", "deep/more.pdf")
    _touch(root, "mine.pdf", "sub/inner.pdf")
    (root / "link.pdf").symlink_to(outside / "secret.pdf")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    (root / "inside.pdf").symlink_to(root / "sub" / "inner.pdf")
    (root / "broken.pdf").symlink_to(root / "nowhere.pdf")
    (root / "sub" / "loop").symlink_to(root, target_is_directory=True)
    with caplog.at_level(logging.WARNING, logger="dotsocr"):
        found = discover_inputs([root])
    assert _rel(found.files, root) == ["inside.pdf", "mine.pdf"]  # inner.pdf is inside.pdf
    messages = " ".join(r.getMessage() for r in caplog.records)
    assert "link.pdf" in messages and "linkdir" in messages and "broken.pdf" in messages
    assert all(r.name == "dotsocr" for r in caplog.records)


def test_symlinks_outside_are_followed_when_asked(tmp_path: Path) -> None:
    outside, root = tmp_path / "outside", tmp_path / "root"
    _touch(outside, "secret.pdf", "deep/more.pdf")
    _touch(root, "mine.pdf")
    (root / "link.pdf").symlink_to(outside / "secret.pdf")
    (root / "linkdir").symlink_to(outside, target_is_directory=True)
    found = discover_inputs([root], follow_symlinks=True)
    assert _rel(found.files, root) == [
        "link.pdf", "linkdir/deep/more.pdf", "mine.pdf"
    ]  # linkdir/secret.pdf is link.pdf, kept once


def test_folders_with_no_supported_file_are_named(tmp_path: Path) -> None:
    _touch(tmp_path / "scans", "readme.txt")
    _touch(tmp_path / "docs", "a.pdf")
    found = discover_inputs([tmp_path / "scans", tmp_path / "docs"])
    assert found.files == [tmp_path / "docs" / "a.pdf"]
    assert found.empty_folders == [tmp_path / "scans"]
