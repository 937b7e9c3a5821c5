"""Real-data benchmarks on small cuts of the shared data: they run, print the published
figures beside ours, and log to MLflow. The full figures are in docs/data.md."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pytest
from sklearn.model_selection import train_test_split
from typer.testing import CliRunner

from core.settings import Settings
from training.benchmarks import BenchmarkResult, log_benchmark, run_polish, run_spain
from training.benchmarks.polish import (
    PolishModel,
    cross_validated_auc,
    pairwise_features,
    read_polish,
)

SHARED_DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
needs_polish = pytest.mark.skipif(
    not (SHARED_DATA / "polish").exists(), reason=f"Polish data not present at {SHARED_DATA}"
)
needs_spain = pytest.mark.skipif(
    not (SHARED_DATA / "spain").exists(), reason=f"Spanish data not present at {SHARED_DATA}"
)


@needs_polish
def test_polish_arff_reads_missing_values_and_the_class() -> None:
    x, y = read_polish(SHARED_DATA / "polish" / "1year.arff")
    assert x.shape == (7027, 64) and int(y.sum()) == 271
    assert x.isna().any().any() and set(np.unique(y)) == {0, 1}


@needs_polish
def test_polish_protocol_on_a_subsample() -> None:
    model = PolishModel(rounds=60, combine_top=5)
    result = run_polish(SHARED_DATA, (1,), folds=3, model=model, sample=1500, n_jobs=1)
    (row,) = result.rows
    assert row["firms"] == 1500 and row["published LightGBM"] == 0.960
    assert 0.75 < result.metrics["year1_cv_auc"] <= 1.0
    assert 0.75 < result.metrics["year1_cv_auc_ratios_only"] <= 1.0
    assert "published" in result.notes[1]


@needs_polish
def test_shuffled_labels_give_a_coin_flip_even_with_synthetic_features() -> None:
    x, y = read_polish(SHARED_DATA / "polish" / "1year.arff")
    x, _, y, _ = train_test_split(x, y, train_size=2000, stratify=y, random_state=0)
    shuffled = np.random.default_rng(0).permutation(y)
    aucs = cross_validated_auc(x, shuffled, PolishModel(rounds=60, combine_top=8), folds=4)
    assert abs(aucs.mean() - 0.5) < 0.1  # features chosen per training part: no leak


def test_pairwise_features_come_from_the_chosen_columns_only() -> None:
    x = np.array([[1.0, 2.0, 5.0], [3.0, 0.0, 7.0]])
    wide = pairwise_features(x, np.array([0, 1]))
    np.testing.assert_array_equal(wide[:, :3], x)
    np.testing.assert_array_equal(wide[0, 3:], [0.5, 2.0, 2.0])
    assert np.isnan(wide[1, 3]) and wide[1, 4] == 0.0  # 3/0 is missing, 0/3 is 0


@needs_polish
def test_cli_benchmark_polish_prints_the_comparison() -> None:
    from cli.main import app

    args = ["benchmark", "polish", "--sample", "500", "--folds", "2", "--rounds", "50"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "published LightGBM" in result.output and "5 year" in result.output


@needs_spain
@pytest.mark.slow
def test_spain_through_ingestion_trains_out_of_time_against_baselines(tmp_path: Path) -> None:
    result = run_spain(SHARED_DATA, tmp_path)
    assert result.metrics["rows_train"] + result.metrics["rows_test"] == 2859
    assert result.metrics["test_roc_auc_lgbm"] > 0.7
    assert result.metrics["test_roc_auc_logit"] > 0.6
    assert (tmp_path / "raw" / "labels.parquet").exists()
    assert "16 bankrupt" in result.notes[0] and "46 bankrupt" in result.notes[0]


def test_a_benchmark_is_logged_as_an_mlflow_run(demo_settings: Settings) -> None:
    result = BenchmarkResult(
        "polish", [{"horizon": "1 year"}], {"year1_cv_auc": 0.97}, {"folds": 10}
    )
    run_id = log_benchmark(result, demo_settings)
    client = mlflow.MlflowClient(demo_settings.tracking_uri)
    run = client.get_run(run_id)
    assert run.data.metrics["year1_cv_auc"] == 0.97 and run.data.params["folds"] == "10"
    assert client.get_experiment(run.info.experiment_id).name == "benchmarks"
