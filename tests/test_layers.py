"""The layers of docs/architecture.md, checked on the source: the front doors (app/api, app/web)
sit on top of the services and nothing below imports them back; the web pages never go through
the JSON API's modules.

Every import counts, at module level and inside functions or classes, `import x` and
`from x import y`, relative ones resolved against the importing module.
"""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parent.parent / "app"

# The app factory registers the blueprints and the API's error handlers: it names both doors.
MAY_IMPORT_DOORS = {"app"}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(APP.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _package_of(module: str, path: Path) -> str:
    return module if path.name == "__init__.py" else module.rpartition(".")[0]


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, relative imports resolved; `from a import b` counts as a.b too
    (b may be a module)."""
    module = _module_name(path)
    package = _package_of(module, path)
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                source = ".".join([*base, node.module] if node.module else base)
            else:
                source = node.module or ""
            found.add(source)
            found.update(f"{source}.{alias.name}" for alias in node.names)
    return found


def _modules() -> list[tuple[str, Path]]:
    return sorted((_module_name(p), p) for p in APP.rglob("*.py"))


def _is_under(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def door_imports_outside_the_doors() -> list[str]:
    problems = []
    for module, path in _modules():
        if _is_under(module, "app.api") or _is_under(module, "app.web") or module in MAY_IMPORT_DOORS:
            continue
        for name in sorted(imported_modules(path)):
            if _is_under(name, "app.api") or _is_under(name, "app.web"):
                problems.append(f"{module} imports {name}")
    return problems


def api_imports_in_the_web() -> list[str]:
    return [
        f"{module} imports {name}"
        for module, path in _modules()
        if _is_under(module, "app.web")
        for name in sorted(imported_modules(path))
        if _is_under(name, "app.api")
    ]


def test_only_the_app_factory_imports_the_front_doors():
    assert door_imports_outside_the_doors() == []


def test_the_web_pages_never_import_the_json_api():
    assert api_imports_in_the_web() == []


def test_the_walker_sees_every_kind_of_import(tmp_path):
    """The check itself must be able to fail: relative, function-level and `from` imports all count."""
    package = APP / "services"
    source = (
        "import app.api.errors\n"
        "from ..web import session\n"
        "from . import audit\n"
        "def f():\n"
        "    from app.api.security import Actor\n"
    )
    probe = package / "_layers_probe.py"
    probe.write_text(source)
    try:
        found = imported_modules(probe)
    finally:
        probe.unlink()
    assert {"app.api.errors", "app.web", "app.web.session", "app.services.audit", "app.api.security"} <= found
