"""Simple baselines the model must beat: Altman Z'' and a logistic-regression scorecard."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder


class BaselineUnavailable(ValueError):
    """A baseline cannot be computed on this data (the message says why); it is reported as
    missing, never a failed run."""


def altman_risk(test: pd.DataFrame) -> np.ndarray:
    """Risk score from Altman's Z'' on the test rows (lower Z, higher risk); missing Z scores as
    the median. Z'' needs the balance sheet: without one on any row there is no baseline."""
    if "altman_z" not in test.columns or test["altman_z"].isna().all():
        raise BaselineUnavailable("no balance sheet items (altman_z missing on all test rows)")
    z = test["altman_z"].astype("float64")
    return -z.fillna(z.median()).to_numpy()


class DropEmptyColumns(TransformerMixin, BaseEstimator):
    """Drop the columns that are missing on every fitting row (no balance sheet: no leverage)."""

    def fit(self, X: np.ndarray, y: object = None) -> DropEmptyColumns:
        self.keep_ = ~np.isnan(X).all(axis=0)
        if not self.keep_.any():
            raise BaselineUnavailable("every model feature is missing in the training years")
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return X[:, self.keep_]


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

    Missing values get the median bin plus a missing-indicator column of their own; features
    missing on every training row are left out.
    """
    labels = train["label"].to_numpy()
    if len(np.unique(labels)) < 2:
        raise BaselineUnavailable("the training years have only one class")
    model = make_pipeline(
        DropEmptyColumns(),
        SimpleImputer(strategy="median", add_indicator=True),
        QuantileBins(n_bins=5),
        OneHotEncoder(handle_unknown="ignore"),
        LogisticRegression(C=0.1, max_iter=2000, random_state=seed),
    )
    model.fit(train[list(features)].to_numpy("float64"), labels)
    return model


def scorecard_pd(model: Pipeline, frame: pd.DataFrame, features: tuple[str, ...]) -> np.ndarray:
    return model.predict_proba(frame[list(features)].to_numpy("float64"))[:, 1]


def baseline_scores(
    train: pd.DataFrame, test: pd.DataFrame, features: tuple[str, ...], seed: int
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The scorecard's PD and Altman's risk on the test rows, and for each baseline that cannot
    be computed, why (it is reported as missing rather than failing the run)."""
    if test["label"].nunique() < 2:
        reason = "the test year has only one class"
        return {}, {"logit": reason, "altman": reason}
    makers = {
        "logit": lambda: scorecard_pd(fit_scorecard(train, features, seed), test, features),
        "altman": lambda: altman_risk(test),
    }
    scores, missing = {}, {}
    for name, make in makers.items():
        try:
            scores[name] = make()
        except BaselineUnavailable as error:
            missing[name] = str(error)
    return scores, missing
