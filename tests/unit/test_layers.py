"""The layers import one way (read from the source with ``ast``, nothing imported).

api -> services -> store / adapters; the caller (``chalicelib.caller``), errors,
config and instants are neutral. Response shapes (``chalicelib.schemas``) are
named by services for type checking only.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "chalicelib"


def _imports(path: Path) -> set[str]:
    """Every module a file imports, at any depth (inside functions too)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _files(layer: str) -> list[Path]:
    return sorted((PACKAGE / layer).rglob("*.py"))


@pytest.mark.parametrize(
    ("layer", "forbidden"),
    [
        ("services", "chalicelib.api"),
        ("store", "chalicelib.api"),
        ("adapters", "chalicelib.api"),
        ("store", "chalicelib.services"),
        ("adapters", "chalicelib.services"),
        ("adapters", "chalicelib.store"),
        ("schemas", "chalicelib.api"),
        ("schemas", "chalicelib.services"),
    ],
)
def test_a_layer_never_imports_the_one_above(layer: str, forbidden: str) -> None:
    leaks = {
        str(path.relative_to(ROOT)): sorted(m for m in _imports(path) if m.startswith(forbidden))
        for path in _files(layer)
    }
    assert {path: found for path, found in leaks.items() if found} == {}


def test_the_app_never_imports_the_local_stack() -> None:
    files = [ROOT / "app.py", *PACKAGE.rglob("*.py")]
    leaks = [
        str(p.relative_to(ROOT)) for p in files if any(m.startswith("infra") for m in _imports(p))
    ]
    assert leaks == []


def test_the_store_base_does_not_import_the_models_built_on_it() -> None:
    assert not any(
        m.startswith("chalicelib.store.") and not m.startswith("chalicelib.store.ops")
        for m in _imports(PACKAGE / "store" / "base.py")
    )
