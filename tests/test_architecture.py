"""Imports point one way: core <- features <- scoring <- {training, serving} <- cli <- bench,
and inside serving from its lower rooms (store, schemas, access, domain) to api and web."""

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


# Rooms inside serving/ and the rooms each may import (besides itself). ``errors`` is the
# domain errors everyone raises; ``frame`` the app's other top-level modules (deps, logs,
# metrics, readiness, openapi, body_limit); ``app`` builds the application and is the only
# module that imports the routers of ``api`` and the pages of ``web``. The schemas sit below
# the domain services, which build the response models the API returns and the pages render.
LOWER = {"errors", "store", "schemas"}
SERVING_ROOMS: dict[str, set[str]] = {
    "errors": set(),
    "store": {"errors"},
    "schemas": {"errors"},
    "access": LOWER,
    "domain": LOWER | {"access"},
    "frame": LOWER | {"access", "domain", "frame"},
    "api": LOWER | {"access", "domain", "frame"},
    "web": LOWER | {"access", "domain", "frame"},
    "app": LOWER | {"access", "domain", "frame", "api", "web"},
}


def serving_room(module: str) -> str | None:
    """The room of a dotted module name inside ``serving`` (None outside it)."""
    parts = module.split(".")
    if parts[0] != "serving":
        return None
    if len(parts) > 1 and parts[1] in SERVING_ROOMS:
        return parts[1]
    return "frame"


def _serving_imports(path: Path) -> set[str]:
    """Dotted names of what a module imports from ``serving`` (``from serving import x`` as
    ``serving.x``)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            assert node.level == 0, f"{path}: a relative import the contract cannot follow"
            if node.module == "serving":
                found |= {f"serving.{alias.name}" for alias in node.names}
            else:
                found.add(node.module)
    return {name for name in found if serving_room(name) is not None}


def contract_breaches(imports: dict[str, set[str]]) -> list[str]:
    """``module imports other`` for each import that leaves its room against the contract."""
    breaches = []
    for module, imported in sorted(imports.items()):
        room = serving_room(module)
        assert room is not None, module
        for other in sorted(imported):
            other_room = serving_room(other)
            if other_room not in (None, room) and other_room not in SERVING_ROOMS[room]:
                breaches.append(f"{module} ({room}) imports {other} ({other_room})")
    return breaches


def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def test_serving_rooms_import_in_their_direction() -> None:
    imports = {
        _module_name(path): _serving_imports(path) for path in (ROOT / "serving").rglob("*.py")
    }
    assert {serving_room(module) for module in imports} >= set(SERVING_ROOMS)
    assert {serving_room(name) for name in imports["serving.app"]} >= {"api", "web"}  # parsed
    assert contract_breaches(imports) == []


@pytest.mark.parametrize(
    ("module", "imported"),
    [
        ("serving.web.firms", "serving.api.scores"),  # pages never import API routers
        ("serving.api.scores", "serving.web.records"),
        ("serving.domain.scoring", "serving.api.deps"),
        ("serving.domain.history", "serving.web.render"),
        ("serving.store.records", "serving.access.keys"),
        ("serving.store.tables", "serving.domain.state"),
        ("serving.access.keys", "serving.domain.state"),
        ("serving.schemas.scores", "serving.access.audit"),
        ("serving.deps", "serving.api.regions"),  # only serving.app mounts routers and pages
        ("serving.errors", "serving.store.tables"),
    ],
)
def test_the_contract_refuses_an_import_against_it(module: str, imported: str) -> None:
    assert contract_breaches({module: {imported}}) != []


def test_the_contract_allows_the_rooms_directions() -> None:
    allowed = {
        "serving.app": {"serving.api.scores", "serving.web.firms", "serving.store.schema"},
        "serving.web.firms": {"serving.access.policy", "serving.domain.scoring", "serving.deps"},
        "serving.api.scores": {"serving.schemas.scores", "serving.store.records"},
        "serving.domain.scoring": {"serving.access.policy", "serving.schemas", "serving.errors"},
        "serving.access.keys": {"serving.store.tables", "serving.access.limits"},
    }
    assert contract_breaches(allowed) == []
