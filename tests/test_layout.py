"""The layout's one rule: imports flow web -> claims -> sources, and history and
operations import from none of them (README, "What is in it")."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# app -> the project apps it must not import
FORBIDDEN = {
    "sources": {"claims", "web"},
    "claims": {"web"},
    "history": {"claims", "sources", "web"},
    "operations": {"claims", "sources", "web"},
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_app_imports_only_downstream_apps(app):
    offending = {
        str(path.relative_to(ROOT)): sorted(imported_apps(path) & FORBIDDEN[app])
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }
    assert {path: apps for path, apps in offending.items() if apps} == {}


def test_forbidden_import_is_detected(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from web.views import home\n", encoding="utf-8")
    assert "web" in imported_apps(module)
