"""Turn command-line inputs (files and folders) into the list of files to parse.

Files named on the command line are taken as given (open_source judges their
content); folders contribute their supported files, recursively, in natural order
(page2 before page10). Missing paths are returned, not raised, so one typo does not
stop a batch.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

logger = logging.getLogger("dotsocr")

SUPPORTED_EXTENSIONS = frozenset(
    {".pdf", ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".webp", ".bmp", ".gif"}
)
_DIGITS = re.compile(r"(\d+)")


class Inputs(NamedTuple):
    """What discover_inputs found: files to parse, given paths that do not exist,
    and given folders that hold no supported file."""

    files: list[Path]
    missing: list[Path]
    empty_folders: list[Path] = []  # noqa: RUF012 - NamedTuple default, never mutated


def discover_inputs(paths: Iterable[str | Path], *, follow_symlinks: bool = False) -> Inputs:
    """Expand ``paths`` into files, in the order given, each folder walked in natural
    order; a file reached twice (given twice, or also inside a given folder) is kept
    once. Symlinks that lead out of a given folder are followed only when
    ``follow_symlinks`` is set."""
    files: list[Path] = []
    missing: list[Path] = []
    empty: list[Path] = []
    seen: set[Path] = set()
    for given in paths:
        path = Path(given)
        if path.is_dir():
            found = walk_folder(path, follow_symlinks=follow_symlinks)
            if not found:
                empty.append(path)
        elif path.exists():
            found = [path]
        else:
            missing.append(path)
            continue
        for file in found:
            key = _identity(file)
            if key not in seen:
                seen.add(key)
                files.append(file)
    return Inputs(files, missing, empty)


def walk_folder(root: Path, *, follow_symlinks: bool = False) -> list[Path]:
    """Supported files under ``root``, natural-sorted by their path below it.

    Hidden files and folders are skipped; so are symlinks leading outside ``root``
    (with a warning) unless ``follow_symlinks``, broken symlinks, and unreadable
    folders.
    """
    real_root = root.resolve()
    found = list(_walk(root, real_root, {real_root}, follow_symlinks))
    return sorted(found, key=lambda p: natural_key(p.relative_to(root)))


def _walk(
    folder: Path, real_root: Path, visited: set[Path], follow_symlinks: bool
) -> Iterator[Path]:
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        logger.warning("skipping folder %s: %s", folder, exc.strerror or exc)
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        if entry.is_symlink() and not _link_inside(path, real_root, follow_symlinks):
            continue
        if entry.is_dir():
            real = path.resolve()
            if real not in visited:  # a link back into the tree would loop forever
                visited.add(real)
                yield from _walk(path, real_root, visited, follow_symlinks)
        elif entry.is_file() and path.suffix.lower() in SUPPORTED_EXTENSIONS:
            yield path


def _link_inside(link: Path, real_root: Path, anywhere: bool = False) -> bool:
    """Whether ``link`` resolves to an existing path inside ``real_root`` (or, with
    ``anywhere``, to any existing path)."""
    try:
        target = link.resolve(strict=True)
    except (OSError, RuntimeError):
        logger.warning("skipping broken symlink %s", link)
        return False
    if anywhere or target == real_root or real_root in target.parents:
        return True
    logger.warning("skipping symlink %s: it points outside %s", link, real_root)
    return False


def natural_key(path: Path) -> tuple[tuple[tuple[object, ...], str], ...]:
    """Sort key: per path component, case-insensitive, digit runs compared as numbers;
    the exact text breaks ties so the order is total and stable."""
    return tuple(_part_key(part) for part in path.parts)


def _part_key(part: str) -> tuple[tuple[object, ...], str]:
    pieces = _DIGITS.split(part.casefold())
    # Even indices are text, odd ones digit runs: always like compared with like.
    natural = tuple(int(p) if i % 2 else p for i, p in enumerate(pieces))
    return natural, part


def _identity(path: Path) -> Path:
    try:
        return path.resolve()
    except (OSError, RuntimeError):
        return path.absolute()
