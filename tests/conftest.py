"""Session fixtures: one small demo world, its feature table and one trained, promoted model."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from core.settings import Settings
from features.demo import generate_demo, write_demo
from features.pipeline import build_features
from features.signals import first_default
from training.params import TrainParams
from training.pipeline import TrainResult, promote, train

os.environ.setdefault("MLFLOW_ENABLE_ARTIFACTS_PROGRESS_BAR", "false")
SMALL_FIRMS = 2_500


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


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> DemoRun:
    root = tmp_path_factory.mktemp("ews")
    settings = Settings(data_dir=root / "data", models_dir=root / "models")
    data = generate_demo(SMALL_FIRMS, seed=11, first_year=2014, last_year=2025)
    write_demo(data, settings.raw_dir)
    features = build_features(data.tables)
    settings.features_dir.mkdir(parents=True)
    features.to_parquet(settings.features_dir / "features.parquet", index=False)
    firm_ids = data.tables.firms["firm_id"]
    defaults = first_default(data.tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    result = train(features, small_params(), settings, defaults, data.oracle, {"source": "test"})
    promote(settings, features)
    return DemoRun(settings, features, data.oracle, defaults, result)


@pytest.fixture(scope="session")
def demo_settings(demo_run: DemoRun) -> Settings:
    return demo_run.settings


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    return tmp_path
