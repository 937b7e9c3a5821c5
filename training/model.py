"""Fitting: LightGBM with early stopping on the validation year, then Platt calibration on it."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

from core.bundle import Calibration
from training.params import TrainParams


def fit_booster(
    train: pd.DataFrame, valid: pd.DataFrame, features: tuple[str, ...], params: TrainParams
) -> lgb.Booster:
    """Boost on the training years, stop when validation log-loss stops improving."""
    train_set = lgb.Dataset(
        train[list(features)].to_numpy("float64"),
        train["label"].to_numpy(),
        feature_name=list(features),
        free_raw_data=True,
    )
    valid_set = lgb.Dataset(
        valid[list(features)].to_numpy("float64"), valid["label"].to_numpy(), reference=train_set
    )
    return lgb.train(
        params.lightgbm(features),
        train_set,
        num_boost_round=params.max_rounds,
        valid_sets=[valid_set],
        valid_names=["valid"],
        callbacks=[lgb.early_stopping(params.early_stopping_rounds, verbose=False)],
    )


def fit_calibration(margin: np.ndarray, y: np.ndarray) -> Calibration:
    """Platt scaling of out-of-time margins; barely regularised so it only rescales."""
    model = LogisticRegression(C=1e6, max_iter=1000)
    model.fit(margin.reshape(-1, 1), y)
    return Calibration(slope=float(model.coef_[0, 0]), intercept=float(model.intercept_[0]))
