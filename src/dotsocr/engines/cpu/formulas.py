"""Formula text as LaTeX-ish source, from text lines.

The DotsOCR format wants formulas as LaTeX. The CPU engine has no formula
recogniser, so it writes what the text layer or OCR gives in LaTeX's terms:
math symbols as commands (α -> \\alpha, ≤ -> \\leq), and raised or lowered small
glyphs of a text-layer line as ^{...} and _{...}. It also tells a displayed
equation the layout model missed ("a2 + 8 = 12" on its own line) from a heading.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Sequence

from dotsocr.engines.cpu.boxes import Box
from dotsocr.engines.cpu.scripts import is_cjk, join_pieces
from dotsocr.engines.cpu.textlines import SPACE_GAP, Line

_SYMBOLS: dict[str, str] = {
    "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "ε": r"\epsilon",
    "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta", "ι": r"\iota", "κ": r"\kappa",
    "λ": r"\lambda", "μ": r"\mu", "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho",
    "σ": r"\sigma", "τ": r"\tau", "υ": r"\upsilon", "φ": r"\phi", "χ": r"\chi",
    "ψ": r"\psi", "ω": r"\omega", "Γ": r"\Gamma", "Δ": r"\Delta", "Θ": r"\Theta",
    "Λ": r"\Lambda", "Ξ": r"\Xi", "Π": r"\Pi", "Σ": r"\Sigma", "Φ": r"\Phi",
    "Ψ": r"\Psi", "Ω": r"\Omega", "≤": r"\leq", "≥": r"\geq", "≠": r"\neq",
    "≈": r"\approx", "≡": r"\equiv", "∼": r"\sim", "±": r"\pm", "∓": r"\mp",
    "×": r"\times", "÷": r"\div", "·": r"\cdot", "∑": r"\sum", "∏": r"\prod",
    "∫": r"\int", "∮": r"\oint", "√": r"\sqrt", "∞": r"\infty", "∂": r"\partial",
    "∇": r"\nabla", "∈": r"\in", "∉": r"\notin", "⊂": r"\subset", "⊆": r"\subseteq",
    "∪": r"\cup", "∩": r"\cap", "∀": r"\forall", "∃": r"\exists", "→": r"\to",
    "←": r"\leftarrow", "⇒": r"\Rightarrow", "⇔": r"\Leftrightarrow", "∧": r"\wedge",
    "∨": r"\vee", "¬": r"\neg", "∅": r"\emptyset", "ℝ": r"\mathbb{R}",
    "ℕ": r"\mathbb{N}", "ℤ": r"\mathbb{Z}", "−": "-", "∗": "*", "′": "'",
}  # fmt: skip
_OPERATORS = frozenset("=<>+-*/^" + "".join(k for k in _SYMBOLS if k not in "·′"))
_RELATIONS = frozenset("=<>≤≥≠≈≡∼→⇒∈")
_WORD = re.compile(r"[^\W\d_]{4,}")
#: A glyph this much smaller than the line's main glyphs can be an exponent/index.
SMALL = 0.82
#: ... when its middle sits this far (share of the main height) off the main middle.
SHIFT = 0.12


def looks_like_formula(text: str) -> bool:
    """A short displayed line made of symbols, numbers and single letters, with a
    relation in it ("a2 + 8 = 12", "E = mc2", "x ≤ y"). Han and kana are words,
    not symbols: "<準・要>" is a boxed label."""
    text = text.strip()
    if not 3 <= len(text) <= 120 or text.endswith((".", ",", ":", ";")):
        return False
    if not any(c in _RELATIONS for c in text):
        return False
    wordy = sum(len(w) for w in _WORD.findall(text)) + sum(map(is_cjk, text))
    return wordy <= 0.35 * len(text.replace(" ", ""))


def _latex_char(ch: str) -> str:
    cmd = _SYMBOLS.get(ch)
    if cmd is None:
        return ch
    return cmd + " " if cmd.startswith("\\") and cmd[-1].isalpha() else cmd


def _scripted(glyphs: Sequence[tuple[str, Box]]) -> str:
    """A line's glyphs with small raised/lowered runs as ^{...} / _{...}."""
    visible = [(t, b) for t, b in glyphs if t.strip()]
    if len(visible) < 2:
        return "".join(_latex_char(t) for t, _ in glyphs)
    heights = [b[3] - b[1] for _, b in visible]
    main = statistics.median(heights)
    full = [b for (_, b), h in zip(visible, heights, strict=True) if h >= SMALL * main]
    middle = statistics.median((b[1] + b[3]) / 2 for b in full) if full else 0.0
    parts: list[str] = []
    mode = ""
    right: float | None = None
    for text, box in glyphs:
        kind = ""
        if text.strip() and box[3] - box[1] < SMALL * main:
            offset = (box[1] + box[3]) / 2 - middle
            if offset < -SHIFT * main:
                kind = "^"
            elif offset > SHIFT * main:
                kind = "_"
        elif not text.strip() and mode:
            kind = mode  # a space inside a script run stays in it
        if kind != mode:
            if mode:
                parts.append("}")
            if kind:
                parts.append(kind + "{")
            mode = kind
        if right is not None and text.strip() and box[0] - right > SPACE_GAP * main:
            parts.append(" ")  # a gap the text layer wrote no space for
        right = box[2] if text.strip() else right
        parts.append(_latex_char(text) if text.strip() else " ")
    if mode:
        parts.append("}")
    text = "".join(parts).replace(" }", "} ").replace("{ ", "{")
    return " ".join(text.split())


def formula_text(lines: Sequence[Line]) -> str:
    """LaTeX-ish text of a formula's lines, top to bottom."""
    pieces = []
    for line in sorted(lines, key=lambda ln: (ln.box[1], ln.box[0])):
        if line.glyphs:
            pieces.append(_scripted(line.glyphs))
        else:
            pieces.append(" ".join("".join(_latex_char(c) for c in line.text).split()))
    return join_pieces([p for p in pieces if p])
