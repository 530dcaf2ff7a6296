"""No import cycles inside app/ (issue 14).

The graph has an edge A -> B for every import of B written anywhere in A: at module level, inside
a function, under a condition. A function-level import only delays a cycle until the function
first runs, so it counts like any other. `from pkg import name` is an edge to `pkg.name` when that
is a module, else to `pkg`; relative imports are resolved against the importing module. The app
factory (`app/__init__.py`) is in the graph too: it imports every blueprint inside `create_app`,
and nothing may import it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for path in sorted(APP.rglob("*.py"))}


def _targets(node: ast.AST, importer: str, is_package: bool, modules: dict[str, Path]) -> list[str]:
    """The modules of app/ that one import statement names."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names if alias.name in modules]
    assert isinstance(node, ast.ImportFrom)
    if node.level:
        package = importer if is_package else importer.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    found = []
    for alias in node.names:
        submodule = f"{base}.{alias.name}"
        if submodule in modules:
            found.append(submodule)
        elif base in modules:
            found.append(base)
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        edges: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom):
                edges.update(_targets(node, name, path.name == "__init__.py", modules))
        edges.discard(name)
        graph[name] = edges
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle for each strongly connected component with more than one module (Tarjan)."""
    return [_one_cycle(graph, set(component)) for component in tangles(graph)]


def tangles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components with more than one module: each module of one reaches
    every other through imports (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _one_cycle(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest path from the component's first module back to itself, inside the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for target in sorted(graph[node] & component):
                if target == start:
                    return [*paths[node], start]
                if target not in paths:
                    paths[target] = [*paths[node], target]
                    following.append(target)
        frontier = following
    raise AssertionError(f"no cycle through {start}")  # pragma: no cover - Tarjan found one


def test_finds_a_cycle_it_is_shown() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycles(graph) == [["a", "b", "c", "a"]]


def test_relative_and_submodule_imports_resolve() -> None:
    modules = {"app.x": Path(), "app.x.y": Path(), "app.z": Path()}
    from_submodule = ast.parse("from app.x import y").body[0]
    assert _targets(from_submodule, "app.z", False, modules) == ["app.x.y"]
    relative = ast.parse("from .x import thing").body[0]
    assert _targets(relative, "app.z", False, modules) == ["app.x"]
    parent = ast.parse("from .. import z").body[0]
    assert _targets(parent, "app.x.y", False, modules) == ["app.z"]


def test_no_import_cycles_in_app() -> None:
    graph = import_graph()
    report = [
        f"{' -> '.join(_one_cycle(graph, set(component)))}\n  (tangled together: {', '.join(component)})"
        for component in tangles(graph)
    ]
    assert not report, "import cycles in app/:\n" + "\n".join(report)


# Where a function may import a module of app/, and why; anywhere else such an import would be
# hiding a cycle or a layering breach (this test and test_layers.py would then see it as an edge).
LAZY_APP_IMPORTS = {
    # The factory builds the app inside create_app: importing any app module builds nothing.
    "app",
    # These load a provider's SDK (twilio), which only a process that really sends needs.
    "app.notify",
    "app.notify.voice",
    "app.services.outbox",
}


def test_only_the_factory_and_the_sdk_seams_import_app_modules_inside_functions():
    modules = _modules()
    found = set()
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for function in ast.walk(tree):
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                for node in ast.walk(function):
                    if isinstance(node, ast.Import | ast.ImportFrom) and _targets(
                        node, name, path.name == "__init__.py", modules
                    ):
                        found.add(name)
    assert found - LAZY_APP_IMPORTS == set(), f"function-level imports of app modules in {found - LAZY_APP_IMPORTS}"
