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
from tests.conftest import DemoRun, small_params
from training.pipeline import TrainingDataError, promote, split_years, train
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


def test_split_is_out_of_time(demo_run: DemoRun) -> None:
    split = split_years(demo_run.features, small_params())
    assert split.train["as_of"].max() < split.valid["as_of"].min()
    assert split.valid["as_of"].max() < split.test["as_of"].min()
    assert split.test["label"].notna().all()


def test_split_refuses_a_validation_year_after_the_test_year(demo_run: DemoRun) -> None:
    with pytest.raises(TrainingDataError, match="valid_year"):
        split_years(demo_run.features, small_params(valid_year=2025, test_year=2024))


def test_run_logs_the_named_metrics_and_provenance(demo_run: DemoRun) -> None:
    mlflow.set_tracking_uri(demo_run.settings.tracking_uri)
    run = MlflowClient().get_run(demo_run.result.run_id)
    assert set(REQUIRED_METRICS) <= set(run.data.metrics)
    assert {"source", "code_version", "rows_train", "rows_test"} <= set(run.data.tags)
    assert run.data.params["num_leaves"] == "15"
    artifacts = {a.path for a in MlflowClient().list_artifacts(run.info.run_id, "report")}
    assert {
        "report/model_card.md",
        "report/calibration.png",
        "report/shap_summary.csv",
    } <= artifacts


def test_model_beats_baselines_and_approaches_the_oracle(demo_run: DemoRun) -> None:
    m = demo_run.result.metrics
    assert m["test_roc_auc"] > m["test_roc_auc_altman"]
    assert m["test_roc_auc"] > 0.9 * m["test_oracle_roc_auc"]
    assert abs(m["test_mean_pd"] - m["test_event_rate"]) < 0.01  # calibrated on average


def test_champion_is_registered_and_verified(
    demo_run: DemoRun, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = demo_run.settings
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    version, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    assert version == demo_run.result.version
    assert list(tmp_path.iterdir()) == []  # the download is gone once the model is in memory
    assert model.bundle.split["test_year"] > model.bundle.split["valid_year"]


def test_firm_id_changes_nothing(demo_run: DemoRun) -> None:
    s = demo_run.settings
    _, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    rows = demo_run.features.head(200)
    renamed = rows.assign(firm_id=rows["firm_id"].sample(frac=1, random_state=0).to_numpy())
    np.testing.assert_array_equal(model.predict_pd(rows), model.predict_pd(renamed))


@pytest.mark.parametrize(("feature", "step"), [("debt_ratio", 0.5), ("tax_arrears_12m", 1.0)])
def test_more_leverage_or_arrears_never_lowers_risk(
    demo_run: DemoRun, feature: str, step: float
) -> None:
    s = demo_run.settings
    _, model = fetch_registered(s.tracking_uri, s.model_name, "champion")
    rows = demo_run.features.dropna(subset=[feature]).head(300)
    worse = rows.assign(**{feature: rows[feature] + step})
    assert (model.predict_pd(worse) >= model.predict_pd(rows) - 1e-15).all()


def test_shuffled_labels_score_like_a_coin(demo_run: DemoRun) -> None:
    """The evaluation cannot flatter itself: labels shuffled within each year before the test
    year (true test labels kept) give a test AUC of about 0.5."""
    features = demo_run.features.copy()
    test_year = split_years(features, small_params()).years["test_year"]
    rng = np.random.default_rng(0)
    for year in features["as_of"].dt.year.unique():
        if year >= test_year:
            continue
        rows = (features["as_of"].dt.year == year) & features["label"].notna()
        features.loc[rows, "label"] = rng.permutation(features.loc[rows, "label"].to_numpy())
    settings = demo_run.settings
    # Without the monotone constraints: they carry prior knowledge (arrears raise risk) that
    # ranks firms sensibly even when trained on noise, which is not what this test is about.
    params = small_params(monotone={})
    result = train(features, params, settings, pd.Series(dtype="datetime64[ns]"))
    # Test year of ~2,000 firms with ~40 events: the AUC's standard error is about 0.045.
    assert abs(result.metrics["test_roc_auc"] - 0.5) < 0.1
    # A worse challenger is refused by the promotion gate, and forcing needs a reason.
    with pytest.raises(PromotionRefused, match="below champion"):
        promote(settings, demo_run.features)
    with pytest.raises(PromotionRefused, match="reason"):
        promote(settings, demo_run.features, force=True)
    # Put the good model back as challenger and champion for later tests.
    client = MlflowClient(settings.tracking_uri)
    client.set_registered_model_alias(settings.model_name, "challenger", demo_run.result.version)
