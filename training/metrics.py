"""Discrimination and calibration metrics for PD models (SPEC §7), with bootstrap intervals.

The bootstrap draws firms with replacement as a matrix of counts (resample × firm) and computes
the rank metrics for all resamples at once after a single sort, so 200 resamples of a 20,000-firm
test year take well under a second. The same counts serve two scores for a paired difference.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator

import numpy as np
import pandas as pd
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

TOP_SHARES = (0.01, 0.05, 0.10)
TOP_FIRMS = 100  # a centre's caseload: capture and precision in the riskiest 100 firms
BOOTSTRAP_METRICS = ("roc_auc", "pr_auc", "ks", "brier")
_CHUNK = 25  # resamples per block, to bound memory on large test years


def ks_statistic(y: np.ndarray, score: np.ndarray) -> float:
    """Largest gap between the score CDFs of distressed and healthy firms (ties cut together)."""
    y = np.asarray(y, dtype="float64")
    return float(weighted_metrics(y, score, np.ones((1, len(y))), pd_=False)["ks"][0])


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
    return top_k_firms(y, score, max(1, round(share * len(y))))


def top_k_firms(y: np.ndarray, score: np.ndarray, k: int) -> tuple[float, float]:
    """(capture, precision) of the riskiest ``k`` firms (all of them when fewer).

    Firms tied with the k-th score share the remaining places: they count at the distress rate
    of the tied block (the expectation over random tie-breaks), so a yes/no rule is not flattered
    or penalised by row order.
    """
    y = np.asarray(y, dtype="float64")
    score = np.asarray(score, dtype="float64")
    k = max(1, min(k, len(y)))
    cut = np.sort(score)[::-1][k - 1]
    above, tied = score > cut, score == cut
    hits = y[above].sum() + (k - above.sum()) * y[tied].mean()
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


def top_k_metrics(y: np.ndarray, score: np.ndarray) -> dict[str, float]:
    """Capture and precision in the top 1 %, 5 %, 10 % and the top ``TOP_FIRMS`` firms."""
    metrics = {}
    for share in TOP_SHARES:
        capture, precision = top_k(y, score, share)
        metrics[f"capture_top{int(share * 100)}pct"] = capture
        metrics[f"precision_top{int(share * 100)}pct"] = precision
    capture, precision = top_k_firms(y, score, TOP_FIRMS)
    metrics[f"capture_top{TOP_FIRMS}firms"] = capture
    metrics[f"precision_top{TOP_FIRMS}firms"] = precision
    return metrics


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
        **top_k_metrics(y, pd_),
    }
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

    ``scored`` holds firm_id, as_of and pd over several as-of dates; ``event_dates`` is indexed by
    firm_id. A flag that lapsed before the event does not count; firms whose last score before the
    event is below the threshold were not warned and are left out.
    """
    rows = scored.loc[scored["firm_id"].isin(event_dates.index), ["firm_id", "as_of", "pd"]]
    rows = rows.assign(event=event_dates.reindex(rows["firm_id"]).to_numpy())
    rows = rows[rows["as_of"] < rows["event"]].sort_values(["firm_id", "as_of"])
    flagged = rows["pd"] >= threshold
    last_clear = rows["as_of"].where(~flagged).groupby(rows["firm_id"]).transform("max")
    streak = flagged & ~(rows["as_of"] <= last_clear)  # NaT (never clear) compares False
    first = rows[streak].groupby("firm_id")["as_of"].min()
    months = (event_dates.reindex(first.index) - first).dt.days / 30.4375
    return months.rename("lead_time_months")


def resample_counts(n: int, n_boot: int, seed: int) -> Iterator[np.ndarray]:
    """Blocks of bootstrap counts, shape (resamples, n): how often each row is drawn."""
    rng = np.random.default_rng(seed)
    for start in range(0, n_boot, _CHUNK):
        size = min(_CHUNK, n_boot - start)
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        yield np.bincount(draws.ravel(), minlength=size * n).reshape(size, n).astype("float64")


def weighted_metrics(
    y: np.ndarray, score: np.ndarray, weights: np.ndarray, pd_: bool = True
) -> dict[str, np.ndarray]:
    """ROC AUC, PR AUC, KS (and Brier when ``pd_``) for each row of ``weights`` at once.

    Tied scores form one threshold, as in scikit-learn; resamples with one class give NaN.
    """
    y = np.asarray(y, dtype="float64")
    score = np.asarray(score, dtype="float64")
    order = np.argsort(-score, kind="stable")
    sorted_score = score[order]
    starts = np.flatnonzero(np.r_[True, sorted_score[1:] != sorted_score[:-1]])
    w = weights[:, order]
    pos = np.add.reduceat(w * y[order], starts, axis=1)
    neg = np.add.reduceat(w * (1 - y[order]), starts, axis=1)
    total_pos, total_neg = pos.sum(axis=1), neg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        cum_pos, cum_neg = np.cumsum(pos, axis=1), np.cumsum(neg, axis=1)
        below = total_neg[:, None] - cum_neg
        auc = (pos * (below + 0.5 * neg)).sum(axis=1) / (total_pos * total_neg)
        precision = cum_pos / (cum_pos + cum_neg)
        ap = (pos * precision).sum(axis=1) / total_pos
        ks = np.abs(cum_pos / total_pos[:, None] - cum_neg / total_neg[:, None]).max(axis=1)
    one_class = (total_pos == 0) | (total_neg == 0)
    out = {"roc_auc": auc, "pr_auc": ap, "ks": ks}
    if pd_:
        out["brier"] = weights @ (score - y) ** 2 / weights.sum(axis=1)
    return {k: np.where(one_class, np.nan, v) if k != "brier" else v for k, v in out.items()}


def _interval(values: np.ndarray, level: float) -> tuple[float, float]:
    finite = values[np.isfinite(values)]
    if not len(finite):
        return float("nan"), float("nan")
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(finite, [tail, 100 - tail])
    return float(low), float(high)


def bootstrap_ci(
    y: np.ndarray,
    scores: dict[str, np.ndarray],
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
    probabilities: Collection[str] = (),
) -> pd.DataFrame:
    """Percentile intervals of the headline metrics for each named score, on shared resamples.

    Scores named in ``probabilities`` are PDs and get a Brier interval too; a score with missing
    values is measured on the rows where it is known.
    """
    y = np.asarray(y, dtype="float64")
    draws: dict[str, dict[str, list[np.ndarray]]] = {name: {} for name in scores}
    for counts in resample_counts(len(y), n_boot, seed):
        for name, score in scores.items():
            known = ~np.isnan(score)
            values = weighted_metrics(
                y[known], score[known], counts[:, known], pd_=name in probabilities
            )
            for metric, value in values.items():
                draws[name].setdefault(metric, []).append(value)
    rows = []
    for name, score in scores.items():
        known = ~np.isnan(score)
        point = weighted_metrics(
            y[known], score[known], np.ones((1, int(known.sum()))), pd_=name in probabilities
        )
        for metric, parts in draws[name].items():
            low, high = _interval(np.concatenate(parts), level)
            rows.append(
                {
                    "score": name,
                    "metric": metric,
                    "estimate": float(point[metric][0]),
                    "ci_low": low,
                    "ci_high": high,
                }
            )
    return pd.DataFrame(rows, columns=["score", "metric", "estimate", "ci_low", "ci_high"])


def paired_difference(
    y: np.ndarray,
    new: np.ndarray,
    old: np.ndarray,
    n_boot: int = 200,
    seed: int = 0,
    level: float = 0.95,
) -> pd.DataFrame:
    """new − old for each headline metric, with a paired bootstrap interval (same resamples)."""
    y = np.asarray(y, dtype="float64")
    diffs: dict[str, list[np.ndarray]] = {}
    for counts in resample_counts(len(y), n_boot, seed):
        a, b = weighted_metrics(y, new, counts), weighted_metrics(y, old, counts)
        for metric in a:
            diffs.setdefault(metric, []).append(a[metric] - b[metric])
    ones = np.ones((1, len(y)))
    a, b = weighted_metrics(y, new, ones), weighted_metrics(y, old, ones)
    rows = []
    for metric in BOOTSTRAP_METRICS:
        low, high = _interval(np.concatenate(diffs[metric]), level)
        rows.append(
            {
                "metric": metric,
                "new": float(a[metric][0]),
                "old": float(b[metric][0]),
                "difference": float(a[metric][0] - b[metric][0]),
                "ci_low": low,
                "ci_high": high,
            }
        )
    return pd.DataFrame(rows)
