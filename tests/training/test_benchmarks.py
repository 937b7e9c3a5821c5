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
    FILES,
    HORIZON_YEARS,
    PolishModel,
    cross_validated_auc,
    file_label,
    pairwise_features,
    read_polish,
)
from training.benchmarks.published import POLISH_AUC

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


def _write_arff(path: Path, rows: int, seed: int) -> None:
    """A small learnable file in the Polish format (``?`` for missing, class 0/1)."""
    rng = np.random.default_rng(seed)
    y = (np.arange(rows) % 5 == 0).astype(int)
    x = rng.normal(size=(rows, 3)) + y[:, None]
    lines = ["@relation 'test'", *(f"@attribute Attr{i} numeric" for i in range(1, 4))]
    lines += ["@attribute class {0,1}", "@data"]
    lines += [f"{a:.4f},{b:.4f},?,{c}" for (a, b, _), c in zip(x, y, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def test_each_polish_file_carries_its_real_horizon_and_its_own_published_figures(
    tmp_path: Path,
) -> None:
    # UCI: 1year.arff = ratios of the 1st year, status 5 years later; 5year.arff = 1 year later.
    assert FILES == ("1year.arff", "5year.arff")
    assert HORIZON_YEARS["1year.arff"] == 5 and HORIZON_YEARS["5year.arff"] == 1
    assert file_label("5year.arff") == "5year.arff (status 1 year later)"
    assert file_label("1year.arff") == "1year.arff (status 5 years later)"
    for seed, name in enumerate(FILES):
        _write_arff(tmp_path / "polish" / name, 200, seed)
    model = PolishModel(rounds=10, combine_top=2)
    result = run_polish(tmp_path, folds=2, model=model)
    by_file = {row["file (bankruptcy status)"]: row for row in result.rows}
    first = by_file["1year.arff (status 5 years later)"]
    fifth = by_file["5year.arff (status 1 year later)"]
    assert first["horizon_years"] == 5 and fifth["horizon_years"] == 1
    # The published figures belong to the file they were measured on, whatever its horizon.
    assert first["published LightGBM"] == 0.960 == POLISH_AUC["1year.arff"]["LightGBM"]
    assert fifth["published LightGBM"] == 0.958 == POLISH_AUC["5year.arff"]["LightGBM"]
    assert fifth["published best ensemble"] == 0.963
    assert {"1year_arff_horizon5y_cv_auc", "5year_arff_horizon1y_cv_auc"} <= set(result.metrics)
    assert "1year.arff → 5 years, 5year.arff → 1 year" in result.notes[2]


@needs_polish
def test_polish_protocol_on_a_subsample() -> None:
    model = PolishModel(rounds=60, combine_top=5)
    result = run_polish(SHARED_DATA, ("1year.arff",), folds=3, model=model, sample=1500, n_jobs=1)
    (row,) = result.rows
    assert row["firms"] == 1500 and row["published LightGBM"] == 0.960
    assert row["file (bankruptcy status)"] == "1year.arff (status 5 years later)"
    assert 0.75 < result.metrics["1year_arff_horizon5y_cv_auc"] <= 1.0
    assert 0.75 < result.metrics["1year_arff_horizon5y_cv_auc_ratios_only"] <= 1.0
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


@pytest.mark.slow  # all five Polish files through the CLI: ~40 s
@needs_polish
def test_cli_benchmark_polish_prints_the_comparison() -> None:
    from cli.main import app

    args = ["benchmark", "polish", "--sample", "500", "--folds", "2", "--rounds", "50"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "published LightGBM" in result.output
    assert "5year.arff (status 1 year later)" in result.output
    assert "1year.arff (status 5 years later)" in result.output


@needs_spain
@pytest.mark.slow
def test_spain_through_ingestion_trains_out_of_time_against_baselines(tmp_path: Path) -> None:
    result = run_spain(SHARED_DATA, tmp_path)
    assert result.metrics["rows_train"] + result.metrics["rows_test"] == 2859
    assert result.metrics["test_roc_auc_lgbm"] > 0.7
    assert result.metrics["test_roc_auc_logit"] > 0.6
    assert (tmp_path / "raw" / "labels.parquet").exists()
    assert "16 bankrupt" in result.notes[0] and "46 bankrupt" in result.notes[0]


def test_a_benchmark_is_logged_as_an_mlflow_run(tiny_settings: Settings) -> None:
    result = BenchmarkResult(
        "polish",
        [{"file (bankruptcy status)": "1year.arff (status 5 years later)"}],
        {"1year_arff_horizon5y_cv_auc": 0.97},
        {"folds": 10},
    )
    run_id = log_benchmark(result, tiny_settings)
    client = mlflow.MlflowClient(tiny_settings.tracking_uri)
    run = client.get_run(run_id)
    assert run.data.metrics["1year_arff_horizon5y_cv_auc"] == 0.97
    assert run.data.params["folds"] == "10"
    assert client.get_experiment(run.info.experiment_id).name == "benchmarks"
