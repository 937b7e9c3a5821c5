"""Tuning: seeded Optuna on the validation year only, nested runs, chosen params used and logged."""

from __future__ import annotations

import mlflow
import pandas as pd
import pytest
from mlflow import MlflowClient

from features.catalog import FEATURE_NAMES
from tests.conftest import DemoRun
from training import pipeline
from training.params import TrainParams
from training.pipeline import split_years
from training.tuning import TUNED, TuningError, tune

FAST = TrainParams(min_child_samples=40, max_rounds=40, learning_rate=0.15, num_threads=1)


def test_the_same_seed_chooses_the_same_parameters(tiny_run: DemoRun) -> None:
    split = split_years(tiny_run.features, FAST)
    train = split.train[split.train["as_of"].dt.year >= split.train["as_of"].dt.year.max() - 2]
    first = tune(train, split.valid, FEATURE_NAMES, FAST, n_trials=3)
    again = tune(train, split.valid, FEATURE_NAMES, FAST, n_trials=3)
    assert first.params == again.params
    assert first.best_value == pytest.approx(again.best_value)
    assert first.best_value == first.trials["valid_logloss"].min()
    assert set(TUNED) <= set(first.trials.columns)


@pytest.mark.parametrize(("n_trials", "metric"), [(0, "logloss"), (2, "accuracy")])
def test_bad_arguments_name_the_parameter(tiny_run: DemoRun, n_trials: int, metric: str) -> None:
    split = split_years(tiny_run.features, FAST)
    with pytest.raises(TuningError, match="n_trials" if n_trials == 0 else "metric"):
        tune(split.train, split.valid, FEATURE_NAMES, FAST, n_trials=n_trials, metric=metric)


@pytest.mark.slow  # trains with Optuna trials (~7 s)
def test_train_tunes_on_validation_only_and_logs_nested_trials(
    tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[pd.DataFrame] = []

    def spy(train: pd.DataFrame, valid: pd.DataFrame, *args: object, **kwargs: object) -> object:
        seen.extend([train, valid])
        return tune(train, valid, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "tune", spy)
    # Its own registered name, so the demo's challenger and champion stay as they are.
    settings = tiny_run.settings.model_copy(update={"model_name": "sme-distress-tuned"})
    result = pipeline.train(
        tiny_run.features,
        FAST,
        settings,
        tiny_run.first_defaults,
        tune_trials=3,
        tune_metric="auc",
        n_boot=20,
    )
    test_year = split_years(tiny_run.features, FAST).years.test_year
    assert all(frame["as_of"].dt.year.max() < test_year for frame in seen)
    assert result.tuning is not None and result.params == result.tuning.params
    client = MlflowClient(tiny_run.settings.tracking_uri)
    run = client.get_run(result.run_id)
    best = result.tuning.trials[result.tuning.trials["best"]].iloc[0]
    assert run.data.params["tune_trials"] == "3"
    assert float(run.data.params["learning_rate"]) == pytest.approx(best["learning_rate"])
    assert int(run.data.params["num_leaves"]) == best["num_leaves"]
    trials = client.search_runs(
        [run.info.experiment_id], f"tags.mlflow.parentRunId = '{result.run_id}'"
    )
    assert len(trials) == 3
    assert all("valid_roc_auc" in t.data.metrics for t in trials)
    mlflow.set_tracking_uri(tiny_run.settings.tracking_uri)
    assert "report/tuning_trials.csv" in {
        a.path for a in client.list_artifacts(result.run_id, "report")
    }
