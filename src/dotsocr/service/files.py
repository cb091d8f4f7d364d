"""A job's files on disk: ids, where results are, and serving them safely.

A requested file name is only ever a key looked up among the files a job wrote;
job ids are 128-bit random hex, checked before they name a folder.
"""

from __future__ import annotations

import hashlib
import hmac
import mimetypes
import os
import re
import secrets
import zipfile
from functools import cache
from importlib import resources
from pathlib import Path

from dotsocr.model import Document
from dotsocr.service.runner import DOCUMENT_JSON, OUTPUT_FOLDER
from dotsocr.service.uploads import INPUT_STEM
from dotsocr.store import atomic_write

_JOB_ID = re.compile(r"[0-9a-f]{32}")
RESULT_ZIP = "result.zip"
#: Results by format: the file inside the output's document folder.
_RESULT_NAMES = {
    "md": f"{INPUT_STEM}.md",
    "md_nohf": f"{INPUT_STEM}_nohf.md",
    "html": f"{INPUT_STEM}.html",
}
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    # The viewer's own inline script and style, its page pictures, nothing else.
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'self'",
}
PAGE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'unsafe-inline'; script-src 'unsafe-inline'; frame-ancestors 'none'",
}


def new_job_id() -> str:
    return secrets.token_hex(16)


def is_job_id(text: str) -> bool:
    return _JOB_ID.fullmatch(text) is not None


def view_secret(data_dir: Path, api_key: str | None) -> bytes:
    """The key of the viewer links: from the API key, else a random one kept in the
    data folder so links outlive a restart."""
    if api_key is not None:
        return hashlib.sha256(b"dotsocr-view:" + api_key.encode("utf-8")).digest()
    path = data_dir / "view-secret"
    if not path.is_file():
        atomic_write(path, secrets.token_bytes(32))
        os.chmod(path, 0o600)
    return path.read_bytes()


def view_token(secret: bytes, job_id: str) -> str:
    return hmac.new(secret, job_id.encode("ascii", "replace"), hashlib.sha256).hexdigest()[:32]


def _document_folder(folder: Path) -> Path:
    return folder / OUTPUT_FOLDER / INPUT_STEM


def result_file(folder: Path, result: str) -> Path | None:
    """The file of one result format, when the job wrote it."""
    if result == "json":
        path = folder / DOCUMENT_JSON
    else:
        path = _document_folder(folder) / _RESULT_NAMES[result]
    return path if path.is_file() else None


def available_results(folder: Path) -> list[str]:
    found = [r for r in ("md", "md_nohf", "json", "html") if result_file(folder, r)]
    return [*found, "zip"] if (folder / OUTPUT_FOLDER).is_dir() else found


def viewer_path(folder: Path) -> str | None:
    html = _document_folder(folder) / _RESULT_NAMES["html"]
    return html.relative_to(folder / OUTPUT_FOLDER).as_posix() if html.is_file() else None


def result_zip(folder: Path) -> Path:
    """The job's output folder as one zip, made once and kept."""
    target = folder / RESULT_ZIP
    if target.is_file():
        return target
    partial = folder / f".{RESULT_ZIP}.part"
    root = folder / OUTPUT_FOLDER
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(root.rglob("*")):
            if path.is_file() and ".tmp-" not in path.name:
                archive.write(path, path.relative_to(root).as_posix())
    partial.replace(target)
    return target


def output_file(folder: Path, requested: str) -> Path | None:
    """The job's output file whose relative name is ``requested``: each part of the
    name is looked up among the entries of the folder reached so far (the request
    never becomes a path, and only the folders on the way are listed)."""
    current = folder / OUTPUT_FOLDER
    for part in requested.split("/"):
        if not current.is_dir():
            return None
        entries = {entry.name: entry for entry in current.iterdir()}
        found = entries.get(part)
        if found is None or found.is_symlink():
            return None
        current = found
    return current if current.is_file() else None


def media_type(path: Path) -> str:
    if path.suffix == ".md":
        return "text/markdown; charset=utf-8"
    guessed, _ = mimetypes.guess_type(path.name)
    if guessed is None:
        return "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def read_document(folder: Path) -> Document:
    return Document.model_validate_json((folder / DOCUMENT_JSON).read_text(encoding="utf-8"))


@cache
def web_page() -> str:
    return resources.files("dotsocr.service").joinpath("web/index.html").read_text("utf-8")
