"""The robustness corpus (../shared/data/robustness) through the real CLI.

Every file must end in a parsed result or one clear error line naming it: no
traceback, no hang, no half-written file. Passwords come from MANIFEST.tsv through
a --passwords file. Prints the table the reliability issue asks for: files, ok,
clean errors, crashes, hangs, wall time; and the exit code and summary line.

    python benchmarks/robustness.py [--timeout 900]
"""

from __future__ import annotations

import argparse
import csv
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data
from dotsocr.sources import discover_inputs


def password_file(data: Path, folder: Path) -> Path:
    lines = []
    with open(data / "MANIFEST.tsv", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            if row["split"] == "robustness" and row["password"]:
                lines.append(f"{Path(row['local_path']).name}\t{row['password']}")
    path = folder / "passwords.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=900, help="seconds before a hang")
    args = parser.parse_args()
    data = require_shared_data()
    corpus = data / "robustness"
    files = discover_inputs([corpus]).files
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        command = [sys.executable, "-m", "dotsocr", "parse", str(corpus), "-o", str(out),
                   "--passwords", str(password_file(data, Path(tmp))), "--max-error-rate", "1"]
        started = time.perf_counter()
        try:
            run = subprocess.run(command, capture_output=True, text=True, timeout=args.timeout)
            hung = False
        except subprocess.TimeoutExpired as exc:
            run, hung = exc, True
        wall = time.perf_counter() - started
        stderr = (run.stderr or "") if isinstance(run.stderr, str) else ""
        stdout = (run.stdout or "") if isinstance(run.stdout, str) else ""
        error_lines = [line for line in stderr.splitlines() if line.startswith("error:")]
        errored = {f for f in files if any(f"{f}:" in line for line in error_lines)}
        file_errors = {
            f for f in errored
            if any(line.startswith(f"error: {f}: ") and ": page " not in line
                   for line in error_lines)
        }
        leftovers = [p for p in out.rglob(".*tmp-*")] if out.exists() else []
        ok = [f for f in files if f not in file_errors]
        crashes = stderr.count("Traceback")
        print(f"{'files':>6} {'ok':>4} {'clean errors':>12} {'crashes':>7} {'hangs':>5} "
              f"{'wall s':>7}")
        print(f"{len(files):6d} {len(ok):4d} {len(file_errors):12d} {crashes:7d} "
              f"{int(hung):5d} {wall:7.1f}")
        print(f"exit code: {'timeout' if hung else run.returncode}; "
              f"half-written files left: {len(leftovers)}")
        print(f"summary: {stdout.strip()}")
        print("errors:")
        for line in error_lines:
            print("  " + line.replace(str(corpus) + "/", ""))
        book = out / "freeculture" / "freeculture.md"
        pages = len(list((out / "freeculture").glob("*_page_*.json"))) if book.exists() else 0
        print(f"freeculture.pdf: {'complete' if book.exists() else 'MISSING'}, {pages} pages")


if __name__ == "__main__":
    main()
