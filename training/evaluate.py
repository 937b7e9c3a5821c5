"""Out-of-time evaluation of a fitted model against the baselines and, on demo data, the oracle.

Everything here is measured on rows the model never saw while fitting: the test year, and for
lead time the validation and test years (the booster stopped early on the validation year but
never fitted it). Intervals are percentile bootstraps over firms of the test year.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.contract import REGIONS
from core.grades import GradeTable
from features.environment import industry_of
from training.metrics import (
    bootstrap_ci,
    by_group,
    lead_time_months,
    rank_metrics,
    score_metrics,
    top_k_metrics,
)

MODEL = "model"
ORACLE = "oracle"
PROBABILITIES = (MODEL, ORACLE, "logit")  # scores that are PDs: Brier and ECE apply
LEAD_TIME_BUCKETS = (0, 6, 12, 18, 24, np.inf)


@dataclass(frozen=True)
class Evaluation:
    metrics: dict[str, float]
    tables: dict[str, pd.DataFrame]


def calibration_by_grade(scored: pd.DataFrame, grades: GradeTable) -> pd.DataFrame:
    """Predicted against observed distress rate per grade, with counts."""
    graded = scored.assign(grade=[grades.grade(p) for p in scored["pd"]])
    table = graded.groupby("grade").agg(
        firms=("pd", "size"),
        mean_pd=("pd", "mean"),
        observed_rate=("label", "mean"),
        distressed=("label", "sum"),
    )
    return table.reindex([g for g in grades.grades if g in table.index]).reset_index()


def headline(y: np.ndarray, scores: dict[str, np.ndarray]) -> pd.DataFrame:
    """One row per metric, one column per score; Brier and ECE only for probabilities."""
    columns = {}
    for name, score in scores.items():
        known = ~np.isnan(score)
        if name in PROBABILITIES:
            columns[name] = score_metrics(y[known], score[known])
        else:
            columns[name] = {
                **rank_metrics(y[known], score[known]),
                **top_k_metrics(y[known], score[known]),
            }
    table = pd.DataFrame(columns)
    keep = [m for m in table.index if m not in ("rows", "event_rate")]
    return table.loc[keep].rename_axis("metric").reset_index()


def lead_time_table(lead: pd.Series, events: int) -> pd.DataFrame:
    """How long before the event firms were first flagged, in half-year buckets."""
    labels = ["0–6", "6–12", "12–18", "18–24", "24+"]
    counts = pd.cut(lead, LEAD_TIME_BUCKETS, right=False, labels=labels).value_counts()
    table = counts.reindex(labels).rename_axis("months_before_event").reset_index(name="firms")
    missed = pd.DataFrame({"months_before_event": ["not warned"], "firms": [events - len(lead)]})
    table = pd.concat([table, missed], ignore_index=True)
    return table.assign(share=table["firms"] / max(events, 1))


def _with_region_names(table: pd.DataFrame) -> pd.DataFrame:
    if table.empty:
        return table
    names = table["region"].astype(str).map(REGIONS).fillna(table["region"].astype(str))
    return table.assign(region=names + " (" + table["region"].astype(str) + ")")


def baseline_metrics(y: np.ndarray, baselines: dict[str, np.ndarray]) -> dict[str, float]:
    """``test_<metric>_<baseline>``: ranking and top-K for each, Brier for those that are PDs."""
    metrics = {}
    for name, score in baselines.items():
        values = rank_metrics(y, score) | top_k_metrics(y, score)
        if name in PROBABILITIES:
            values["brier"] = float(np.mean((score - y) ** 2))
        metrics.update({f"test_{key}_{name}": value for key, value in values.items()})
    return metrics


def by_year(history: pd.DataFrame, test_year: int) -> pd.DataFrame:
    """Metrics per as-of year of ``history``, each marked test or validation."""
    years = history.assign(
        year=history["as_of"].dt.year,
        role=np.where(history["as_of"].dt.year == test_year, "test", "validation"),
    )
    table = by_group(years, "year", min_rows=1)
    return table.merge(years[["year", "role"]].drop_duplicates(), on="year")


def evaluate(
    model: LoadedModel,
    test: pd.DataFrame,
    baselines: dict[str, np.ndarray],
    oracle_pd: np.ndarray | None,
    event_dates: pd.Series,
    history: pd.DataFrame,
    n_boot: int = 200,
    seed: int = 0,
) -> Evaluation:
    """Metrics on the test year, by group, against baselines and oracle; lead time on history.

    ``history`` is every labelled as-of row up to the test year (scored), for lead time.
    """
    y = test["label"].to_numpy(dtype="float64")
    scored = test.assign(pd=model.predict_pd(test), industry=industry_of(test["ksic"]))
    metrics = score_metrics(y, scored["pd"].to_numpy(), prefix="test_")
    metrics |= baseline_metrics(y, baselines)
    scores = {MODEL: scored["pd"].to_numpy(), **baselines}
    if oracle_pd is not None:
        known = ~np.isnan(oracle_pd)
        oracle = score_metrics(y[known], oracle_pd[known])
        metrics.update({f"test_oracle_{k}": oracle[k] for k in ("roc_auc", "pr_auc", "brier")})
        metrics["test_roc_auc_vs_oracle"] = metrics["test_roc_auc"] / oracle["roc_auc"]
        scores[ORACLE] = oracle_pd
    intervals = bootstrap_ci(y, scores, n_boot=n_boot, seed=seed, probabilities=PROBABILITIES)
    for row in intervals[intervals["score"] == MODEL].itertuples():
        metrics[f"test_{row.metric}_ci_low"] = float(row.ci_low)
        metrics[f"test_{row.metric}_ci_high"] = float(row.ci_high)
    threshold = model.bundle.grade_table.cut_points[2]  # 경계 and above count as a warning
    lead = lead_time_months(history, event_dates, threshold)
    metrics["lead_time_median_months"] = float(lead.median()) if len(lead) else float("nan")
    metrics["lead_time_warned_share"] = float(len(lead) / max(len(event_dates), 1))
    tables = {
        "headline": headline(y, scores),
        "bootstrap_ci": intervals,
        "by_grade": calibration_by_grade(scored, model.bundle.grade_table),
        "lead_time": lead_time_table(lead, len(event_dates)),
        "by_year": by_year(history, int(test["as_of"].dt.year.max()) if len(test) else 0),
        "by_region": _with_region_names(by_group(scored, "region", min_rows=50)),
        "by_industry": by_group(scored, "industry"),
        "by_size": by_group(scored, "size_class", min_rows=1),
    }
    return Evaluation(metrics, tables)
