"""The training stage: feature table -> calibrated model -> evaluation -> MLflow run + registry.

``train`` reads like the recipe (optionally tuning first and walking forward over earlier test
years as nested runs); ``promote`` is the gate that moves ``champion``, judged by ``compare``.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd

from core.bundle import LoadedModel, save_bundle
from core.grades import GradeTable
from core.settings import Settings
from features.catalog import FEATURE_NAMES
from training import monitor, registry, report, visit_hits
from training.baselines import baseline_scores
from training.compare import Comparison, GateRules, RuleCheck, compare, rule_check
from training.evaluate import EVENT_DATED_RULE, Evaluation, evaluate, label_coverage
from training.lead_time import (
    LeadTimeComparison,
    LeadTimeError,
    compare_lead_time,
    comparison_year,
)
from training.metrics import score_metrics
from training.model import fit_booster, fit_calibration
from training.params import TrainParams
from training.tuning import TuningResult, tune

# The label the demo generator's true PDs (the oracle) are probabilities of.
ORACLE_RULES = ("default_event",)

# Boosts on (train, valid, feature names, params): ``fit_booster`` here, or
# ``training.distributed.fit_booster_dask`` bound to a Dask client.
BoosterFit = Callable[[pd.DataFrame, pd.DataFrame, tuple[str, ...], TrainParams], lgb.Booster]


class TrainingDataError(ValueError):
    """The feature table cannot support an out-of-time split."""


@dataclass(frozen=True)
class SplitYears:
    """Which as-of years train (first and last, inclusive), validate and test."""

    train_years: tuple[int, int]
    valid_year: int
    test_year: int

    def as_dict(self) -> dict[str, object]:
        """The bundle's ``split`` field, as ``bundle.json`` has always written it."""
        return {
            "train_years": list(self.train_years),
            "valid_year": self.valid_year,
            "test_year": self.test_year,
        }


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    years: SplitYears


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    version: str
    metrics: dict[str, float]
    params: TrainParams | None = None
    tuning: TuningResult | None = None
    walk_forward: pd.DataFrame | None = None
    evaluation: Evaluation | None = None


def split_years(features: pd.DataFrame, params: TrainParams) -> Split:
    """Out of time: train on as-of years before the validation year, test on a later year;
    as-of years before ``params.first_year`` are left out."""
    labelled = features[features["label"].notna()].assign(year=lambda f: f["as_of"].dt.year)
    if params.first_year is not None:
        labelled = labelled[labelled["year"] >= params.first_year]
    years = [int(y) for y in sorted(labelled["year"].unique())]
    test_year = params.test_year or (years[-1] if years else 0)
    valid_year = params.valid_year or test_year - 1
    if test_year not in years or valid_year not in years or valid_year >= test_year:
        raise TrainingDataError(
            f"need labelled as-of years for validation < test; have {years}, "
            f"asked valid_year={valid_year}, test_year={test_year}"
            + (f", first_year={params.first_year}" if params.first_year is not None else "")
        )
    train = labelled[labelled["year"] < valid_year]
    if train.empty or train["label"].nunique() < 2:
        raise TrainingDataError(
            f"no usable training years before valid_year={valid_year}"
            + (f" from first_year={params.first_year}" if params.first_year is not None else "")
        )
    valid = labelled[labelled["year"] == valid_year]
    test = labelled[labelled["year"] == test_year]
    return Split(train, valid, test, SplitYears((years[0], valid_year - 1), valid_year, test_year))


def _oracle_pd(test: pd.DataFrame, oracle: pd.DataFrame | None) -> np.ndarray | None:
    if oracle is None:
        return None
    keyed = oracle.set_index(["firm_id", "as_of"])["true_pd"]
    index = pd.MultiIndex.from_arrays([test["firm_id"].astype(str), test["as_of"]])
    return keyed.reindex(index).to_numpy(dtype="float64")


def fit_model(
    split: Split, params: TrainParams, folder: Path, fit: BoosterFit = fit_booster
) -> LoadedModel:
    """Boost on the training years, Platt-calibrate on the validation year, write the bundle."""
    names = FEATURE_NAMES
    booster = fit(split.train, split.valid, names, params)
    margin_valid = np.asarray(
        booster.predict(split.valid[list(names)].to_numpy("float64"), raw_score=True)
    )
    calibration = fit_calibration(margin_valid, split.valid["label"].to_numpy())
    bundle = save_bundle(
        folder,
        booster,
        {
            "feature_names": names,
            "calibration": calibration,
            "grade_table": GradeTable(),
            "label_rules": params.label_rules,
            "horizon_months": params.horizon_months,
            "split": split.years.as_dict(),
        },
    )
    return LoadedModel(bundle, booster)


def evaluate_split(
    model: LoadedModel,
    split: Split,
    params: TrainParams,
    first_defaults: pd.Series,
    oracle: pd.DataFrame | None,
    n_boot: int,
) -> Evaluation:
    """The test year against the baselines (fitted on the same training years) and the oracle."""
    names = model.bundle.feature_names
    baselines, missing = baseline_scores(split.train, split.test, names, params.seed)
    history = pd.concat([split.valid, split.test]).assign(pd=lambda f: model.predict_pd(f))
    # A firm is positive on several rows of a monthly test year: its event counts once.
    positives = split.test.loc[split.test["label"] == 1, "firm_id"].drop_duplicates()
    event_dates = first_defaults.reindex(positives.to_numpy()).dropna()
    evaluation = evaluate(
        model,
        split.test,
        baselines,
        _oracle_pd(split.test, oracle),
        event_dates,
        history,
        n_boot=n_boot,
        seed=params.seed,
        label_rules=params.label_rules,
        missing=missing,
    )
    evaluation.metrics.update(
        score_metrics(split.valid["label"].to_numpy(), model.predict_pd(split.valid), "valid_")
    )
    evaluation.metrics["train_event_rate"] = float(split.train["label"].mean())
    return evaluation


WALK_FORWARD_COLUMNS = (
    "rows",
    "event_rate",
    "roc_auc",
    "roc_auc_ci_low",
    "roc_auc_ci_high",
    "pr_auc",
    "ks",
    "brier",
    "ece",
    "capture_top10pct",
    "precision_top10pct",
    "roc_auc_logit",
    "roc_auc_altman",
    "oracle_roc_auc",
)


def walk_forward(
    features: pd.DataFrame,
    params: TrainParams,
    first_defaults: pd.Series,
    oracle: pd.DataFrame | None,
    years: int,
    n_boot: int = 200,
    fit: BoosterFit = fit_booster,
) -> pd.DataFrame:
    """Refit for each of the last ``years`` test years (train before, validate the year before);
    one nested MLflow run per fold when a run is active; one summary row per test year."""
    if years < 1:
        raise TrainingDataError(f"walk_forward years must be at least 1; got {years}")
    last = split_years(features, params).years.test_year
    rows = []
    for test_year in range(last - years + 1, last + 1):
        fold = replace(params, test_year=test_year, valid_year=test_year - 1)
        split = split_years(features, fold)
        with tempfile.TemporaryDirectory(prefix="ews-fold-") as folder:
            model = fit_model(split, fold, Path(folder), fit)
        m = evaluate_split(model, split, fold, first_defaults, oracle, n_boot).metrics
        row = {
            "test_year": test_year,
            "valid_year": test_year - 1,
            "train_years": "–".join(str(y) for y in split.years.train_years),
            **{c: m.get(f"test_{c}", np.nan) for c in WALK_FORWARD_COLUMNS},
        }
        if mlflow.active_run() is not None:
            with mlflow.start_run(run_name=f"walk-forward-{test_year}", nested=True):
                mlflow.log_params(
                    {
                        "test_year": test_year,
                        "valid_year": test_year - 1,
                        "train_years": row["train_years"],
                    }
                )
                mlflow.log_metrics({k: v for k, v in m.items() if np.isfinite(v)})
        rows.append(row)
    table = pd.DataFrame(rows)
    numeric = table[list(WALK_FORWARD_COLUMNS)]
    summary = {"test_year": "mean", **numeric.mean().to_dict()}
    spread = {"test_year": "sd", **numeric.std(ddof=1).to_dict()}
    return pd.concat(
        [table.astype({"test_year": str}), pd.DataFrame([summary, spread])], ignore_index=True
    )


def baseline_tags(evaluation: Evaluation) -> dict[str, str]:
    """``baseline_<name>: not computed — <why>`` for each missing baseline, and the rule
    baseline the model is judged against."""
    tags = {f"baseline_{name}": f"not computed — {why}" for name, why in evaluation.missing.items()}
    if evaluation.rules is not None and evaluation.rules.best is not None:
        tags["rule_baseline"] = evaluation.rules.describe()
    return tags


def log_label_coverage(coverage: pd.DataFrame) -> None:
    """Share labelled and prevalence per as-of year, as metric histories (step = year)."""
    for row in coverage.itertuples():
        step = int(row.year)
        mlflow.log_metric("label_share_labelled", float(row.share_labelled), step=step)
        if np.isfinite(row.prevalence):
            mlflow.log_metric("label_prevalence", float(row.prevalence), step=step)


def _log_run(
    settings: Settings,
    split: Split,
    model: LoadedModel,
    evaluation: Evaluation,
    extras: report.Extras,
    provenance: dict[str, str] | None,
    workdir: Path,
) -> str:
    """Tags, metrics, the report, the drift reference and the model; returns the new version."""
    mlflow.set_tags(
        {
            **(provenance or {}),
            "code_version": registry.code_version(),
            "rows_train": len(split.train),
            "rows_valid": len(split.valid),
            "rows_test": len(split.test),
            "best_iteration": model.booster.best_iteration,
            **baseline_tags(evaluation),
        }
    )
    mlflow.log_metrics({k: v for k, v in evaluation.metrics.items() if np.isfinite(v)})
    log_label_coverage(evaluation.tables["label_coverage"])
    report.log_artifacts(model, split.test, evaluation, workdir / "report", extras)
    reference = monitor.build_reference(split.train, model)
    monitor.write_reference(reference, workdir / monitor.REFERENCE_PATH)
    mlflow.log_artifacts(str(workdir / monitor.REFERENCE_PATH), monitor.REFERENCE_PATH)
    example = split.test[list(model.bundle.feature_names)].head(5)
    return registry.log_model(
        workdir / "bundle",
        example,
        pd.DataFrame({"pd": model.predict_pd(example)}),
        settings.model_name,
    )


def train(
    features: pd.DataFrame,
    params: TrainParams,
    settings: Settings,
    first_defaults: pd.Series,
    oracle: pd.DataFrame | None = None,
    provenance: dict[str, str] | None = None,
    *,
    tune_trials: int = 0,
    tune_metric: str = "logloss",
    walk_forward_years: int = 0,
    n_boot: int = 200,
    fit: BoosterFit = fit_booster,
    lead_time_against: LoadedModel | None = None,
    visits: pd.DataFrame | None = None,
) -> TrainResult:
    """Fit, calibrate, evaluate and register one model; its version gets alias ``challenger``.

    ``tune_trials`` > 0 first searches LightGBM parameters on the validation year; the test year
    is never shown to the search. ``walk_forward_years`` > 0 also refits for that many test
    years with the untuned ``params`` (the search looked at a year they test on). ``fit`` boosts
    the model and the folds (e.g. on a Dask cluster); tuning's trials always run here.

    The demo oracle knows each firm-year's true probability of a *default event*: it is a
    ceiling only for the ``default_event`` label and is left out for any other.

    ``lead_time_against`` (an annual model, for a model trained on a monthly feature table):
    the report gets the lead time of both on the annual test year's events at the same alert
    volume (``training.lead_time``), logged as ``lead_time_*`` metrics.

    ``visits`` (the raw visits table): the report shows the list's hit rate at visit, by the
    grade each visited firm had and by centre (``training.visit_hits``).
    """
    split = split_years(features, params)
    oracle = oracle if tuple(params.label_rules) == ORACLE_RULES else None
    with (
        tempfile.TemporaryDirectory(prefix="ews-train-") as folder,
        registry.training_run(settings, f"lgbm-{split.years.test_year}") as run_id,
    ):
        workdir = Path(folder)
        tuning = None
        if tune_trials:
            tuning = tune(split.train, split.valid, FEATURE_NAMES, params, tune_trials, tune_metric)
            mlflow.log_params({"tune_trials": tune_trials, "tune_metric": tune_metric})
            mlflow.log_metric(f"tune_best_valid_{tune_metric}", tuning.best_value)
        chosen = tuning.params if tuning else params
        mlflow.log_params(chosen.to_mlflow())
        model = fit_model(split, chosen, workdir / "bundle", fit)
        evaluation = evaluate_split(model, split, chosen, first_defaults, oracle, n_boot)
        if visits is not None and len(visits):
            _add_visit_hits(evaluation, model, split, visits)
        years = split.years
        evaluation.tables["label_coverage"] = label_coverage(
            features, years.train_years, years.valid_year, years.test_year, params.first_year
        )
        folds = None
        if walk_forward_years:
            folds = walk_forward(
                features, params, first_defaults, oracle, walk_forward_years, n_boot, fit
            )
            mlflow.log_param("walk_forward_years", walk_forward_years)
            for column in ("roc_auc", "pr_auc", "brier"):
                mlflow.log_metric(f"walk_forward_mean_{column}", float(folds[column].iloc[-2]))
        comparison, skipped = None, None
        if lead_time_against is not None:
            comparison, skipped = _lead_time(features, lead_time_against, model, first_defaults)
            if comparison is not None:
                evaluation.metrics.update(comparison.metrics())
        extras = report.Extras(tuning.trials if tuning else None, folds, comparison, skipped)
        version = _log_run(settings, split, model, evaluation, extras, provenance, workdir)
    return TrainResult(run_id, version, evaluation.metrics, chosen, tuning, folds, evaluation)


def _add_visit_hits(
    evaluation: Evaluation, model: LoadedModel, split: Split, visits: pd.DataFrame
) -> None:
    """Hit rate at visit over the validation and test years (the lists staff worked from there):
    tables by grade and by centre, and the overall rate as ``visit_hit_rate``."""
    scored = pd.concat([split.valid, split.test], ignore_index=True)
    grade_of = model.bundle.grade_table.grade
    scored = scored.assign(grade=[grade_of(float(p)) for p in model.predict_pd(scored)])
    matched = visit_hits.visits_at_scores(scored, visits)
    by_grade = visit_hits.hit_rates(matched, "grade")
    evaluation.tables["visit_hits_by_grade"] = by_grade
    evaluation.tables["visit_hits_by_region"] = visit_hits.hit_rates(matched, "region")
    overall = by_grade.set_index("grade").loc["전체"]
    evaluation.metrics["visits_decided"] = float(overall["decided"])
    if overall["decided"] > 0:
        evaluation.metrics["visit_hit_rate"] = float(overall["hit_rate"])


def _lead_time(
    features: pd.DataFrame,
    annual: LoadedModel,
    monthly: LoadedModel,
    first_defaults: pd.Series,
) -> tuple[LeadTimeComparison | None, str | None]:
    """The monthly-against-annual comparison on the annual model's test year, or why it could
    not be made."""
    if EVENT_DATED_RULE not in monthly.bundle.label_rules:
        return None, f"lead time needs {EVENT_DATED_RULE} labels (an event date to count back from)"
    try:
        year, caveat = comparison_year(annual, monthly)
        comparison = compare_lead_time(features, annual, monthly, first_defaults, year)
    except LeadTimeError as error:
        return None, str(error)
    return replace(comparison, note=comparison.note + caveat), None


def promote(
    settings: Settings,
    features: pd.DataFrame,
    force: bool = False,
    reason: str = "",
    n_boot: int = 200,
    rules: GateRules | None = None,
) -> dict[str, object]:
    """Move ``champion`` to the challenger unless ``compare`` finds it worse on the same test
    rows (see ``GateRules``); the comparison is written under ``models/comparisons``."""
    if force and not reason:
        raise registry.PromotionRefused("--force needs a --reason, which is recorded")
    client = registry.connect(settings)
    name = settings.model_name
    challenger_version = registry.version_for(client, name, registry.CHALLENGER)
    if challenger_version is None:
        raise registry.PromotionRefused(f"model {name!r} has no {registry.CHALLENGER} version")
    champion_version = registry.version_for(client, name, registry.CHAMPION)
    outcome: dict[str, object] = {"challenger": challenger_version, "champion": champion_version}
    note: dict[str, object] = {
        "promoted_from": champion_version or "none",
        "forced": force,
        "reason": reason,
    }
    try:
        verdict = judge(settings, features, challenger_version, champion_version, n_boot, rules)
    except ValueError as error:  # no labelled test rows to judge on
        if not force:
            raise registry.PromotionRefused(
                f"cannot run the gate: {error}; use --force with --reason to override"
            ) from error
        verdict = Verdict(f"not run: {error}", "", {}, {})
    if verdict.refusal and not force:
        raise registry.PromotionRefused(
            f"{verdict.refusal}{verdict.where}; use --force with --reason to override"
        )
    outcome.update(verdict.outcome)
    note.update(verdict.note, gate=verdict.refusal or "passed")
    registry.seal(settings, client, challenger_version)  # --force never skips this check
    registry.set_champion(client, name, challenger_version, note)
    return outcome


@dataclass(frozen=True)
class Verdict:
    """The gate's answer: why it refuses (or None), where the evidence is, and what to record."""

    refusal: str | None
    where: str
    outcome: dict[str, object]
    note: dict[str, object]


def judge(
    settings: Settings,
    features: pd.DataFrame,
    challenger_version: str,
    champion_version: str | None,
    n_boot: int,
    rules: GateRules | None,
) -> Verdict:
    """Against the label rule always; against the champion too when there is another one."""
    challenger = registry.load_alias(settings, registry.CHALLENGER)
    if champion_version is None or champion_version == challenger_version:
        check = rule_check(challenger_version, challenger, features, n_boot)
        return Verdict(check.refusal(), "", _rule_outcome(check), _rule_note(check))
    comparison = compare(
        (challenger_version, challenger),
        (champion_version, registry.load_alias(settings, registry.CHAMPION)),
        features,
        n_boot=n_boot,
    )
    path = comparison.write(settings.models_dir / "comparisons")
    note: dict[str, object] = {
        "gate_roc_auc_difference": f"{comparison.value('roc_auc', 'difference'):.4f}"
    }
    outcome = _compared(comparison, path)
    if comparison.rule is not None:
        outcome |= _rule_outcome(comparison.rule)
        note |= _rule_note(comparison.rule)
    return Verdict(comparison.refusal(rules or GateRules()), f"; see {path}", outcome, note)


def _compared(comparison: Comparison, path: Path) -> dict[str, object]:
    difference = comparison.metrics.set_index("metric").loc["roc_auc"]
    return {
        "test_year": comparison.test_year,
        "challenger_roc_auc": float(difference["challenger"]),
        "champion_roc_auc": float(difference["champion"]),
        "roc_auc_difference_ci": (float(difference["ci_low"]), float(difference["ci_high"])),
        "comparison": str(path),
    }


def _rule_note(check: RuleCheck) -> dict[str, object]:
    if check.baseline.best is None:
        return {"gate_rule": "no rule baseline"}
    return {
        "gate_rule": check.baseline.describe(),
        "gate_pr_auc": f"{check.pr_auc:.4f}",
        "gate_pr_auc_rule": f"{check.baseline.value('pr_auc'):.4f}",
    }


def _rule_outcome(check: RuleCheck) -> dict[str, object]:
    return {
        "test_year": check.test_year,
        "challenger_pr_auc": check.pr_auc,
        "rule_baseline": check.baseline.best,
        "rule_pr_auc": check.baseline.value("pr_auc"),
    }
