"""The vectorised feature build equals the per-date reference build, row for row.

``features.pipeline`` computes every as-of date in one pass; ``features.reference`` keeps the
first, per-date version (each date filters the raw tables afresh). A small demo world is made
messy on purpose: partial statements, missing years, restated filings (later or on the same
day), firms founded after an as-of date, defaults, unknown firms, district-level and restated
regional figures, and an events table that is empty.
"""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from core.contract import FINANCIAL_AMOUNTS
from features.demo import generate_demo
from features.distributed import features_without_peers
from features.environment import industry_distress_rate
from features.labels import LABEL_RULES
from features.peers import ALL, PeerReference
from features.pipeline import (
    PEER_FEATURES,
    as_of_dates,
    build_context,
    build_features,
    features_as_of,
    with_labels,
)
from features.reference import build_features_by_date, features_as_of_by_date, features_by_date
from features.tables import RawTables, empty_table, normalise

ITEMS = list(FINANCIAL_AMOUNTS)


def _assert_same(fast: pd.DataFrame, reference: pd.DataFrame) -> None:
    """Same rows in the same order, same columns and dtypes, floats within 1e-12 relative."""
    assert len(reference) > 0
    pdt.assert_frame_equal(fast, reference, check_exact=False, rtol=1e-12, atol=0.0)


def _messy_financials(financials: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    statements = financials.copy()
    # Partial statements: some amounts were never reported.
    statements[ITEMS] = statements[ITEMS].mask(rng.random((len(statements), len(ITEMS))) < 0.05)
    # Missing years: some statements were never filed.
    statements = statements[rng.random(len(statements)) > 0.05]
    # Restatements: the same fiscal year filed again with other amounts, on the same day (the
    # later row wins) or up to ~16 months later (after the next as-of date, often).
    again = statements.sample(frac=0.08, random_state=1)
    again["filed_on"] += pd.to_timedelta(rng.choice([0, 20, 200, 500], len(again)), unit="D")
    again[ITEMS] = again[ITEMS].mul(rng.uniform(0.5, 1.5, len(again)), axis=0)
    # Filed on an as-of date (known on it), or on the day after (not known); and earlier years
    # restated on an as-of date, when they are a lag of the year then latest.
    on_the_day = statements.sample(frac=0.05, random_state=3)
    on_the_day["filed_on"] = _june_30(on_the_day["fiscal_year"] + 1)
    on_the_day["filed_on"] += pd.to_timedelta(rng.integers(0, 2, len(on_the_day)), unit="D")
    lag_restated = statements.sample(frac=0.05, random_state=4)
    lag_restated["filed_on"] = _june_30(
        lag_restated["fiscal_year"] + rng.integers(2, 4, len(lag_restated))
    )
    lag_restated[ITEMS] = lag_restated[ITEMS] * 2.0
    statements = statements.drop(on_the_day.index)
    unknown = statements.head(3).assign(firm_id="9999999999")  # a firm missing from `firms`
    unfiled = statements.tail(2).assign(filed_on=pd.NaT)  # no filing date: never known
    parts = [statements, on_the_day, lag_restated, again, unknown, unfiled]
    rows = pd.concat(parts, ignore_index=True).sample(frac=1.0, random_state=2)
    return normalise("financials", rows)


def _june_30(years: pd.Series) -> pd.Series:
    return pd.to_datetime(pd.DataFrame({"year": years, "month": 6, "day": 30}))


def _messy_firms(firms: pd.DataFrame, financials: pd.DataFrame) -> pd.DataFrame:
    firms = firms.copy()
    filing = firms["firm_id"].isin(financials["firm_id"])
    # Founded after some as-of dates on which they already have a statement.
    late = firms.index[filing][:12]
    firms.loc[late, "founded"] = pd.Timestamp(2019, 1, 1)
    firms.loc[firms.index[filing][12:14], "founded"] = pd.NaT  # founding date unknown
    firms.loc[firms.index[filing][14], "ksic"] = pd.NA  # industry unknown
    firms.loc[firms.index[filing][15], "cluster_id"] = "C-01"
    return normalise("firms", firms)


def _messy_regional(regional: pd.DataFrame) -> pd.DataFrame:
    # A figure restated in a later publication, and district-level rows that a 시도 ignores.
    restated = regional.tail(3).assign(
        published_on=lambda r: r["published_on"] + pd.Timedelta(days=90),
        grdp_growth=lambda r: r["grdp_growth"] + 1.0,
    )
    latest = regional[regional["period"] == regional["period"].max()]
    district = latest.head(5).assign(district="26110", unemployment_rate=99.0)
    on_the_day = regional.tail(2).assign(published_on=pd.Timestamp(2022, 6, 30), period=2099)
    parts = [regional.assign(district=pd.NA), restated, district, on_the_day]
    rows = pd.concat(parts, ignore_index=True)
    return normalise("regional", rows).assign(district=rows["district"].astype("string"))


def _events_on_the_edges(events: pd.DataFrame, firm_ids: pd.Series) -> pd.DataFrame:
    """Events on an as-of date (not yet known) and exactly 12 months before one (counted)."""
    firms = firm_ids.iloc[20:40].to_numpy()
    on_the_day = [pd.Timestamp(2020, 6, 30), pd.Timestamp(2019, 6, 30), pd.Timestamp(2020, 6, 29)]
    kinds = ["tax_arrears", "wage_arrears", "loan_delinquency_30", "bankruptcy"]
    edges = pd.DataFrame(
        {
            "firm_id": np.repeat(firms, 3),
            "event_date": on_the_day * len(firms),
            "event_type": [kinds[i % 4] for i in range(3 * len(firms))],
            "amount": 1_000.0,
        }
    )
    return normalise("events", pd.concat([events, edges], ignore_index=True))


@cache
def messy_world() -> RawTables:
    tables = generate_demo(300, seed=5, first_year=2015, last_year=2023).tables
    rng = np.random.default_rng(5)
    financials = _messy_financials(tables.financials, rng)
    return replace(
        tables,
        firms=_messy_firms(tables.firms, financials),
        financials=financials,
        events=_events_on_the_edges(tables.events, tables.firms["firm_id"]),
        regional=_messy_regional(tables.regional),
    )


@cache
def without_events() -> RawTables:
    """The messy world with no events at all, and 시도 figures only (no district column)."""
    world = messy_world()
    regional = world.regional[world.regional["district"].isna()].drop(columns="district")
    return replace(world, events=empty_table("events"), regional=regional)


@cache
def reference_features(world: str) -> pd.DataFrame:
    tables = messy_world() if world == "messy" else without_events()
    return features_by_date(tables)


def test_the_messy_world_has_what_it_should() -> None:
    tables = messy_world()
    restated = tables.financials.duplicated(["firm_id", "fiscal_year"], keep=False)
    assert restated.sum() > 20
    same_day = tables.financials.duplicated(["firm_id", "fiscal_year", "filed_on"])
    assert same_day.sum() > 0
    assert tables.financials[ITEMS].isna().any(axis=1).mean() > 0.3
    assert tables.events["event_type"].isin(["bankruptcy", "closure"]).any()
    late = tables.firms.set_index("firm_id")["founded"] > tables.financials["filed_on"].min()
    assert late.sum() >= 12
    built = build_features(tables)
    assert built["firm_id"].isin(late.index[late]).any()  # scored once founded
    assert (built["as_of"] == pd.Timestamp(2016, 6, 30)).sum() > 100


@pytest.mark.slow  # the per-date reference build (~2 s per world); quicker cases stay fast
@pytest.mark.parametrize("world", ["messy", "without_events"])
def test_same_table_as_the_per_date_build(world: str) -> None:
    tables = messy_world() if world == "messy" else without_events()
    expected = with_labels(reference_features(world).copy(), tables, ("default_event",), 12)
    _assert_same(build_features(tables), expected)


@pytest.mark.parametrize(
    "rules", [("capital_impairment",), ("marginal_firm",), LABEL_RULES], ids=str
)
def test_same_table_for_the_other_label_rules(rules: tuple[str, ...]) -> None:
    tables = messy_world()
    expected = with_labels(reference_features("messy").copy(), tables, rules, 12)
    _assert_same(build_features(tables, label_rules=rules), expected)


@pytest.mark.slow  # the per-date reference build with labels (~1.6 s)
def test_same_table_with_user_labels() -> None:
    keys = reference_features("messy")[["firm_id", "fiscal_year"]].drop_duplicates()
    labels = keys.assign(distress=(np.arange(len(keys)) % 7 == 0).astype(float))
    tables = replace(messy_world(), labels=labels)
    rules = ("column:distress", "default_event")
    expected = build_features_by_date(tables, label_rules=rules)
    _assert_same(build_features(tables, label_rules=rules), expected)


def test_dates_in_any_order_and_before_any_filing() -> None:
    tables = messy_world()
    dates = [pd.Timestamp(2021, 6, 30), pd.Timestamp(2017, 12, 31), pd.Timestamp(2018, 3, 1)]
    _assert_same(build_features(tables, dates), build_features_by_date(tables, dates))
    early = [pd.Timestamp(2016, 1, 1), pd.Timestamp(2019, 6, 30)]  # no statement filed by 2016
    _assert_same(build_features(tables, early), build_features_by_date(tables, early))


def test_one_date_with_a_market_context_as_the_service_scores() -> None:
    tables = messy_world()
    as_of = as_of_dates(tables.financials)[-2]
    cross_section = features_as_of_by_date(tables, as_of)
    rates = industry_distress_rate(tables.firms, tables.events, as_of)
    context = build_context(cross_section, rates)
    _assert_same(features_as_of(tables, as_of), cross_section)
    _assert_same(
        features_as_of(tables, as_of, context), features_as_of_by_date(tables, as_of, context)
    )
    one_firm = tables.for_firms([str(cross_section["firm_id"].iloc[5])])
    _assert_same(
        features_as_of(one_firm, as_of, context), features_as_of_by_date(one_firm, as_of, context)
    )


def test_pieces_without_peers_as_the_distributed_build_makes_them() -> None:
    tables = messy_world()
    as_of = as_of_dates(tables.financials)[-1]
    rates = industry_distress_rate(tables.firms, tables.events, as_of)
    piece = tables.for_firms(list(tables.firms["firm_id"].iloc[:150]))
    fast = features_without_peers(piece, as_of, rates)
    assert fast["peer_pct_debt_ratio"].isna().all()
    context = build_context(features_as_of(tables, as_of), rates)
    no_peers = PeerReference({source: {ALL: np.empty(0)} for source in PEER_FEATURES.values()})
    reference = features_as_of_by_date(piece, as_of, replace(context, peers=no_peers))
    _assert_same(fast, reference)
