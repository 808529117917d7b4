"""The ingestion package depends on the storage contracts, never on the Delta adapters."""

import ast
from pathlib import Path

import pointline.v2.ingestion as ingestion

FORBIDDEN = ("pointline.v2.storage.delta", "deltalake")


def _imports(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
    return names


def test_ingestion_never_imports_delta():
    package = Path(ingestion.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert len(modules) >= 5
    offenders = {
        str(path.relative_to(package)): name
        for path in modules
        for name in _imports(path)
        if name.startswith(FORBIDDEN)
    }
    assert offenders == {}


def test_the_guard_sees_a_forbidden_import(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("from pointline.v2.storage.delta import DeltaEventStore\nimport deltalake\n")
    assert [n for n in _imports(bad) if n.startswith(FORBIDDEN)] == [
        "pointline.v2.storage.delta",
        "deltalake",
    ]
