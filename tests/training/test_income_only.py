"""An income-statement-only panel without regions trains: baselines that cannot be computed are
reported missing with the reason, empty sections say why, and nothing prints "nan"."""

from __future__ import annotations

import re
from dataclasses import replace

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from core.contract import BALANCE_SHEET
from core.settings import Settings
from features.demo import generate_demo
from features.pipeline import build_features
from tests.conftest import small_params
from training.pipeline import TrainResult, train
from training.registry import EXPERIMENT


@pytest.fixture(scope="module")
def income_only(demo_settings: Settings) -> tuple[Settings, TrainResult]:
    tables = generate_demo(800, seed=5, first_year=2016, last_year=2024, kosis_file=None).tables
    financials = tables.financials.assign(**{item: np.nan for item in BALANCE_SHEET})
    features = build_features(replace(tables, financials=financials), label_rules=["marginal_firm"])
    features["region"] = pd.NA  # a vendor export without 시도
    assert features["altman_z"].isna().all()
    settings = demo_settings.model_copy(update={"model_name": "income-only"})
    params = small_params(label_rules=("marginal_firm",))
    return settings, train(features, params, settings, pd.Series(dtype="datetime64[ns]"), n_boot=30)


@pytest.mark.slow
def test_training_completes_and_reports_altman_as_missing(
    income_only: tuple[Settings, TrainResult],
) -> None:
    settings, result = income_only
    assert np.isfinite(result.metrics["test_roc_auc"])
    assert "test_roc_auc_altman" not in result.metrics
    assert result.evaluation is not None
    why = "no balance sheet items (altman_z missing on all test rows)"
    assert result.evaluation.missing["altman"] == why
    assert np.isfinite(result.metrics["test_roc_auc_logit"])  # the scorecard copes
    assert np.isfinite(result.metrics["test_pr_auc_rule_icr_2y"])
    client = MlflowClient(settings.tracking_uri)
    run = client.get_run(result.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["baseline_altman"] == f"not computed — {why}"
    experiment = client.get_experiment_by_name(EXPERIMENT)
    assert experiment is not None
    assert not client.search_runs([experiment.experiment_id], "attributes.status = 'FAILED'")


@pytest.mark.slow
def test_the_report_says_why_sections_are_empty_and_never_prints_nan(
    income_only: tuple[Settings, TrainResult],
) -> None:
    settings, result = income_only
    mlflow.set_tracking_uri(settings.tracking_uri)
    text = mlflow.artifacts.load_text(f"runs:/{result.run_id}/report/report.md")
    card = mlflow.artifacts.load_text(f"runs:/{result.run_id}/report/model_card.md")
    for page in (text, card):
        assert not re.search(r"\bnan\b", page, re.IGNORECASE), page
        assert "한계기업 진입 위험" in page
        assert "Altman Z'': not computed — no balance sheet items" in page
    assert "Empty: region is missing for every firm in the test year." in text
    assert "label rule marginal_firm has no event date" in text
    assert "## Label coverage and prevalence by as-of year" in text
    assert "`base_pd`" in card and "test year" in card
    coverage = mlflow.artifacts.load_text(
        f"runs:/{result.run_id}/report/evaluation_label_coverage.csv"
    )
    assert coverage.startswith("year,rows,labelled,share_labelled,positives,prevalence,role")
