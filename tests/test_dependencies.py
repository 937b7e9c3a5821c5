"""Every third-party package the product imports is declared in pyproject.toml.

A package that arrives only as another one's dependency, or only with the test extra, works in
the developer's environment and fails in an install made from the declared dependencies
(``make run`` then ``make bench`` once failed on httpx this way).
"""

from __future__ import annotations

import ast
import sys
import tomllib
from functools import cache
from importlib.metadata import packages_distributions
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PRODUCT = ("core", "features", "scoring", "training", "serving", "cli", "bench")
# Extras the product may import from, behind a lazy import; the test extra is for the tests.
PRODUCT_EXTRAS = ("dask", "postgres")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in PRODUCT_EXTRAS:
        lines += project["optional-dependencies"][extra]
    return {canonicalize_name(Requirement(line).name) for line in lines}


def top_level_imports(source: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names


@cache
def distributions_of(name: str) -> frozenset[str]:
    return frozenset(canonicalize_name(d) for d in packages_distributions().get(name, []))


def undeclared(source: Path, known: set[str]) -> dict[str, frozenset[str]]:
    """Import names in ``source`` whose distributions are none of ``known``."""
    missing = {}
    for name in top_level_imports(source):
        if name in PRODUCT or name in sys.stdlib_module_names:
            continue
        distributions = distributions_of(name)
        if not distributions & known:
            missing[name] = distributions
    return missing


def test_every_imported_distribution_is_declared() -> None:
    known = declared()
    found = {
        str(source.relative_to(ROOT)): missing
        for package in PRODUCT
        for source in sorted((ROOT / package).rglob("*.py"))
        if (missing := undeclared(source, known))
    }
    assert found == {}, f"imported but not declared in pyproject.toml: {found}"


def test_an_undeclared_import_is_found(tmp_path: Path) -> None:
    module = tmp_path / "module.py"
    module.write_text("import yaml\nimport json\nfrom core import settings\nfrom . import x\n")
    assert undeclared(module, declared()) == {}
    assert undeclared(module, declared() - {"pyyaml"}) == {"yaml": frozenset({"pyyaml"})}
