"""Per-page result records that any worker can write and the driver assembles.

Ray runs tasks at least once (a killed actor's batch is retried), and many workers
write pages of one document at the same time, so no worker may rewrite a document's
manifest. A worker writes the page's files through the document's DocumentStore
(fixed paths, temporary file + rename) with the store's manifest path pointed at the
page's own record file, so the record, written last, exists only once the files do;
a retry that finds it skips the page. The driver, holding every record of a document,
writes the manifest and the document's Markdown once, then removes the records.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from dotsocr.model import Page
from dotsocr.store import DocumentStore

#: Folder under the output folder holding records not yet assembled.
RECORDS_DIR = ".dotsocr-ray"


def records_folder(output_dir: Path, stem: str, doc_hash: str) -> Path:
    return output_dir / RECORDS_DIR / f"{stem}-{doc_hash[:16]}"


def record_path(folder: Path, page: int, settings_hash: str) -> Path:
    """The fixed place of one page's record: (document hash, page, settings hash)."""
    return folder / f"page-{page}-{settings_hash}.jsonl"


def read_record(path: Path) -> dict[str, Any] | None:
    try:
        record = json.loads(path.read_text(encoding="utf-8").splitlines()[0])
    except (OSError, ValueError, IndexError):
        return None
    return record if isinstance(record, dict) and "page" in record else None


def page_from_record(store: DocumentStore, record: dict[str, Any]) -> Page | None:
    """The Page a record stands for: elements from its JSON file; a failed page has
    none. None when a non-failed page's files are missing or unreadable."""
    if record.get("status") != "failed":
        return store.page_from_record(record)  # the same reading as resume uses
    skip = ("number", "elements")
    fields = {k: v for k, v in record.items() if k in Page.model_fields and k not in skip}
    try:
        return Page(number=int(record["page"]), **fields)
    except ValueError:
        return None


def adopt_records(store: DocumentStore, records: dict[int, dict[str, Any]]) -> None:
    """Add records to the document's manifest (after those ``store.load`` kept)
    and write it once, atomically."""
    store.adopt_records(records)


def remove_records(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)
    parent = folder.parent
    if parent.name == RECORDS_DIR and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
