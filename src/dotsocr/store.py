"""Output layout on disk (DESIGN.md §5), atomic writes, the manifest and resume.

Every file goes to a hidden temporary name in its final folder and is renamed into
place, so a killed run leaves either the old file or the new one, never half of one.
The manifest ``<stem>.jsonl`` has one line per finished page, with the settings hash
that made it: a rerun with the same settings skips those pages.
"""

from __future__ import annotations

import json
import os
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dotsocr.model import Document, Page
from dotsocr.options import MarkdownTables
from dotsocr.render.json_out import page_json, read_page_elements
from dotsocr.render.markdown import document_markdown, page_markdown

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


@dataclass(frozen=True)
class PagePaths:
    json: Path
    md: Path
    md_nohf: Path
    jpg: Path

    def all(self) -> tuple[Path, ...]:
        return (self.json, self.md, self.md_nohf, self.jpg)


class DocumentStore:
    """Files of one input document under the output folder."""

    def __init__(
        self,
        output_dir: Path,
        stem: str,
        *,
        paged: bool,
        settings_hash: str,
        md_tables: MarkdownTables = "html",
    ) -> None:
        self.output_dir = output_dir
        self.stem = stem
        self.paged = paged
        self.settings_hash = settings_hash
        #: How the Markdown files show tables (--md-tables); part of the settings hash.
        self.md_tables: MarkdownTables = md_tables
        self.folder = output_dir / stem
        self.manifest_path = output_dir / f"{stem}.jsonl"
        self.document_md_path = self.folder / f"{stem}.md"
        self._records: dict[int, dict[str, Any]] = {}

    def page_paths(self, number: int) -> PagePaths:
        base = f"{self.stem}_page_{number - 1}" if self.paged else self.stem
        return PagePaths(
            json=self.folder / f"{base}.json",
            md=self.folder / f"{base}.md",
            md_nohf=self.folder / f"{base}_nohf.md",
            jpg=self.folder / f"{base}.jpg",
        )

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
        paths = self.page_paths(int(record["page"]))
        if record.get("status") == "failed" or not all(p.is_file() for p in paths.all()):
            return None
        try:
            elements = read_page_elements(paths.json.read_text(encoding="utf-8"))
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

    def write_page(self, page: Page, overlay_jpeg: bytes | None) -> None:
        """Write the page's files, then record it in the manifest."""
        paths = self.page_paths(page.number)
        if page.status != "failed":
            atomic_write(paths.json, page_json(page))
            tables = self.md_tables
            atomic_write(paths.md, _with_newline(page_markdown(page, tables=tables)))
            nohf = page_markdown(page, headers_footers=False, tables=tables)
            atomic_write(paths.md_nohf, _with_newline(nohf))
            if overlay_jpeg is not None:
                atomic_write(paths.jpg, overlay_jpeg)
        self._records[page.number] = self._record(page, paths)
        self.write_manifest()

    def _record(self, page: Page, paths: PagePaths) -> dict[str, Any]:
        record: dict[str, Any] = {"page": page.number}
        record.update(page.model_dump(exclude={"number", "elements"}, exclude_none=True))
        record["element_count"] = len(page.elements)
        record["settings_hash"] = self.settings_hash
        if page.status != "failed":
            record["files"] = {
                kind: str(path.relative_to(self.output_dir))
                for kind, path in zip(("json", "md", "md_nohf", "jpg"), paths.all(), strict=True)
            }
        return record

    def write_manifest(self) -> None:
        lines = (
            json.dumps(self._records[n], ensure_ascii=False, sort_keys=True)
            for n in sorted(self._records)
        )
        atomic_write(self.manifest_path, "\n".join(lines) + "\n")

    def write_document_markdown(self, doc: Document) -> None:
        """Write ``<stem>.md``: the document's pages, with tables as the pages' files."""
        atomic_write(self.document_md_path, document_markdown(doc, tables=self.md_tables))


def _with_newline(text: str) -> str:
    return text + "\n" if text else ""
