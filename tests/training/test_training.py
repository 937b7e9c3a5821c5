"""Training: an honest out-of-time model that beats baselines, logged and registered in MLflow."""

from __future__ import annotations

import tempfile
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from core.bundle import fetch_registered
from tests.conftest import DemoRun, WorldSize, generate_world, small_params
from training.pipeline import (
    TrainingDataError,
    evaluate_split,
    fit_model,
    promote,
    split_years,
    train,
)
from training.registry import PromotionRefused

REQUIRED_METRICS = (
    "test_roc_auc",
    "test_pr_auc",
    "test_brier",
    "test_ece",
    "test_roc_auc_logit",
    "test_roc_auc_altman",
    "test_oracle_roc_auc",
)


def test_split_is_out_of_time(tiny_run: DemoRun) -> None:
    split = split_years(tiny_run.features, small_params())
    assert split.train["as_of"].max() < split.valid["as_of"].min()
    assert split.valid["as_of"].max() < split.test["as_of"].min()
    assert split.test["label"].notna().all()


def test_split_refuses_a_validation_year_after_the_test_year(tiny_run: DemoRun) -> None:
    with pytest.raises(TrainingDataError, match="valid_year"):
        split_years(tiny_run.features, small_params(valid_year=2025, test_year=2024))


def test_run_logs_the_named_metrics_and_provenance(tiny_run: DemoRun) -> None:
    mlflow.set_tracking_uri(tiny_run.settings.tracking_uri)
    run = MlflowClient().get_run(tiny_run.result.run_id)
    assert set(REQUIRED_METRICS) <= set(run.data.metrics)
    assert {"source", "code_version", "rows_train", "rows_test"} <= set(run.data.tags)
    assert run.data.params["num_leaves"] == "15"
    artifacts = {a.path for a in MlflowClient().list_artifacts(run.info.run_id, "report")}
    assert {
        "report/model_card.md",
        "report/calibration.png",
        "report/shap_summary.csv",
    } <= artifacts


# The README's promise: test ROC AUC at least 0.97x the oracle's (the generator's true PD).
ORACLE_SHARE = 0.97
# Judged on a world where the test year has ~130 events: with 2,500 firms it has ~40, and the
# ratio swings with which firms happen to default (0.93 at seed 11, below the promise).
PROMISE_WORLD = WorldSize(firms=10_000, first_year=2014, n_boot=20)


@pytest.mark.slow
def test_model_beats_baselines_and_reaches_the_promised_share_of_the_oracle(
    tmp_path: Path,
) -> None:
    world = generate_world(PROMISE_WORLD)
    params = small_params()
    split = split_years(world.features, params)
    model = fit_model(split, params, tmp_path / "bundle")
    oracle = world.data.oracle
    evaluation = evaluate_split(
        model, split, params, world.first_defaults, oracle, PROMISE_WORLD.n_boot
    )
    m = evaluation.metrics
    assert m["test_roc_auc"] > m["test_roc_auc_altman"]
    assert m["test_roc_auc"] >= ORACLE_SHARE * m["test_oracle_roc_auc"]
    assert abs(m["test_mean_pd"] - m["test_event_rate"]) < 0.01  # calibrated on average


def test_champion_is_registered_and_verified(
    tiny_run: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = tiny_run.settings
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    version, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    assert version == tiny_run.result.version
    assert list(tmp_path.iterdir()) == []  # the download is gone once the model is in memory
    assert model.bundle.split["test_year"] > model.bundle.split["valid_year"]
    # bundle.json's split keeps its shape (its digest and older readers depend on it).
    split = split_years(tiny_run.features, small_params()).years
    assert model.bundle.split == {
        "train_years": list(split.train_years),
        "valid_year": split.valid_year,
        "test_year": split.test_year,
    }


def test_firm_id_changes_nothing(tiny_run: DemoRun) -> None:
    s = tiny_run.settings
    _, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    rows = tiny_run.features.head(200)
    renamed = rows.assign(firm_id=rows["firm_id"].sample(frac=1, random_state=0).to_numpy())
    np.testing.assert_array_equal(model.predict_pd(rows), model.predict_pd(renamed))


@pytest.mark.parametrize(("feature", "step"), [("debt_ratio", 0.5), ("tax_arrears_12m", 1.0)])
def test_more_leverage_or_arrears_never_lowers_risk(
    tiny_run: DemoRun, feature: str, step: float
) -> None:
    s = tiny_run.settings
    _, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    rows = tiny_run.features.dropna(subset=[feature]).head(300)
    worse = rows.assign(**{feature: rows[feature] + step})
    assert (model.predict_pd(worse) >= model.predict_pd(rows) - 1e-15).all()


# Shufflings averaged by the shuffled-label test: see its docstring for why one is not enough.
SHUFFLINGS = 12


def shuffled_before(features: pd.DataFrame, test_year: int, seed: int) -> pd.DataFrame:
    """Labels permuted within each as-of year before ``test_year``; the test year's are kept."""
    shuffled = features.copy()
    rng = np.random.default_rng(seed)
    years = shuffled["as_of"].dt.year
    for year in years.unique():
        if year >= test_year:
            continue
        rows = (years == year) & shuffled["label"].notna()
        shuffled.loc[rows, "label"] = rng.permutation(shuffled.loc[rows, "label"].to_numpy())
    return shuffled


def test_shuffled_labels_score_like_a_coin(demo_run: DemoRun, tmp_path: Path) -> None:
    """The evaluation cannot flatter itself: labels shuffled within each year before the test
    year (true test labels kept) give a test AUC of 0.5, on average over shufflings.

    One shuffling cannot show it. A model fitted to noise still splits on the features that
    carry the real risk, in a direction the shuffling happened to favour, so on the true test
    labels one such model's AUC lands anywhere from about 0.3 to 0.7 (standard deviation ~0.12
    on this world, with or without the KOSIS districts), far wider than the ~0.045 standard
    error of a score unrelated to the features. Its expectation over shufflings is what a
    leak-free evaluation makes 0.5; the mean of 12 estimates it to about ±0.035.
    """
    features = demo_run.features
    # Without the monotone constraints: they carry prior knowledge (arrears raise risk) that
    # ranks firms sensibly even when trained on noise, which is not what this test is about.
    params = small_params(monotone={})
    test_year = split_years(features, params).years.test_year
    aucs = []
    for seed in range(SHUFFLINGS):
        split = split_years(shuffled_before(features, test_year, seed), params)
        model = fit_model(split, params, tmp_path / f"shuffled-{seed}")
        empty = pd.Series(dtype="datetime64[ns]")
        evaluation = evaluate_split(model, split, params, empty, None, n_boot=10)
        aucs.append(evaluation.metrics["test_roc_auc"])
    assert abs(np.mean(aucs) - 0.5) < 0.1, aucs
    # A worse challenger is refused by the promotion gate, and forcing needs a reason.
    settings = demo_run.settings
    noise = shuffled_before(features, test_year, seed=0)
    train(noise, params, settings, pd.Series(dtype="datetime64[ns]"), n_boot=20)
    with pytest.raises(PromotionRefused, match="below champion"):
        promote(settings, features)
    with pytest.raises(PromotionRefused, match="reason"):
        promote(settings, features, force=True)
    # Put the good model back as challenger and champion for later tests.
    client = MlflowClient(settings.tracking_uri)
    client.set_registered_model_alias(settings.model_name, "challenger", demo_run.result.version)
