"""On the demo world, the expected crises of the watch lists match the crises that happened in
the out-of-time test year (scoring.watchlist_check), and ``ews watchlist-check`` says so."""

from __future__ import annotations

import pytest
import typer
from typer.testing import CliRunner

from cli import watchlist_check
from core.bundle import fetch_registered
from core.settings import get_settings
from scoring.watchlist_check import check_watchlists, held_out_year, report
from tests.conftest import DemoRun

CAPACITY = 10  # per 시도: about the riskiest 8% of the 2,500-firm demo world


@pytest.mark.slow
def test_expected_crises_match_observed_crises_on_the_test_year(demo_run: DemoRun) -> None:
    """|observed − expected| ≤ 3·√Σp(1−p) + 10%·expected over all 17 lists (module docstring
    of scoring.watchlist_check), and the lists hold far more crises than the world at large."""
    settings = demo_run.settings
    _, model = fetch_registered(settings.tracking_uri, settings.model_name, "champion")
    year = held_out_year(model)
    result = check_watchlists(demo_run.features, model, year, CAPACITY)
    print(report(result))
    assert result.passed, report(result)
    listed = sum(item.labelled for item in result.lists)
    year_rows = demo_run.features[demo_run.features["as_of"].dt.year == year]
    assert result.observed / listed > 2 * year_rows["label"].mean()


@pytest.mark.slow
def test_the_command_prints_the_check_and_exits_by_its_verdict(
    demo_run: DemoRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``ews watchlist-check`` (cli/watchlist_check.py) reads the stored features and the
    champion, prints the report and exits 0 on a pass, 1 on a fail."""
    monkeypatch.setenv("EWS_DATA_DIR", str(demo_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(demo_run.settings.models_dir))
    app = typer.Typer()
    app.command()(watchlist_check.check)
    get_settings.cache_clear()
    try:
        passed = CliRunner().invoke(app, ["--capacity", str(CAPACITY)])
        failed = CliRunner().invoke(app, ["--capacity", str(CAPACITY), "--allowance", "0"])
    finally:
        get_settings.cache_clear()
    assert passed.exit_code == 0, passed.output
    assert "PASS" in passed.output and f"capacity {CAPACITY} per 시도" in passed.output
    assert failed.exit_code == (0 if "PASS" in failed.output else 1), failed.output
