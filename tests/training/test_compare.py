"""Champion/challenger: both models on the same rows, paired intervals, grade changes with
reasons that add up, and the promotion gate's rules."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.bundle import LoadedModel, fetch_registered
from core.settings import get_settings
from tests.conftest import DemoRun
from training.compare import Comparison, GateRules, compare, reason_points
from training.params import TrainParams
from training.pipeline import fit_model, split_years

SHALLOW = TrainParams(
    num_leaves=4, max_depth=2, max_rounds=30, learning_rate=0.2, min_child_samples=40, num_threads=1
)


@pytest.fixture(scope="module")
def models(demo_run: DemoRun) -> tuple[tuple[str, LoadedModel], tuple[str, LoadedModel]]:
    """(challenger, champion): a deliberately shallow model against the demo champion."""
    s = demo_run.settings
    champion = fetch_registered(s.tracking_uri, s.model_name, "champion")
    split = split_years(demo_run.features, SHALLOW)
    challenger = fit_model(split, SHALLOW, Path(tempfile.mkdtemp()) / "bundle")
    return ("99", challenger), champion


def test_both_models_are_measured_on_the_same_test_rows(
    demo_run: DemoRun, models: tuple[tuple[str, LoadedModel], tuple[str, LoadedModel]]
) -> None:
    challenger, champion = models
    result = compare(challenger, champion, demo_run.features, n_boot=50)
    metrics = result.metrics.set_index("metric")
    auc = metrics.loc["roc_auc"]
    assert auc["ci_low"] <= auc["difference"] <= auc["ci_high"]
    assert metrics.loc["brier", "difference"] == pytest.approx(
        metrics.loc["brier", "challenger"] - metrics.loc["brier", "champion"]
    )
    test_rows = (demo_run.features["as_of"].dt.year == result.test_year) & demo_run.features[
        "label"
    ].notna()
    assert result.calibration["firms_challenger"].sum() == test_rows.sum()
    assert result.calibration["firms_champion"].sum() == test_rows.sum()
    latest = demo_run.features["as_of"] == demo_run.features["as_of"].max()
    assert result.migration.to_numpy().sum() == latest.sum()
    off_diagonal = result.migration.to_numpy().sum() - np.trace(result.migration.to_numpy())
    assert len(result.changes) == off_diagonal > 0
    assert result.changes["reasons"].str.contains("%p").all()
    assert "## Firms whose grade would change" in result.to_markdown()


def test_reason_points_add_up_to_the_change_in_pd(
    demo_run: DemoRun, models: tuple[tuple[str, LoadedModel], tuple[str, LoadedModel]]
) -> None:
    (_, new), (_, old) = models
    rows = demo_run.features.tail(300)
    features, base = reason_points(new, old, rows)
    np.testing.assert_allclose(
        features.sum(axis=1) + base, new.predict_pd(rows) - old.predict_pd(rows), atol=1e-12
    )


def _comparison(auc: tuple[float, float], brier: tuple[float, float], low: float) -> Comparison:
    metrics = pd.DataFrame(
        {
            "metric": ["roc_auc", "brier"],
            "challenger": [auc[0], brier[0]],
            "champion": [auc[1], brier[1]],
            "ci_low": [np.nan, low],
        }
    )
    empty = pd.DataFrame()
    return Comparison("2", "1", 2025, "2026-06-30", metrics, empty, empty, empty)


def test_the_gate_refuses_lower_auc_or_clearly_worse_brier() -> None:
    assert _comparison((0.80, 0.80), (0.020, 0.020), 0.0).refusal() is None
    assert "below champion" in (_comparison((0.79, 0.80), (0.02, 0.02), 0.0).refusal() or "")
    assert _comparison((0.79, 0.80), (0.02, 0.02), 0.0).refusal(GateRules(0.02)) is None
    worse = _comparison((0.81, 0.80), (0.025, 0.020), 0.001)
    assert "Brier" in (worse.refusal() or "")
    assert _comparison((0.81, 0.80), (0.025, 0.020), -0.001).refusal() is None  # not clear


def test_ews_compare_prints_and_writes_the_comparison(
    demo_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("EWS_DATA_DIR", str(demo_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(demo_run.settings.models_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["compare", "--out", str(tmp_path), "--bootstrap", "20"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "# Challenger v" in result.output and "**Gate:**" in result.output
    assert "## Against the label rule" in result.output and "best rule arrears" in result.output
    written = list(tmp_path.glob("challenger-v*-vs-champion-v*.md"))
    assert len(written) == 1 and "## Metrics" in written[0].read_text(encoding="utf-8")
