"""A vendor's export end to end (issue 10, item 12): the demo world written as a real extract of
Korean audited unlisted firms is ingested, trained on the 한계기업 label, gated against the rule
it is judged by, and scored over HTTP.

The export has what real ones have: 6-character company codes with leading zeros and letters,
KSIC section letters, no balance sheet, no region, no filing date, missing years, negative
entries, March and June year ends, audit opinions and firms that stop filing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from core.bundle import fetch_registered
from core.settings import Settings
from features.demo import generate_demo
from features.demo.vendor import write_vendor_export
from features.ingestion import ingest, load_mapping
from features.pipeline import build_features
from features.signals import first_default
from features.tables import RawTables, read_tables
from serving.access.keys import create_key
from serving.app import create_app
from tests.conftest import small_params
from tests.serving.support import TestClient, auth
from training.pipeline import promote, train

MAPPING = Path(__file__).resolve().parents[1] / "mappings" / "vendor_statements.yaml"
RULES = ("marginal_firm",)


@dataclass(frozen=True)
class VendorWorld:
    settings: Settings
    tables: RawTables
    features: pd.DataFrame
    codes: set[str]  # the company codes in the export, read as text
    key: pd.DataFrame  # code -> demo firm_id and what the export did to the firm
    changes: pd.DataFrame  # every dropped firm-year and negative cell
    metrics: dict[str, float]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, demo_settings: Settings) -> VendorWorld:
    root = tmp_path_factory.mktemp("vendor")
    demo = generate_demo(2500, seed=5, first_year=2012, last_year=2025, kosis_file=None)
    export = write_vendor_export(demo, root / "export", seed=5)
    settings = demo_settings.model_copy(
        update={"data_dir": root / "data", "model_name": "vendor-marginal"}
    )
    reports = ingest(export.statements, load_mapping(MAPPING), settings.raw_dir)
    assert all(report.quarantined == 0 for report in reports)  # no key is broken
    tables = read_tables(settings.raw_dir)
    features = build_features(tables, label_rules=RULES)
    params = small_params(label_rules=RULES)
    firm_ids = tables.firms["firm_id"]
    defaults = first_default(tables.events, firm_ids).set_axis(firm_ids.to_numpy())
    result = train(features, params, settings, defaults)
    codes = set(pd.read_csv(export.statements, encoding="cp949", dtype=str)["회사코드"])
    key = pd.read_csv(export.key, dtype={"code": "string", "firm_id": "string"})
    changes = pd.read_csv(export.changes, dtype={"code": "string", "column": "string"})
    return VendorWorld(settings, tables, features, codes, key, changes, result.metrics)


@pytest.mark.slow
def test_codes_stay_text_and_reversals_lose_only_their_cell(world: VendorWorld) -> None:
    stored = set(world.tables.firms["firm_id"])
    assert stored == world.codes  # "006242" is not 6242, "A00123" is kept
    assert any(code.startswith("0") for code in stored)
    assert any(code[0].isalpha() for code in stored)
    assert set(world.tables.firms["ksic"].dropna()) <= set("ABCDEFGHIJKLMNOPQRSTU")
    negative = world.changes[world.changes["change"] == "negative"]
    financials = world.tables.financials.set_index(["firm_id", "fiscal_year"])
    for row in negative.itertuples():
        statement = financials.loc[(row.code, row.fiscal_year)]
        assert pd.isna(statement[row.column])  # the reversal is quarantined as a cell …
        assert pd.notna(statement["operating_income"])  # … and the rest of the year is kept


@pytest.mark.slow
def test_labels_are_missing_where_the_history_cannot_decide_them(world: VendorWorld) -> None:
    rows = world.features
    labelled = rows[rows["label"].notna()]
    assert len(labelled) and labelled["label"].sum() > 0
    # Never labelled: firms already 한계기업, and rows without four years of coverage.
    assert not labelled["marginal_firm"].any()
    assert (
        labelled[["interest_coverage", "interest_coverage_l1", "interest_coverage_l2"]]
        .notna()
        .all()
        .all()
    )
    # A firm that stops filing is stale afterwards, and its stale rows are never labelled.
    stopped = world.key.dropna(subset=["stopped_after"])
    late = rows[rows["firm_id"].isin(stopped["code"]) & (rows["statement_age_months"] > 18)]
    assert len(late) and late["label"].isna().all()


@pytest.mark.slow
def test_the_model_beats_the_rule_it_is_judged_by(world: VendorWorld) -> None:
    metrics = world.metrics
    assert np.isnan(metrics.get("test_roc_auc_altman", np.nan))  # no balance sheet: not computed
    assert metrics["test_pr_auc"] > metrics["test_pr_auc_rule"]
    assert metrics["test_roc_auc_in_rule_group"] > 0.5
    promote(world.settings, world.features)  # the rule gate lets it through


@pytest.mark.slow
def test_the_service_scores_the_vendor_panel_over_http(world: VendorWorld) -> None:
    """Codes with leading zeros, no region (analysts only), stale and already-marginal firms."""
    promote(world.settings, world.features)
    settings = world.settings.model_copy(
        update={"database_url": f"sqlite:///{world.settings.data_dir / 'service.db'}"}
    )
    model = fetch_registered(settings.tracking_uri, settings.model_name, "champion")
    app = create_app(settings, model=model, tables=world.tables)
    latest = world.features[world.features["as_of"] == world.features["as_of"].max()]
    fresh = latest[latest["statement_age_months"] <= 18]
    scored = fresh[~fresh["marginal_firm"] & fresh["firm_id"].str.startswith("0")]
    already = fresh[fresh["marginal_firm"]]
    stale = latest[latest["statement_age_months"] > 18]
    assert len(scored) and len(already) and len(stale)
    with TestClient(app) as client:
        engine = client.app.state.engine  # type: ignore[attr-defined]
        analyst = auth(create_key(engine, "analyst"))
        centre = auth(create_key(engine, "center", "26"))

        def score(firm_id: str, key: dict[str, str]) -> Any:
            return client.post("/v1/scores", json={"firm_id": firm_id}, headers=key)

        ok = score(str(scored["firm_id"].iloc[0]), analyst)
        assert ok.status_code == 200, ok.text
        body = ok.json()
        assert body["firm_id"].startswith("0") and body["region"] == "00"
        assert body["status"] == "ok" and 0 < body["pd"] < 1
        assert all("한계기업 진입 위험" in r["sentence_ko"] for r in body["reasons"])
        assert score(str(scored["firm_id"].iloc[0]), centre).status_code == 403
        in_state = score(str(already["firm_id"].iloc[0]), analyst).json()
        assert in_state["status"] == "in_state" and in_state["pd"] is None
        old = score(str(stale["firm_id"].iloc[0]), analyst).json()
        assert old["status"] == "stale" and old["grade"] is None
        assert old["statement_period_end"] is not None
