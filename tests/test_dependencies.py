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

from training.registry import MODEL_DISTRIBUTIONS, MODEL_PACKAGES, PYFUNC_CODE

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


def imported_modules(source: Path) -> set[str]:
    """Absolute imports in ``source``, lazy ones included; ``from a import b`` gives a and a.b."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source.read_text(), str(source))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def top_level_imports(source: Path) -> set[str]:
    return {name.split(".")[0] for name in imported_modules(source)}


@cache
def _distributions_by_import() -> dict[str, list[str]]:
    # one scan of every installed distribution's files (a scan per name took ~10 s)
    return packages_distributions()


@cache
def distributions_of(name: str) -> frozenset[str]:
    return frozenset(canonicalize_name(d) for d in _distributions_by_import().get(name, []))


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


def project_files(start: Path) -> set[Path]:
    """``start`` and the project modules it imports, transitively."""
    found: set[Path] = set()
    todo = [start]
    while todo:
        source = todo.pop()
        if source in found:
            continue
        found.add(source)
        for name in imported_modules(source):
            parts = name.split(".")
            if parts[0] not in PRODUCT:
                continue
            for depth in range(1, len(parts) + 1):  # a module's packages run their __init__
                path = ROOT.joinpath(*parts[:depth])
                todo += [p for p in (path / "__init__.py", path.with_suffix(".py")) if p.exists()]
    return found


def test_the_registered_model_carries_what_its_code_imports() -> None:
    """training.registry logs these packages and pinned distributions with each version (the slow
    tests/training/test_mlflow_model.py proves a clean environment then loads it)."""
    files = project_files(PYFUNC_CODE) - {PYFUNC_CODE}
    packages = {source.relative_to(ROOT).parts[0] for source in files}
    assert packages <= {package.name for package in MODEL_PACKAGES}
    pinned = {canonicalize_name(name) for name in MODEL_DISTRIBUTIONS}
    needed = {
        name: distributions_of(name)
        for source in project_files(PYFUNC_CODE)
        for name in top_level_imports(source)
        if name not in PRODUCT and name not in sys.stdlib_module_names
    }
    assert {name for name, distributions in needed.items() if not distributions & pinned} == set()
