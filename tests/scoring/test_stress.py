"""Stress scenarios (``scoring.stress``): an interest-rate shock raises expected crises with its
size, leaves firms without debt exactly as they were, and equals scoring statements shocked by
hand through the same pipeline; scopes, the messy firms and bad scenario files."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from core.bundle import LoadedModel
from core.contract import BALANCE_SHEET
from features.peers import PeerReference, peer_keys
from features.pipeline import PEER_FEATURES, features_as_of
from features.tables import RawTables, normalise
from scoring import stress
from scoring.standing import standing_of
from scoring.stress import shocks
from scoring.stress.outcome import fit_peers
from scoring.stress.spec import ScenarioError, find_scenario, load_scenario, scenario_files
from tests.factories import firm, statement
from tests.serving.conftest import bundle_dir, loaded, panel

__all__ = ["bundle_dir", "loaded", "panel"]  # the serving tests' world, reused

ROOT = Path(__file__).resolve().parents[2]
BALANCE_SHEET_ITEMS = list(BALANCE_SHEET)
NO_DEBT, INCOME_ONLY, NO_REGION, NO_HEADCOUNT = "2000000001", "2000000002", "2000000003", "A0004"


def _messy(panel: RawTables) -> RawTables:
    """The serving world plus a firm without borrowings, one that files only an income
    statement, one without a region and one (with a letter in its id) without a headcount."""
    firms, rows = [], []
    years = range(2016, 2024)
    firms.append(firm(NO_DEBT, ksic="25112"))
    rows += [statement(NO_DEBT, y, borrowings=0.0, interest_expense=0.0) for y in years]
    firms.append(firm(INCOME_ONLY, ksic="56111"))
    rows += [statement(INCOME_ONLY, y, **dict.fromkeys(BALANCE_SHEET_ITEMS, np.nan)) for y in years]
    firms.append(firm(NO_REGION, region=None, district=None, ksic="25112"))
    rows += [statement(NO_REGION, y) for y in years]
    firms.append(firm(NO_HEADCOUNT, ksic="25112", cluster_id="26-C01"))
    rows += [statement(NO_HEADCOUNT, y, employees=np.nan) for y in years]
    return replace(
        panel,
        firms=pd.concat([panel.firms, normalise("firms", pd.DataFrame(firms))], ignore_index=True),
        financials=pd.concat(
            [panel.financials, normalise("financials", pd.DataFrame(rows))], ignore_index=True
        ),
    )


@pytest.fixture(scope="module")
def world(panel: RawTables) -> RawTables:
    return _messy(panel)


@pytest.fixture(scope="module")
def base(world: RawTables, loaded: LoadedModel) -> stress.Baseline:
    return stress.baseline(world, loaded)


def _rate(bp: float, **scope: list[str]) -> stress.Scenario:
    shock = {"type": "interest_rate", "bp": bp, "scope": scope}
    return stress.parse_scenario(
        {"name": f"rate_{bp:g}", "title_ko": "금리", "title_en": "rate", "shocks": [shock]}
    )


def _one(result: stress.StressResult, firm_id: str) -> pd.Series:
    rows = result.firms[result.firms["firm_id"] == firm_id]
    assert len(rows) == 1, firm_id
    return rows.iloc[0]


def test_interest_shock_raises_expected_crises_with_its_size(
    base: stress.Baseline, loaded: LoadedModel
) -> None:
    results = [stress.run(base, loaded, _rate(bp)) for bp in (0, 100, 200, 300)]
    expected = [r.totals()["expected_crises_after"] for r in results]
    before = results[0].totals()["expected_crises_before"]
    assert expected[0] == before and results[0].totals()["hit"] == 0
    assert all(a < b for a, b in pairwise(expected)), expected
    assert results[-1].totals()["worse"] > 0
    deltas = [r.totals()["employees_at_risk_delta"] for r in results]
    assert deltas[0] == 0 and deltas[-1] > 0


def test_firms_without_debt_are_unchanged_exactly(
    base: stress.Baseline, loaded: LoadedModel
) -> None:
    result = stress.run(base, loaded, _rate(300))
    for firm_id in (NO_DEBT, INCOME_ONLY):
        row = _one(result, firm_id)
        assert not row["hit"]
        assert row["pd_after"] == row["pd_before"] and row["grade_after"] == row["grade_before"]
    # The income-statement-only firm has no borrowings figure: the run says it could not price it.
    (count,) = result.counts
    assert count.unpriced == 1 and count.hit == result.totals()["hit"]
    assert _one(result, "1000000000")["hit"]


def _by_hand(tables: RawTables, as_of: pd.Timestamp, bp: float) -> RawTables:
    """Each firm's latest statement on ``as_of`` shocked row by row, as docs/scenarios.md says:
    interest on borrowings up, the extra interest out of profit, equity and operating cash flow,
    paid from cash and the rest borrowed short-term."""
    financials = tables.financials.copy()
    known = financials[financials["filed_on"] <= as_of]
    latest = known.sort_values(["firm_id", "fiscal_year", "filed_on"]).groupby("firm_id").tail(1)
    for label, row in latest.iterrows():
        debt, interest = row["borrowings"], row["interest_expense"]
        if not (debt > 0) or pd.isna(interest):
            continue
        extra = bp / 10_000 * debt
        changes = {"interest_expense": interest + extra}
        for item in ("pretax_income", "net_income", "retained_earnings", "equity"):
            changes[item] = row[item] - extra
        changes["operating_cash_flow"] = row["operating_cash_flow"] - extra
        paid = min(extra, max(row["cash"], 0.0)) if pd.notna(row["cash"]) else 0.0
        for item in ("cash", "current_assets", "total_assets"):
            changes[item] = row[item] - paid
        for item in ("borrowings", "current_liabilities", "total_liabilities"):
            changes[item] = row[item] + (extra - paid)
        for item, value in changes.items():
            financials.loc[label, item] = value
    return replace(tables, financials=financials)


def test_equals_scoring_hand_shocked_statements_through_the_pipeline(
    world: RawTables, base: stress.Baseline, loaded: LoadedModel
) -> None:
    result = stress.run(base, loaded, _rate(200))
    hand = features_as_of(_by_hand(world, base.as_of, 200), base.as_of, base.context)
    rated = standing_of(hand, loaded.bundle.label_rules).rated
    by_hand = pd.Series(loaded.predict_pd(hand), index=hand["firm_id"].astype(str))[rated]
    ours = result.firms.set_index("firm_id")["pd_after"]
    assert len(ours) == len(by_hand) > 300
    np.testing.assert_allclose(ours.reindex(by_hand.index).to_numpy(), by_hand.to_numpy())
    # Trees are steps: +200 bp moves a fifth of the tiny world's PDs, enough to compare.
    assert (ours != result.firms.set_index("firm_id")["pd_before"]).sum() > 30


def test_a_shocked_statement_stays_balanced(world: RawTables, base: stress.Baseline) -> None:
    scenario = stress.parse_scenario(
        {
            "name": "all",
            "title_ko": "복합",
            "title_en": "all",
            "shocks": [
                {"type": "interest_rate", "bp": 2000},
                {"type": "revenue", "pct": -60},
                {"type": "wage", "pct": 50},
                {"type": "energy", "pct": 400},
            ],
        }
    )
    latest = shocks.latest_statements(world.financials, world.firms, base.as_of)
    shocked = shocks.apply(world.financials, latest, scenario, None)
    after = shocks.latest_statements(shocked.financials, world.firms, base.as_of)
    old = world.financials.iloc[latest.rows].set_index("firm_id")
    new = shocked.financials.iloc[after.rows].set_index("firm_id").reindex(old.index)
    gap = old["total_assets"] - old["total_liabilities"] - old["equity"]
    gap_after = new["total_assets"] - new["total_liabilities"] - new["equity"]
    known = gap_after.dropna().index
    np.testing.assert_allclose(gap_after[known], gap[known], atol=1e-3)  # 천원: to a won
    assert (new["cash"].dropna() >= 0).all()
    assert (new["borrowings"] > old["borrowings"]).any()  # some firms ran out of cash
    # Missing stays missing: the income-statement-only firm has no balance sheet after either.
    assert new.loc[INCOME_ONLY, BALANCE_SHEET_ITEMS].isna().all()
    assert new.loc[INCOME_ONLY, "net_income"] < old.loc[INCOME_ONLY, "net_income"]


def test_revenue_shock_moves_operating_income_by_the_margin_lost(
    world: RawTables, base: stress.Baseline
) -> None:
    scenario = stress.parse_scenario(
        {
            "name": "rev",
            "title_ko": "매출",
            "title_en": "revenue",
            "shocks": [{"type": "revenue", "pct": -10, "scope": {"divisions": ["56"]}}],
        }
    )
    latest = shocks.latest_statements(world.financials, world.firms, base.as_of)
    shocked = shocks.apply(world.financials, latest, scenario, "26")
    hit = world.firms.set_index("firm_id").loc[list(shocked.firm_ids)]
    assert len(hit) and (hit["ksic"].str[:2] == "56").all() and (hit["region"] == "26").all()
    row = shocked.financials[shocked.financials["firm_id"] == INCOME_ONLY].iloc[-1]
    filed = statement(INCOME_ONLY, 2023)
    lost = 0.1 * (float(filed["revenue"]) - float(filed["cost_of_sales"]))  # type: ignore[arg-type]
    assert row["operating_income"] == pytest.approx(float(filed["operating_income"]) - lost)  # type: ignore[arg-type]
    assert row["revenue"] == pytest.approx(0.9 * float(filed["revenue"]))  # type: ignore[arg-type]


def test_minimum_wage_shock_hits_only_low_paying_firms(
    world: RawTables, base: stress.Baseline
) -> None:
    latest = shocks.latest_statements(world.financials, world.firms, base.as_of)
    # The factory's firms pay 800,000 천원 to 20 employees: 40,000 a head.
    for ceiling, hits in ((30_000, 0), (50_000, 1)):
        scenario = stress.parse_scenario(
            {
                "name": "wage",
                "title_ko": "최저임금",
                "title_en": "minimum wage",
                "shocks": [{"type": "wage", "pct": 10, "max_average_wage": ceiling}],
            }
        )
        shocked = shocks.apply(world.financials, latest, scenario, None)
        assert (len(shocked.firm_ids) > 0) == bool(hits)
        assert NO_HEADCOUNT not in set(shocked.firm_ids)  # unknown headcount: not known to be hit


def test_messy_firms_in_the_tables(base: stress.Baseline, loaded: LoadedModel) -> None:
    scenario = stress.parse_scenario(
        {
            "name": "cluster",
            "title_ko": "산단",
            "title_en": "cluster",
            "shocks": [{"type": "revenue", "pct": -50, "scope": {"clusters": ["26-C01"]}}],
        }
    )
    result = stress.run(base, loaded, scenario)
    by_region = result.table("region").set_index("region")
    assert "00" in by_region.index and by_region.loc["00", "firms"] == 1
    by_cluster = result.table("cluster").set_index("cluster")
    assert by_cluster.loc["26-C01", "hit"] == 1 and by_cluster.loc["", "hit"] == 0
    assert result.totals()["employees_unknown"] == 1
    assert result.totals()["employees_at_risk_delta"] == 0  # the one firm hit has no headcount
    assert result.totals()["expected_crises_delta"] > 0
    own = stress.run(base, loaded, scenario, region="26")
    assert set(own.firms["region"]) == {"26"}
    assert own.table("industry")["firms"].sum() == len(own.firms)
    assert result.crossings().to_numpy().sum() == len(result.firms)


def test_summary_for_the_brief(
    world: RawTables, loaded: LoadedModel, base: stress.Baseline
) -> None:
    path = ROOT / "config" / "scenarios" / "rate_200bp.yaml"
    table = stress.summary(world, loaded, path, region="26", by="district", base=base)
    assert list(table.columns[:3]) == ["district", "firms", "hit"]
    again = stress.summary(world, loaded, load_scenario(path), region="26", by="district")
    pd.testing.assert_frame_equal(table, again)


def test_every_shipped_scenario_file_reads() -> None:
    files = scenario_files(ROOT / "config" / "scenarios")
    names = {load_scenario(path).name for path in files}
    assert {"rate_100bp", "rate_200bp", "energy_30pct", "minimum_wage_10pct"} <= names
    assert len(names) == len(files) >= 7
    assert find_scenario(ROOT / "config" / "scenarios", "rate_200bp").name == "rate_200bp.yaml"


@pytest.mark.parametrize(
    ("text", "field", "words"),
    [
        ("name: x\ntitle_ko: a\ntitle_en: a\nshocks: []", "shocks", "at least 1"),
        (
            "name: x\ntitle_ko: a\ntitle_en: a\nshocks:\n  - type: interest_rate\n    bp: 9000",
            "shocks.0.bp",
            "less than or equal",
        ),
        (
            "name: x\ntitle_ko: a\ntitle_en: a\nshocks:\n  - type: tariff\n    pct: 5",
            "shocks.0",
            "tag",
        ),
        (
            "name: x\ntitle_ko: a\ntitle_en: a\nshocks:\n  - type: revenue\n    pct: -5\n"
            "    scope: {regions: ['99']}",
            "shocks.0.scope.regions.0",
            "not a 시도 code",
        ),
        (
            "name: x\ntitle_ko: a\ntitle_en: a\nshocks:\n  - type: revenue\n    pct: -5\n"
            "    scope: {region: ['26']}",
            "shocks.0.scope.region",
            "Extra inputs",
        ),
        ("name: x\ntitle_ko: [a\n", None, "not YAML"),
        ("- just a list", None, "mapping"),
    ],
)
def test_a_bad_file_is_refused_with_its_file_and_field(
    tmp_path: Path, text: str, field: str | None, words: str
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.file == "bad.yaml" and caught.value.field == field
    assert words in caught.value.message and "bad.yaml" in str(caught.value)


def test_a_scenario_name_is_a_file_name_not_a_path(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError, match="not a path"):
        find_scenario(tmp_path, "../secrets")
    with pytest.raises(ScenarioError, match="no such scenario"):
        find_scenario(tmp_path, "rate_999bp")


def test_the_fast_peer_fit_equals_the_pipelines(base: stress.Baseline) -> None:
    features = base.features.copy()
    features.loc[features.index[:5], "debt_ratio"] = np.nan  # a group with missing values
    keys = peer_keys(features["ksic"], features["size_class"])
    columns = sorted(set(PEER_FEATURES.values()))
    ours = fit_peers(features, keys, columns).values
    theirs = PeerReference.fit(features, keys, columns).values
    assert ours.keys() == theirs.keys()
    for column in columns:
        assert ours[column].keys() == theirs[column].keys()
        for group, values in theirs[column].items():
            np.testing.assert_array_equal(ours[column][group], values)
