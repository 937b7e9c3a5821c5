"""Hyper-parameter search with Optuna on the out-of-time validation year, never the test year.

Each trial fits LightGBM on the training years with early stopping on the validation year,
Platt-calibrates on it and scores the validation year (log-loss, or ROC AUC). TPE is seeded, and
LightGBM is deterministic, so the same data and seed choose the same parameters. Inside an
active MLflow run every trial is logged as a nested run.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Literal

import mlflow
import numpy as np
import optuna
import pandas as pd
from sklearn.metrics import log_loss, roc_auc_score

from training.model import fit_booster, fit_calibration
from training.params import TrainParams

OBJECTIVES: dict[str, Literal["minimize", "maximize"]] = {"logloss": "minimize", "auc": "maximize"}
TUNED = (
    "num_leaves",
    "max_depth",
    "learning_rate",
    "min_child_samples",
    "feature_fraction",
    "bagging_fraction",
    "lambda_l2",
)


class TuningError(ValueError):
    """``n_trials`` or ``metric`` is out of range."""


@dataclass(frozen=True)
class TuningResult:
    params: TrainParams
    metric: str
    best_value: float
    trials: pd.DataFrame


def suggest(trial: optuna.Trial) -> dict[str, Any]:
    """The search space: wide enough for 2,000 to 200,000 firm-years, log scales for rates."""
    return {
        "num_leaves": trial.suggest_int("num_leaves", 4, 63, log=True),
        "max_depth": trial.suggest_int("max_depth", 2, 8),
        "learning_rate": trial.suggest_float("learning_rate", 0.01, 0.2, log=True),
        "min_child_samples": trial.suggest_int("min_child_samples", 20, 500, log=True),
        "feature_fraction": trial.suggest_float("feature_fraction", 0.5, 1.0),
        "bagging_fraction": trial.suggest_float("bagging_fraction", 0.5, 1.0),
        "lambda_l2": trial.suggest_float("lambda_l2", 1e-3, 30.0, log=True),
    }


def validation_score(
    train: pd.DataFrame, valid: pd.DataFrame, features: tuple[str, ...], params: TrainParams
) -> dict[str, float]:
    """Fit on ``train``, stop early and calibrate on ``valid``; log-loss and AUC on ``valid``."""
    booster = fit_booster(train, valid, features, params)
    margin = np.asarray(booster.predict(valid[list(features)].to_numpy("float64"), raw_score=True))
    y = valid["label"].to_numpy()
    pd_ = fit_calibration(margin, y).pd(margin)
    return {
        "valid_logloss": float(log_loss(y, pd_, labels=[0, 1])),
        "valid_roc_auc": float(roc_auc_score(y, pd_)),
        "best_iteration": float(booster.best_iteration),
    }


def tune(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    features: tuple[str, ...],
    params: TrainParams,
    n_trials: int,
    metric: str = "logloss",
) -> TuningResult:
    """Search ``TUNED`` with seeded TPE; the best trial's values replace those in ``params``."""
    if n_trials < 1:
        raise TuningError(f"n_trials must be at least 1; got {n_trials}")
    if metric not in OBJECTIVES:
        raise TuningError(f"metric must be one of {', '.join(OBJECTIVES)}; got {metric!r}")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    nested = mlflow.active_run() is not None
    records: list[dict[str, Any]] = []

    def objective(trial: optuna.Trial) -> float:
        values = suggest(trial)
        scores = validation_score(train, valid, features, replace(params, **values))
        if nested:
            with mlflow.start_run(run_name=f"trial-{trial.number:03d}", nested=True):
                mlflow.log_params(values | {"tune_metric": metric})
                mlflow.log_metrics(scores)
        records.append({"trial": trial.number, **values, **scores})
        return scores["valid_logloss"] if metric == "logloss" else scores["valid_roc_auc"]

    study = optuna.create_study(
        direction=OBJECTIVES[metric], sampler=optuna.samplers.TPESampler(seed=params.seed)
    )
    study.optimize(objective, n_trials=n_trials)
    trials = pd.DataFrame(records)
    trials["best"] = trials["trial"] == study.best_trial.number
    return TuningResult(
        replace(params, **study.best_params), metric, float(study.best_value), trials
    )
