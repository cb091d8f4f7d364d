"""Spotting a repetition loop in the model's streamed output, so the client can
cut the generation instead of waiting minutes for max tokens.

OCR models such as DotsOCR sometimes repeat themselves until the token budget
runs out (see DESIGN.md §3): the same few characters, the same table row, or the
same layout element with its bbox drifting. A false alarm loses real content
while a miss only costs time (the truncated answer is repaired downstream), so the
thresholds are deliberately high: only long, exact repetitions at the end of the
text fire.

The detector works on a bounded tail of the text and checks it every
``check_every`` new characters, so feeding is O(chunk) amortised.
"""

from __future__ import annotations

import itertools
import re

# An element of the layout list starts with "{" then a key, after "[" or ",".
_ELEMENT_START = re.compile(r"[\[,]\s*(\{\s*\")")
_BBOX = re.compile(r"\"bbox\"\s*:\s*\[[^\]]*\]")
_TEXT_FIELD = re.compile(r"\"text\"\s*:\s*\"(?!\")")


def _show(unit: str, limit: int = 40) -> str:
    """A short printable rendering of the repeated unit for ``reason``."""
    shown = unit if len(unit) <= limit else unit[:limit] + "…"
    return repr(shown)


class RepetitionDetector:
    """Fed the streamed text chunk by chunk; ``feed`` turns True once it loops.

    Three signals, all on the end of the text:

    - one character repeated ``max_char_run`` times in a row (dots, underscores,
      ideographic spaces, newlines);
    - the last stretch of text periodic with a period of at most ``max_period``
      characters, covering at least ``min_repeats`` periods and ``min_span``
      characters (``"ab" * 5000``, markdown table separator rows, a sentence
      said again and again);
    - the same layout element repeated ``element_repeats`` times in a row, its
      bbox numbers ignored when it carries text (a loop often nudges the box).
      Elements without text must match exactly, since ``layout_only`` output
      legitimately has many elements that differ only in their bbox.
    """

    def __init__(
        self,
        *,
        min_repeats: int = 20,
        min_span: int = 512,
        max_period: int = 300,
        max_char_run: int = 512,
        element_repeats: int = 16,
        window: int = 8192,
        check_every: int = 256,
    ) -> None:
        if min_repeats < 2 or element_repeats < 2:
            raise ValueError("repeat thresholds must be at least 2")
        self.min_repeats = min_repeats
        self.min_span = min_span
        self.max_period = max_period
        self.max_char_run = max_char_run
        self.element_repeats = element_repeats
        # The tail must hold the longest periodic stretch plus one period.
        self.window = max(window, max_period * (min_repeats + 1), min_span + max_period)
        self.check_every = max(1, check_every)
        self.fired = False
        #: What repeated, once fired; None before.
        self.reason: str | None = None
        self._tail = ""
        self._pending = 0
        self._run_char = ""
        self._run_len = 0
        self.total_chars = 0

    def feed(self, chunk: str) -> bool:
        """Add streamed text; True once the output is clearly looping (sticky)."""
        if self.fired:
            return True
        if not chunk:
            return False
        self.total_chars += len(chunk)
        if self._count_runs(chunk):
            return True
        self._tail += chunk
        if len(self._tail) > 2 * self.window:
            self._tail = self._tail[-self.window :]
        self._pending += len(chunk)
        if self._pending >= self.check_every:
            self._pending = 0
            self._check()
        return self.fired

    def _fire(self, reason: str) -> bool:
        self.fired = True
        self.reason = reason
        return True

    def _count_runs(self, chunk: str) -> bool:
        """Track the run of one repeated character across chunk boundaries."""
        last = chunk[-1]
        stripped = chunk.rstrip(last)
        run_in_chunk = len(chunk) - len(stripped)
        continues = not stripped and last == self._run_char
        self._run_len = self._run_len + run_in_chunk if continues else run_in_chunk
        self._run_char = last
        if self._run_len >= self.max_char_run:
            return self._fire(f"the character {last!r} repeated {self._run_len} times")
        # A run entirely inside the chunk that ended before its last character.
        if len(chunk) >= self.max_char_run:
            match = re.search(rf"(.)\1{{{self.max_char_run - 1},}}", chunk, re.DOTALL)
            if match:
                return self._fire(
                    f"the character {match.group(1)!r} repeated {len(match.group(0))} times"
                )
        return False

    def _check(self) -> None:
        tail = self._tail[-self.window :]
        if self._check_period(tail):
            return
        self._check_elements(tail)

    def _check_period(self, tail: str) -> bool:
        n = len(tail)
        last = tail[-1]
        probe = 32
        for p in range(1, self.max_period + 1):
            span = max(self.min_span, p * self.min_repeats)
            if span + p > n:
                break
            if tail[n - 1 - p] != last:
                continue
            k = min(probe, span)
            if tail[n - k - p : n - p] != tail[n - k :]:
                continue
            # tail has period p over its last `span` chars iff it equals itself shifted by p.
            if tail[n - span - p : n - p] == tail[n - span :]:
                unit = tail[n - p :]
                return self._fire(f"the text {_show(unit)} repeated {span // p}+ times")
        return False

    def _check_elements(self, tail: str) -> bool:
        starts = [m.start(1) for m in _ELEMENT_START.finditer(tail)]
        if len(starts) <= self.element_repeats:
            return False
        # Complete elements only: each ends where the next one starts.
        elements = [tail[a:b] for a, b in itertools.pairwise(starts)]
        if len(elements) < self.element_repeats:
            return False
        keys = [self._element_key(e) for e in elements[-self.element_repeats :]]
        if all(k == keys[-1] for k in keys):
            return self._fire(
                f"the layout element {_show(elements[-1].strip())} repeated "
                f"{self.element_repeats}+ times"
            )
        return False

    @staticmethod
    def _element_key(element: str) -> str:
        element = element.strip().rstrip(",").rstrip()
        if _TEXT_FIELD.search(element):
            return _BBOX.sub('"bbox":[]', element)
        return element
