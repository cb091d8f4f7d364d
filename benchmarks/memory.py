"""Peak memory of a long document: the 352-page freeculture.pdf through the CLI.

Target: peak RSS under 1.5 GB. The parse runs in a child process so its own peak is
measured (RUSAGE_CHILDREN), with the output written to a temporary folder.

    python benchmarks/memory.py [PDF]
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import require_shared_data


def main() -> None:
    pdf = (
        Path(sys.argv[1])
        if len(sys.argv) > 1
        else (require_shared_data() / "robustness/pdfjs/freeculture.pdf")
    )
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        run = subprocess.run(
            [sys.executable, "-m", "dotsocr", "parse", str(pdf), "-o", out],
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        pages = len(list(Path(out).rglob("*_page_*.json")))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(run.stdout.strip())
    if run.returncode != 0:
        print(run.stderr.strip()[-2000:])
    print(
        f"{pdf.name}: exit {run.returncode}, {pages} pages in {seconds:.1f} s "
        f"({pages / seconds:.2f} pages/s), peak RSS {peak_mb:.0f} MB "
        f"({'under' if peak_mb < 1536 else 'OVER'} the 1.5 GB target)"
    )


if __name__ == "__main__":
    main()
