"""How many worker processes the CPU engine runs, and how many threads each gets.

The default is one worker per usable core (the process's CPU affinity, so a
container or ``taskset`` limit counts), capped so that the workers fit in the
memory available now. Importable without loading any model.
"""

from __future__ import annotations

import os
from pathlib import Path

from dotsocr.engines.cpu.options import CpuEngineOptions

#: Memory set aside per worker for the default count. Peak RSS of one worker,
#: measured at 200 DPI (two workers, 2 cores): 0.4 GB on born-digital pages
#: (freeculture.pdf), 1.15 GB on OCR pages of the same, 1.3 GB OCR-ing a dense
#: two-column paper (tracemonkey.pdf). onnxruntime's memory arena keeps a worker
#: near its peak once it has OCR'd a page, so the budget is the OCR figure plus a
#: margin. The parent process (rendering, results) needs about 0.2 GB more.
WORKER_MEMORY_BYTES = 3 << 29  # 1.5 GiB

_MEMINFO = Path("/proc/meminfo")
_CGROUP = Path("/sys/fs/cgroup")


def usable_cores() -> int:
    """Cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not Linux
        return max(1, os.cpu_count() or 1)


def _meminfo_available() -> int | None:
    try:
        for line in _MEMINFO.read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_headroom() -> int | None:
    """What a cgroup v2 memory limit leaves (limit minus current use), if there is one."""
    try:
        limit = (_CGROUP / "memory.max").read_text().strip()
        if limit == "max":
            return None
        current = int((_CGROUP / "memory.current").read_text().strip())
        return max(0, int(limit) - current)
    except (OSError, ValueError):
        return None


def available_memory() -> int | None:
    """Bytes this process could still use without swapping or hitting its limit."""
    known = [m for m in (_meminfo_available(), _cgroup_headroom()) if m is not None]
    return min(known) if known else None


def default_workers() -> int:
    """One worker per usable core, as many as fit in the available memory."""
    cores = usable_cores()
    memory = available_memory()
    if memory is None:
        return cores
    return max(1, min(cores, memory // WORKER_MEMORY_BYTES))


def effective_workers(options: CpuEngineOptions) -> int:
    """The number of pages the engine parses at once: ``options.workers`` when set,
    else :func:`default_workers`. 1 means no worker processes at all."""
    return options.workers if options.workers is not None else default_workers()


def threads_per_worker(workers: int) -> int:
    """onnxruntime intra-op threads per worker, so all workers together use the
    cores without oversubscribing them (at least one each)."""
    return max(1, usable_cores() // max(1, workers))
