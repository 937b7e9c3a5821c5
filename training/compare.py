"""Champion against challenger on the same out-of-time rows: the promotion gate's evidence.

Metrics are measured on the challenger's test year (labelled rows neither model fitted, unless
the champion's own training reached that year, which the comparison says). Differences carry a
paired bootstrap interval: both models are scored on the same resampled firms. Grade changes are
shown where staff would see them, on the latest as-of rows, each with the features whose
contributions moved most, in probability points that add up to the change in PD.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from core.contract import REGIONS
from features.catalog import BY_NAME
from scoring import explain
from training.evaluate import calibration_by_grade
from training.metrics import paired_difference, rank_metrics, score_metrics
from training.rule_baselines import RuleBaseline, rule_baseline

SIDE_BY_SIDE = (
    "roc_auc",
    "pr_auc",
    "ks",
    "brier",
    "ece",
    "mean_pd",
    "capture_top5pct",
    "capture_top10pct",
    "precision_top5pct",
    "capture_top100firms",
    "precision_top100firms",
)
REASONS_SHOWN = 3
RULE_COLUMNS = (
    "rule",
    "says",
    "fires_share",
    "roc_auc",
    "pr_auc",
    "capture_top10pct",
    "model_roc_auc_in_group",
)
UNKNOWN_REGION = "지역 미상"


@dataclass(frozen=True)
class GateRules:
    """Refuse a challenger whose AUC is below the champion's by more than ``auc_tolerance``, or
    whose Brier score is worse by more than ``brier_tolerance`` (relative) with a paired
    interval that lies wholly above zero."""

    auc_tolerance: float = 0.0
    brier_tolerance: float = 0.05


def rule_gate_refusal(
    version: str, pr_auc: float, baseline: RuleBaseline, test_year: int
) -> str | None:
    """Why a model that does not beat its label rule's best persistence score on PR AUC (test
    year) must not be promoted — the first promotion included — or None. A model no better than
    a one-line rule adds nothing a centre could not compute itself."""
    if baseline.best is None:
        return None
    rule = baseline.value("pr_auc")
    if pr_auc > rule:
        return None
    return (
        f"challenger v{version} PR AUC {pr_auc:.4f} does not beat the rule baseline "
        f"{baseline.describe()} PR AUC {rule:.4f} on as-of year {test_year}"
    )


@dataclass(frozen=True)
class RuleCheck:
    """The challenger against its label rule's scores on its own test year's labelled rows."""

    version: str
    test_year: int
    pr_auc: float
    baseline: RuleBaseline

    def refusal(self) -> str | None:
        return rule_gate_refusal(self.version, self.pr_auc, self.baseline, self.test_year)

    def to_markdown(self) -> str:
        if self.baseline.best is None:
            why = "; ".join(f"{k}: {v}" for k, v in self.baseline.missing.items())
            return f"No rule baseline could be computed ({why or 'no rule scores'})."
        table = self.baseline.table[list(RULE_COLUMNS)]
        return (
            f"Challenger v{self.version} PR AUC {self.pr_auc:.4f} against the best rule "
            f"{self.baseline.describe()} PR AUC {self.baseline.value('pr_auc'):.4f}.\n\n"
            + table.to_markdown(index=False, floatfmt=".4f")
        )


def test_rows(model: LoadedModel, features: pd.DataFrame) -> tuple[int, pd.DataFrame]:
    """The labelled rows of ``model``'s test year, where challengers are judged."""
    test_year = int(str(model.bundle.split["test_year"]))
    test = features[(features["as_of"].dt.year == test_year) & features["label"].notna()]
    if test.empty or test["label"].nunique() < 2:
        raise ValueError(f"test_year {test_year} has no labelled rows of both classes to compare")
    return test_year, test


def rule_check(
    version: str,
    model: LoadedModel,
    features: pd.DataFrame,
    n_boot: int = 200,
    pd_: np.ndarray | None = None,
) -> RuleCheck:
    """Recompute the rule scores on the test rows (registered versions older than the rule
    metrics are judged the same way) and the model's PR AUC there."""
    test_year, test = test_rows(model, features)
    pd_ = model.predict_pd(test) if pd_ is None else pd_
    y = test["label"].to_numpy(dtype="float64")
    baseline = rule_baseline(test, pd_, model.bundle.label_rules, n_boot)
    return RuleCheck(version, test_year, rank_metrics(y, pd_)["pr_auc"], baseline)


@dataclass(frozen=True)
class Comparison:
    challenger: str
    champion: str
    test_year: int
    latest_as_of: str
    metrics: pd.DataFrame  # metric, challenger, champion, difference, ci_low, ci_high
    calibration: pd.DataFrame  # grade, firms and rates under each model
    migration: pd.DataFrame  # champion grade x challenger grade, latest as-of
    changes: pd.DataFrame  # firms whose grade would change, with reasons
    notes: list[str] = field(default_factory=list)
    rule: RuleCheck | None = None  # the challenger against its label rule's scores

    def value(self, metric: str, column: str) -> float:
        return float(self.metrics.set_index("metric").loc[metric, column])

    def refusal(self, rules: GateRules | None = None) -> str | None:
        """Why the challenger should not replace the champion (every reason, joined), or None."""
        rules = rules or GateRules()
        reasons = [self.rule.refusal()] if self.rule else []
        new, old = self.value("roc_auc", "challenger"), self.value("roc_auc", "champion")
        if new < old - rules.auc_tolerance:
            reasons.append(
                f"challenger v{self.challenger} ROC AUC {new:.4f} is below champion "
                f"v{self.champion} {old:.4f} on as-of year {self.test_year}"
            )
        brier_new, brier_old = self.value("brier", "challenger"), self.value("brier", "champion")
        if brier_new > brier_old * (1 + rules.brier_tolerance) and (
            self.value("brier", "ci_low") > 0
        ):
            reasons.append(
                f"challenger v{self.challenger} Brier {brier_new:.5f} is clearly worse than "
                f"champion v{self.champion} {brier_old:.5f} on as-of year {self.test_year}"
            )
        return "; ".join(r for r in reasons if r) or None

    def to_markdown(self, rows: int = 30) -> str:
        lines = [
            f"# Challenger v{self.challenger} against champion v{self.champion}",
            "",
            f"Out-of-time test: as-of year {self.test_year}, the same labelled rows for both; "
            "differences are challenger − champion with a paired bootstrap 95 % interval.",
            *[f"\n> {note}" for note in self.notes],
            "",
            "## Against the label rule (the gate's first test)",
            "",
            self.rule.to_markdown() if self.rule else "Not measured.",
            "",
            "## Metrics",
            "",
            self.metrics.to_markdown(index=False, floatfmt=".4f"),
            "",
            "## Calibration by grade (test year)",
            "",
            self.calibration.to_markdown(index=False, floatfmt=".4f"),
            "",
            f"## Grade migration on the latest as-of rows ({self.latest_as_of})",
            "",
            "Rows: champion grade; columns: challenger grade.",
            "",
            self.migration.to_markdown(),
            "",
            f"## Firms whose grade would change ({len(self.changes):,}; largest PD moves first)",
            "",
            self.changes.head(rows).to_markdown(index=False, floatfmt=".4f")
            if len(self.changes)
            else "None.",
        ]
        verdict = self.refusal()
        lines += ["", f"**Gate:** {'refused — ' + verdict if verdict else 'passes'}."]
        return "\n".join(lines) + "\n"

    def write(self, folder: Path) -> Path:
        """The Markdown report and every changed firm as CSV; returns the Markdown path."""
        folder.mkdir(parents=True, exist_ok=True)
        stem = f"challenger-v{self.challenger}-vs-champion-v{self.champion}"
        path = folder / f"{stem}.md"
        path.write_text(self.to_markdown(), encoding="utf-8")
        self.changes.to_csv(folder / f"{stem}-grade-changes.csv", index=False)
        return path


def _log_odds(model: LoadedModel, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Calibrated log-odds contributions per feature, and the calibrated base (log-odds)."""
    shap, expected = explain.tree_shap(model.booster, model.matrix(rows))
    calibration = model.bundle.calibration
    return calibration.slope * shap, calibration.log_odds(expected)


def reason_points(
    new: LoadedModel, old: LoadedModel, rows: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """How much each feature (columns in ``new``'s order) and the base moved each row's PD, in
    probability points: the calibrated log-odds deltas from ``old`` to ``new`` carried along the
    path as the service carries a firm's reasons (``scoring.explain.along_path``), so that per
    row the features and the base add up exactly to PD(new) − PD(old)."""
    names = new.bundle.feature_names
    if set(old.bundle.feature_names) != set(names):
        raise ValueError("the challenger and champion use different feature sets")
    c_new, b_new = _log_odds(new, rows)
    c_old, b_old = _log_odds(old, rows)
    order = [old.bundle.feature_names.index(n) for n in names]
    moves = np.column_stack([c_new - c_old[:, order], b_new - b_old])
    points = explain.along_path(b_old + c_old.sum(axis=1), moves)
    return points[:, :-1], points[:, -1]


def reason_deltas(
    new: LoadedModel, old: LoadedModel, rows: pd.DataFrame, top: int = REASONS_SHOWN
) -> list[str]:
    """Per row, the ``top`` features whose contribution moved most, e.g. "부채비율 +2.1%p"."""
    if rows.empty:
        return []
    if set(old.bundle.feature_names) != set(new.bundle.feature_names):
        return ["feature sets differ"] * len(rows)
    names = new.bundle.feature_names
    labels = [BY_NAME[n].ko if n in BY_NAME else n for n in names]
    points, _ = reason_points(new, old, rows)
    out = []
    for row in points:
        picked = np.argsort(-np.abs(row), kind="stable")[:top]
        out.append(", ".join(f"{labels[j]} {100 * row[j]:+.1f}%p" for j in picked))
    return out


def _metrics(y: np.ndarray, new: np.ndarray, old: np.ndarray, n_boot: int) -> pd.DataFrame:
    a, b = score_metrics(y, new), score_metrics(y, old)
    table = pd.DataFrame(
        {
            "metric": list(SIDE_BY_SIDE),
            "challenger": [a[m] for m in SIDE_BY_SIDE],
            "champion": [b[m] for m in SIDE_BY_SIDE],
        }
    )
    table["difference"] = table["challenger"] - table["champion"]
    paired = paired_difference(y, new, old, n_boot=n_boot, seed=0)
    return table.merge(paired[["metric", "ci_low", "ci_high"]], on="metric", how="left")


def _calibration(new: pd.DataFrame, old: pd.DataFrame, ladder: tuple[str, ...]) -> pd.DataFrame:
    """Both calibration tables side by side, in ladder order, empty grades as zero firms."""
    table = new.merge(old, on="grade", how="outer", suffixes=("_challenger", "_champion"))
    table = table.set_index("grade").reindex([g for g in ladder if g in set(table["grade"])])
    for column in table.columns:
        if column.startswith(("firms", "distressed")):
            table[column] = table[column].fillna(0).astype(int)
    return table.reset_index()


def compare(
    challenger: tuple[str, LoadedModel],
    champion: tuple[str, LoadedModel],
    features: pd.DataFrame,
    n_boot: int = 200,
) -> Comparison:
    """Both models on the challenger's test year and on the latest as-of rows."""
    (new_version, new), (old_version, old) = challenger, champion
    test_year, test = test_rows(new, features)
    y = test["label"].to_numpy(dtype="float64")
    p_new, p_old = new.predict_pd(test), old.predict_pd(test)
    grades = new.bundle.grade_table
    calibration = _calibration(
        calibration_by_grade(test.assign(pd=p_new), grades),
        calibration_by_grade(test.assign(pd=p_old), old.bundle.grade_table),
        grades.grades,
    )
    latest = features[features["as_of"] == features["as_of"].max()]
    changes, migration = grade_changes(new, old, latest)
    notes = []
    if int(old.bundle.split.get("valid_year", 0)) >= test_year:
        notes.append(
            f"The champion was fitted or calibrated on as-of years up to "
            f"{old.bundle.split.get('valid_year')}, so year {test_year} is not out of "
            "time for it; its figures are flattered."
        )
    return Comparison(
        new_version,
        old_version,
        test_year,
        str(latest["as_of"].max().date()),
        _metrics(y, p_new, p_old, n_boot),
        calibration,
        migration,
        changes,
        notes,
        rule_check(new_version, new, features, n_boot, p_new),
    )


def region_names(region: pd.Series) -> pd.Series:
    """시도 names, the code where unknown, "지역 미상" where the firm has no region."""
    code = region.astype("string")
    return code.map(REGIONS).fillna(code).fillna(UNKNOWN_REGION).astype(str)


def grade_changes(
    new: LoadedModel, old: LoadedModel, rows: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Firms whose grade differs between the models (largest PD move first), and the migration
    matrix (champion grade × challenger grade)."""
    p_new, p_old = new.predict_pd(rows), old.predict_pd(rows)
    g_new = [new.bundle.grade_table.grade(p) for p in p_new]
    g_old = [old.bundle.grade_table.grade(p) for p in p_old]
    ladder = list(new.bundle.grade_table.grades)
    migration = pd.crosstab(
        pd.Categorical(g_old, categories=ladder),
        pd.Categorical(g_new, categories=ladder),
        rownames=["champion"],
        colnames=["challenger"],
        dropna=False,
    )
    table = pd.DataFrame(
        {
            "firm_id": rows["firm_id"].astype(str).to_numpy(),
            "region": region_names(rows["region"]).to_numpy(),
            "champion_grade": g_old,
            "challenger_grade": g_new,
            "champion_pd": p_old,
            "challenger_pd": p_new,
        }
    )
    moved = table[table["champion_grade"] != table["challenger_grade"]]
    moved = moved.reindex(
        (moved["challenger_pd"] - moved["champion_pd"]).abs().sort_values(ascending=False).index
    )
    reasons = reason_deltas(new, old, rows.iloc[moved.index.to_numpy()])
    return moved.assign(reasons=reasons).reset_index(drop=True), migration
