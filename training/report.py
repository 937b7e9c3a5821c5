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
from features.labels import event_name
from training.evaluate import Evaluation
from training.lead_time import LeadTimeComparison, comparison_text

COUNT_COLUMNS = {
    "firms",
    "distressed",
    "rows",
    "events",
    "splits",
    "trial",
    "labelled",
    "positives",
    "rows_in_group",
    "events_in_group",
    "year",
}
BASELINE_NAMES = {"logit": "logit scorecard", "altman": "Altman Z''"}
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
            "label_en": [BY_NAME[n].en for n in booster.feature_name()],
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
            "label_ko": [BY_NAME[n].ko for n in model.bundle.feature_names],
            "label_en": [BY_NAME[n].en for n in model.bundle.feature_names],
            "mean_abs_shap": np.abs(contrib).mean(axis=0),
            "mean_shap": contrib.mean(axis=0),
        }
    ).sort_values("mean_abs_shap", ascending=False)


def _bar(table: pd.DataFrame, column: str, title: str, path: Path) -> None:
    top = table.head(20).iloc[::-1]
    fig, ax = plt.subplots(figsize=(8, 6))
    # In the words staff use ("consecutive years of interest coverage below 1"); the plot's
    # fonts may lack Hangul, so English here, Korean in the CSV beside it.
    labels = top["label_en"] if "label_en" in top else top["feature"]
    ax.barh(labels, top[column], color="#3b6fb6")
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


def base_pd(model: LoadedModel, rows: pd.DataFrame) -> float:
    """The PD every firm's reasons start from: the booster's expected log-odds (the training
    average in log-odds space) through the Platt calibration (``scoring.explain``'s ``base_pd``)."""
    expected = np.asarray(model.booster.predict(model.matrix(rows.head(1)), pred_contrib=True))
    z0 = model.bundle.calibration.slope * expected[0, -1] + model.bundle.calibration.intercept
    return float(1 / (1 + np.exp(-z0)))


def _rate(value: float | None) -> str:
    return "n/a" if value is None or not np.isfinite(value) else f"{value:.2%}"


def base_pd_text(base: float | None, metrics: dict[str, float]) -> str:
    """base_pd in words, beside the base rates it is easily mistaken for."""
    return (
        f"`base_pd` {_rate(base)}: where every firm's reasons start — the calibrated PD of the "
        "average firm in log-odds space (the booster's expected log-odds on the training rows, "
        "through the Platt calibration). A firm's feature contributions add up from it to the "
        "firm's PD. It is not the share of firms in distress: averaging in log-odds puts it "
        "below the base rate when risk is skewed. Base rate: training years "
        f"{_rate(metrics.get('train_event_rate'))}, test year "
        f"{_rate(metrics.get('test_event_rate'))} (mean PD on the test year "
        f"{_rate(metrics.get('test_mean_pd'))})."
    )


def missing_text(evaluation: Evaluation) -> str:
    """One sentence per baseline that was not computed, with why."""
    return " ".join(
        f"{BASELINE_NAMES.get(name, name)}: not computed — {why}."
        for name, why in evaluation.missing.items()
    )


def lead_time_text(evaluation: Evaluation) -> str:
    m = evaluation.metrics
    if "lead_time" in evaluation.skipped:
        return f"Not measured: {evaluation.skipped['lead_time']}."
    median = m.get("lead_time_median_months", float("nan"))
    when = (
        f"a median {median:.1f} months ahead"
        if np.isfinite(median)
        else "none was warned, so there is no lead to time"
    )
    return (
        f"{m.get('lead_time_warned_share', 0.0):.1%} of the test year's distressed firms were "
        f"flagged at 경계 or above, unbroken up to the event; {when}."
    )


def rules_text(evaluation: Evaluation) -> str:
    """The model against the label rule's best persistence score, in one sentence."""
    m = evaluation.metrics
    if evaluation.rules is None or evaluation.rules.best is None:
        return f"No rule baseline: {evaluation.skipped.get('rule_baselines', 'not computed')}."
    low = m.get("test_roc_auc_in_rule_group_ci_low", float("nan"))
    high = m.get("test_roc_auc_in_rule_group_ci_high", float("nan"))
    inside = m.get("test_roc_auc_in_rule_group", float("nan"))
    group = (
        f"inside the rule's group ({m.get('test_rows_in_rule_group', 0):,.0f} firms, "
        f"{m.get('test_events_in_rule_group', 0):,.0f} distressed) the model's ROC AUC is "
        f"{inside:.4f} (95 % CI {low:.4f}–{high:.4f})"
        if np.isfinite(inside)
        else "inside the rule's group the model cannot be ranked (one class only)"
    )
    verdict = "beats" if m["test_pr_auc"] > m["test_pr_auc_rule"] else "does NOT beat"
    return (
        f"Best rule score {evaluation.rules.describe()}: PR AUC "
        f"{m['test_pr_auc_rule']:.4f}, ROC AUC {m['test_roc_auc_rule']:.4f}. The model "
        f"(PR AUC {m['test_pr_auc']:.4f}) {verdict} it; {group}. Promotion requires beating it "
        "on PR AUC."
    )


def model_card(model: LoadedModel, evaluation: Evaluation, base: float | None = None) -> str:
    m = evaluation.metrics
    bundle = model.bundle

    def fmt(key: str) -> str:
        return f"{m[key]:.4f}" if key in m and np.isfinite(m[key]) else "n/a"

    event = event_name(bundle.label_rules)
    lines = [
        f"# Model card — {event} ({event_name(bundle.label_rules, 'en')}) "
        f"within {bundle.horizon_months} months",
        "",
        f"- Predicts: {event}; label rules {', '.join(bundle.label_rules)}, "
        f"horizon {bundle.horizon_months} months",
        f"- Out-of-time split: {bundle.split}",
        f"- Calibration: Platt on the validation year (slope {bundle.calibration.slope:.4f}, "
        f"intercept {bundle.calibration.intercept:.4f})",
        f"- Grade table: {bundle.grade_table.version} cut-points {bundle.grade_table.cut_points}",
        f"- {base_pd_text(base, m)}",
        "",
        "| metric (test year) | model | logit scorecard | Altman Z'' | best rule | oracle |",
        "|---|---|---|---|---|---|",
        f"| ROC AUC | {fmt('test_roc_auc')} | {fmt('test_roc_auc_logit')} | "
        f"{fmt('test_roc_auc_altman')} | {fmt('test_roc_auc_rule')} | "
        f"{fmt('test_oracle_roc_auc')} |",
        f"| PR AUC | {fmt('test_pr_auc')} | {fmt('test_pr_auc_logit')} | "
        f"{fmt('test_pr_auc_altman')} | {fmt('test_pr_auc_rule')} | {fmt('test_oracle_pr_auc')} |",
        f"| capture in top 10 % | {fmt('test_capture_top10pct')} | "
        f"{fmt('test_capture_top10pct_logit')} | {fmt('test_capture_top10pct_altman')} | "
        f"{fmt('test_capture_top10pct_rule')} | |",
        f"| KS | {fmt('test_ks')} | {fmt('test_ks_logit')} | {fmt('test_ks_altman')} | | |",
        f"| Brier | {fmt('test_brier')} | | | | {fmt('test_oracle_brier')} |",
        f"| ECE | {fmt('test_ece')} | | | | |",
        "",
        *([missing_text(evaluation), ""] if evaluation.missing else []),
        f"Rule baseline: {rules_text(evaluation)}",
        "",
        f"Lead time: {lead_time_text(evaluation)}",
        "",
        f"Intended use: ranking and triage of firms by {event} for crisis-centre outreach, "
        "with reasons.",
        "Not for: credit decisions about individual firms without human review.",
        "",
        "## Calibration by grade",
        "",
        _display(evaluation.tables["by_grade"]).to_markdown(index=False),
    ]
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Extras:
    """Optional sections: the tuning trials, the walk-forward summary and, for a monthly model,
    its lead time against the annual model (or why it was not measured)."""

    tuning: pd.DataFrame | None = None
    walk_forward: pd.DataFrame | None = None
    lead_time: LeadTimeComparison | None = None
    lead_time_skipped: str | None = None


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
        if metric in model.index and np.isfinite(model.loc[metric, "estimate"])
    ]
    n = int(evaluation.metrics.get("test_rows", 0))
    rate = evaluation.metrics.get("test_event_rate", float("nan"))
    return (
        f"{n:,} firms in the test year, distress rate {rate:.2%}. Model: "
        + ("; ".join(parts) or "not ranked (the test year has only one class)")
        + "."
        " Intervals: percentile bootstrap over firms (shared resamples across scores)."
    )


def _group_section(title: str, text: str, evaluation: Evaluation, name: str) -> Section:
    """A by-group section; an empty one says why it is empty instead of a blank table."""
    table = evaluation.tables[name]
    if table.empty:
        reason = evaluation.skipped.get(name, "no group has enough test rows")
        return Section(title, f"{text} Empty: {reason}.")
    return Section(title, text, _groups(table))


def report_sections(model: LoadedModel, evaluation: Evaluation, extras: Extras) -> list[Section]:
    """The report, top to bottom, as titled sections; rendered to Markdown and to HTML."""
    t = evaluation.tables
    bundle = model.bundle
    lead = t["lead_time"]
    sections = [
        Section(
            "Out-of-time split",
            f"{bundle.split}; predicts {event_name(bundle.label_rules)} (label rules "
            f"{', '.join(bundle.label_rules)}), horizon {bundle.horizon_months} months; Platt "
            f"slope {bundle.calibration.slope:.4f}, intercept {bundle.calibration.intercept:.4f}.",
        ),
        Section("Headline metrics", _headline_text(evaluation)),
        Section(
            "Label coverage and prevalence by as-of year",
            "Every as-of year of the feature table, used or not: rows, rows with a label "
            "(a label the data cannot decide is missing), positives and prevalence among the "
            "labelled rows.",
            t.get("label_coverage"),
        ),
        Section(
            "Model against the label rule",
            rules_text(evaluation) + " Each rule fires or not (ties scored as scikit-learn "
            "does); the model's ROC AUC inside each rule's group is among the firms it flags.",
            t["rule_baselines"],
        ),
        Section(
            "Model against the baselines and the oracle",
            "Logit scorecard and Altman Z'' are fitted/applied on the same training years; "
            "the oracle (demo data only) is the true simulated PD — the ceiling. "
            + missing_text(evaluation),
            t["headline"],
        ),
        Section("Bootstrap confidence intervals (95 %)", "", t["bootstrap_ci"]),
        Section(
            "Calibration by grade",
            "Mean predicted PD against the observed distress rate, test year.",
            t["by_grade"],
            "calibration.png",
        ),
        Section("Lead time", lead_time_text(evaluation), None if lead.empty else lead),
        Section(
            "By year",
            "Validation year (early stopping, calibration) and test year.",
            _groups(t["by_year"]),
        ),
        _group_section(
            "By region (시도)",
            "Regions with at least 50 test rows; few events make wide intervals.",
            evaluation,
            "by_region",
        ),
        _group_section(
            "By industry (KSIC division)",
            "Industries with at least 200 test rows.",
            evaluation,
            "by_industry",
        ),
        _group_section("By size class", "", evaluation, "by_size"),
    ]
    if "visit_hits_by_grade" in t:
        sections.append(
            Section(
                "Hit rate at visit",
                "Of the firms staff visited in the validation and test years, the share where "
                "they confirmed a crisis, by the grade the list showed when they went (the "
                "firm's latest score before the visit) and by centre. Only visits that decided "
                "something count in the rate (위기 확인 or 위기 아님); visits that arranged help "
                "are counted beside it.",
                t["visit_hits_by_grade"],
            )
        )
        sections.append(
            Section("Hit rate at visit by centre (시도)", "", t["visit_hits_by_region"])
        )
    if extras.walk_forward is not None:
        sections.append(
            Section(
                "Walk-forward evaluation",
                "Each test year refitted on the years "
                "before it (validation = the year before); mean and sd last.",
                extras.walk_forward,
            )
        )
    if extras.lead_time is not None:
        sections.append(
            Section(
                "Lead time: monthly against annual scoring",
                comparison_text(extras.lead_time),
                extras.lead_time.table,
            )
        )
    elif extras.lead_time_skipped:
        sections.append(
            Section(
                "Lead time: monthly against annual scoring",
                f"Not measured: {extras.lead_time_skipped}.",
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
    title = (
        f"Evaluation report — {event_name(model.bundle.label_rules)} within "
        f"{model.bundle.horizon_months} months, test year {year}"
    )
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
    if extras.lead_time is not None:
        extras.lead_time.table.to_csv(folder / "lead_time_monthly_vs_annual.csv", index=False)
    card = model_card(model, evaluation, base_pd(model, test))
    (folder / "model_card.md").write_text(card, encoding="utf-8")
    write_report(model, evaluation, folder, extras)
    mlflow.log_artifacts(str(folder), artifact_path="report")
