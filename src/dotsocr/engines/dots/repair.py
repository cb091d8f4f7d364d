"""Parse and repair the DotsOCR model's raw answer (DESIGN.md §3, failure modes).

The model is asked for a JSON list of {bbox, category, text}, but a real server also
returns truncated JSON (repetition loops running into max tokens), missing commas,
unterminated strings, code fences, trailing garbage, a dict around the list,
duplicated elements, or plain prose. ``parse_layout_output`` salvages every complete
element it can find and says how it got them; it never raises, because one bad page
must not stop a batch.
"""

from __future__ import annotations

import ast
import json
import math
import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

ParseStatus = Literal["ok", "repaired", "plain_text", "empty", "unusable"]

#: Keys that make a dict look like a layout element.
_ELEMENT_KEYS = ("bbox", "category")
#: Where a salvage pass restarts: the opening of an object that starts like an element.
_ANCHOR = re.compile(r'\{\s*"(?:bbox|category)"\s*:')
_FENCE_OPEN = re.compile(r"\A```[A-Za-z0-9_+-]*[ \t]*\r?\n?")
_FENCE_CLOSE = re.compile(r"\r?\n?```\s*\Z")
_BRACE_TOKENS = re.compile(r'[{}"\\]')
#: literal_eval is only tried on objects up to this size (it is slow and recursive).
_LITERAL_EVAL_LIMIT = 200_000
#: Objects longer than this are only read as they are, never fixed (bounds the work
#: on degenerate answers such as thousands of nested braces).
_FIX_LIMIT = 1_000_000

#: Marks a failed parse (None is a valid JSON value).
_FAILED: Any = object()
#: How deep a dict-wrapping-a-list is unpacked.
_WRAPPER_DEPTH = 4


@dataclass
class RawElement:
    """One element as the model gave it, before mapping to the page."""

    bbox: list[float] | None  # model-input pixels; None if absent or invalid
    category: str
    text: str | None


@dataclass
class ParsedOutput:
    """The elements recovered from one answer, how, and what had to be repaired."""

    elements: list[RawElement]
    status: ParseStatus
    notes: list[str] = field(default_factory=list)


@dataclass
class _Tally:
    """Counts of what the conversion had to fix, turned into notes at the end."""

    no_bbox: int = 0
    not_elements: int = 0
    fixes: set[str] = field(default_factory=set)

    def notes(self) -> list[str]:
        out = sorted(self.fixes)
        if self.not_elements:
            out.append(f"dropped {_plural(self.not_elements, 'item')} that are not elements")
        if self.no_bbox:
            out.append(f"{_plural(self.no_bbox, 'element')} without a valid bbox")
        return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


# --------------------------------------------------------------------------- values


def _coerce_bbox(value: Any) -> list[float] | None:
    """Four finite numbers (numeric strings allowed), else None."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        return None
    out: list[float] = []
    for v in value:
        if isinstance(v, bool):
            return None
        if isinstance(v, (int, float)):
            f = float(v)
        elif isinstance(v, str):
            try:
                f = float(v.strip())
            except ValueError:
                return None
        else:
            return None
        if not math.isfinite(f):
            return None
        out.append(f)
    return out


def _as_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        return str(value)


def _looks_like_element(obj: dict[Any, Any]) -> bool:
    return any(k in obj for k in _ELEMENT_KEYS)


def _to_element(obj: dict[Any, Any], tally: _Tally) -> RawElement:
    bbox = _coerce_bbox(obj.get("bbox"))
    if bbox is None:
        tally.no_bbox += 1
    category = obj.get("category")
    return RawElement(
        bbox=bbox,
        category=category if isinstance(category, str) else _as_text(category) or "",
        text=_as_text(obj.get("text")),
    )


def _elements_from_value(value: Any, tally: _Tally, depth: int = 0) -> list[RawElement] | None:
    """Elements in a parsed JSON value (list, element dict, or dict wrapping a list);
    None when the value holds no element-shaped data at all."""
    if depth > _WRAPPER_DEPTH:
        return None
    if isinstance(value, dict):
        if _looks_like_element(value):
            return [_to_element(value, tally)]
        for inner in value.values():
            if isinstance(inner, list) and (not inner or isinstance(inner[0], dict)):
                return _elements_from_value(inner, tally, depth + 1)
        for inner in value.values():
            if isinstance(inner, dict):
                got = _elements_from_value(inner, tally, depth + 1)
                if got is not None:
                    return got
        if isinstance(value.get("text"), str):
            return [_to_element(value, tally)]
        return None
    if isinstance(value, list):
        out: list[RawElement] = []
        for item in value:
            got = _elements_from_value(item, tally, depth + 1) if isinstance(item, dict) else None
            if got is None:
                tally.not_elements += 1
            else:
                out.extend(got)
        return out
    return None


# ------------------------------------------------------------------ object parsing


def _fix_delimiters(s: str) -> str:
    """Outside strings: drop trailing commas before } or ], insert a missing comma
    between a value's end and the next key/value."""
    out: list[str] = []
    in_str = esc = False
    last = ""  # last significant character outside strings ('"' for a closed string)
    for ch in s:
        if in_str:
            out.append(ch)
            if esc:
                esc = False
            elif ch == "\\":
                esc = True
            elif ch == '"':
                in_str = False
                last = '"'
            continue
        if ch.isspace():
            out.append(ch)
            continue
        if ch in "}]" and last == ",":
            # Remove the trailing comma (and keep the whitespace after it).
            for i in range(len(out) - 1, -1, -1):
                if out[i] == ",":
                    del out[i]
                    break
        elif ch in '"{[' and last and (last in '"}]' or last.isalnum()):
            out.append(",")
        out.append(ch)
        if ch == '"':
            in_str = True
        last = ch
    return "".join(out)


def _loads_object(s: str, tally: _Tally) -> Any:
    """``s`` parsed as JSON, trying small safe fixes; ``_FAILED`` if none works."""
    try:
        return json.loads(s, strict=False)  # strict=False: raw control chars in strings
    except Exception:
        pass
    if len(s) > _FIX_LIMIT or not any(k in s for k in _ELEMENT_KEYS):
        return _FAILED
    fixed = _fix_delimiters(s)
    if fixed != s:
        try:
            value = json.loads(fixed, strict=False)
        except Exception:
            pass
        else:
            tally.fixes.add("fixed missing or trailing commas")
            return value
    if "'" in s and len(s) <= _LITERAL_EVAL_LIMIT:
        try:  # Python-style dict: literal_eval evaluates literals only, never code
            with warnings.catch_warnings():  # invalid escapes in the model's LaTeX
                warnings.simplefilter("ignore")
                value = ast.literal_eval(s)
        except Exception:
            pass
        else:
            if isinstance(value, dict):
                tally.fixes.add("read Python-style quotes")
                return value
    return _FAILED


def _match_braces(text: str) -> tuple[list[int], dict[int, int], dict[int, list[int]]]:
    """One pass over ``text``: every '{', its matching '}' (-1 when unclosed) and its
    direct child objects. Quotes count only inside an object, so prose around the
    JSON (apostrophes) cannot throw the matcher off."""
    top: list[int] = []
    match: dict[int, int] = {}
    children: dict[int, list[int]] = {}
    stack: list[int] = []
    in_str = False
    skip = -1
    for m in _BRACE_TOKENS.finditer(text):
        i = m.start()
        if i == skip:
            continue
        ch = text[i]
        if in_str:
            if ch == "\\":
                skip = i + 1
            elif ch == '"':
                in_str = False
            continue
        if ch == '"':
            in_str = bool(stack)
        elif ch == "{":
            (children[stack[-1]] if stack else top).append(i)
            children[i] = []
            match[i] = -1
            stack.append(i)
        elif ch == "}" and stack:
            match[stack.pop()] = i
    return top, match, children


@dataclass
class _Salvage:
    elements: list[RawElement]
    failures: int = 0  # complete objects that would not parse
    truncated: bool = False  # an unclosed object at the end
    tail_dropped: bool = False  # ... that held no complete element


def _salvage_by_braces(text: str, tally: _Tally) -> _Salvage:
    """Every complete object, in order; an object that fails to parse or never closes
    is searched for complete objects inside it (a wrapper dict, a truncated list)."""
    top, match, children = _match_braces(text)
    result = _Salvage(elements=[])
    stack: list[Iterator[int]] = [iter(top)]
    while stack:
        start = next(stack[-1], None)
        if start is None:
            stack.pop()
            continue
        end = match[start]
        if end < 0:
            result.truncated = True
            if not children[start]:
                result.tail_dropped = True
            stack.append(iter(children[start]))
            continue
        value = _loads_object(text[start : end + 1], tally)
        got = None if value is _FAILED else _elements_from_value(value, tally)
        if got is not None:
            result.elements.extend(got)
        elif value is _FAILED:
            result.failures += 1
            stack.append(iter(children[start]))
    return result


def _close_object(chunk: str) -> list[str]:
    """Ways to finish an object whose string was left unterminated."""
    body = chunk.rstrip().rstrip(",]").rstrip()
    out = [body]
    if body.endswith("}"):
        out.append(body[:-1].rstrip() + '"}')
    out += [body + '"}', body + "}"]
    return out


def _salvage_by_anchors(text: str, tally: _Tally) -> _Salvage:
    """Split at every '{"bbox":' / '{"category":' and read each piece on its own, so
    an unterminated string costs at most its own element."""
    starts = [m.start() for m in _ANCHOR.finditer(text)]
    result = _Salvage(elements=[])
    for n, start in enumerate(starts):
        last = n == len(starts) - 1
        chunk = text[start : starts[n + 1]] if not last else text[start:]
        _, match, _ = _match_braces(chunk)
        end = match.get(0, -1)
        candidates = [chunk[: end + 1]] if end >= 0 else []
        if not last:
            candidates += _close_object(chunk)
        value: Any = _FAILED
        used = -1
        for used, cand in enumerate(candidates):  # noqa: B007 (used after the loop)
            value = _loads_object(cand, tally)
            if isinstance(value, dict):
                break
        if isinstance(value, dict) and _looks_like_element(value):
            if end < 0 or used > 0:
                tally.fixes.add("closed unterminated strings")
            result.elements.append(_to_element(value, tally))
        elif last and end < 0:
            result.truncated = result.tail_dropped = True
        else:
            result.failures += 1
    return result


# ---------------------------------------------------------------------- public API


def _strip_fences(text: str) -> str:
    s = text.strip()
    if s.startswith("```"):
        s = _FENCE_CLOSE.sub("", _FENCE_OPEN.sub("", s, count=1), count=1).strip()
    return s


def _dedupe(elements: list[RawElement]) -> tuple[list[RawElement], int]:
    """Exact duplicates (same bbox, category, text) dropped, first one kept: a
    repetition loop emits the same element again and again."""
    seen: set[tuple[Any, ...]] = set()
    out: list[RawElement] = []
    for el in elements:
        key = (tuple(el.bbox) if el.bbox else None, el.category, el.text)
        if key in seen:
            continue
        seen.add(key)
        out.append(el)
    return out, len(elements) - len(out)


def _looks_like_json(s: str) -> bool:
    return s[:1] in "[]{}" or '"bbox"' in s or '"category"' in s


def _finish(elements: list[RawElement], notes: list[str], repaired: bool) -> ParsedOutput:
    elements, dups = _dedupe(elements)
    if dups:
        notes.append(f"removed {_plural(dups, 'duplicate')}")
    status: ParseStatus = "repaired" if (repaired or notes) else "ok"
    return ParsedOutput(elements=elements, status=status, notes=notes)


def parse_layout_output(text: str) -> ParsedOutput:
    """The model's answer as raw elements (model-input pixels) plus how it was read.

    Never raises: whatever the server sent, the caller gets a status to act on.
    """
    try:
        return _parse(text)
    except Exception as exc:  # a last guard: a bug here must not fail the page
        return ParsedOutput(elements=[], status="unusable", notes=[f"parser error: {exc!r}"])


def _parse(text: str) -> ParsedOutput:
    if not isinstance(text, str) or not text.strip():
        return ParsedOutput(elements=[], status="empty")
    body = _strip_fences(text)
    if not body:
        return ParsedOutput(elements=[], status="empty")

    # 1. Valid JSON as a whole.
    tally = _Tally()
    try:
        value = json.loads(body, strict=False)
    except Exception:
        value = _FAILED
    if value is not _FAILED:
        if value is None or value == {}:
            return ParsedOutput(elements=[], status="empty")
        if isinstance(value, (str, int, float, bool)):
            # Plain text that happens to be a JSON scalar ("42", "\"Hello\"").
            plain = value.strip() if isinstance(value, str) else body
            return _plain_text(plain) if plain else ParsedOutput(elements=[], status="empty")
        got = _elements_from_value(value, tally)
        if got:
            return _finish(got, tally.notes(), repaired=False)
        if got == [] and not tally.not_elements:
            return ParsedOutput(elements=[], status="empty")
        return ParsedOutput(elements=[], status="unusable", notes=tally.notes())

    # 2. One JSON value with text around it ("Here is the layout: [...] Hope this helps").
    first = min((i for i in (body.find("["), body.find("{")) if i >= 0), default=-1)
    if first >= 0:
        tally = _Tally()
        try:
            value, end = json.JSONDecoder(strict=False).raw_decode(body, first)
        except Exception:
            value = _FAILED
        if value is not _FAILED:
            got = _elements_from_value(value, tally)
            if got:
                notes = tally.notes()
                if body[:first].strip():
                    notes.append("ignored text before the JSON")
                if body[end:].strip():
                    notes.append("ignored text after the JSON")
                return _finish(got, notes, repaired=True)

    # 3. Salvage complete objects one by one.
    tally = _Tally()
    salvage = _salvage_by_braces(body, tally)
    # An unterminated string upsets the brace matcher for the rest of the answer;
    # reading from each element's start limits the loss to that element.
    other_tally = _Tally()
    other = _salvage_by_anchors(body, other_tally)
    if len(other.elements) > len(salvage.elements):
        salvage, tally = other, other_tally
    if salvage.elements:
        notes = tally.notes()
        if salvage.tail_dropped:
            notes.append("dropped incomplete tail")
        elif salvage.truncated:
            notes.append("closed truncated JSON")
        if salvage.failures:
            notes.append(f"skipped {_plural(salvage.failures, 'unreadable object')}")
        return _finish(salvage.elements, notes, repaired=True)

    # 4. Nothing element-shaped: prose is the page's text, JSON-ish debris is not.
    if _looks_like_json(body):
        return ParsedOutput(
            elements=[], status="unusable", notes=["no complete element in the output"]
        )
    return _plain_text(body)


def _plain_text(text: str) -> ParsedOutput:
    return ParsedOutput(
        elements=[RawElement(bbox=None, category="Text", text=text.strip())],
        status="plain_text",
        notes=["the model answered with plain text"],
    )
