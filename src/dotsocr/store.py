"""Output layout on disk (DESIGN.md §5), atomic writes, the manifest and resume.

What files a page gets is up to the run's writers (:mod:`dotsocr.writers`); the
store names them, writes them atomically and keeps the manifest.

Every file goes to a hidden temporary name in its final folder and is renamed into
place, so a killed run leaves either the old file or the new one, never half of one.
The manifest ``<stem>.jsonl`` has one line per finished page, with the settings hash
that made it: a rerun with the same settings skips those pages.
"""

from __future__ import annotations

import errno
import json
import os
import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dotsocr.errors import OutputDirError
from dotsocr.model import Document, Page
from dotsocr.render.figures import crop_figures
from dotsocr.writers.base import Content, DocumentContext, PageContext, Writer

if TYPE_CHECKING:
    from PIL import Image

_TMP_MARK = ".tmp-"
_MAX_STEM = 120


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}{_TMP_MARK}{os.getpid()}")
    payload = data.encode("utf-8") if isinstance(data, str) else data
    try:
        with open(tmp, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_stale_temporaries(folder: Path) -> None:
    """Delete temporary files a killed run left behind; a live run's are kept, so
    two runs sharing an output folder do not delete each other's files mid-write."""
    if folder.is_dir():
        for leftover in folder.glob(f".*{_TMP_MARK}*"):
            owner = leftover.name.rpartition(_TMP_MARK)[2]
            if not (owner.isdigit() and _process_alive(int(owner))):
                leftover.unlink(missing_ok=True)


def _process_alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # ours, from an earlier document of this run that failed
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by someone else
    return True


def safe_stem(name: str) -> str:
    """A file-name stem that cannot leave the output folder or upset a file system.

    Path separators, control characters and leading dots are replaced; the result is
    NFC-normalised and shortened, and never empty.
    """
    stem = unicodedata.normalize("NFC", name)
    stem = re.sub(r"[\x00-\x1f\x7f/\\:*?\"<>|]", "_", stem)
    stem = stem.strip().lstrip(".") or "document"
    if len(stem.encode("utf-8")) > _MAX_STEM:
        stem = stem.encode("utf-8")[:_MAX_STEM].decode("utf-8", errors="ignore")
    return stem


class DocumentStore:
    """Files of one input document under the output folder, written by the run's
    writers; the manifest is always written."""

    def __init__(
        self,
        output_dir: Path,
        stem: str,
        *,
        paged: bool,
        settings_hash: str,
        writers: Sequence[Writer] = (),
    ) -> None:
        self.output_dir = output_dir
        self.stem = stem
        self.paged = paged
        self.settings_hash = settings_hash
        self.writers = list(writers)
        #: The writer whose page files a rerun reads a page back from, if one was chosen.
        self._reader = next((w for w in self.writers if w.resume_kind is not None), None)
        #: Figures are cropped only when a chosen writer shows them.
        self.figures = next(
            (w.options.figures for w in self.writers if w.uses_figures()), "none"
        )
        self.folder = output_dir / stem
        self.manifest_path = output_dir / f"{stem}.jsonl"
        self._records: dict[int, dict[str, Any]] = {}

    def page_base(self, number: int) -> str:
        """``<stem>_page_<i>``: the base name of a page's figures and tables."""
        return f"{self.stem}_page_{number - 1}"

    def page_paths(self, number: int) -> dict[str, Path]:
        """Every page file of the chosen writers by manifest kind, in writing order."""
        base = self.page_base(number) if self.paged else self.stem
        return {
            f.kind: self.folder / f.folder / f"{base}{f.suffix}"
            for w in self.writers
            for f in w.page_files
        }

    def document_paths(self) -> dict[tuple[str, str], Path]:
        """Every whole-document file by (writer, kind). A single image's page files
        are named from the stem too; a document file that would take one of their
        names (``<stem>.md``) is left out, the page file says it all."""
        taken = set(self.page_paths(1).values()) if not self.paged else set()
        paths = {
            (w.name, f.kind): self.folder / f.folder / f"{self.stem}{f.suffix}"
            for w in self.writers
            for f in w.document_files
        }
        return {key: path for key, path in paths.items() if path not in taken}

    def read_file(self, relative: str) -> bytes | None:
        """A file of the document folder by relative path; None if absent. Names
        come from writers, but one that would leave the folder is refused anyway."""
        path = (self.folder / relative).resolve()
        if not path.is_relative_to(self.folder.resolve()):
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    # -- resume -------------------------------------------------------------------

    def load(self, *, force: bool) -> dict[int, Page]:
        """Read the manifest; return pages done with the current settings.

        Records made with other settings are dropped (their pages are redone);
        ``force`` drops them all.
        """
        remove_stale_temporaries(self.folder)
        remove_stale_temporaries(self.output_dir)
        self._records = {}
        if force or not self.manifest_path.is_file():
            return {}
        done: dict[int, Page] = {}
        for line in self.manifest_path.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
                number = int(record["page"])
            except (ValueError, KeyError, TypeError):
                continue
            if record.get("settings_hash") != self.settings_hash:
                continue
            page = self.page_from_record(record)
            if page is not None:
                self._records[number] = record
                done[number] = page
        return done

    def page_from_record(self, record: dict[str, Any]) -> Page | None:
        """The Page a record stands for, read back from its JSON file; None when
        the page must be redone (failed, a chosen file missing, or no chosen writer
        whose files can be read back, such as the JSON)."""
        paths = self.page_paths(int(record["page"]))
        reader = self._reader
        if record.get("status") == "failed" or reader is None:
            return None
        extras = [self.output_dir / p for p in record.get("extra_files", [])]
        if not all(p.is_file() for p in [*paths.values(), *extras]):
            return None
        try:
            text = paths[reader.resume_kind].read_text(encoding="utf-8")  # type: ignore[index]
            elements = reader.read_elements(text)
            fields = {
                k: v
                for k, v in record.items()
                if k in Page.model_fields and k not in ("number", "elements")
            }
            return Page(number=int(record["page"]), elements=elements, **fields)
        except (ValueError, OSError):
            return None

    # -- writing ------------------------------------------------------------------

    def adopt_records(self, records: dict[int, dict[str, Any]]) -> None:
        """Add manifest records written elsewhere (a Ray worker's per-page records)
        and write the manifest once, atomically."""
        self._records.update(records)
        self.write_manifest()

    def write_page(self, page: Page, picture: Image.Image | None) -> None:
        """Write the page's files with every writer, then record it in the manifest.

        Figures are cropped first and named in the page's elements (the page is
        changed in place), so every file of the page agrees on them.
        """
        paths = self.page_paths(page.number)
        extras: dict[str, Path] = {}
        if page.status != "failed":
            # Render everything first, so a writer that fails leaves no file at all.
            contents, extra_contents = self._render_page(page, picture)
            extras = {rel: self.folder / rel for rel in extra_contents}
            targets = [(paths[k], c) for k, c in contents.items()]
            targets += [(extras[rel], c) for rel, c in extra_contents.items()]
            try:
                for path, content in targets:
                    atomic_write(path, content)
            except BaseException:
                for path, _ in targets:
                    path.unlink(missing_ok=True)
                raise
        self._records[page.number] = self._record(page, paths, extras)
        self.write_manifest()

    def _render_page(
        self, page: Page, picture: Image.Image | None
    ) -> tuple[dict[str, bytes | str], dict[str, bytes | str]]:
        """The page files by kind, and the varying files (figures, tables) by path
        relative to the document folder."""
        base = self.page_base(page.number)
        extras: dict[str, bytes | str] = {}
        if self.figures != "none":
            extras.update(crop_figures(page, picture, base, self.figures))

        def read(relative: str) -> bytes | None:
            made = extras.get(relative)
            if made is not None:
                return made if isinstance(made, bytes) else made.encode("utf-8")
            return self.read_file(relative)

        context = PageContext(picture=picture, base=base, read=read)
        contents: dict[str, bytes | str] = {}
        for writer in self.writers:
            rendered = writer.render_page(page, context)
            for output in writer.page_files:
                content = rendered.get(output.kind)
                if content is not None:
                    contents[output.kind] = content
            extras.update(_present(writer.page_extras(page, context)))
        return contents, extras

    def _record(
        self, page: Page, paths: dict[str, Path], extras: dict[str, Path]
    ) -> dict[str, Any]:
        record: dict[str, Any] = {"page": page.number}
        record.update(page.model_dump(exclude={"number", "elements"}, exclude_none=True))
        record["element_count"] = len(page.elements)
        record["settings_hash"] = self.settings_hash
        record["writers"] = [w.name for w in self.writers]
        if page.status != "failed":
            record["files"] = {
                kind: str(path.relative_to(self.output_dir)) for kind, path in paths.items()
            }
            if extras:
                record["extra_files"] = sorted(
                    str(path.relative_to(self.output_dir)) for path in extras.values()
                )
        return record

    def write_manifest(self) -> None:
        lines = (
            json.dumps(self._records[n], ensure_ascii=False, sort_keys=True)
            for n in sorted(self._records)
        )
        atomic_write(self.manifest_path, "\n".join(lines) + "\n")

    def write_document(self, doc: Document) -> None:
        """Write the whole-document files once its pages are in; a document that
        failed gets none, and loses any earlier ones, so no stale file looks complete."""
        paths = self.document_paths()
        if doc.error is not None:
            for path in paths.values():
                path.unlink(missing_ok=True)
            return
        context = DocumentContext(stem=self.stem, read=self.read_file, page_file=self._page_file)
        for writer in self.writers:
            wanted = [f for f in writer.document_files if (writer.name, f.kind) in paths]
            if not wanted:
                continue
            contents = writer.render_document(doc, context)
            for output in wanted:
                content = contents.get(output.kind)
                if content is not None:
                    atomic_write(paths[(writer.name, output.kind)], content)

    def _page_file(self, number: int, kind: str) -> str | None:
        """A page file's path relative to the document folder, if it was written."""
        path = self.page_paths(number).get(kind)
        if path is None or not path.is_file():
            return None
        return path.relative_to(self.folder).as_posix()


def _present(files: dict[str, Content]) -> dict[str, bytes | str]:
    return {name: content for name, content in files.items() if content is not None}


def check_output_dir(path: Path) -> None:
    """Make sure ``path`` is, or can become, a folder we can write files in.

    Called before any model loads, so a typo in ``--output`` costs nothing. Raises
    OutputDirError naming the path and the reason; creates the folder when missing.
    """
    if path.exists() and not path.is_dir():
        raise OutputDirError(path, "is a file, not a folder: choose another output folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / f".dotsocr-write-check{_TMP_MARK}{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except FileExistsError:
        raise OutputDirError(path, "a file is in the way of this folder's path") from None
    except NotADirectoryError:
        raise OutputDirError(path, "a file is in the way of this folder's path") from None
    except PermissionError:
        raise OutputDirError(path, "no permission to write here") from None
    except OSError as exc:
        if exc.errno == errno.EROFS:
            raise OutputDirError(path, "is on a read-only file system") from None
        raise OutputDirError(path, f"cannot write here ({exc.strerror or exc})") from None
