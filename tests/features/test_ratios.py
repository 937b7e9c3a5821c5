"""Ratios on edge cases: zero, negative and missing denominators stay missing, never invented."""

import numpy as np
import pandas as pd
import pytest

from features import ratios


def panel(**columns: list[float]) -> pd.DataFrame:
    return pd.DataFrame({k: pd.Series(v, dtype="float64") for k, v in columns.items()})


def test_ratio_zero_negative_and_missing_denominators() -> None:
    num = pd.Series([1.0, 1.0, 1.0, np.nan, 2.0])
    den = pd.Series([0.0, -2.0, np.nan, 1.0, 4.0])
    assert ratios.ratio(num, den).tolist()[1] == -0.5
    result = ratios.ratio(num, den, positive_only=True)
    assert result.isna().tolist() == [True, True, True, True, False]
    assert result.iloc[4] == 0.5


def test_debt_ratio_is_missing_for_negative_equity_but_equity_ratio_shows_it() -> None:
    p = panel(total_liabilities=[120.0, 120.0], equity=[-20.0, 80.0], total_assets=[100.0, 200.0])
    assert np.isnan(ratios.debt_ratio(p).iloc[0])
    assert ratios.debt_ratio(p).iloc[1] == pytest.approx(1.5)
    assert ratios.equity_ratio(p).iloc[0] == pytest.approx(-0.2)


def test_interest_coverage_caps_firms_without_interest_and_keeps_losses() -> None:
    p = panel(
        operating_income=[50.0, -30.0, 10.0, np.nan], interest_expense=[0.0, 10.0, np.nan, 5.0]
    )
    icr = ratios.interest_coverage(p)
    assert icr.iloc[0] == ratios.ICR_CAP
    assert icr.iloc[1] == pytest.approx(-3.0)
    assert icr.isna().tolist()[2:] == [True, True]


def test_growth_needs_a_positive_base() -> None:
    p = panel(revenue=[110.0, 50.0, 10.0], revenue_l1=[100.0, 0.0, -5.0])
    growth = ratios.revenue_growth(p)
    assert growth.iloc[0] == pytest.approx(0.10)
    assert growth.iloc[1:].isna().all()


def test_capital_impairment_ratio_partial_and_complete() -> None:
    p = panel(paid_in_capital=[100.0, 100.0, 100.0], equity=[150.0, 40.0, -30.0])
    assert ratios.capital_impairment_ratio(p).tolist() == pytest.approx([0.0, 0.6, 1.3])


def test_loss_years_counts_only_known_years() -> None:
    p = panel(net_income=[-1.0, np.nan], net_income_l1=[-1.0, np.nan], net_income_l2=[5.0, np.nan])
    result = ratios.loss_years_3y(p)
    assert result.iloc[0] == 2.0
    assert np.isnan(result.iloc[1])


def test_revenue_growth_volatility_is_the_row_wise_population_std() -> None:
    rng = np.random.default_rng(0)
    revenue = rng.lognormal(10, 1, (500, 4))
    revenue[rng.random(revenue.shape) < 0.25] = np.nan
    revenue[rng.random(revenue.shape) < 0.05] *= -1.0  # a negative base gives no growth
    p = panel(
        **{
            name: list(revenue[:, i])
            for i, name in enumerate(["revenue", "revenue_l1", "revenue_l2", "revenue_l3"])
        }
    )
    growths = pd.concat(
        [
            ratios._growth(p, "revenue", "_l1"),
            ratios._growth(p, "revenue", "_l2", "_l1"),
            ratios._growth(p, "revenue", "_l3", "_l2"),
        ],
        axis=1,
    )
    expected = growths.std(axis=1, ddof=0).where(growths.notna().sum(axis=1) >= 2)
    pd.testing.assert_series_equal(ratios.revenue_growth_volatility(p), expected, rtol=1e-15)
    assert 0 < expected.isna().mean() < 1
