"""Drift monitoring: PSI and missing-share effect sizes, a reference logged with every run, and
`ews monitor` writing the report that the service serves."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from cli.main import app
from core.bundle import LoadedModel, fetch_registered
from core.contract.drift import DriftReport
from core.settings import get_settings
from tests.conftest import DemoRun
from training.monitor import (
    bin_edges,
    build_reference,
    drift_report,
    load_reference,
    monitoring_dir,
    psi,
    psi_level,
    shares,
)


@pytest.fixture(scope="module")
def champion(demo_run: DemoRun) -> LoadedModel:
    s = demo_run.settings
    return fetch_registered(s.tracking_uri, s.model_name, "champion")[1]


def test_psi_is_zero_for_the_same_shares_and_grows_with_a_shift() -> None:
    rng = np.random.default_rng(0)
    values = rng.normal(size=20_000)
    edges = bin_edges(values)
    reference = shares(values, edges)
    assert reference.sum() == pytest.approx(1.0)
    assert psi(reference, reference) == 0.0
    small = psi(reference, shares(values + 0.1, edges))
    large = psi(reference, shares(values + 1.0, edges))
    assert 0 < small < 0.1 < 0.25 < large
    assert [psi_level(v) for v in (0.05, 0.1, 0.2, 0.25, 1.0)] == [
        "stable",
        "moderate",
        "moderate",
        "major",
        "major",
    ]
    assert shares(np.array([np.nan, 1.0]), np.array([]))[-1] == 0.5  # missing is its own bin


def test_a_year_against_itself_shows_no_drift(demo_run: DemoRun, champion: LoadedModel) -> None:
    features = demo_run.features
    year = features[features["as_of"] == features["as_of"].max()]
    report = drift_report(features, champion, build_reference(year, champion))
    assert report.score.psi == pytest.approx(0.0, abs=1e-9)
    assert report.status == "stable"
    assert all(row.psi == pytest.approx(0.0, abs=1e-9) for row in report.features)
    big = [r for r in report.regions if r.rows >= 200]
    assert big and all(r.score_psi == pytest.approx(0.0, abs=1e-9) for r in big)


def test_a_shifted_feature_and_new_gaps_are_flagged_major(
    demo_run: DemoRun, champion: LoadedModel
) -> None:
    features = demo_run.features
    latest = features["as_of"] == features["as_of"].max()
    reference = build_reference(features[latest], champion)
    shifted = features.copy()
    shifted.loc[latest, "debt_ratio"] = shifted.loc[latest, "debt_ratio"] * 3 + 100
    gaps = latest & (np.arange(len(shifted)) % 2 == 0)
    shifted.loc[gaps, "operating_margin"] = np.nan
    report = drift_report(shifted, champion, reference)
    rows = {r.feature: r for r in report.features}
    assert rows["debt_ratio"].level == "major"
    assert rows["operating_margin"].missing_level == "major"
    assert rows["current_ratio"].level == "stable"


def test_grade_changes_compare_the_same_firms_at_two_dates(
    demo_run: DemoRun, champion: LoadedModel
) -> None:
    features = demo_run.features
    report = drift_report(features, champion, build_reference(features, champion))
    changes = report.grade_changes
    dates = sorted(features["as_of"].unique())
    both = set(features.loc[features["as_of"] == dates[-1], "firm_id"]) & set(
        features.loc[features["as_of"] == dates[-2], "firm_id"]
    )
    assert changes.firms_compared == len(both)
    assert changes.worse_share is not None and changes.better_share is not None
    assert changes.worse_share + changes.better_share == pytest.approx(changes.changed_share)
    moved = sum(n for a, row in changes.transitions.items() for b, n in row.items() if a != b)
    assert moved == round((changes.changed_share or 0.0) * len(both))


def test_ews_monitor_uses_the_logged_reference_and_writes_latest(
    demo_run: DemoRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert load_reference(demo_run.result.run_id) is not None  # logged by `train`
    monkeypatch.setenv("EWS_DATA_DIR", str(demo_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(demo_run.settings.models_dir))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(app, ["monitor"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert "status" in result.output
    folder = monitoring_dir(demo_run.settings)
    report = json.loads((folder / "latest.json").read_text(encoding="utf-8"))
    # What the service reads back with the same model, written again, is the same document.
    assert DriftReport.model_validate(report).document() == report
    assert report["reference"]["source"] == "artifact"
    assert report["as_of"] == str(pd.Timestamp(demo_run.features["as_of"].max()).date())
    assert report["model"]["version"] == demo_run.result.version
    assert (folder / "latest.md").read_text(encoding="utf-8").startswith("# Drift report")
