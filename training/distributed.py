"""Boosting on a Dask cluster with LightGBM's own ``lightgbm.dask`` interface.

Only the boosting is distributed: the training years are split over the workers by rows; the
validation year (one cross-section) is small and stays local, where it chooses the number of
trees (``lightgbm.dask`` has no early stopping) and fits the Platt calibration as usual.
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from training.params import TrainParams


def fit_booster_dask(
    train: pd.DataFrame,
    valid: pd.DataFrame,
    features: tuple[str, ...],
    params: TrainParams,
    client: Any,
    partitions: int | None = None,
) -> lgb.Booster:
    """``training.model.fit_booster`` on the cluster behind ``client``, cut at the best round."""
    import dask.dataframe as dd

    workers = max(1, len(client.scheduler_info()["workers"]))
    frame = train[[*features, "label"]].astype("float64").reset_index(drop=True)
    data = dd.from_pandas(frame, npartitions=partitions or workers)
    settings = params.lightgbm(features)
    settings.pop("num_threads", None)  # each worker uses its own threads
    model = lgb.DaskLGBMClassifier(
        client=client, n_estimators=params.max_rounds, **_sklearn_names(settings)
    )
    model.fit(data[list(features)], data["label"])
    booster = model.to_local().booster_
    best = best_round(booster, valid[list(features)].to_numpy("float64"), valid["label"].to_numpy())
    return lgb.Booster(model_str=booster.model_to_string(num_iteration=best))


def best_round(booster: lgb.Booster, matrix: np.ndarray, labels: np.ndarray) -> int:
    """The number of trees with the lowest validation log-loss (early stopping after the fact)."""
    margin = np.zeros(len(matrix))
    losses = []
    for i in range(booster.num_trees()):
        margin += booster.predict(matrix, raw_score=True, start_iteration=i, num_iteration=1)
        p = np.clip(1.0 / (1.0 + np.exp(-margin)), 1e-15, 1 - 1e-15)
        losses.append(-np.mean(labels * np.log(p) + (1 - labels) * np.log(1 - p)))
    return int(np.argmin(losses)) + 1


def _sklearn_names(settings: dict[str, Any]) -> dict[str, Any]:
    renamed = dict(settings)
    renamed.pop("objective", None)
    renamed["random_state"] = renamed.pop("seed", None)
    return renamed
