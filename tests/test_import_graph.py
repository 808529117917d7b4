"""Imports run downward: the models sit at the bottom, and no module of pointline imports a
private name (``_x``) of another module."""

from __future__ import annotations

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pointline

PACKAGE = Path(pointline.__file__).parent
BOTTOM = ["pointline.v2.models"]


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _private_imports(path: Path) -> list[str]:
    """``module.name`` of every private name ``path`` imports from another pointline module."""
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pointline"):
            found += [
                f"{node.module}.{alias.name}"
                for alias in node.names
                if alias.name.startswith("_") and not alias.name.startswith("__")
            ]
        elif isinstance(node, ast.Import):
            found += [
                a.name for a in node.names if any(p.startswith("_") for p in a.name.split("."))
            ]
    return found


def test_no_module_imports_a_private_name_of_another():
    offenders = {
        _module_name(path): names for path in _modules() if (names := _private_imports(path))
    }
    assert offenders == {}


def test_the_private_import_guard_sees_one(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from pointline.v2.ingestion.core import _File, run_batch\n")
    assert _private_imports(bad) == ["pointline.v2.ingestion.core._File"]


def test_the_models_import_nothing_of_pointline():
    for name in BOTTOM:
        tree = ast.parse(Path(importlib.import_module(name).__file__).read_text())
        imported = [
            node.module if isinstance(node, ast.ImportFrom) else alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.ImportFrom | ast.Import)
            for alias in node.names
        ]
        assert [m for m in imported if m and m.startswith("pointline")] == [], name


def test_the_contract_side_imports_first_on_its_own():
    """The contracts, the models and the pipeline each import first in a fresh interpreter
    (no import cycle hides behind an import order that happens to work)."""
    names = [
        "pointline.v2.models",
        "pointline.v2.ingestion.models",
        "pointline.v2.storage.contracts",
        "pointline.v2.storage.models",
        "pointline.v2.vendors.base",
        "pointline.v2.ingestion",
    ]
    script = "import importlib, sys; importlib.import_module(sys.argv[1])"
    children = [
        (name, subprocess.Popen([sys.executable, "-c", script, name], stderr=subprocess.PIPE))
        for name in names
    ]
    failed = {}
    for name, child in children:
        _, err = child.communicate(timeout=120)
        if child.returncode:
            failed[name] = err.decode().strip().splitlines()[-1:]
    assert failed == {}
