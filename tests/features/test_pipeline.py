"""Point-in-time features: no leakage, labels in the right window, the right population."""

import pandas as pd
import pandas.testing as pdt

from features.catalog import FEATURE_NAMES
from features.pipeline import build_features, features_as_of
from features.tables import RawTables, normalise
from tests.factories import firm, random_panel, statement, tables

AS_OF = pd.Timestamp(2021, 6, 30)


def _with_rows(base: RawTables, financials: list[dict], events: list[dict]) -> RawTables:
    more_fin = normalise("financials", pd.DataFrame(financials))
    more_evt = normalise("events", pd.DataFrame(events))
    return RawTables(
        firms=base.firms,
        financials=pd.concat([base.financials, more_fin], ignore_index=True),
        events=pd.concat([base.events, more_evt], ignore_index=True),
        regional=base.regional,
        visits=base.visits,
    )


def test_later_filings_and_events_change_no_feature() -> None:
    base = random_panel(n_firms=40, years=range(2016, 2021), seed=3)
    firm_id = base.firms["firm_id"].iloc[0]
    # A restatement of FY2020 filed after the as-of date, a FY2021 statement, later events.
    late = [
        statement(firm_id, 2020, revenue=1.0, filed_on=pd.Timestamp(2021, 7, 1)),
        statement(
            firm_id, 2021, revenue=5.0, filed_on=pd.Timestamp(2021, 6, 30) + pd.Timedelta(days=1)
        ),
    ]
    later_events = [
        {"firm_id": firm_id, "event_date": AS_OF, "event_type": "bankruptcy"},
        {
            "firm_id": firm_id,
            "event_date": AS_OF + pd.Timedelta(days=40),
            "event_type": "tax_arrears",
        },
    ]
    before = features_as_of(base, AS_OF)
    after = features_as_of(_with_rows(base, late, later_events), AS_OF)
    pdt.assert_frame_equal(before, after)


def test_statement_filed_on_the_as_of_date_is_known() -> None:
    t = tables([firm("1000000001")], [statement("1000000001", 2020, filed_on=AS_OF)])
    row = features_as_of(t, AS_OF)
    assert row["fiscal_year"].tolist() == [2020]


def test_label_window_starts_on_the_as_of_date() -> None:
    events = [
        {"firm_id": "1000000001", "event_date": pd.Timestamp(2022, 6, 29), "event_type": "closure"},
        {"firm_id": "1000000002", "event_date": pd.Timestamp(2022, 6, 30), "event_type": "closure"},
    ]
    fin = [statement(f, y) for f in ("1000000001", "1000000002") for y in (2019, 2020)]
    fin.append(statement("1000000003", 2023))  # keeps the observed window open past 2022-06
    t = tables([firm("1000000001"), firm("1000000002"), firm("1000000003")], fin, events)
    table = build_features(t, dates=[AS_OF])
    labels = dict(zip(table["firm_id"], table["label"], strict=True))
    assert labels["1000000001"] == 1.0  # inside [as_of, as_of + 12 months)
    assert labels["1000000002"] == 0.0  # on the first day after the window


def test_firms_already_in_distress_are_not_scored() -> None:
    when = pd.Timestamp(2021, 1, 5)
    events = [{"firm_id": "1000000001", "event_date": when, "event_type": "dishonored_bill"}]
    t = tables(
        [firm("1000000001"), firm("1000000002")],
        [statement(f, 2020) for f in ("1000000001", "1000000002")],
        events,
    )
    assert features_as_of(t, AS_OF)["firm_id"].tolist() == ["1000000002"]


def test_unlabelled_when_the_horizon_runs_past_the_data() -> None:
    t = random_panel(n_firms=10, years=range(2016, 2021))
    table = build_features(t)
    last = table["as_of"].max()
    assert table.loc[table["as_of"] == last, "label"].isna().all()


def test_partial_statements_leave_features_missing() -> None:
    only_income = statement("1000000001", 2020)
    for item in (
        "total_assets",
        "total_liabilities",
        "equity",
        "current_assets",
        "current_liabilities",
    ):
        only_income[item] = None
    t = tables([firm("1000000001")], [only_income])
    row = features_as_of(t, AS_OF).iloc[0]
    assert pd.isna(row["debt_ratio"]) and pd.isna(row["current_ratio"])
    assert row["operating_margin"] == 0.1


def test_flags_marginal_firm_and_capital_impairment() -> None:
    fin = [
        statement(
            "1000000001",
            y,
            operating_income=5_000.0,
            interest_expense=20_000.0,
            equity=-10_000.0,
            net_income=-1.0,
        )
        for y in (2018, 2019, 2020)
    ]
    row = features_as_of(tables([firm("1000000001")], fin), AS_OF).iloc[0]
    assert row["marginal_firm"] and row["temporary_marginal"]
    assert row["complete_capital_impairment"] and not row["partial_capital_impairment"]
    assert row["losses_3y"]


def test_every_catalogued_feature_is_produced() -> None:
    table = build_features(random_panel(n_firms=12, years=range(2017, 2021)))
    assert set(FEATURE_NAMES) <= set(table.columns)
