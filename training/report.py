"""Run artifacts: importance, SHAP summary, calibration plot, evaluation tables, model card."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never a window

import matplotlib.pyplot as plt
import mlflow
import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from features.catalog import BY_NAME
from training.evaluate import Evaluation


def feature_importance(model: LoadedModel) -> pd.DataFrame:
    booster = model.booster
    return pd.DataFrame(
        {
            "feature": booster.feature_name(),
            "label_ko": [BY_NAME[n].ko for n in booster.feature_name()],
            "gain": booster.feature_importance("gain"),
            "splits": booster.feature_importance("split"),
        }
    ).sort_values("gain", ascending=False)


def shap_summary(model: LoadedModel, rows: pd.DataFrame, sample: int = 2000) -> pd.DataFrame:
    """Mean |SHAP| (log-odds, before calibration) per feature on a sample of test rows."""
    part = rows.sample(min(sample, len(rows)), random_state=0)
    contrib = np.asarray(model.booster.predict(model.matrix(part), pred_contrib=True))[:, :-1]
    return pd.DataFrame(
        {
            "feature": list(model.bundle.feature_names),
            "mean_abs_shap": np.abs(contrib).mean(axis=0),
            "mean_shap": contrib.mean(axis=0),
        }
    ).sort_values("mean_abs_shap", ascending=False)


def _bar(table: pd.DataFrame, column: str, title: str, path: Path) -> None:
    top = table.head(20).iloc[::-1]
    fig, ax = plt.subplots(figsize=(7, 6))
    ax.barh(top["feature"], top[column], color="#3b6fb6")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def calibration_plot(model: LoadedModel, test: pd.DataFrame, path: Path, bins: int = 15) -> None:
    pd_ = model.predict_pd(test)
    order = np.argsort(pd_)
    chunks = np.array_split(order, bins)
    mean_pd = [pd_[c].mean() for c in chunks]
    observed = [test["label"].to_numpy()[c].mean() for c in chunks]
    fig, ax = plt.subplots(figsize=(5, 5))
    top = max(max(mean_pd), max(observed)) * 1.05
    ax.plot([0, top], [0, top], color="grey", linestyle="--", label="perfect")
    ax.plot(mean_pd, observed, marker="o", label="model (equal-count bins)")
    ax.set_xlabel("mean predicted PD")
    ax.set_ylabel("observed distress rate")
    ax.set_title("Calibration on the out-of-time test year")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def model_card(model: LoadedModel, evaluation: Evaluation) -> str:
    m = evaluation.metrics
    bundle = model.bundle

    def fmt(key: str) -> str:
        return f"{m[key]:.4f}" if key in m and np.isfinite(m[key]) else "n/a"

    lines = [
        "# Model card — SME distress within 12 months",
        "",
        f"- Label rules: {', '.join(bundle.label_rules)}; horizon {bundle.horizon_months} months",
        f"- Out-of-time split: {bundle.split}",
        f"- Calibration: Platt on the validation year (slope {bundle.calibration.slope:.4f}, "
        f"intercept {bundle.calibration.intercept:.4f})",
        f"- Grade table: {bundle.grade_table.version} cut-points {bundle.grade_table.cut_points}",
        "",
        "| metric (test year) | model | logit scorecard | Altman Z'' | oracle |",
        "|---|---|---|---|---|",
        f"| ROC AUC | {fmt('test_roc_auc')} | {fmt('test_roc_auc_logit')} | "
        f"{fmt('test_roc_auc_altman')} | {fmt('test_oracle_roc_auc')} |",
        f"| PR AUC | {fmt('test_pr_auc')} | {fmt('test_pr_auc_logit')} | "
        f"{fmt('test_pr_auc_altman')} | {fmt('test_oracle_pr_auc')} |",
        f"| KS | {fmt('test_ks')} | {fmt('test_ks_logit')} | {fmt('test_ks_altman')} | |",
        f"| Brier | {fmt('test_brier')} | | | {fmt('test_oracle_brier')} |",
        f"| ECE | {fmt('test_ece')} | | | |",
        "",
        f"Lead time (median months from first 경계+ flag to the event): "
        f"{fmt('lead_time_median_months')}; share of events warned: "
        f"{fmt('lead_time_warned_share')}.",
        "",
        "Intended use: ranking and triage of firms for crisis-centre outreach, with reasons.",
        "Not for: credit decisions about individual firms without human review.",
        "",
        "## Calibration by grade",
        "",
        evaluation.tables["by_grade"].to_markdown(index=False),
    ]
    return "\n".join(lines) + "\n"


def log_artifacts(
    model: LoadedModel, test: pd.DataFrame, evaluation: Evaluation, folder: Path
) -> None:
    """Write every report file into ``folder`` and log the folder to the active run."""
    folder.mkdir(parents=True, exist_ok=True)
    importance = feature_importance(model)
    importance.to_csv(folder / "feature_importance.csv", index=False)
    _bar(importance, "gain", "Feature importance (gain)", folder / "feature_importance.png")
    shap = shap_summary(model, test)
    shap.to_csv(folder / "shap_summary.csv", index=False)
    _bar(shap, "mean_abs_shap", "Mean |SHAP| (log-odds)", folder / "shap_summary.png")
    calibration_plot(model, test, folder / "calibration.png")
    for name, table in evaluation.tables.items():
        table.to_csv(folder / f"evaluation_{name}.csv", index=False)
    (folder / "model_card.md").write_text(model_card(model, evaluation), encoding="utf-8")
    mlflow.log_artifacts(str(folder), artifact_path="report")
