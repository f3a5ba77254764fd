"""No import cycle between ``evalscope`` subpackages: every import counts, at module level, inside functions
(lazy) and under ``TYPE_CHECKING``, so the layers stay a DAG (``api`` at the bottom, ``cli`` at the top)."""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "evalscope"


def import_graph(root: Path) -> dict[str, dict[str, str]]:
    """subpackage -> {imported subpackage: "file:line" of one such import}."""
    name = root.name
    graph: dict[str, dict[str, str]] = defaultdict(dict)
    for path in root.rglob("*.py"):
        rel = path.relative_to(root).parts
        node = rel[0].removesuffix(".py")
        for stmt in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(stmt, ast.ImportFrom) and stmt.module and stmt.level == 0:
                modules = [stmt.module] if stmt.module != name else [f"{name}.{a.name}" for a in stmt.names]
            elif isinstance(stmt, ast.Import):
                modules = [a.name for a in stmt.names]
            else:
                continue
            for module in modules:
                parts = module.split(".")
                if parts[0] == name and len(parts) > 1 and parts[1] != node:
                    graph[node].setdefault(parts[1], f"{path.relative_to(root.parent)}:{stmt.lineno}")
    return graph


def find_cycle(graph: dict[str, dict[str, str]]) -> list[str] | None:
    """One cycle as a list of nodes (first == last), or ``None``."""
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, {})):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        state[node] = 2
        path.pop()
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_no_cycle_between_subpackages():
    graph = import_graph(PACKAGE)
    assert graph["cli"], "the checker found no imports at all"
    cycle = find_cycle(graph)
    if cycle:
        steps = [f"{a} -> {b} ({graph[a][b]})" for a, b in zip(cycle, cycle[1:])]
        raise AssertionError("import cycle between evalscope subpackages:\n  " + "\n  ".join(steps))


def test_api_is_the_bottom_layer():
    graph = import_graph(PACKAGE)
    # the records may name the task schema (ModelAPI.generate takes a GenerationConfig, for type checkers only);
    # the schema itself stays beside them at the bottom
    assert set(graph.get("api", {})) <= {"errors", "config"}, graph["api"]
    assert set(graph.get("config", {})) <= {"errors", "registry", "secrets", "api", "wire"}, graph["config"]
    for layer in ("metrics", "benchmarks", "native"):
        assert "api" in graph[layer], f"{layer} should take Sample and messages from evalscope.api"


def test_the_checker_sees_lazy_and_type_checking_imports(tmp_path):
    pkg = tmp_path / "evalscope"
    (pkg / "a").mkdir(parents=True)
    (pkg / "b").mkdir()
    (pkg / "a" / "__init__.py").write_text("def f():\n    from evalscope.b import x\n")
    (pkg / "b" / "__init__.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                                           "    from evalscope.a import f\n")
    assert find_cycle(import_graph(pkg)) == ["a", "b", "a"]
