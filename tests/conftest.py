"""Session fixtures: two demo worlds, each with its feature table and one trained, promoted model.

``tiny_run`` is a served, registered, promoted model for tests that need one and judge nothing
by its quality, cheap enough for the fast loop (``pytest -m "not slow"``). ``demo_run`` is the
full-size world that statistical checks were sized on; every test that uses it (directly or
through another fixture) is marked ``slow`` here, so the fast loop never builds it and
``make test`` (CI) always does.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from core import clock
from core.settings import Settings
from features.demo import DemoData, generate_demo, write_demo
from features.pipeline import build_features
from features.signals import first_default
from training.params import TrainParams
from training.pipeline import TrainResult, promote, train

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")


@dataclass(frozen=True)
class WorldSize:
    firms: int
    first_year: int
    # Bootstrap samples for the intervals of training and the promotion gate.
    n_boot: int


# Enough for a model that beats the arrears rule (the first promotion's gate) and gives every
# report section rows; its metrics are noisy, so no test judges model quality on it.
TINY = WorldSize(firms=800, first_year=2019, n_boot=20)
FULL = WorldSize(firms=2_500, first_year=2014, n_boot=200)
SLOW_FIXTURES = frozenset({"demo_run"})


@dataclass(frozen=True)
class DemoRun:
    settings: Settings
    features: pd.DataFrame
    oracle: pd.DataFrame
    first_defaults: pd.Series
    result: TrainResult


def small_params(**overrides: object) -> TrainParams:
    """Tiny, fast LightGBM settings for tests."""
    # One thread: on a busy 2-core machine OpenMP contention makes two threads far slower.
    settings: dict[str, object] = {"min_child_samples": 40, "max_rounds": 300, "num_threads": 1}
    return TrainParams(**{**settings, **overrides})  # type: ignore[arg-type]


@dataclass(frozen=True)
class World:
    """A generated panel's feature table, true PDs and first default dates (by firm id)."""

    data: DemoData
    features: pd.DataFrame
    first_defaults: pd.Series


def generate_world(size: WorldSize) -> World:
    data = generate_demo(size.firms, seed=11, first_year=size.first_year, last_year=2025)
    firm_ids = data.tables.firms["firm_id"]
    defaults = first_default(data.tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    return World(data, build_features(data.tables), defaults)


def build_world(root: Path, size: WorldSize) -> DemoRun:
    """Generate, build features, train (alias ``challenger``) and promote (``champion``)."""
    settings = Settings(data_dir=root / "data", models_dir=root / "models")
    world = generate_world(size)
    write_demo(world.data, settings.raw_dir)
    features = world.features
    settings.features_dir.mkdir(parents=True)
    features.to_parquet(settings.features_dir / "features.parquet", index=False)
    oracle = world.data.oracle
    result = train(
        features,
        small_params(),
        settings,
        world.first_defaults,
        oracle,
        {"source": "test"},
        n_boot=size.n_boot,
        visits=world.data.tables.visits,
    )
    promote(settings, features, n_boot=size.n_boot)
    return DemoRun(settings, features, oracle, world.first_defaults, result)


@pytest.fixture(scope="session")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return build_world(tmp_path_factory.mktemp("ews-tiny"), TINY)


@pytest.fixture(scope="session")
def tiny_settings(tiny_run: DemoRun) -> Settings:
    return tiny_run.settings


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    return build_world(tmp_path_factory.mktemp("ews"), FULL)


@pytest.fixture(scope="session")
def demo_settings(demo_run: DemoRun) -> Settings:
    return demo_run.settings


# Korea's date for the whole run: tests read "today" when their module is imported (dates for
# forms, follow-ups, "tomorrow is refused"), and a run that crosses midnight in Korea (15:00
# UTC) would otherwise check a date read before midnight against one read after.
RUN_STARTED_UTC = clock.now_utc()


@pytest.fixture(autouse=True)
def _one_korean_day(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now_utc", lambda: RUN_STARTED_UTC)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test on the full-size world is slow whether or not its module says so."""
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)
