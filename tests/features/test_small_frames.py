"""The single-firm path (a few rows: a submitted statement, the planner's candidates) computes on
plain arrays; these pin that it gives what the table-wide definitions give, messy inputs included.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt

from core import ksic
from features import environment, ratios
from features.flags import icr_below_one_2y, rule_flags


def test_ksic_parts_of_messy_codes() -> None:
    codes = pd.Series(
        ["25111", "C", "C25", None, "99", "A", "0111", "47", "U", "5", "V", "c", "123456", "00"],
        dtype="string",
        index=range(10, 24),
        name="ksic",
    )
    division = ["25", None, None, None, "99", None, "01", "47", None, None, None, None, None, "00"]
    section = ["C", "C", None, None, "U", "A", "A", "G", "U", None, None, None, None, None]
    expected = pd.Series(division, dtype="string", index=codes.index, name="ksic")
    pdt.assert_series_equal(ksic.division(codes), expected)
    pdt.assert_series_equal(
        ksic.section(codes), pd.Series(section, dtype="string", index=codes.index, name="ksic")
    )
    industry = [d if d is not None else s for d, s in zip(division, section, strict=True)]
    pdt.assert_series_equal(
        ksic.industry(codes), pd.Series(industry, dtype="string", index=codes.index, name="ksic")
    )
    # Codes stored as numbers read as their digits; an empty column stays empty.
    assert ksic.division(pd.Series([25111, 1])).fillna("").tolist() == ["25", ""]
    assert ksic.section(pd.Series([], dtype="object")).empty


def _messy_panel(rows: int, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    names = [
        *ratios.EARLIER_YEARS,
        "depreciation",
        "borrowings",
        "operating_cash_flow",
        "current_assets",
        "inventory",
        "current_liabilities",
        "cash",
        "receivables",
        "cost_of_sales",
        "retained_earnings",
        "audit_opinion",
        "going_concern",
    ]
    columns = [f"{n}_l{lag}" for n, years in ratios.EARLIER_YEARS.items() for lag in range(1, 4)]
    values = {}
    for name in [*names, *columns]:
        column = rng.normal(100.0, 120.0, rows)  # negatives and small denominators
        column[rng.random(rows) < 0.15] = np.nan
        column[rng.random(rows) < 0.1] = 0.0
        values[name] = column
    values["audit_opinion"] = rng.integers(0, 3, rows).astype("float64")
    values["going_concern"] = rng.integers(0, 2, rows).astype("float64")
    return pd.DataFrame(values, index=pd.RangeIndex(rows) + 5)


def test_one_row_gets_what_its_row_gets_in_a_table() -> None:
    panel = _messy_panel(400)
    table = ratios.compute_ratios(panel)
    assert list(table.columns) == [fn.__name__ for fn in ratios.RATIO_FEATURES]
    for fn in ratios.RATIO_FEATURES:  # the public per-feature functions agree
        pdt.assert_series_equal(fn(panel), table[fn.__name__], check_names=False)
    for row in (0, 17, 399):
        alone = ratios.compute_ratios(panel.iloc[[row]])
        pdt.assert_frame_equal(alone, table.iloc[[row]], check_exact=True)
    arrears = pd.DataFrame(
        {"arrears_12m": np.zeros(400), "months_since_arrears": np.full(400, np.nan)},
        index=panel.index,
    )
    flags = rule_flags(panel, arrears)
    pdt.assert_frame_equal(rule_flags(panel.iloc[[17]], arrears.iloc[[17]]), flags.iloc[[17]])
    assert icr_below_one_2y(panel).dtype == "boolean"


def test_clips_and_missing_years_read_as_the_table_definitions() -> None:
    panel = pd.DataFrame(
        {
            "operating_income": [50.0, -30.0, 5.0, np.nan],
            "interest_expense": [0.0, 10.0, 1.0, 5.0],
            "operating_income_l1": [np.nan, -10.0, 500.0, np.nan],
            "interest_expense_l1": [1.0, 1.0, 1.0, np.nan],
            "operating_income_l2": [np.nan, np.nan, 1.0, np.nan],
            "interest_expense_l2": [1.0, 1.0, 2.0, np.nan],
            "operating_cash_flow": [1e6, -1e6, 3.0, np.nan],
            "paid_in_capital": [100.0, 100.0, 100.0, 0.0],
            "equity": [150.0, 40.0, -30.0, 1.0],
        }
    )
    assert ratios.interest_coverage(panel).tolist()[:3] == [100.0, -3.0, 5.0]
    minimum = ratios.interest_coverage_min_3y(panel)
    assert minimum.tolist()[:3] == [100.0, -10.0, 0.5]  # a missing year is skipped
    assert np.isnan(minimum.iloc[3])  # no year known
    cash_cover = ratios.ocf_to_interest(panel)
    assert np.isnan(cash_cover.iloc[0])  # no interest: no cash coverage, unlike ICR
    assert cash_cover.tolist()[1:3] == [-100.0, 3.0]
    impairment = ratios.capital_impairment_ratio(panel)
    assert impairment.tolist()[:3] == [0.0, 0.6, 1.3]
    assert np.isnan(impairment.iloc[3])


def test_regional_figures_restated_out_of_order_read_as_per_date() -> None:
    dates = pd.DatetimeIndex(["2022-06-30", "2023-06-30", "2024-06-30"])
    rows = [
        # region, period, published_on, value: restated on the same day, later, out of order
        ("26", 2022, "2023-03-01", 1.0),
        ("26", 2021, "2022-03-01", 2.0),
        ("26", 2022, "2023-03-01", 3.0),  # same period and day: the later row wins
        ("26", 2022, "2023-09-01", 4.0),  # restated after the 2023 date
        ("11", 2023, "2024-03-01", 5.0),
        ("11", 2021, "2024-04-01", 6.0),  # an old period published late loses to 2023
        (None, 2021, "2022-01-01", 7.0),  # a row without a region disturbs no other
    ]
    regional = pd.DataFrame(rows, columns=["region", "period", "published_on", "grdp_growth"])
    regional = regional.astype({"region": "string", "published_on": "datetime64[ns]"})
    for column in environment.REGION_FEATURES.values():
        if column != "grdp_growth":
            regional[column] = 0.0
    keys = pd.Series(["26", "11", "99", None], dtype="string")
    by_date = environment.regional_by_date(regional, dates)
    for position, as_of in enumerate(dates):
        firm = np.arange(len(keys))
        found = by_date.lookup(np.full(len(keys), position), keys, firm)[:, 0]
        per_date = environment.regional_as_of(regional, as_of)["region_grdp_growth"]
        expected = [per_date.get(k, np.nan) if k is not pd.NA else np.nan for k in keys[:3]]
        np.testing.assert_array_equal(found[:3], expected)
    assert by_date.lookup(np.array([2, 2]), keys, np.array([0, 1]))[:, 0].tolist() == [4.0, 5.0]
