"""Simple baselines the model must beat: Altman Z'' and a logistic-regression scorecard."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder


def altman_risk(features: pd.DataFrame) -> np.ndarray:
    """Risk score from Altman's Z'' (lower Z, higher risk); missing Z scores as the median."""
    z = features["altman_z"].astype("float64")
    return -z.fillna(z.median()).to_numpy()


class QuantileBins(TransformerMixin, BaseEstimator):
    """Bin each column at its quantiles; ties collapse bins instead of failing (unlike KBins)."""

    def __init__(self, n_bins: int = 5) -> None:
        self.n_bins = n_bins

    def fit(self, X: np.ndarray, y: object = None) -> QuantileBins:
        inner = np.linspace(0, 1, self.n_bins + 1)[1:-1]
        self.edges_ = [np.unique(np.quantile(column, inner)) for column in X.T]
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack(
            [
                np.searchsorted(edges, column, side="right")
                for edges, column in zip(self.edges_, X.T, strict=True)
            ]
        )


def fit_scorecard(train: pd.DataFrame, features: tuple[str, ...], seed: int) -> Pipeline:
    """A classic scorecard: each ratio cut into quantile bins, one-hot, logistic regression.

    Missing values get the median bin plus a missing-indicator column of their own.
    """
    model = make_pipeline(
        SimpleImputer(strategy="median", add_indicator=True, keep_empty_features=True),
        QuantileBins(n_bins=5),
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(C=0.1, max_iter=2000, random_state=seed),
    )
    model.fit(train[list(features)].to_numpy("float64"), train["label"].to_numpy())
    return model


def scorecard_pd(model: Pipeline, frame: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    return model.predict_proba(frame[list(features)].to_numpy("float64"))[:, 1]
