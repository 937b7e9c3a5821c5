"""Boosting on a Dask cluster with LightGBM's own ``lightgbm.dask`` interface.

Only the boosting is distributed: the training years are split over the workers by rows; the
validation year (one cross-section) is small and stays local, where it chooses the number of
trees (``lightgbm.dask`` has no early stopping) and fits the Platt calibration as usual.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING, Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from training.params import TrainParams

if TYPE_CHECKING:
    from training.pipeline import BoosterFit


@contextmanager
def cluster_fit(scheduler: str) -> Iterator[BoosterFit]:
    """``fit_booster_dask`` on the cluster at ``scheduler`` (``tcp://host:8786``), in the shape
    ``training.pipeline.train`` takes as ``fit``; the client closes on leaving."""
    from dask.distributed import Client

    with Client(scheduler) as client:
        yield partial(fit_booster_dask, client=client)


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
    with warnings.catch_warnings():
        # The scikit-learn wrapper always passes n_jobs; lightgbm.dask drops it (each worker
        # uses its own threads) and says so on every fit.
        warnings.filterwarnings("ignore", "Parameter n_jobs will be ignored", UserWarning)
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
