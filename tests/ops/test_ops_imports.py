"""The ops modules import each other without cycles, counting imports inside
functions too (a cycle hidden in a function is still a cycle)."""

from __future__ import annotations

import ast
from pathlib import Path

import dotsocr.ops

OPS = Path(dotsocr.ops.__file__).parent


def _ops_imports(path: Path) -> set[str]:
    """The dotsocr.ops modules ``path`` imports, anywhere in the file."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        for name in names:
            if name.startswith("dotsocr.ops.") and (OPS / f"{name.split('.')[2]}.py").is_file():
                found.add(name.split(".")[2])
    return found - {path.stem}


def _graph() -> dict[str, set[str]]:
    return {p.stem: _ops_imports(p) for p in OPS.glob("*.py") if p.stem != "__init__"}


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = "open"
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        state[node] = "done"
        stack.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_the_cycle_finder_finds_cycles():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set()}) is None


def test_ops_modules_have_no_import_cycle():
    graph = _graph()
    assert {"machine", "server_probe", "serve", "serve_plan"} <= set(graph)
    assert _cycle(graph) is None, " -> ".join(_cycle(graph) or [])


def test_server_facts_live_with_the_server_probe():
    graph = _graph()
    assert "machine" not in graph["server_probe"]
    assert "server_probe" in graph["machine"]
