#!/usr/bin/env python3
"""Prove that two versions of dotsocr write the same output files, byte for byte.

Why: refactors of the output side (the store turned into pluggable writers, the
pipeline and CLI reshuffled) must not change a single byte of what users get. This
script parses a fixed, small set of shared/data documents with an old commit and
with a new tree, and compares every file the two runs wrote.

    .venv/bin/python scripts/compare_outputs.py                  # 58b0743 vs this tree
    .venv/bin/python scripts/compare_outputs.py --extra-args="--md-tables pipe"
    .venv/bin/python scripts/compare_outputs.py --base HEAD~3 --new /path/to/tree
    .venv/bin/python scripts/compare_outputs.py --inputs a.pdf b.png --keep /tmp/cmp

How: ``--base REF`` is checked out with ``git worktree add --detach`` into a temporary
folder (removed afterwards); ``--new PATH`` is a source tree as it is on disk (default:
the tree holding this script). Each is run as ``python -m dotsocr parse INPUTS
--output DIR --engine cpu --quiet [EXTRA ARGS]`` with this interpreter and
PYTHONPATH set to the tree's ``src`` (checked: ``dotsocr`` must import from there).

Every file is compared byte for byte, except the per-document manifests ``*.jsonl``:
they are compared line by line as JSON with the run-dependent keys removed; and the
whole-document JSON ``<stem>/<stem>.json``, whose pages are compared the same way. Running
the base twice showed that ``timings`` (seconds per stage) is the only such key for
the CPU engine; ``--ignore-key`` adds more. The exit status of the two runs must match
too. The last line printed is the verdict: ``identical: N files`` (exit 0) or a count
of the differences listed above it (exit 1). Exit 2: a run could not be made.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = (REPO_ROOT / ".." / "shared" / "data").resolve()
DEFAULT_BASE = "58b0743"

#: Manifest keys whose values change from run to run (found by running the base twice).
RUN_DEPENDENT_KEYS: frozenset[str] = frozenset({"timings"})

#: Small documents, relative to the data folder, that together take every output path:
#: about 15 s per tree on 2 cores.
DEFAULT_INPUTS: tuple[str, ...] = (
    # born-digital, 4 pages, text layer, tables (HTML or pipe tables in Markdown)
    "accuracy/docling/pdf/normal_4pages.pdf",
    # born-digital page dense with tables
    "accuracy/docling/pdf/2305.03393v1-pg9.pdf",
    # Arabic, right to left
    "accuracy/docling/pdf/right_to_left_01.pdf",
    # image-only page: no text layer, OCR
    "accuracy/docling/ocr/ocr_test.pdf",
    # Japanese text layer (non-ASCII text in JSON and Markdown)
    "accuracy/pdfjs_textlayer/ja/issue16538.pdf",
    # Japanese vertical text (tategaki): a reading order of its own
    "accuracy/pdfjs_textlayer/ja/issue6387.pdf",
    # a single JPEG (an academic page with tables): image input, unpaged output names
    "accuracy/dotsocr_demo/demo_image1.jpg",
    # not a PDF (no %PDF- header): one error line, no output, exit status 1
    "robustness/pdfjs/bug1606566.pdf",
)


# -- comparing two output folders (pure: no processes, testable on hand-made folders) --


@dataclass
class Comparison:
    """What differs between a base and a new output folder (paths relative to them)."""

    files: int = 0
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    different: list[tuple[str, str]] = field(default_factory=list)

    @property
    def identical(self) -> bool:
        return not (self.missing or self.extra or self.different)

    def report(self) -> list[str]:
        """One line per difference, then the one-line verdict."""
        lines = [f"missing in new: {path}" for path in self.missing]
        lines += [f"extra in new: {path}" for path in self.extra]
        lines += [f"different: {path}: {detail}" for path, detail in self.different]
        if self.identical:
            lines.append(f"identical: {self.files} files")
        else:
            lines.append(
                f"DIFFERENT: {len(self.different)} different, {len(self.missing)} missing, "
                f"{len(self.extra)} extra (of {self.files} files in base)"
            )
        return lines


def list_files(root: Path) -> set[str]:
    """Every file under ``root``, as a POSIX path relative to it."""
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def compare_bytes(base: bytes, new: bytes) -> str | None:
    """Where two files first differ, or None when they are identical."""
    if base == new:
        return None
    pairs = enumerate(zip(base, new, strict=False))
    offset = next((i for i, (a, b) in pairs if a != b), min(len(base), len(new)))
    line = base[:offset].count(b"\n") + 1
    return f"{len(base)} vs {len(new)} bytes, first difference at byte {offset} (line {line})"


def strip_keys(record: Any, keys: Iterable[str]) -> Any:
    """A manifest record without its run-dependent top-level keys."""
    if not isinstance(record, dict):
        return record
    drop = set(keys)
    return {k: v for k, v in record.items() if k not in drop}


def compare_manifest(base: bytes, new: bytes, ignore: Iterable[str]) -> str | None:
    """The first difference between two JSON-lines manifests, keys in ``ignore`` aside."""
    ignore = frozenset(ignore)
    base_lines = base.decode("utf-8").splitlines()
    new_lines = new.decode("utf-8").splitlines()
    if len(base_lines) != len(new_lines):
        return f"{len(base_lines)} vs {len(new_lines)} lines"
    for number, (a, b) in enumerate(zip(base_lines, new_lines, strict=True), start=1):
        try:
            left, right = json.loads(a), json.loads(b)
        except json.JSONDecodeError as exc:
            return f"line {number}: not JSON ({exc})"
        left, right = strip_keys(left, ignore), strip_keys(right, ignore)
        if left == right:
            continue
        if isinstance(left, dict) and isinstance(right, dict):
            keys = sorted(k for k in left.keys() | right.keys() if left.get(k) != right.get(k))
            shown = ", ".join(f"{k}: {left.get(k)!r} vs {right.get(k)!r}" for k in keys[:3])
            return f"line {number}: {shown}" + (" ..." if len(keys) > 3 else "")
        return f"line {number}: {a!r} vs {b!r}"
    return None


def compare_document(base: bytes, new: bytes, ignore: Iterable[str]) -> str | None:
    """The first difference between two Document JSON files, each page's keys in
    ``ignore`` aside (a single image's page JSON of that name is compared as bytes)."""
    left, right = json.loads(base), json.loads(new)
    if not (isinstance(left, dict) and isinstance(right, dict)):
        return compare_bytes(base, new)
    pages = [
        "\n".join(json.dumps(strip_keys(p, ignore), sort_keys=True) for p in d.pop("pages", []))
        for d in (left, right)
    ]
    if left != right:
        return "document fields differ"
    return compare_manifest(pages[0].encode(), pages[1].encode(), ())


def _is_document_json(path: str) -> bool:
    folder, _, name = path.partition("/")
    return name == f"{folder}.json"


def compare_trees(base: Path, new: Path, ignore: Iterable[str] = RUN_DEPENDENT_KEYS) -> Comparison:
    """Compare every file of two output folders; manifests as JSON without ``ignore``."""
    base_files, new_files = list_files(base), list_files(new)
    result = Comparison(
        files=len(base_files),
        missing=sorted(base_files - new_files),
        extra=sorted(new_files - base_files),
    )
    for path in sorted(base_files & new_files):
        left, right = (base / path).read_bytes(), (new / path).read_bytes()
        if path.endswith(".jsonl"):
            detail = compare_manifest(left, right, ignore)
        elif _is_document_json(path):
            detail = compare_document(left, right, ignore)
        else:
            detail = compare_bytes(left, right)
        if detail is not None:
            result.different.append((path, detail))
    return result


# -- making the two runs ---------------------------------------------------------------


class RunError(Exception):
    """A run could not be made (no worktree, wrong import, a crash)."""


@dataclass
class RunResult:
    returncode: int
    stderr: str
    seconds: float


def crashed(result: RunResult) -> bool:
    """Whether a parse run broke rather than ran: exit 0 (all parsed) and 1 (some inputs
    failed) are runs, but an uncaught exception also exits 1, with a traceback."""
    return result.returncode not in (0, 1) or "Traceback (most recent call last)" in result.stderr


def tree_environment(tree: Path) -> dict[str, str]:
    """This environment with ``dotsocr`` imported from ``tree/src``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree / "src")
    return env


def check_imports_from(tree: Path) -> None:
    """Fail unless ``dotsocr`` imports from ``tree/src`` (not the installed checkout)."""
    probe = subprocess.run(
        [sys.executable, "-c", "import dotsocr; print(dotsocr.__file__)"],
        env=tree_environment(tree),
        capture_output=True,
        text=True,
        cwd=tempfile.gettempdir(),
    )
    where = Path(probe.stdout.strip()).resolve() if probe.returncode == 0 else None
    expected = (tree / "src" / "dotsocr").resolve()
    if where is None or where.parent != expected:
        raise RunError(f"dotsocr imports from {where or probe.stderr.strip()}, not {expected}")


def run_parse(
    tree: Path, inputs: Sequence[Path], output: Path, extra_args: Sequence[str]
) -> RunResult:
    """``dotsocr parse`` from ``tree`` into ``output`` (run from a neutral folder)."""
    check_imports_from(tree)
    command = [
        sys.executable, "-m", "dotsocr", "parse", *map(str, inputs),
        "--output", str(output), "--engine", "cpu", "--quiet", *extra_args,
    ]  # fmt: skip
    started = time.perf_counter()
    run = subprocess.run(
        command, env=tree_environment(tree), capture_output=True, text=True, cwd=output.parent
    )
    return RunResult(run.returncode, run.stderr, time.perf_counter() - started)


@contextlib.contextmanager
def worktree(repo: Path, ref: str) -> Iterator[Path]:
    """A detached ``git worktree`` of ``ref`` in a temporary folder, removed afterwards."""
    with tempfile.TemporaryDirectory(prefix="dotsocr-base-") as folder:
        path = Path(folder) / "tree"
        add = subprocess.run(
            ["git", "-C", str(repo), "worktree", "add", "--detach", "--quiet", str(path), ref],
            capture_output=True,
            text=True,
        )
        if add.returncode != 0:
            raise RunError(f"git worktree add {ref}: {add.stderr.strip()}")
        try:
            yield path
        finally:
            subprocess.run(
                ["git", "-C", str(repo), "worktree", "remove", "--force", str(path)],
                capture_output=True,
            )
            subprocess.run(["git", "-C", str(repo), "worktree", "prune"], capture_output=True)


def commit_of(repo: Path, ref: str) -> str:
    """The short commit id ``ref`` names (for the log line)."""
    rev = subprocess.run(
        ["git", "-C", str(repo), "rev-parse", "--short", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
    )
    if rev.returncode != 0:
        raise RunError(f"unknown ref {ref!r}: {rev.stderr.strip()}")
    return rev.stdout.strip()


def resolve_inputs(names: Sequence[str], data_dir: Path) -> list[Path]:
    """Input paths as given, or relative to the data folder when not found as given."""
    paths = []
    for name in names:
        path = Path(name)
        if not path.exists() and (data_dir / name).exists():
            path = data_dir / name
        if not path.exists():
            raise RunError(f"input not found: {name} (nor under {data_dir})")
        paths.append(path.resolve())
    return paths


def run_both(
    base_tree: Path,
    new_tree: Path,
    inputs: Sequence[Path],
    extra_args: Sequence[str],
    outputs: Path,
) -> tuple[RunResult, RunResult]:
    """Parse with the base tree, then the new one, into ``outputs/base`` and ``/new``."""
    results = []
    for label, tree in (("base", base_tree), ("new", new_tree)):
        output = outputs / label
        if output.exists() and any(output.iterdir()):
            raise RunError(f"{output} is not empty (reruns would skip pages)")
        output.mkdir(parents=True, exist_ok=True)
        print(f"{label}: parsing {len(inputs)} input(s) with {tree} ...", file=sys.stderr)
        result = run_parse(tree, inputs, output, extra_args)
        print(f"{label}: exit {result.returncode}, {result.seconds:.1f} s", file=sys.stderr)
        if crashed(result):
            raise RunError(f"{label} run failed (exit {result.returncode}):\n{result.stderr}")
        results.append(result)
    return results[0], results[1]


# -- command line ----------------------------------------------------------------------


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Parse fixed inputs with two dotsocr trees and compare the files.",
    )
    parser.add_argument("--base", default=DEFAULT_BASE, help="git ref of the old version")
    parser.add_argument(
        "--new", type=Path, default=REPO_ROOT, help="source tree of the new version"
    )
    parser.add_argument(
        "--inputs", nargs="+", help="override the fixed inputs (paths, or under --data)"
    )
    parser.add_argument("--data", type=Path, default=DATA_DIR, help="the shared data folder")
    parser.add_argument(
        "--extra-args",
        default="",
        help="arguments for both parse runs, one string: --extra-args='--md-tables pipe'",
    )
    parser.add_argument(
        "--ignore-key",
        action="append",
        default=[],
        help="another run-dependent manifest key to ignore (repeatable)",
    )
    parser.add_argument(
        "--keep", type=Path, help="write the outputs under this folder and keep them"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_arguments(argv)
    new_tree = args.new.resolve()
    try:
        inputs = resolve_inputs(args.inputs or DEFAULT_INPUTS, args.data)
        print(f"base: {args.base} ({commit_of(REPO_ROOT, args.base)})", file=sys.stderr)
        with contextlib.ExitStack() as stack:
            base_tree = stack.enter_context(worktree(REPO_ROOT, args.base))
            outputs = args.keep or Path(
                stack.enter_context(tempfile.TemporaryDirectory(prefix="dotsocr-compare-"))
            )
            base_run, new_run = run_both(
                base_tree, new_tree, inputs, shlex.split(args.extra_args), outputs.resolve()
            )
            comparison = compare_trees(
                outputs / "base", outputs / "new", RUN_DEPENDENT_KEYS | set(args.ignore_key)
            )
    except RunError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    lines = comparison.report()
    if base_run.returncode != new_run.returncode:
        lines.insert(0, f"exit status: base {base_run.returncode}, new {new_run.returncode}")
        if comparison.identical:
            lines[-1] = f"DIFFERENT: exit status (files identical: {comparison.files} files)"
    print("\n".join(lines))
    return 0 if comparison.identical and base_run.returncode == new_run.returncode else 1


if __name__ == "__main__":
    sys.exit(main())
