"""The training stage: feature table -> calibrated model -> evaluation -> MLflow run + registry.

``train`` reads like the recipe; ``promote`` is the gate that moves ``champion``.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd

from core.bundle import LoadedModel, save_bundle
from core.grades import GradeTable
from core.settings import Settings
from features.catalog import FEATURE_NAMES
from training import registry, report
from training.baselines import altman_risk, fit_scorecard, scorecard_pd
from training.evaluate import evaluate
from training.metrics import score_metrics
from training.model import fit_booster, fit_calibration
from training.params import TrainParams


class TrainingDataError(ValueError):
    """The feature table cannot support an out-of-time split."""


@dataclass(frozen=True)
class Split:
    train: pd.DataFrame
    valid: pd.DataFrame
    test: pd.DataFrame
    years: dict[str, object]


@dataclass(frozen=True)
class TrainResult:
    run_id: str
    version: str
    metrics: dict[str, float]


def split_years(features: pd.DataFrame, params: TrainParams) -> Split:
    """Out of time: train on as-of years before the validation year, test on a later year."""
    labelled = features[features["label"].notna()].assign(year=lambda f: f["as_of"].dt.year)
    years = [int(y) for y in sorted(labelled["year"].unique())]
    test_year = params.test_year or (years[-1] if years else 0)
    valid_year = params.valid_year or test_year - 1
    if test_year not in years or valid_year not in years or valid_year >= test_year:
        raise TrainingDataError(
            f"need labelled as-of years for validation < test; have {years}, "
            f"asked valid_year={valid_year}, test_year={test_year}"
        )
    train = labelled[labelled["year"] < valid_year]
    if train.empty or train["label"].nunique() < 2:
        raise TrainingDataError(f"no usable training years before valid_year={valid_year}")
    valid = labelled[labelled["year"] == valid_year]
    test = labelled[labelled["year"] == test_year]
    meta = {
        "train_years": [years[0], valid_year - 1],
        "valid_year": valid_year,
        "test_year": test_year,
    }
    return Split(train, valid, test, meta)


def _oracle_pd(test: pd.DataFrame, oracle: pd.DataFrame | None) -> np.ndarray | None:
    if oracle is None:
        return None
    keyed = oracle.set_index(["firm_id", "as_of"])["true_pd"]
    index = pd.MultiIndex.from_arrays([test["firm_id"].astype(str), test["as_of"]])
    return keyed.reindex(index).to_numpy(dtype="float64")


def train(
    features: pd.DataFrame,
    params: TrainParams,
    settings: Settings,
    first_defaults: pd.Series,
    oracle: pd.DataFrame | None = None,
    provenance: dict[str, str] | None = None,
) -> TrainResult:
    """Fit, calibrate, evaluate and register one model; its version gets alias ``challenger``."""
    split = split_years(features, params)
    names = FEATURE_NAMES
    booster = fit_booster(split.train, split.valid, names, params)
    margin_valid = np.asarray(
        booster.predict(split.valid[list(names)].to_numpy("float64"), raw_score=True)
    )
    calibration = fit_calibration(margin_valid, split.valid["label"].to_numpy())
    workdir = Path(tempfile.mkdtemp(prefix="ews-train-"))
    bundle = save_bundle(
        workdir / "bundle",
        booster,
        {
            "feature_names": names,
            "calibration": calibration,
            "grade_table": GradeTable(),
            "label_rules": params.label_rules,
            "horizon_months": params.horizon_months,
            "split": split.years,
        },
    )
    model = LoadedModel(bundle, booster)
    scorecard = fit_scorecard(split.train, names, params.seed)
    baselines = {
        "logit": scorecard_pd(scorecard, split.test, names),
        "altman": altman_risk(split.test),
    }
    history = pd.concat([split.valid, split.test]).assign(pd=lambda f: model.predict_pd(f))
    positives = split.test.loc[split.test["label"] == 1, "firm_id"]
    event_dates = first_defaults.reindex(positives.to_numpy()).dropna()
    evaluation = evaluate(
        model, split.test, baselines, _oracle_pd(split.test, oracle), event_dates, history
    )
    evaluation.metrics.update(
        score_metrics(
            split.valid["label"].to_numpy(), calibration.pd(margin_valid), prefix="valid_"
        )
    )
    with registry.training_run(settings, f"lgbm-{split.years['test_year']}") as run_id:
        mlflow.log_params(params.to_mlflow())
        mlflow.set_tags(
            {
                **(provenance or {}),
                "code_version": registry.code_version(),
                "rows_train": len(split.train),
                "rows_valid": len(split.valid),
                "rows_test": len(split.test),
                "best_iteration": booster.best_iteration,
            }
        )
        mlflow.log_metrics({k: v for k, v in evaluation.metrics.items() if np.isfinite(v)})
        report.log_artifacts(model, split.test, evaluation, workdir / "report")
        example = split.test[list(names)].head(5)
        version = registry.log_model(
            workdir / "bundle",
            example,
            pd.DataFrame({"pd": model.predict_pd(example)}),
            settings.model_name,
        )
    return TrainResult(run_id, version, evaluation.metrics)


def promote(
    settings: Settings, features: pd.DataFrame, force: bool = False, reason: str = ""
) -> dict[str, object]:
    """Move ``champion`` to the challenger if it is at least as good on the same test rows."""
    client = registry.connect(settings)
    name = settings.model_name
    challenger_version = registry.version_for(client, name, registry.CHALLENGER)
    if challenger_version is None:
        raise registry.PromotionRefused(f"model {name!r} has no {registry.CHALLENGER} version")
    champion_version = registry.version_for(client, name, registry.CHAMPION)
    challenger = registry.load_alias(settings, registry.CHALLENGER)
    outcome: dict[str, object] = {"challenger": challenger_version, "champion": champion_version}
    if champion_version is not None and champion_version != challenger_version:
        champion = registry.load_alias(settings, registry.CHAMPION)
        test_year = int(challenger.bundle.split["test_year"])
        test = features[(features["as_of"].dt.year == test_year) & features["label"].notna()]
        y = test["label"].to_numpy()
        new = score_metrics(y, challenger.predict_pd(test))
        old = score_metrics(y, champion.predict_pd(test))
        outcome.update(
            test_year=test_year, challenger_roc_auc=new["roc_auc"], champion_roc_auc=old["roc_auc"]
        )
        if new["roc_auc"] < old["roc_auc"] and not force:
            raise registry.PromotionRefused(
                f"challenger v{challenger_version} ROC AUC {new['roc_auc']:.4f} is below champion "
                f"v{champion_version} {old['roc_auc']:.4f} on as-of year {test_year}; "
                "use --force with --reason to override"
            )
    if force and not reason:
        raise registry.PromotionRefused("--force needs a --reason, which is recorded")
    note = {"promoted_from": champion_version or "none", "forced": force, "reason": reason}
    registry.set_champion(client, name, challenger_version, note)
    return outcome
