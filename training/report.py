"""Run artifacts: the evaluation report (Markdown and HTML), importance, SHAP summary,
calibration plot, evaluation tables and the model card, all logged under ``report/``."""

from __future__ import annotations

import html
from dataclasses import dataclass
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

COUNT_COLUMNS = {"firms", "distressed", "rows", "events", "splits", "trial"}
GROUP_COLUMNS = (
    "rows",
    "events",
    "event_rate",
    "mean_pd",
    "roc_auc",
    "pr_auc",
    "ks",
    "brier",
    "ece",
    "capture_top10pct",
    "precision_top10pct",
)
HEADLINE = {"roc_auc": "ROC AUC", "pr_auc": "PR AUC", "ks": "KS", "brier": "Brier"}


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


@dataclass(frozen=True)
class Extras:
    """Optional sections: the tuning trials and the walk-forward summary."""

    tuning: pd.DataFrame | None = None
    walk_forward: pd.DataFrame | None = None


@dataclass(frozen=True)
class Section:
    title: str
    text: str = ""
    table: pd.DataFrame | None = None
    image: str | None = None


def _display(table: pd.DataFrame) -> pd.DataFrame:
    """Counts as integers, rates and scores to four decimals, missing as blank."""
    out = table.copy()
    for column in out.columns:
        values = out[column]
        if not pd.api.types.is_float_dtype(values):
            continue
        integral = str(column) in COUNT_COLUMNS or str(column).startswith(("rows", "firms"))
        out[column] = [
            "" if pd.isna(v) else (f"{v:,.0f}" if integral else f"{v:.4f}") for v in values
        ]
    return out


def _groups(table: pd.DataFrame) -> pd.DataFrame:
    """A group table cut to the columns a reader compares (the CSV keeps them all)."""
    if table.empty:
        return table
    table = table.assign(events=(table["rows"] * table["event_rate"]).round())
    keys = [table.columns[0], *(["role"] if "role" in table.columns else [])]
    return table[keys + [c for c in GROUP_COLUMNS if c in table.columns]]


def _headline_text(evaluation: Evaluation) -> str:
    intervals = evaluation.tables["bootstrap_ci"]
    model = intervals[intervals["score"] == "model"].set_index("metric")
    parts = [
        f"{HEADLINE[metric]} "
        f"{model.loc[metric, 'estimate']:.4f} "
        f"(95 % CI {model.loc[metric, 'ci_low']:.4f}–{model.loc[metric, 'ci_high']:.4f})"
        for metric in HEADLINE
        if metric in model.index
    ]
    n = int(evaluation.metrics.get("test_rows", 0))
    rate = evaluation.metrics.get("test_event_rate", float("nan"))
    return (
        f"{n:,} firms in the test year, distress rate {rate:.2%}. Model: " + "; ".join(parts) + "."
        " Intervals: percentile bootstrap over firms (shared resamples across scores)."
    )


def report_sections(model: LoadedModel, evaluation: Evaluation, extras: Extras) -> list[Section]:
    """The report, top to bottom, as titled sections; rendered to Markdown and to HTML."""
    m, t = evaluation.metrics, evaluation.tables
    bundle = model.bundle
    lead = m.get("lead_time_median_months", float("nan"))
    sections = [
        Section(
            "Out-of-time split",
            f"{bundle.split}; label rules {', '.join(bundle.label_rules)},"
            f" horizon {bundle.horizon_months} months; Platt slope "
            f"{bundle.calibration.slope:.4f}, intercept {bundle.calibration.intercept:.4f}.",
        ),
        Section("Headline metrics", _headline_text(evaluation)),
        Section(
            "Model against the baselines and the oracle",
            "Logit scorecard and Altman Z'' are fitted/applied on the same training years; "
            "the oracle (demo data only) is the true simulated PD — the ceiling.",
            t["headline"],
        ),
        Section("Bootstrap confidence intervals (95 %)", "", t["bootstrap_ci"]),
        Section(
            "Calibration by grade",
            "Mean predicted PD against the observed distress rate, test year.",
            t["by_grade"],
            "calibration.png",
        ),
        Section(
            "Lead time",
            f"Months from the first warning (PD at 경계 or above, unbroken to the "
            f"event) to the first default-type event; median {lead:.1f} months, "
            f"{m.get('lead_time_warned_share', float('nan')):.1%} of events warned.",
            t["lead_time"],
        ),
        Section(
            "By year",
            "Validation year (early stopping, calibration) and test year.",
            _groups(t["by_year"]),
        ),
        Section(
            "By region (시도)",
            "Regions with at least 50 test rows; few events make wide intervals.",
            _groups(t["by_region"]),
        ),
        Section(
            "By industry (KSIC division)",
            "Industries with at least 200 test rows.",
            _groups(t["by_industry"]),
        ),
        Section("By size class", "", _groups(t["by_size"])),
    ]
    if extras.walk_forward is not None:
        sections.append(
            Section(
                "Walk-forward evaluation",
                "Each test year refitted on the years "
                "before it (validation = the year before); mean and sd last.",
                extras.walk_forward,
            )
        )
    if extras.tuning is not None:
        sections.append(
            Section(
                "Tuning trials (Optuna TPE on the validation year)",
                "The chosen trial is marked best; the test year was never seen.",
                extras.tuning,
            )
        )
    sections += [
        Section("Feature importance", "", None, "feature_importance.png"),
        Section("SHAP summary", "Mean |SHAP| in log-odds on test rows.", None, "shap_summary.png"),
    ]
    return sections


def render_markdown(title: str, sections: list[Section]) -> str:
    lines = [f"# {title}", ""]
    for section in sections:
        lines += [f"## {section.title}", ""]
        if section.text:
            lines += [section.text, ""]
        if section.table is not None:
            lines += [_display(section.table).to_markdown(index=False), ""]
        if section.image:
            lines += [f"![{section.title}]({section.image})", ""]
    return "\n".join(lines)


STYLE = (
    "body{font-family:system-ui,'Noto Sans KR',sans-serif;max-width:1100px;margin:2em auto;"
    "color:#222}table{border-collapse:collapse;font-size:13px;margin:.5em 0 1.5em}"
    "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th{background:#f0f3f8}"
    "img{max-width:600px}"
)


def render_html(title: str, sections: list[Section]) -> str:
    parts = [
        f"<!doctype html><html lang='ko'><meta charset='utf-8'><title>{html.escape(title)}"
        f"</title><style>{STYLE}</style><body><h1>{html.escape(title)}</h1>"
    ]
    for section in sections:
        parts.append(f"<h2>{html.escape(section.title)}</h2>")
        if section.text:
            parts.append(f"<p>{html.escape(section.text)}</p>")
        if section.table is not None:
            parts.append(_display(section.table).to_html(index=False, border=0, na_rep=""))
        if section.image:
            parts.append(f"<img src='{html.escape(section.image)}' alt=''>")
    return "".join(parts) + "</body></html>\n"


def write_report(
    model: LoadedModel, evaluation: Evaluation, folder: Path, extras: Extras | None = None
) -> Path:
    """``report.md`` and ``report.html`` in ``folder``; returns the Markdown path."""
    year = model.bundle.split.get("test_year", "?")
    title = f"Evaluation report — PD within {model.bundle.horizon_months} months, test year {year}"
    sections = report_sections(model, evaluation, extras or Extras())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.html").write_text(render_html(title, sections), encoding="utf-8")
    path = folder / "report.md"
    path.write_text(render_markdown(title, sections), encoding="utf-8")
    return path


def log_artifacts(
    model: LoadedModel,
    test: pd.DataFrame,
    evaluation: Evaluation,
    folder: Path,
    extras: Extras | None = None,
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
    extras = extras or Extras()
    if extras.tuning is not None:
        extras.tuning.to_csv(folder / "tuning_trials.csv", index=False)
    if extras.walk_forward is not None:
        extras.walk_forward.to_csv(folder / "walk_forward.csv", index=False)
    (folder / "model_card.md").write_text(model_card(model, evaluation), encoding="utf-8")
    write_report(model, evaluation, folder, extras)
    mlflow.log_artifacts(str(folder), artifact_path="report")
