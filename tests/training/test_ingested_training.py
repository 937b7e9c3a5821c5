"""Real-shaped data end to end: a Korean statement export and a Korean event extract go
through the example mappings, the feature pipeline and training, partial statements included."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.contract import BALANCE_SHEET
from core.settings import Settings
from features.demo import generate_demo
from features.ingestion import ingest, load_mapping
from features.pipeline import build_features
from features.signals import first_default
from features.tables import read_tables
from tests.conftest import small_params
from tests.exports import korean_events, korean_export
from training.pipeline import train

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"


@pytest.mark.slow
def test_korean_export_ingests_trains_and_evaluates(
    tmp_path: Path, demo_settings: Settings
) -> None:
    # Without the KOSIS file, so the world is the same on every machine (it is optional).
    demo = generate_demo(1000, seed=5, first_year=2015, last_year=2023, kosis_file=None).tables
    statements = demo.financials.copy()
    # Partial statements: a fifth of the unaudited firms file no balance sheet at all.
    unaudited = demo.firms.loc[~demo.firms["audited"].astype(bool), "firm_id"]
    partial = statements["firm_id"].isin(unaudited.iloc[::5])
    statements.loc[partial, list(BALANCE_SHEET)] = np.nan
    korean_export(statements, demo.firms).to_csv(tmp_path / "재무제표.csv", index=False)
    korean_events(demo.events).to_csv(tmp_path / "사건.csv", index=False, encoding="cp949")

    raw = tmp_path / "data" / "raw"
    statement_reports = ingest(
        tmp_path / "재무제표.csv", load_mapping(MAPPINGS / "korean_statements.yaml"), raw
    )
    (event_report,) = ingest(
        tmp_path / "사건.csv", load_mapping(MAPPINGS / "korean_events.yaml"), raw, encoding="cp949"
    )
    assert all(r.quarantined == 0 for r in [*statement_reports, event_report])
    tables = read_tables(raw)
    pd.testing.assert_frame_equal(
        tables.financials.sort_values(["firm_id", "fiscal_year"]).reset_index(drop=True),
        statements.sort_values(["firm_id", "fiscal_year"]).reset_index(drop=True),
        atol=1e-3,  # 천원 -> whole 원 -> 천원
        check_dtype=False,
    )
    assert len(tables.events) == len(
        demo.events.drop_duplicates(["firm_id", "event_date", "event_type"])
    )

    features = build_features(tables)
    partial_ids = set(statements.loc[partial, "firm_id"])
    rows = features[features["firm_id"].isin(partial_ids)]
    assert len(rows) and rows["debt_ratio"].isna().all() and rows["operating_margin"].notna().any()
    # The session's MLflow store (already set up), under a model name of this test's own.
    settings = demo_settings.model_copy(
        update={"data_dir": tmp_path / "data", "model_name": "korean-export"}
    )
    firm_ids = tables.firms["firm_id"]
    defaults = first_default(tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    params = small_params(num_threads=1)
    result = train(features, params, settings, defaults, None, {"source": "korean export"})
    assert result.metrics["test_roc_auc"] > 0.65
    assert result.metrics["test_roc_auc"] > result.metrics["test_roc_auc_altman"] - 0.05
