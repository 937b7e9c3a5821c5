"""The label rule's own scores, the gate that makes a model beat them, and label coverage."""

from __future__ import annotations

from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from sklearn.metrics import average_precision_score, roc_auc_score
from typer.testing import CliRunner

from cli.main import app
from core.settings import Settings, get_settings
from tests.conftest import DemoRun, small_params
from training.compare import RuleCheck, rule_gate_refusal
from training.evaluate import label_coverage
from training.metrics import top_k
from training.pipeline import promote, split_years
from training.registry import PromotionRefused
from training.rule_baselines import rule_baseline


@pytest.fixture
def tiny() -> pd.DataFrame:
    """20 rows, 2 positives: icr_below_one_2y fires exactly on them, temporary_marginal on them
    and 4 more (one of them missing, which counts as not firing)."""
    label = np.zeros(20)
    label[[3, 11]] = 1
    two_years = pd.array([False] * 20, dtype="boolean")
    two_years[[3, 11]] = True
    one_year = pd.array([False] * 20, dtype="boolean")
    one_year[[0, 3, 5, 11, 12, 17]] = True
    one_year[19] = pd.NA
    return pd.DataFrame(
        {"label": label, "icr_below_one_2y": two_years, "temporary_marginal": one_year}
    )


def test_a_rule_that_fires_exactly_on_the_positives_scores_one(tiny: pd.DataFrame) -> None:
    pd_ = np.linspace(0.01, 0.2, 20)
    baseline = rule_baseline(tiny, pd_, ("marginal_firm",), n_boot=20)
    table = baseline.table.set_index("rule")
    assert baseline.best == "icr_2y"
    assert table.loc["icr_2y", ["roc_auc", "pr_auc", "capture_top10pct"]].tolist() == [1, 1, 1]
    fired = tiny["temporary_marginal"].fillna(False).astype(float).to_numpy()
    y = tiny["label"].to_numpy()
    assert table.loc["icr_1y", "roc_auc"] == pytest.approx(roc_auc_score(y, fired))
    assert table.loc["icr_1y", "pr_auc"] == pytest.approx(average_precision_score(y, fired))
    assert table.loc["icr_1y", "pr_auc"] == pytest.approx(2 / 6)  # one threshold: 2 of 6
    m = baseline.metrics()
    assert m["test_pr_auc_rule"] == m["test_pr_auc_rule_icr_2y"] == 1.0
    assert m["test_pr_auc_rule_icr_1y"] == pytest.approx(1 / 3)
    # Inside icr_2y's group every row is positive: the model cannot be ranked there.
    assert m["test_rows_in_rule_group"] == 2 and np.isnan(m["test_roc_auc_in_rule_group"])
    # Inside icr_1y's group (rows 0, 3, 5, 11, 12, 17) the model ranks 3 and 11 against 4 others.
    inside = table.loc["icr_1y"]
    group = [0, 3, 5, 11, 12, 17]
    assert inside["model_roc_auc_in_group"] == pytest.approx(roc_auc_score(y[group], pd_[group]))
    assert inside["model_roc_auc_in_group_ci_low"] <= inside["model_roc_auc_in_group"]


def test_capture_of_a_tied_score_does_not_depend_on_row_order() -> None:
    y = np.array([0, 1, 0, 0, 0, 0, 0, 0, 0, 0], dtype=float)
    flat = np.zeros(10)
    assert top_k(y, flat, 0.1) == pytest.approx((0.1, 0.1))  # the tie's rate, not row 0's
    assert top_k(y[::-1], flat, 0.1) == top_k(y, flat, 0.1)


def test_a_user_label_is_judged_against_every_rule_column_there_is(tiny: pd.DataFrame) -> None:
    rows = tiny.assign(recent_arrears=tiny["label"] == 1)
    baseline = rule_baseline(rows, np.linspace(0, 1, 20), ("column:closure",), n_boot=10)
    assert list(baseline.table["rule"]) == ["icr_2y", "icr_1y", "arrears"]
    assert "complete_capital_impairment" in baseline.missing["impaired"]


def test_the_rule_gate_refuses_a_model_that_does_not_beat_the_rule(tiny: pd.DataFrame) -> None:
    baseline = rule_baseline(tiny, np.linspace(0, 1, 20), ("marginal_firm",), n_boot=10)
    refusal = rule_gate_refusal("3", 0.42, baseline, 2025)
    assert refusal is not None
    assert "v3 PR AUC 0.4200 does not beat the rule baseline icr_2y" in refusal
    assert "PR AUC 1.0000 on as-of year 2025" in refusal
    assert RuleCheck("3", 2025, 1.0, baseline).refusal() is not None  # a tie does not beat it
    empty = rule_baseline(tiny[["label"]], np.zeros(20), ("marginal_firm",))
    assert empty.best is None and rule_gate_refusal("3", 0.1, empty, 2025) is None


def test_the_run_logs_the_rule_scores_computed_on_its_test_rows(tiny_run: DemoRun) -> None:
    m = tiny_run.result.metrics
    test = split_years(tiny_run.features, small_params()).test
    fired = test["recent_arrears"].astype(float).fillna(0).to_numpy()
    y = test["label"].to_numpy()
    assert m["test_pr_auc_rule_arrears"] == pytest.approx(average_precision_score(y, fired))
    assert m["test_roc_auc_rule"] == pytest.approx(roc_auc_score(y, fired))
    assert m["test_pr_auc"] > m["test_pr_auc_rule"]  # the demo model beats its rule
    mlflow.set_tracking_uri(tiny_run.settings.tracking_uri)
    run = MlflowClient().get_run(tiny_run.result.run_id)
    logged = run.data.metrics
    for key in (
        "test_pr_auc_rule",
        "test_capture_top10pct_rule_arrears",
        "test_roc_auc_in_rule_group",
        "test_roc_auc_in_rule_group_ci_low",
    ):
        assert key in logged
    assert run.data.tags["rule_baseline"].startswith("arrears (recent_arrears")


def test_first_year_drops_earlier_as_of_years(tiny_run: DemoRun) -> None:
    features = tiny_run.features
    whole = split_years(features, small_params())
    first = int(whole.train["as_of"].dt.year.min()) + 2
    split = split_years(features, small_params(first_year=first))
    assert split.train["as_of"].dt.year.min() == first
    assert split.years.train_years == (first, whole.years.valid_year - 1)
    assert len(split.test) == len(whole.test)
    years = split.years
    coverage = label_coverage(
        features, years.train_years, years.valid_year, years.test_year, first
    ).set_index("year")
    assert (coverage.loc[: first - 1, "role"] == "dropped (before --first-year)").all()
    assert coverage.loc[first, "role"] == "train"
    assert coverage["rows"].sum() == len(features)
    labelled = features["label"].notna().groupby(features["as_of"].dt.year).sum()
    assert coverage["labelled"].tolist() == labelled.tolist()
    assert small_params(first_year=first).to_mlflow()["first_year"] == first


def _first_challenger(tiny_run: DemoRun, name: str) -> Settings:
    """A model name of this test's own whose only version (the demo model) is the challenger."""
    settings = tiny_run.settings.model_copy(update={"model_name": name})
    client = MlflowClient(settings.tracking_uri)
    source = client.get_model_version(tiny_run.settings.model_name, tiny_run.result.version)
    client.create_registered_model(name)
    version = client.create_model_version(name, source.source, source.run_id)
    client.set_registered_model_alias(name, "challenger", version.version)
    return settings


def _rule_on_positives(tiny_run: DemoRun) -> pd.DataFrame:
    """The demo feature table with the arrears flag firing exactly on the labelled positives."""
    features = tiny_run.features
    return features.assign(recent_arrears=features["label"] == 1)


def test_promote_refuses_a_first_challenger_that_the_rule_beats(tiny_run: DemoRun) -> None:
    settings = _first_challenger(tiny_run, "gate-first")
    features = _rule_on_positives(tiny_run)
    with pytest.raises(PromotionRefused, match=r"does not beat the rule baseline arrears") as error:
        promote(settings, features, n_boot=20)
    assert "PR AUC 1.0000" in str(error.value) and "--force" in str(error.value)
    client = MlflowClient(settings.tracking_uri)
    with pytest.raises(mlflow.exceptions.MlflowException):
        client.get_model_version_by_alias("gate-first", "champion")
    outcome = promote(settings, features, force=True, reason="pilot for one centre", n_boot=20)
    assert outcome["rule_pr_auc"] == 1.0 and outcome["rule_baseline"] == "arrears"
    tags = client.get_model_version_by_alias("gate-first", "champion").tags
    assert tags["reason"] == "pilot for one centre" and tags["forced"] == "True"
    assert tags["gate"].startswith("challenger v1 PR AUC") and tags["gate_pr_auc_rule"] == "1.0000"


def test_ews_promote_names_both_figures_and_force_overrides(
    tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _first_challenger(tiny_run, "gate-cli")
    (tmp_path / "features").mkdir()
    _rule_on_positives(tiny_run).to_parquet(tmp_path / "features" / "features.parquet")
    monkeypatch.setenv("EWS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EWS_MODELS_DIR", str(tiny_run.settings.models_dir))
    monkeypatch.setenv("EWS_MODEL_NAME", "gate-cli")
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(app, ["promote"])
        forced = CliRunner().invoke(app, ["promote", "--force", "--reason", "board decision"])
    finally:
        get_settings.cache_clear()
    assert refused.exit_code == 2
    assert "does not beat the rule baseline arrears" in refused.output
    assert "PR AUC 1.0000" in refused.output
    assert forced.exit_code == 0, forced.output
    assert "champion is now v1" in forced.output
