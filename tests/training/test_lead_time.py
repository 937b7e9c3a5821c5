"""Lead time, monthly against annual: the matched alert volume, unbroken flags, stale rows, and
the comparison on a small monthly table with stand-in models."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mlflow
import numpy as np
import pandas as pd
import pytest

from cli.monthly import monthly_settings
from core.grades import GradeTable
from core.settings import Settings
from features.pipeline import MONTHLY, build_features
from features.tables import read_tables
from tests.conftest import DemoRun, small_params
from training import registry
from training.lead_time import (
    LeadTimeError,
    alert_volume,
    compare_lead_time,
    comparison_text,
    comparison_year,
    lead_row,
    matched_threshold,
)
from training.pipeline import train


def _scored(pds: dict[str, list[float]], dates: list[str]) -> pd.DataFrame:
    rows = [
        {"firm_id": firm, "as_of": pd.Timestamp(d), "pd": p, "rated": True}
        for firm, values in pds.items()
        for d, p in zip(dates, values, strict=True)
    ]
    return pd.DataFrame(rows)


def test_matched_threshold_gives_the_volume_asked_for() -> None:
    rng = np.random.default_rng(0)
    dates = [f"2025-{m:02d}-28" for m in range(1, 13)]
    scored = _scored({f"f{i}": list(rng.random(12)) for i in range(200)}, dates)
    for volume in (0.05, 0.1, 0.3):
        threshold = matched_threshold(scored, volume)
        assert alert_volume(scored, threshold) == pytest.approx(volume, abs=1 / 200)
        assert alert_volume(scored, threshold) <= volume + 1e-12


def test_matched_threshold_moves_ties_together_and_stays_within_the_volume() -> None:
    scored = _scored({"a": [0.9], "b": [0.5], "c": [0.5], "d": [0.1]}, ["2025-01-31"])
    assert matched_threshold(scored, 0.5) == 0.9  # b and c together would make 75 %
    assert matched_threshold(scored, 0.75) == 0.5
    assert alert_volume(scored, matched_threshold(scored, 0.1)) == 0.0  # nothing fits


def test_a_warning_counts_only_unbroken_and_stale_rows_do_not_warn() -> None:
    dates = ["2025-06-30", "2025-07-31", "2025-08-31", "2025-09-30"]
    scored = _scored(
        {"kept": [0.5, 0.5, 0.5, 0.5], "lapsed": [0.5, 0.0, 0.5, 0.0], "late": [0, 0, 0.5, 0.5]},
        dates,
    )
    scored.loc[(scored["firm_id"] == "late") & (scored["as_of"] == dates[3]), "rated"] = False
    events = pd.Series(pd.Timestamp("2025-10-15"), index=["kept", "lapsed", "late"])
    row = lead_row("x", scored, events, 0.4)
    assert row["events"] == 3 and row["warned"] == 1  # lapsed broke; late went stale
    assert row["median_months_ahead"] == pytest.approx(107 / 30.4375)
    assert row["warned_share"] == pytest.approx(1 / 3)


@dataclass(frozen=True)
class _Bundle:
    grade_table: GradeTable
    split: dict[str, object]


SPLIT = {"train_years": [2019, 2024], "valid_year": 2025, "test_year": 2026}


@dataclass(frozen=True)
class _Model:
    """A stand-in model: its PD is a column of the feature rows."""

    column: str
    bundle: _Bundle = _Bundle(GradeTable(), SPLIT)

    def predict_pd(self, rows: pd.DataFrame) -> np.ndarray:
        return rows[self.column].to_numpy("float64")


def _monthly_table() -> tuple[pd.DataFrame, pd.Series]:
    """Firms on month-ends 2024-06 … 2026-06; firm e1 fails in 2026-10 and shows it in the
    monthly score from 2026-02, e2 in 2026-08 and shows it in neither; the rest are healthy."""
    dates = pd.date_range("2024-06-30", "2026-06-30", freq="ME")
    firms = ["e1", "e2", *(f"h{i}" for i in range(38))]
    rows = pd.DataFrame(
        [(f, d) for d in dates for f in firms], columns=["firm_id", "as_of"]
    ).assign(statement_age_months=6.0, label=0.0, annual_pd=0.01, monthly_pd=0.01)
    signal = (rows["firm_id"] == "e1") & (rows["as_of"] >= "2026-02-28")
    rows.loc[signal, "monthly_pd"] = 0.5
    busy = rows["firm_id"] == "h0"  # a firm both models keep flagged: the alert volume
    rows.loc[busy, ["annual_pd", "monthly_pd"]] = 0.6
    rows.loc[rows["firm_id"].isin(["e1", "e2"]) & (rows["as_of"] == "2026-06-30"), "label"] = 1.0
    defaults = pd.Series(
        [pd.Timestamp("2026-10-05"), pd.Timestamp("2026-08-20")], index=["e1", "e2"]
    )
    return rows, defaults


def test_comparison_measures_both_on_the_annual_test_years_events() -> None:
    rows, defaults = _monthly_table()
    comparison = compare_lead_time(
        rows,
        _Model("annual_pd"),  # type: ignore[arg-type]
        _Model("monthly_pd"),  # type: ignore[arg-type]
        defaults,
        2026,
    )
    table = comparison.table.set_index("scoring")
    assert comparison.events == 2
    annual = table.loc["annual model, 30 June, 경계 cut"]
    assert annual["as_of_dates"] == 2 and annual["warned"] == 0
    assert annual["alert_volume"] == pytest.approx(1 / 40)
    monthly = table.loc["monthly model, month-ends, same volume"]
    # The busy firm fills the volume on most dates; e1's flag costs volume only on 5 of 13.
    assert monthly["alert_volume"] <= annual["alert_volume"] + 1e-12
    own_cut = table.loc["monthly model, month-ends, 경계 cut"]
    assert own_cut["warned"] == 1
    assert own_cut["median_months_ahead"] == pytest.approx(219 / 30.4375)
    assert "Test year 2026" in comparison_text(comparison)
    assert comparison.metrics()  # logged to MLflow


def test_comparison_refuses_a_table_without_the_annual_date() -> None:
    rows, defaults = _monthly_table()
    rows = rows[rows["as_of"] != pd.Timestamp("2026-06-30")]
    with pytest.raises(LeadTimeError, match="2026-06-30"):
        compare_lead_time(rows, _Model("annual_pd"), _Model("monthly_pd"), defaults, 2026)  # type: ignore[arg-type]


def test_the_annual_models_test_year_is_used_and_a_fitted_one_refused() -> None:
    annual = _Model("annual_pd")
    assert comparison_year(annual, _Model("monthly_pd")) == (2026, "")  # type: ignore[arg-type]
    fitted = _Model("m", _Bundle(GradeTable(), {**SPLIT, "train_years": [2019, 2026]}))
    earlier = _Model("a", _Bundle(GradeTable(), {**SPLIT, "test_year": 2025}))
    year, note = comparison_year(earlier, _Model("monthly_pd"))  # type: ignore[arg-type]
    assert year == 2025 and "flattered" in note
    with pytest.raises(LeadTimeError, match="fitted on"):
        comparison_year(annual, fitted)  # type: ignore[arg-type]


@pytest.mark.slow
def test_a_monthly_model_is_trained_registered_and_reports_its_lead_time(
    tiny_run: DemoRun, tmp_path: Path
) -> None:
    """`ews monthly train`'s path: the tiny world's monthly table, the annual champion to
    compare with; the report gets the section and the run the lead-time metrics."""
    annual = registry.load_alias(tiny_run.settings, registry.CHAMPION)
    tables = read_tables(tiny_run.settings.raw_dir)
    table = build_features(tables, frequency=MONTHLY, years=4)
    settings = Settings(data_dir=tmp_path / "data", models_dir=tmp_path / "models")
    result = train(
        table,
        small_params(),
        monthly_settings(settings),
        tiny_run.first_defaults,
        None,
        n_boot=20,
        lead_time_against=annual,
    )
    assert "lead_time_annual_warned_share" in result.metrics
    assert any(k.startswith("lead_time_monthly_warned") for k in result.metrics)
    run = mlflow.get_run(result.run_id)
    assert run.data.metrics["lead_time_annual_alert_volume"] > 0
    folder = mlflow.artifacts.download_artifacts(
        run_id=result.run_id, artifact_path="report", tracking_uri=settings.tracking_uri
    )
    text = (Path(folder) / "report.md").read_text(encoding="utf-8")
    assert "## Lead time: monthly against annual scoring" in text
    assert (Path(folder) / "lead_time_monthly_vs_annual.csv").exists()
