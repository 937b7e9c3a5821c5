"""A demo world, its features and a champion-shaped model, built once per benchmark run."""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import lightgbm as lgb
import numpy as np
import pandas as pd

from core.bundle import Calibration, LoadedModel, save_bundle
from core.grades import GradeTable
from features.catalog import FEATURE_NAMES
from features.demo import generate_demo, write_demo
from features.pipeline import build_features
from training.model import fit_booster, fit_calibration
from training.params import TrainParams
from training.pipeline import split_years


@dataclass(frozen=True)
class World:
    raw_dir: Path
    features: pd.DataFrame
    model: LoadedModel
    seconds: dict[str, float]

    def matrix(self, rows: int) -> np.ndarray:
        """The latest as-of cross-section, tiled to ``rows`` rows."""
        latest = self.features[self.features["as_of"] == self.features["as_of"].max()]
        base = self.model.matrix(latest)
        return np.ascontiguousarray(np.resize(base, (rows, base.shape[1])))


@cache
def world(firms: int, seed: int = 7) -> World:
    seconds = {}
    start = time.perf_counter()
    data = generate_demo(firms, seed=seed)
    seconds["generate"] = time.perf_counter() - start
    raw_dir = Path(tempfile.mkdtemp(prefix="ews-bench-")) / "raw"
    write_demo(data, raw_dir)
    start = time.perf_counter()
    features = build_features(data.tables)
    seconds["features"] = time.perf_counter() - start
    params = TrainParams()
    split = split_years(features, params)
    booster = fit_booster(split.train, split.valid, FEATURE_NAMES, params)
    margin = np.asarray(
        booster.predict(split.valid[list(FEATURE_NAMES)].to_numpy("float64"), raw_score=True)
    )
    calibration: Calibration = fit_calibration(margin, split.valid["label"].to_numpy())
    folder = raw_dir.parent / "bundle"
    booster = lgb.Booster(model_str=booster.model_to_string())
    bundle = save_bundle(
        folder,
        booster,
        {
            "feature_names": FEATURE_NAMES,
            "calibration": calibration,
            "grade_table": GradeTable(),
            "label_rules": params.label_rules,
            "horizon_months": 12,
            "split": split.years.as_dict(),
        },
    )
    return World(raw_dir, features, LoadedModel(bundle, booster), seconds)
