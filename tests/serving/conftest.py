"""A small panel, a tiny LightGBM bundle on disk and a running app, shared by the serving tests.

Apps use a SQLite file unless a test module overrides ``database_url``; ``postgres_url`` gives a
fresh, empty PostgreSQL schema on ``EWS_TEST_DATABASE_URL`` (skipped where it is not set).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pytest
from fastapi import FastAPI

from core.bundle import Calibration, LoadedModel, load_bundle, save_bundle
from core.grades import GradeTable
from core.settings import Settings
from features.catalog import FEATURE_NAMES
from features.pipeline import as_of_dates, build_features
from features.tables import RawTables
from serving.access.keys import create_key
from serving.app import create_app
from serving.store.engine import make_engine
from tests.factories import random_panel
from tests.serving.support import TestClient


@pytest.fixture(scope="session")
def panel() -> RawTables:
    return random_panel(n_firms=300, seed=7)


def _train(panel: RawTables) -> lgb.Booster:
    """30 rounds on labels that rise with the debt ratio, so reasons have something to say."""
    features = build_features(panel, dates=as_of_dates(panel.financials)[-3:])
    matrix = features[list(FEATURE_NAMES)].to_numpy(dtype="float64")
    debt = np.nan_to_num(features["debt_ratio"].to_numpy(dtype="float64"), nan=1.0)
    odds = -2.5 + 2.0 * (debt - debt.mean()) / debt.std()
    labels = (np.random.default_rng(0).random(len(debt)) < 1 / (1 + np.exp(-odds))).astype(int)
    params = {
        "objective": "binary",
        "num_leaves": 7,
        "learning_rate": 0.1,
        "min_data_in_leaf": 10,
        "verbose": -1,
        "seed": 0,
    }
    data = lgb.Dataset(matrix, label=labels, feature_name=list(FEATURE_NAMES))
    return lgb.train(params, data, num_boost_round=30)


@pytest.fixture(scope="session")
def bundle_dir(tmp_path_factory: pytest.TempPathFactory, panel: RawTables) -> Path:
    folder = tmp_path_factory.mktemp("bundle")
    save_bundle(
        folder,
        _train(panel),
        {
            "feature_names": FEATURE_NAMES,
            "calibration": Calibration(slope=0.9, intercept=-0.2),
            "grade_table": GradeTable(),
            "label_rules": ("default_event",),
            "horizon_months": 12,
            "split": {"train_years": [2021, 2022], "test_years": [2023]},
            "metrics": {"roc_auc": 0.71, "brier": 0.04},
        },
    )
    return folder


@pytest.fixture(scope="session")
def loaded(bundle_dir: Path) -> LoadedModel:
    return load_bundle(bundle_dir)


POSTGRES_VARIABLE = "EWS_TEST_DATABASE_URL"


def fresh_postgres_url() -> str:
    """A URL for a new, empty schema on the PostgreSQL at ``EWS_TEST_DATABASE_URL``.

    A schema (through ``search_path``) is cheaper than a database and keeps tests apart;
    without the variable the calling test is skipped, as the browser tests are without Chromium.
    """
    base = os.environ.get(POSTGRES_VARIABLE)
    if not base:
        pytest.skip(f"{POSTGRES_VARIABLE} is not set: no PostgreSQL (.ci/run starts one)")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    engine = make_engine(base)
    try:
        with engine.begin() as connection:
            connection.exec_driver_sql(f"CREATE SCHEMA {schema}")
    finally:
        engine.dispose()
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


@pytest.fixture
def postgres_url() -> str:
    return fresh_postgres_url()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    """The database of ``make_app``'s apps: a SQLite file, unless a module overrides this."""
    return f"sqlite:///{tmp_path / 'service.db'}"


AppFactory = Callable[..., FastAPI]


@pytest.fixture
def make_app(
    tmp_path: Path, panel: RawTables, loaded: LoadedModel, bundle_dir: Path, database_url: str
) -> AppFactory:
    """A fresh app on its own database (``database_url``); keyword arguments override
    create_app's."""

    def make(**overrides: object) -> FastAPI:
        settings = Settings(
            database_url=database_url, models_dir=tmp_path / "models", data_dir=tmp_path / "data"
        )
        arguments: dict[str, object] = {
            "settings": settings,
            "model": ("1", loaded),
            "tables": panel,
            "loader": lambda: ("2", load_bundle(bundle_dir)),
        }
        arguments.update(overrides)
        return create_app(**arguments)  # type: ignore[arg-type]

    return make


@pytest.fixture(scope="session")
def service(
    tmp_path_factory: pytest.TempPathFactory, panel: RawTables, loaded: LoadedModel
) -> Iterator[TestClient]:
    """One running app shared by the read-mostly tests (lifespan entered once)."""
    folder = tmp_path_factory.mktemp("service")
    settings = Settings(database_url=f"sqlite:///{folder / 'service.db'}", models_dir=folder)
    app = create_app(settings, model=("1", loaded), tables=panel)
    with TestClient(app) as client:
        yield client


@pytest.fixture(scope="session")
def keys(service: TestClient) -> dict[str, str]:
    engine = service.app.state.engine  # type: ignore[attr-defined]
    return {
        "center26": create_key(engine, "center", "26"),
        "center11": create_key(engine, "center", "11"),
        "analyst": create_key(engine, "analyst"),
        "admin": create_key(engine, "admin"),
    }
