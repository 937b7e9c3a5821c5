"""Evaluation you can trust: metrics that match scikit-learn, bootstrap intervals, lead time,
the report logged with every run, and walk-forward refits that never look ahead."""

from __future__ import annotations

import re

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.metrics import average_precision_score, brier_score_loss, roc_auc_score

from tests.conftest import DemoRun
from training.metrics import bootstrap_ci, lead_time_months, paired_difference, weighted_metrics
from training.params import TrainParams
from training.pipeline import split_years, walk_forward


@pytest.fixture
def scores() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = (rng.random(3000) < 0.05).astype(float)
    pd_ = np.clip(np.round(rng.random(3000) * 0.2 + 0.2 * y, 3), 0, 1)  # rounded: many ties
    return y, pd_


def test_vectorised_metrics_match_scikit_learn(scores: tuple[np.ndarray, np.ndarray]) -> None:
    y, pd_ = scores
    got = weighted_metrics(y, pd_, np.ones((1, len(y))))
    assert got["roc_auc"][0] == pytest.approx(roc_auc_score(y, pd_), abs=1e-12)
    assert got["pr_auc"][0] == pytest.approx(average_precision_score(y, pd_), abs=1e-12)
    assert got["brier"][0] == pytest.approx(brier_score_loss(y, pd_), abs=1e-12)
    counts = np.bincount(np.random.default_rng(0).integers(0, len(y), len(y)), minlength=len(y))
    drawn = np.repeat(np.arange(len(y)), counts)
    weighted = weighted_metrics(y, pd_, counts[None, :].astype(float))
    assert weighted["roc_auc"][0] == pytest.approx(roc_auc_score(y[drawn], pd_[drawn]))


def test_bootstrap_interval_brackets_the_estimate_and_is_seeded(
    scores: tuple[np.ndarray, np.ndarray],
) -> None:
    y, pd_ = scores
    first = bootstrap_ci(y, {"model": pd_}, n_boot=100, seed=1, probabilities=("model",))
    again = bootstrap_ci(y, {"model": pd_}, n_boot=100, seed=1, probabilities=("model",))
    pd.testing.assert_frame_equal(first, again)
    assert set(first["metric"]) == {"roc_auc", "pr_auc", "ks", "brier"}
    assert (first["ci_low"] <= first["estimate"]).all()
    assert (first["estimate"] <= first["ci_high"]).all()
    same = paired_difference(y, pd_, pd_, n_boot=50)
    assert (same[["difference", "ci_low", "ci_high"]].abs().to_numpy() == 0).all()


def test_lead_time_counts_only_a_flag_unbroken_to_the_event() -> None:
    dates = pd.to_datetime(["2021-06-30", "2022-06-30", "2023-06-30"])
    scored = pd.DataFrame(
        {
            "firm_id": ["a"] * 3 + ["b"] * 3 + ["c"] * 3,
            "as_of": list(dates) * 3,
            "pd": [0.2, 0.2, 0.2, 0.2, 0.01, 0.2, 0.2, 0.2, 0.01],
        }
    )
    events = pd.Series(pd.to_datetime(["2024-01-01"] * 3), index=["a", "b", "c"])
    lead = lead_time_months(scored, events, threshold=0.08)
    assert set(lead.index) == {"a", "b"}  # c's flag lapsed before its event: not warned
    assert lead["a"] == pytest.approx((events["a"] - dates[0]).days / 30.4375)
    assert lead["b"] == pytest.approx((events["b"] - dates[2]).days / 30.4375)


def test_every_run_logs_a_report_with_intervals_groups_and_baselines(tiny_run: DemoRun) -> None:
    m = tiny_run.result.metrics
    assert m["test_roc_auc_ci_low"] <= m["test_roc_auc"] <= m["test_roc_auc_ci_high"]
    assert m["test_brier_ci_low"] <= m["test_brier"] <= m["test_brier_ci_high"]
    assert {"test_capture_top100firms", "test_precision_top10pct_logit"} <= set(m)
    mlflow.set_tracking_uri(tiny_run.settings.tracking_uri)
    client = MlflowClient()
    run_id = tiny_run.result.run_id
    names = {a.path for a in client.list_artifacts(run_id, "report")}
    assert {"report/report.md", "report/report.html", "report/evaluation_by_region.csv"} <= names
    text = mlflow.artifacts.load_text(f"runs:/{run_id}/report/report.md")
    for heading in (
        "Bootstrap confidence intervals",
        "Calibration by grade",
        "Lead time",
        "By region (시도)",
        "By industry",
        "By size class",
        "By year",
    ):
        assert f"## {heading}" in text
    assert "서울 (11)" in text and "oracle" in text and "altman" in text
    assert "## Label coverage and prevalence by as-of year" in text
    assert "## Model against the label rule" in text and "rule arrears (best)" in text
    assert not re.search(r"\bnan\b", text, re.IGNORECASE)
    assert "부도·폐업 위험" in text
    page = mlflow.artifacts.load_text(f"runs:/{run_id}/report/report.html")
    assert page.startswith("<!doctype html>") and "<table" in page


def test_walk_forward_refits_each_test_year_on_earlier_years_only(tiny_run: DemoRun) -> None:
    fast = TrainParams(min_child_samples=40, max_rounds=40, learning_rate=0.15, num_threads=1)
    mlflow.set_tracking_uri(tiny_run.settings.tracking_uri)
    mlflow.set_experiment("walk-forward-test")
    with mlflow.start_run() as parent:
        table = walk_forward(
            tiny_run.features, fast, tiny_run.first_defaults, tiny_run.oracle, years=2, n_boot=20
        )
    folds = table[~table["test_year"].isin(["mean", "sd"])]
    # The last two test years (which they are depends on whether the KOSIS file is present).
    last = split_years(tiny_run.features, fast).years.test_year
    assert folds["test_year"].astype(int).tolist() == [last - 1, last]
    for row in folds.itertuples():
        assert int(row.train_years.split("–")[1]) < row.valid_year < int(row.test_year)
        assert 0.6 < row.roc_auc <= 1
    assert table.iloc[-2]["roc_auc"] == pytest.approx(folds["roc_auc"].mean())
    children = MlflowClient().search_runs(
        [parent.info.experiment_id], f"tags.mlflow.parentRunId = '{parent.info.run_id}'"
    )
    assert sorted(r.data.params["test_year"] for r in children) == [str(last - 1), str(last)]
