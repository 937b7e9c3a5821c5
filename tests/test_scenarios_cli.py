"""`ews scenario run` and `ews scenario list` on the tiny demo world with its champion."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.main import app
from core.settings import get_settings
from tests.conftest import DemoRun

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def env(tiny_run: DemoRun, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    config = tmp_path / "config"
    (config / "scenarios").mkdir(parents=True)
    for path in (ROOT / "config" / "scenarios").glob("*.yaml"):
        (config / "scenarios" / path.name).write_text(path.read_text(encoding="utf-8"))
    monkeypatch.setenv("EWS_DATA_DIR", str(tiny_run.settings.data_dir))
    monkeypatch.setenv("EWS_MODELS_DIR", str(tiny_run.settings.models_dir))
    monkeypatch.setenv("EWS_CONFIG_DIR", str(config))
    get_settings.cache_clear()
    yield config
    get_settings.cache_clear()


def test_scenario_run_prints_the_tables(env: Path) -> None:
    result = CliRunner().invoke(app, ["scenario", "run", "rate_200bp", "--region", "26"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "금리 +200bp" in out and "region 26" in out
    assert "by region" in out and "by industry" in out and "by district" in out
    assert "부산" in out and "서울" not in out.split("by region")[1].split("by industry")[0]
    assert "interest_rate:" in out and "firms changed" in out
    path = ROOT / "config" / "scenarios" / "cluster_noksan_customer_loss.yaml"
    by_path = CliRunner().invoke(app, ["scenario", "run", str(path), "--by", "cluster"])
    assert by_path.exit_code == 0, by_path.output
    assert "by cluster" in by_path.output


def test_scenario_list_and_bad_input(env: Path) -> None:
    (env / "scenarios" / "zz_bad.yaml").write_text("name: bad\ntitle_ko: x\ntitle_en: x\n")
    listed = CliRunner().invoke(app, ["scenario", "list"])
    assert listed.exit_code == 0, listed.output
    assert "rate_100bp.yaml: 금리 +100bp" in listed.output
    assert "zz_bad.yaml: cannot be read" in listed.output and "field shocks" in listed.output
    bad = CliRunner().invoke(app, ["scenario", "run", "zz_bad"])
    assert bad.exit_code == 2 and "field shocks" in bad.output
    region = CliRunner().invoke(app, ["scenario", "run", "rate_100bp", "--region", "99"])
    assert region.exit_code == 2 and "--region" in region.output
