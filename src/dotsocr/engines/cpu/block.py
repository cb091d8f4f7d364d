"""Block: one page element while the CPU engine builds it."""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.textlines import Line


@dataclass
class Block:
    """An element under construction: category, box, the lines it holds, its text."""

    category: str
    box: Box
    lines: list[Line] = field(default_factory=list)
    text: str | None = None

    @property
    def size(self) -> float:
        """Median font size of the block's lines (0 for a picture)."""
        return float(statistics.median(ln.size for ln in self.lines)) if self.lines else 0.0
