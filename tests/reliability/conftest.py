"""The reliability suite's service, its keys and the figures it reports.

CI runs the suite small; ``python -m bench reliability`` runs it large by setting
``EWS_RELIABILITY_*`` variables (see ``scaled``) and reads the figures each test records from
the JSON file named by ``EWS_RELIABILITY_FIGURES``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import pytest
from sqlalchemy import Engine

from core.bundle import LoadedModel, load_bundle
from core.settings import Settings
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from tests.factories import random_panel
from tests.serving.conftest import bundle_dir, loaded
from tests.serving.support import TestClient

__all__ = ["Service", "bundle_dir", "loaded", "scaled"]


def scaled(name: str, small: int) -> int:
    """``EWS_RELIABILITY_<NAME>`` when set (the bench's full size), else the CI size."""
    return int(os.environ.get(f"EWS_RELIABILITY_{name}", small))


# The suite sends hundreds of calls, many with bad keys, from one address: abuse limits
# (tested in tests/serving) would answer 429 and hide what is measured here.
NO_LIMITS: Final[dict[str, Any]] = {
    name: 10**9
    for name in (
        "limit_key_burst",
        "limit_key_per_s",
        "limit_address_burst",
        "limit_address_per_s",
        "limit_bad_keys",
        "limit_sign_in_failures",
    )
    if name in Settings.model_fields
}


@pytest.fixture(scope="session")
def panel() -> RawTables:
    """The serving tests' panel (regions 26 and 11 alternate), larger at full size."""
    return random_panel(n_firms=scaled("FIRMS", 300), seed=7)


@dataclass
class Service:
    """A running app on its own SQLite file, with keys made on demand."""

    client: TestClient
    keys: dict[tuple[str, str | None], str] = field(default_factory=dict)

    @property
    def engine(self) -> Engine:
        engine: Engine = self.client.app.state.engine  # type: ignore[attr-defined]
        return engine

    def key(self, role: str, region: str | None = None) -> str:
        if (role, region) not in self.keys:
            self.keys[role, region] = create_key(self.engine, role, region)
        return self.keys[role, region]


@pytest.fixture
def service(
    tmp_path: Path, panel: RawTables, loaded: LoadedModel, bundle_dir: Path
) -> Iterator[Service]:
    """A fresh app whose reload loads the same bundle as versions 2, 3, …"""
    versions = iter(range(2, 1_000_000))
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'service.db'}",
        models_dir=tmp_path / "models",
        data_dir=tmp_path / "data",
        **NO_LIMITS,
    )
    app = create_app(
        settings,
        model=("1", loaded),
        tables=panel,
        loader=lambda: (str(next(versions)), load_bundle(bundle_dir)),
    )
    with TestClient(app) as client:
        yield Service(client)


@pytest.fixture(scope="session")
def figures() -> Iterator[dict[str, Any]]:
    """What the tests measured; written where ``EWS_RELIABILITY_FIGURES`` says, if it is set."""
    found: dict[str, Any] = {}
    yield found
    target = os.environ.get("EWS_RELIABILITY_FIGURES")
    if target:
        Path(target).write_text(json.dumps(found, indent=2, sort_keys=True), encoding="utf-8")
