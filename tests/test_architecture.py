"""Imports point one way: core <- features <- scoring <- {training, serving} <- cli <- bench."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {
    "core": {"core"},
    "features": {"core", "features"},
    "scoring": {"core", "features", "scoring"},
    "training": {"core", "features", "scoring", "training"},
    "serving": {"core", "features", "scoring", "serving"},
    "cli": {"core", "features", "scoring", "training", "serving", "cli"},
    "bench": {"core", "features", "scoring", "training", "serving", "cli", "bench"},
}


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    for path in (ROOT / package).rglob("*.py"):
        wrong = _imported_packages(path) - ALLOWED[package]
        assert not wrong, f"{path.relative_to(ROOT)} imports {sorted(wrong)}"
