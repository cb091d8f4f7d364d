"""``--passwords FILE``: passwords for a batch of encrypted PDFs.

One entry per line, UTF-8. ``name<TAB>password`` gives the password of the file
called ``name``; a line without a tab is a password to try on every encrypted file.
Blank lines and lines starting with ``#`` are skipped. Nothing else is trimmed:
spaces can be part of a password.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from dotsocr.errors import InputError


@dataclass
class PasswordBook:
    anywhere: list[str] = field(default_factory=list)
    by_name: dict[str, str] = field(default_factory=dict)


def read_password_file(path: Path) -> PasswordBook:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(path, f"cannot read the passwords file ({exc})") from exc
    book = PasswordBook()
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, tab, password = line.partition("\t")
        if tab:
            book.by_name[name] = password
        else:
            book.anywhere.append(line)
    return book
