"""Out-of-time evaluation of a fitted model against the baselines and, on demo data, the oracle."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.grades import GradeTable
from features.environment import industry_of
from training.metrics import by_group, lead_time_months, rank_metrics, score_metrics


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


def evaluate(
    model: LoadedModel,
    test: pd.DataFrame,
    baselines: dict[str, np.ndarray],
    oracle_pd: np.ndarray | None,
    event_dates: pd.Series,
    history: pd.DataFrame,
) -> Evaluation:
    """Metrics on the test year, by group, against baselines and oracle; lead time on history.

    ``history`` is every labelled as-of row up to the test year (scored), for lead time.
    """
    y = test["label"].to_numpy()
    scored = test.assign(pd=model.predict_pd(test), industry=industry_of(test["ksic"]))
    metrics = score_metrics(y, scored["pd"].to_numpy(), prefix="test_")
    for name, score in baselines.items():
        for key, value in rank_metrics(y, score).items():
            metrics[f"test_{key}_{name}"] = value
    if oracle_pd is not None:
        known = ~np.isnan(oracle_pd)
        oracle = score_metrics(y[known], oracle_pd[known])
        metrics.update({f"test_oracle_{k}": oracle[k] for k in ("roc_auc", "pr_auc", "brier")})
        metrics["test_roc_auc_vs_oracle"] = metrics["test_roc_auc"] / oracle["roc_auc"]
    threshold = model.bundle.grade_table.cut_points[2]  # 경계 and above count as a warning
    lead = lead_time_months(history, event_dates, threshold)
    metrics["lead_time_median_months"] = float(lead.median()) if len(lead) else float("nan")
    metrics["lead_time_warned_share"] = float(len(lead) / max(len(event_dates), 1))
    tables = {
        "by_grade": calibration_by_grade(scored, model.bundle.grade_table),
        "by_region": by_group(scored, "region"),
        "by_industry": by_group(scored, "industry"),
        "by_size": by_group(scored, "size_class", min_rows=1),
        "by_year": by_group(history, "year", min_rows=1),
    }
    return Evaluation(metrics, tables)
