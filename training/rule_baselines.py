"""The label rule's own persistence scores: the one-line baseline a model has to beat.

A 한계기업 is a firm whose interest coverage stays below 1, so "below 1 this year and last year"
already ranks next year's 한계기업 well; a model that does not beat that rule on the test year
adds nothing a centre could not compute itself. Each rule score is a boolean rule column of the
feature table (missing counts as "does not fire"); ties are scored as scikit-learn does. The
model is also measured inside the group where the best rule fires: the firms staff would look at
anyway, where only a model can rank.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from training.metrics import bootstrap_ci, rank_metrics, top_k

PREFIX = "rule_"


@dataclass(frozen=True)
class RuleScore:
    name: str  # the metric suffix: test_pr_auc_rule_<name>
    column: str  # a boolean rule column of the feature table
    en: str  # what it says, for reports


ICR_2Y = RuleScore("icr_2y", "icr_below_one_2y", "ICR < 1 in t and t−1")
ICR_1Y = RuleScore("icr_1y", "temporary_marginal", "ICR < 1 in t")
IMPAIRED = RuleScore("impaired", "complete_capital_impairment", "equity < 0 now")
ARREARS = RuleScore(
    "arrears", "recent_arrears", "an arrears or 30-day delinquency in the last 12 months"
)
# Each label rule's own persistence scores; a user label (column:<name>) is judged against all.
RULE_SCORES: dict[str, tuple[RuleScore, ...]] = {
    "marginal_firm": (ICR_2Y, ICR_1Y),
    "capital_impairment": (IMPAIRED,),
    "default_event": (ARREARS,),
}
ALL_SCORES: tuple[RuleScore, ...] = (ICR_2Y, ICR_1Y, IMPAIRED, ARREARS)
COLUMNS = (
    "rule",
    "column",
    "says",
    "fires_share",
    "roc_auc",
    "pr_auc",
    "capture_top10pct",
    "rows_in_group",
    "events_in_group",
    "model_roc_auc_in_group",
    "model_roc_auc_in_group_ci_low",
    "model_roc_auc_in_group_ci_high",
    "model_pr_auc_in_group",
)
# Logged for the best rule score: metric name (after test_) -> column of the table.
BEST_METRICS = {
    "roc_auc_rule": "roc_auc",
    "pr_auc_rule": "pr_auc",
    "capture_top10pct_rule": "capture_top10pct",
    "roc_auc_in_rule_group": "model_roc_auc_in_group",
    "roc_auc_in_rule_group_ci_low": "model_roc_auc_in_group_ci_low",
    "roc_auc_in_rule_group_ci_high": "model_roc_auc_in_group_ci_high",
    "pr_auc_in_rule_group": "model_pr_auc_in_group",
    "rows_in_rule_group": "rows_in_group",
    "events_in_rule_group": "events_in_group",
}


def candidates(label_rules: Sequence[str]) -> tuple[RuleScore, ...]:
    """The rule scores that judge a model trained on ``label_rules``, in a fixed order."""
    wanted = {s for rule in label_rules for s in RULE_SCORES.get(rule, ALL_SCORES)}
    return tuple(s for s in ALL_SCORES if s in wanted)


def fires(rows: pd.DataFrame, column: str) -> np.ndarray:
    """1.0 where the rule column is true, 0.0 where false or missing."""
    values = pd.to_numeric(rows[column].astype("float64"), errors="coerce")
    return (values.fillna(0.0).to_numpy() > 0).astype("float64")


@dataclass(frozen=True)
class RuleBaseline:
    """The rule scores on one set of rows, the model inside each rule's group, and the best."""

    table: pd.DataFrame  # one row per computed rule score (COLUMNS)
    missing: dict[str, str]  # rule score -> why it was not computed
    best: str | None  # the rule score with the highest PR AUC

    def value(self, column: str, rule: str | None = None) -> float:
        rule = rule or self.best
        if rule is None:
            return float("nan")
        return float(self.table.set_index("rule").loc[rule, column])

    def describe(self, rule: str | None = None) -> str:
        """e.g. "icr_2y (icr_below_one_2y: ICR < 1 in t and t−1)"."""
        row = self.table.set_index("rule").loc[rule or self.best]
        return f"{rule or self.best} ({row['column']}: {row['says']})"

    def metrics(self, prefix: str = "test_") -> dict[str, float]:
        """Per rule ``test_<metric>_rule_<R>``; for the best, the unsuffixed rule metrics and the
        model's own in-group figures."""
        out: dict[str, float] = {}
        for row in self.table.itertuples():
            for metric in ("roc_auc", "pr_auc", "capture_top10pct"):
                out[f"{prefix}{metric}_{PREFIX}{row.rule}"] = float(getattr(row, metric))
        if self.best is None:
            return out
        for name, column in BEST_METRICS.items():
            out[f"{prefix}{name}"] = self.value(column)
        return out


def _in_group(
    y: np.ndarray, pd_: np.ndarray, group: np.ndarray, n_boot: int, seed: int
) -> dict[str, float]:
    """The model's ROC AUC (with a bootstrap interval) and PR AUC among rows where a rule fires."""
    inside_y, inside_pd = y[group], pd_[group]
    ranked = rank_metrics(inside_y, inside_pd)
    low = high = float("nan")
    if np.isfinite(ranked["roc_auc"]):
        ci = bootstrap_ci(inside_y, {"model": inside_pd}, n_boot=n_boot, seed=seed)
        row = ci[ci["metric"] == "roc_auc"].iloc[0]
        low, high = float(row["ci_low"]), float(row["ci_high"])
    return {
        "rows_in_group": float(group.sum()),
        "events_in_group": float(inside_y.sum()),
        "model_roc_auc_in_group": ranked["roc_auc"],
        "model_roc_auc_in_group_ci_low": low,
        "model_roc_auc_in_group_ci_high": high,
        "model_pr_auc_in_group": ranked["pr_auc"],
    }


def rule_baseline(
    rows: pd.DataFrame,
    pd_: np.ndarray,
    label_rules: Sequence[str],
    n_boot: int = 200,
    seed: int = 0,
) -> RuleBaseline:
    """Every candidate rule score on ``rows`` (labelled, e.g. the test year) against their
    labels, and the model's PD ``pd_`` inside each rule's group."""
    y = rows["label"].to_numpy(dtype="float64")
    pd_ = np.asarray(pd_, dtype="float64")
    table, missing = [], {}
    for score in candidates(label_rules):
        if score.column not in rows.columns:
            missing[score.name] = f"column {score.column} is not in the feature table"
            continue
        fired = fires(rows, score.column)
        if not 0 < y.sum() < len(y):
            missing[score.name] = "the rows have only one class"
            continue
        table.append(
            {
                "rule": score.name,
                "column": score.column,
                "says": score.en,
                "fires_share": float(fired.mean()),
                **rank_metrics(y, fired),
                "capture_top10pct": top_k(y, fired, 0.10)[0],
                **_in_group(y, pd_, fired > 0, n_boot, seed),
            }
        )
    frame = pd.DataFrame(table).reindex(columns=list(COLUMNS))
    ranked = frame.dropna(subset=["pr_auc"])
    best = None if ranked.empty else str(ranked.loc[ranked["pr_auc"].idxmax(), "rule"])
    return RuleBaseline(frame, missing, best)
