"""Discrimination and calibration metrics for PD models (SPEC §7)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Largest gap between the score CDFs of distressed and healthy firms."""
    order = np.argsort(-score, kind="stable")
    y_sorted = y[order]
    positives = np.cumsum(y_sorted) / max(y_sorted.sum(), 1)
    negatives = np.cumsum(1 - y_sorted) / max((1 - y_sorted).sum(), 1)
    return float(np.max(np.abs(positives - negatives)))


def expected_calibration_error(y: np.ndarray, pd_: np.ndarray, bins: int = 20) -> float:
    """Count-weighted |mean PD − observed rate| over equal-count PD bins."""
    order = np.argsort(pd_, kind="stable")
    error = 0.0
    for chunk in np.array_split(order, bins):
        if len(chunk):
            error += len(chunk) * abs(pd_[chunk].mean() - y[chunk].mean())
    return float(error / len(y))


def top_k(y: np.ndarray, score: np.ndarray, share: float) -> tuple[float, float]:
    """(capture, precision) of the riskiest ``share`` of firms."""
    k = max(1, round(share * len(y)))
    top = np.argsort(-score, kind="stable")[:k]
    hits = y[top].sum()
    return float(hits / max(y.sum(), 1)), float(hits / k)


def rank_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """Ranking quality only, for scores that are not probabilities (e.g. Altman's Z'')."""
    y = np.asarray(y, dtype="float64")
    if not 0 < y.sum() < len(y):
        return {"roc_auc": np.nan, "pr_auc": np.nan, "ks": np.nan}
    return {
        "roc_auc": float(roc_auc_score(y, score)),
        "pr_auc": float(average_precision_score(y, score)),
        "ks": ks_statistic(y, np.asarray(score, dtype="float64")),
    }


def score_metrics(y: np.ndarray, pd_: np.ndarray, prefix: str = "") -> dict[str, float]:
    """All headline metrics; AUCs are missing when only one class is present."""
    y = np.asarray(y, dtype="float64")
    pd_ = np.asarray(pd_, dtype="float64")
    metrics = {
        **rank_metrics(y, pd_),
        "brier": brier_score_loss(y, pd_),
        "ece": expected_calibration_error(y, pd_),
        "event_rate": float(y.mean()),
        "mean_pd": float(pd_.mean()),
        "rows": float(len(y)),
    }
    for share in (0.01, 0.05, 0.10):
        capture, precision = top_k(y, pd_, share)
        metrics[f"capture_top{int(share * 100)}pct"] = capture
        metrics[f"precision_top{int(share * 100)}pct"] = precision
    return {f"{prefix}{k}": float(v) for k, v in metrics.items()}


def by_group(
    frame: pd.DataFrame, group: str, y: str = "label", score: str = "pd", min_rows: int = 200
) -> pd.DataFrame:
    """Headline metrics per value of ``group`` (groups smaller than ``min_rows`` dropped)."""
    rows = []
    for value, part in frame.groupby(group, observed=True):
        if len(part) >= min_rows:
            rows.append({group: value, **score_metrics(part[y].to_numpy(), part[score].to_numpy())})
    return pd.DataFrame(rows)


def lead_time_months(scored: pd.DataFrame, event_dates: pd.Series, threshold: float) -> pd.Series:
    """Months between a firm's first flag (PD ≥ threshold, unbroken to the event) and its event.

    ``scored`` holds firm_id, as_of and pd over several as-of dates; firms never flagged get
    missing.
    """
    flagged = scored[scored["pd"] >= threshold].sort_values(["firm_id", "as_of"])
    firms = flagged[flagged["firm_id"].isin(event_dates.index)]
    first = firms.groupby("firm_id")["as_of"].min()
    when = event_dates.reindex(first.index)
    months = (when - first).dt.days / 30.4375
    return months[months >= 0]
