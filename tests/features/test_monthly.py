"""Monthly as-of dates: every month-end, point in time, the annual rows among them, honest labels,
messy panels (stale firms, events without statements, March year ends, no region)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pytest

from features.pipeline import (
    MONTHLY,
    MONTHS_PER_PASS,
    build_features,
    data_end,
    features_on_dates,
    monthly_as_of_dates,
)
from features.statements import as_of_dates
from tests.factories import firm, random_panel, statement, tables

FIRM = "1000000001"


def test_monthly_dates_are_month_ends_holding_every_30_june() -> None:
    panel = random_panel(n_firms=20, years=range(2016, 2022), seed=1)
    annual = as_of_dates(panel.financials)
    monthly = monthly_as_of_dates(panel.financials)
    assert all(d.is_month_end for d in monthly)
    assert set(annual) <= set(monthly)
    assert monthly[0] == annual[0] and monthly[-1] == annual[-1]
    assert len(monthly) == 12 * (len(annual) - 1) + 1
    last_two = monthly_as_of_dates(panel.financials, years=2)
    assert {d.year for d in last_two} == {annual[-1].year - 1, annual[-1].year}
    with pytest.raises(ValueError, match="years"):
        monthly_as_of_dates(panel.financials, years=0)


def test_monthly_table_holds_the_annual_rows_on_30_june() -> None:
    """Passes of MONTHS_PER_PASS dates concatenate to the annual table's rows on its dates:
    features, flags and the default-event label alike."""
    panel = random_panel(n_firms=50, years=range(2015, 2022), seed=4)
    monthly = build_features(panel, frequency=MONTHLY)
    annual = build_features(panel)
    assert monthly["as_of"].nunique() > MONTHS_PER_PASS  # more than one pass was made
    june = monthly[monthly["as_of"].isin(annual["as_of"].unique())].reset_index(drop=True)
    pdt.assert_frame_equal(june, annual.reset_index(drop=True))


def test_passes_equal_one_pass() -> None:
    panel = random_panel(n_firms=30, years=range(2016, 2021), seed=2)
    dates = monthly_as_of_dates(panel.financials)
    whole = features_on_dates(panel, dates)
    passed = build_features(panel, dates, frequency=MONTHLY).drop(columns="label")
    pdt.assert_frame_equal(passed, whole)


def test_unknown_frequency_is_refused() -> None:
    with pytest.raises(ValueError, match="frequency"):
        build_features(random_panel(n_firms=5), frequency="weekly")


def _one_firm(events: list[dict[str, object]] | None = None, **filing: object) -> pd.DataFrame:
    fin = [statement(FIRM, y) for y in (2018, 2019)]
    fin.append(statement(FIRM, 2020, **filing))  # type: ignore[arg-type]
    t = tables([firm(FIRM)], fin, events)
    dates = list(pd.date_range("2021-01-31", "2021-12-31", freq="ME"))
    return build_features(t, dates, frequency=MONTHLY).set_index("as_of")


def test_a_statement_counts_from_the_month_end_after_it_was_filed() -> None:
    rows = _one_firm(filed_on=pd.Timestamp(2021, 5, 10))
    assert rows.loc["2021-04-30", "fiscal_year"] == 2019
    assert rows.loc["2021-05-31", "fiscal_year"] == 2020
    # The statement's age grows month by month until the next one is filed.
    ages = rows.loc["2021-05-31":"2021-12-31", "statement_age_months"].to_numpy()
    assert np.all(np.diff(ages) > 0)


def test_an_arrears_event_moves_the_firm_at_the_next_month_end_not_next_june() -> None:
    event = {"firm_id": FIRM, "event_date": pd.Timestamp(2021, 8, 14), "event_type": "tax_arrears"}
    rows = _one_firm([event])
    count = rows["tax_arrears_12m"]
    assert count.loc[:"2021-07-31"].eq(0).all()
    assert count.loc["2021-08-31":].eq(1).all()
    assert rows.loc["2021-08-31", "recent_arrears"]
    assert rows.loc["2021-09-30", "months_since_arrears"] == pytest.approx(47 / 30.4375)


def test_an_event_on_the_month_end_counts_from_the_next_one() -> None:
    """Events strictly before the as-of date (SPEC §5): each belongs to one month."""
    event = {"firm_id": FIRM, "event_date": pd.Timestamp(2021, 8, 31), "event_type": "wage_arrears"}
    rows = _one_firm([event])
    assert rows.loc["2021-08-31", "wage_arrears_12m"] == 0
    assert rows.loc["2021-09-30", "wage_arrears_12m"] == 1


def test_a_default_removes_the_firm_from_the_next_month_end_and_labels_the_months_before() -> None:
    closure = {"firm_id": FIRM, "event_date": pd.Timestamp(2021, 9, 3), "event_type": "closure"}
    # Another firm's later event: the data run past every horizon (no statement, no row).
    later = {
        "firm_id": "1000000099",
        "event_date": pd.Timestamp(2023, 1, 2),
        "event_type": "closure",
    }
    rows = _one_firm([closure, later])
    assert rows.index.max() == pd.Timestamp(2021, 8, 31)  # out of the population afterwards
    # Within 12 months before the closure: label 1 on every month-end (all are).
    assert rows["label"].eq(1).all()


def test_monthly_labels_stay_honest_for_next_statement_rules() -> None:
    """Labels about the next statement belong to the first month-end of each statement, once;
    stale rows get none; an open horizon leaves the label missing."""
    panel = random_panel(n_firms=40, years=range(2015, 2022), seed=5)
    table = build_features(panel, frequency=MONTHLY, label_rules=("capital_impairment",))
    labelled = table[table["label"].notna()]
    assert not labelled.duplicated(["firm_id", "fiscal_year"]).any()
    first = table.groupby(["firm_id", "fiscal_year"])["as_of"].transform("min")
    assert (labelled["as_of"] == first[labelled.index]).all()
    events = build_features(panel, frequency=MONTHLY)
    stale = events["statement_age_months"] > 18
    assert events.loc[stale, "label"].isna().all()
    end = pd.concat([panel.financials["filed_on"], panel.events["event_date"]]).max()
    open_horizon = events["as_of"] + pd.DateOffset(months=12) > end
    assert events.loc[open_horizon, "label"].isna().all()


def test_messy_panel_stale_firm_events_without_statements_march_year_end_no_region() -> None:
    """A firm that stopped filing is carried as stale (no label), a firm with events but no
    statement gets no row (and no crash), a March year end counts once filed, and a firm
    without a region keeps "00"."""
    stopped, eventful, march, nowhere = "2000000001", "2000000002", "2000000003", "2000000004"
    fin = [statement(stopped, y) for y in (2016, 2017)]
    fin += [statement(nowhere, y) for y in (2018, 2019, 2020)]
    for year in (2018, 2019, 2020):
        row = statement(march, year)
        row["period_end"] = pd.Timestamp(year + 1, 3, 31)
        row["filed_on"] = pd.Timestamp(year + 1, 6, 28)
        fin.append(row)
    events = [
        {"firm_id": eventful, "event_date": pd.Timestamp(2021, 2, 1), "event_type": "tax_arrears"},
        {"firm_id": stopped, "event_date": pd.Timestamp(2021, 3, 1), "event_type": "wage_arrears"},
    ]
    firms = [firm(stopped), firm(eventful), firm(march, ksic="C"), firm(nowhere, region="00")]
    t = tables(firms, fin, events)
    dates = list(pd.date_range("2020-07-31", "2021-12-31", freq="ME"))
    rows = build_features(t, dates, frequency=MONTHLY)
    assert eventful not in set(rows["firm_id"])
    old = rows[rows["firm_id"] == stopped]
    assert (old["statement_age_months"] > 18).all() and old["label"].isna().all()
    assert old.set_index("as_of").loc["2021-03-31", "wage_arrears_12m"] == 1
    yearly = rows[rows["firm_id"] == march].set_index("as_of")["fiscal_year"]
    assert yearly.loc["2021-05-31"] == 2019 and yearly.loc["2021-06-30"] == 2020
    assert set(rows.loc[rows["firm_id"] == nowhere, "region"]) == {"00"}


def test_monthly_rows_run_to_the_event_feeds_end_without_labels_past_the_last_year() -> None:
    """Month-ends after the last yearly date are what the service scores now: rows up to the
    month-end on or before the newest event, their labels missing (the horizon is open)."""
    panel = random_panel(n_firms=30, years=range(2016, 2021), seed=6)
    last_year = as_of_dates(panel.financials)[-1]
    news = {"firm_id": "1000000003", "event_date": last_year + pd.DateOffset(months=7, days=9)}
    events = pd.concat(
        [panel.events, pd.DataFrame([{**news, "event_type": "tax_arrears"}])], ignore_index=True
    ).astype(panel.events.dtypes.to_dict())
    table = build_features(replace(panel, events=events), frequency=MONTHLY)
    assert table["as_of"].max() == last_year + pd.offsets.MonthEnd(7)
    later = table[table["as_of"] > last_year]
    assert len(later) and later["label"].isna().all()
    assert data_end(replace(panel, events=panel.events.iloc[:0])) is None


def test_monthly_default_labels_stop_at_the_event_feeds_end_not_the_last_filing() -> None:
    """A later filing does not make months without events look observed: no label is decided
    past the newest event, where the annual rule would take the filing's date."""
    fin = [statement(FIRM, y) for y in (2018, 2019, 2020)]
    fin.append(statement(FIRM, 2021, filed_on=pd.Timestamp(2023, 3, 31)))
    other = {
        "firm_id": "1000000099",
        "event_date": pd.Timestamp(2021, 9, 3),
        "event_type": "closure",
    }
    t = tables([firm(FIRM)], fin, [other])
    dates = list(pd.date_range("2020-01-31", "2021-06-30", freq="ME"))
    rows = build_features(t, dates, frequency=MONTHLY).set_index("as_of")["label"]
    assert rows.loc[:"2020-08-31"].eq(0).all()  # horizon within the event feed: decided
    assert rows.loc["2020-09-30":].isna().all()  # horizon past 2021-09-03: not observed
    yearly = build_features(t, [pd.Timestamp(2021, 6, 30)])["label"]
    assert yearly.eq(0).all()  # the annual rule counts the filing's date as observed
