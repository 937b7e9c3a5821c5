"""Out-of-time evaluation of a fitted model against the baselines and, on demo data, the oracle.

Everything here is measured on rows the model never saw while fitting: the test year, and for
lead time the validation and test years (the booster stopped early on the validation year but
never fitted it). Intervals are percentile bootstraps over firms of the test year.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

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
from training.rule_baselines import COLUMNS as RULE_COLUMNS
from training.rule_baselines import RuleBaseline, rule_baseline

MODEL = "model"
ORACLE = "oracle"
PROBABILITIES = (MODEL, ORACLE, "logit")  # scores that are PDs: Brier and ECE apply
LEAD_TIME_BUCKETS = (0, 6, 12, 18, 24, np.inf)
EVENT_DATED_RULE = "default_event"  # lead time needs an event date; only this rule has one
GROUP_MIN_ROWS = {"region": 50, "industry": 200, "size_class": 1}
GROUP_TABLES = {"by_region": "region", "by_industry": "industry", "by_size": "size_class"}


@dataclass(frozen=True)
class Evaluation:
    """Metrics and tables; ``missing`` says why a baseline was not computed and ``skipped``
    why a table is empty, so a report never shows a blank without a reason."""

    metrics: dict[str, float]
    tables: dict[str, pd.DataFrame]
    missing: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    rules: RuleBaseline | None = None


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


def label_coverage(
    features: pd.DataFrame,
    train_years: tuple[int, int],
    valid_year: int,
    test_year: int,
    first_year: int | None = None,
) -> pd.DataFrame:
    """Per as-of year of the whole feature table: rows, labelled rows, share labelled, positives,
    prevalence and the year's role (train, validation, test, dropped before the first year, or
    not used)."""
    year = features["as_of"].dt.year.rename("year")
    label = features["label"].astype("float64")
    table = label.groupby(year).agg(rows="size", labelled="count", positives="sum")
    table = table.astype("float64").assign(
        share_labelled=lambda t: t["labelled"] / t["rows"],
        prevalence=lambda t: t["positives"] / t["labelled"].where(t["labelled"] > 0),
    )
    roles = {test_year: "test", valid_year: "validation"}

    def role(y: int) -> str:
        if y in roles:
            return roles[y]
        if first_year is not None and y < first_year:
            return "dropped (before --first-year)"
        if table.loc[y, "labelled"] == 0:
            return "not used (no labels)"
        return "train" if train_years[0] <= y <= train_years[1] else "not used"

    table["role"] = [role(int(y)) for y in table.index]
    columns = ["rows", "labelled", "share_labelled", "positives", "prevalence", "role"]
    return table[columns].reset_index()


def lead_time(
    model: LoadedModel, history: pd.DataFrame, event_dates: pd.Series, label_rules: Sequence[str]
) -> tuple[dict[str, float], pd.DataFrame, str | None]:
    """Lead-time metrics and buckets, or why there is nothing to time: only a default event has
    a date to count months back from."""
    if EVENT_DATED_RULE not in label_rules:
        return (
            {},
            pd.DataFrame(),
            (
                "no distress events with dates to time (label rule "
                f"{', '.join(label_rules)} has no event date; lead time is measured for "
                f"{EVENT_DATED_RULE} labels only)"
            ),
        )
    if len(event_dates) == 0:
        return {}, pd.DataFrame(), "no distress events with dates to time in the test year"
    threshold = model.bundle.grade_table.cut_points[2]  # 경계 and above count as a warning
    lead = lead_time_months(history, event_dates, threshold)
    metrics = {"lead_time_warned_share": float(len(lead) / len(event_dates))}
    if len(lead):
        metrics["lead_time_median_months"] = float(lead.median())
    return metrics, lead_time_table(lead, len(event_dates)), None


def group_table(scored: pd.DataFrame, column: str) -> tuple[pd.DataFrame, str | None]:
    """Headline metrics per group, and why the table is empty when it is."""
    min_rows = GROUP_MIN_ROWS[column]
    if column not in scored.columns or scored[column].isna().all():
        return pd.DataFrame(), f"{column} is missing for every firm in the test year"
    table = by_group(scored, column, min_rows=min_rows)
    if table.empty:
        return table, f"no {column} has at least {min_rows} test rows"
    return table, None


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
    label_rules: Sequence[str] = (EVENT_DATED_RULE,),
    missing: dict[str, str] | None = None,
) -> Evaluation:
    """Metrics on the test year, by group, against baselines, the label rule's own scores and
    the oracle; lead time on history.

    ``history`` is every labelled as-of row up to the test year (scored), for lead time;
    ``missing`` names the baselines that could not be computed and why.
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
    rules = rule_baseline(test, scored["pd"].to_numpy(), label_rules, n_boot, seed)
    metrics |= rules.metrics()
    missing = {**(missing or {}), **{f"rule_{k}": v for k, v in rules.missing.items()}}
    skipped: dict[str, str] = {}
    if rules.best is None:
        skipped["rule_baselines"] = "no rule score could be computed: " + "; ".join(
            f"{k}: {v}" for k, v in rules.missing.items()
        )
    lead_metrics, lead_table, lead_reason = lead_time(model, history, event_dates, label_rules)
    metrics |= lead_metrics
    if lead_reason:
        skipped["lead_time"] = lead_reason
    groups = {}
    for name, column in GROUP_TABLES.items():
        groups[name], reason = group_table(scored, column)
        if reason:
            skipped[name] = reason
    tables = {
        "headline": headline(y, scores),
        "bootstrap_ci": intervals,
        "rule_baselines": model_vs_rules(metrics, rules),
        "by_grade": calibration_by_grade(scored, model.bundle.grade_table),
        "lead_time": lead_table,
        "by_year": by_year(history, int(test["as_of"].dt.year.max()) if len(test) else 0),
        "by_region": _with_region_names(groups["by_region"]),
        "by_industry": groups["by_industry"],
        "by_size": groups["by_size"],
    }
    return Evaluation(metrics, tables, missing, skipped, rules)


def model_vs_rules(metrics: dict[str, float], rules: RuleBaseline) -> pd.DataFrame:
    """The model and each rule score side by side, with the model's ROC AUC inside each rule's
    group (the firms the rule flags) and its interval; the best rule (by PR AUC) marked."""
    model = {
        "score": "model",
        "says": "the model's PD",
        "roc_auc": metrics.get("test_roc_auc", np.nan),
        "pr_auc": metrics.get("test_pr_auc", np.nan),
        "capture_top10pct": metrics.get("test_capture_top10pct", np.nan),
    }
    rows = [model]
    for row in rules.table.to_dict("records"):
        best = " (best)" if row["rule"] == rules.best else ""
        rows.append({**row, "score": f"rule {row['rule']}{best}"})
    # The rule table's columns, its two naming ones replaced by the score's name.
    columns = ["score", *(c for c in RULE_COLUMNS if c not in ("rule", "column"))]
    return pd.DataFrame(rows).reindex(columns=columns)
