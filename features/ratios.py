"""Financial-ratio features, one function per column, over a point-in-time statement panel.

The panel (see ``statements.latest_statements``) holds the latest filed fiscal year's items
under their contract names and earlier years with suffixes ``_l1``, ``_l2``, ``_l3``.
A ratio is missing, never invented, when an item is missing or its denominator is zero; ratios
whose meaning flips with a negative denominator (debt ratio with negative equity, growth from a
negative base) are missing there too, and other features (equity ratio, impairment) carry it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

# Interest coverage of a firm that pays no interest is unbounded; cap it so trees see "ample".
ICR_CAP = 100.0
_LAGS = ("", "_l1", "_l2")
# How many earlier years (``_l1`` … ``_l3``) of each item some feature or rule flag reads: a
# panel built for many dates carries only these.
EARLIER_YEARS = {
    "revenue": 3,
    "net_income": 2,
    "operating_income": 2,
    "interest_expense": 2,
    "total_assets": 1,
    "total_liabilities": 1,
    "equity": 2,
    "paid_in_capital": 2,
    "employees": 1,
}


def ratio(numerator: pd.Series, denominator: pd.Series, positive_only: bool = False) -> pd.Series:
    """numerator / denominator, missing where the denominator is missing, zero or (if asked) ≤ 0."""
    num = np.asarray(numerator, dtype="float64")
    den = np.asarray(denominator, dtype="float64")
    # A missing denominator compares False, so "not above 0" covers it too.
    bad = ~(den > 0) if positive_only else np.isnan(den) | (den == 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # bad rows: masked below
        values = num / den
    values[bad] = np.nan
    return pd.Series(values, index=numerator.index)


def _icr(panel: pd.DataFrame, lag: str = "") -> pd.Series:
    income = panel[f"operating_income{lag}"].astype("float64")
    interest = panel[f"interest_expense{lag}"].astype("float64")
    coverage = ratio(income, interest, positive_only=True).clip(upper=ICR_CAP)
    no_interest = (interest == 0) & income.notna()
    return coverage.mask(no_interest, ICR_CAP)


def operating_margin(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["operating_income"], panel["revenue"], positive_only=True)


def net_margin(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["net_income"], panel["revenue"], positive_only=True)


def roa(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["net_income"], panel["total_assets"], positive_only=True)


def ebitda_margin(panel: pd.DataFrame) -> pd.Series:
    ebitda = panel["operating_income"] + panel["depreciation"]
    return ratio(ebitda, panel["revenue"], positive_only=True)


def loss_years_3y(panel: pd.DataFrame) -> pd.Series:
    losses = pd.concat([panel[f"net_income{lag}"] < 0 for lag in _LAGS], axis=1)
    known = pd.concat([panel[f"net_income{lag}"].notna() for lag in _LAGS], axis=1)
    return losses.sum(axis=1).astype("float64").where(known.any(axis=1))


def operating_margin_l1(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["operating_income_l1"], panel["revenue_l1"], positive_only=True)


def streak(conditions: list[pd.Series]) -> pd.Series:
    """Consecutive years, counting back from the latest (``conditions[0]``), in which a
    condition (1.0 holds, 0.0 does not, missing unknown) held: 0 when it does not hold now,
    missing when that is not known; an unknown earlier year ends the count, so the figure is
    what the statements prove (a lower bound)."""
    latest = np.asarray(conditions[0], dtype="float64")
    count, running = np.zeros(len(latest)), np.ones(len(latest), bool)
    for condition in conditions:
        running &= np.asarray(condition, dtype="float64") == 1.0
        count += running
    return pd.Series(np.where(np.isnan(latest), np.nan, count), index=conditions[0].index)


def _below(values: pd.Series, threshold: float) -> pd.Series:
    """1.0 where ``values`` < ``threshold``, 0.0 where not, missing where ``values`` is."""
    below = (values < threshold).astype("float64")
    return below.where(values.notna())


def loss_streak_years(panel: pd.DataFrame) -> pd.Series:
    return streak([_below(panel[f"net_income{lag}"], 0.0) for lag in _LAGS])


def impairment_streak_years(panel: pd.DataFrame) -> pd.Series:
    """Consecutive years of capital impairment (자본총계 < 자본금), partial or complete."""
    years = []
    for lag in _LAGS:
        equity, capital = panel[f"equity{lag}"], panel[f"paid_in_capital{lag}"]
        years.append((equity < capital).astype("float64").where(equity.notna() & capital.notna()))
    return streak(years)


def debt_ratio(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["total_liabilities"], panel["equity"], positive_only=True)


def equity_ratio(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["equity"], panel["total_assets"], positive_only=True)


def borrowings_to_assets(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["borrowings"], panel["total_assets"], positive_only=True)


def capital_impairment_ratio(panel: pd.DataFrame) -> pd.Series:
    """(자본금 − 자본총계) / 자본금: above 0 partial, above 1 complete impairment."""
    impaired = panel["paid_in_capital"] - panel["equity"]
    return ratio(impaired, panel["paid_in_capital"], positive_only=True).clip(lower=0.0)


def debt_ratio_change(panel: pd.DataFrame) -> pd.Series:
    before = ratio(panel["total_liabilities_l1"], panel["equity_l1"], positive_only=True)
    return debt_ratio(panel) - before


def interest_coverage(panel: pd.DataFrame) -> pd.Series:
    return _icr(panel)


def interest_coverage_l1(panel: pd.DataFrame) -> pd.Series:
    return _icr(panel, "_l1")


def interest_coverage_l2(panel: pd.DataFrame) -> pd.Series:
    return _icr(panel, "_l2")


def interest_coverage_change(panel: pd.DataFrame) -> pd.Series:
    return _icr(panel) - _icr(panel, "_l1")


def icr_below_one_years(panel: pd.DataFrame) -> pd.Series:
    """Consecutive years of interest coverage below 1 (3 = 한계기업 by the Bank of Korea rule)."""
    return streak([_below(_icr(panel, lag), 1.0) for lag in _LAGS])


def interest_coverage_min_3y(panel: pd.DataFrame) -> pd.Series:
    return pd.concat([_icr(panel, lag) for lag in _LAGS], axis=1).min(axis=1, skipna=True)


def interest_to_revenue(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["interest_expense"], panel["revenue"], positive_only=True)


def ocf_to_borrowings(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["operating_cash_flow"], panel["borrowings"], positive_only=True)


def ocf_to_revenue(panel: pd.DataFrame) -> pd.Series:
    """Operating cash flow per won of revenue: needs only the income and cash-flow statements."""
    return ratio(panel["operating_cash_flow"], panel["revenue"], positive_only=True)


def ocf_to_interest(panel: pd.DataFrame) -> pd.Series:
    """Operating cash flow over interest expense (a cash interest coverage), capped like ICR."""
    coverage = ratio(panel["operating_cash_flow"], panel["interest_expense"], positive_only=True)
    return coverage.clip(lower=-ICR_CAP, upper=ICR_CAP)


def audit_opinion_severity(panel: pd.DataFrame) -> pd.Series:
    """0 적정, 1 한정, 2 부적정 or 의견거절 (missing for unaudited statements)."""
    return panel["audit_opinion"].astype("float64")


def going_concern_doubt(panel: pd.DataFrame) -> pd.Series:
    """1 when the auditor added a going-concern paragraph (계속기업 불확실성)."""
    return panel["going_concern"].astype("float64")


def current_ratio(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["current_assets"], panel["current_liabilities"], positive_only=True)


def quick_ratio(panel: pd.DataFrame) -> pd.Series:
    quick = panel["current_assets"] - panel["inventory"]
    return ratio(quick, panel["current_liabilities"], positive_only=True)


def cash_to_assets(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["cash"], panel["total_assets"], positive_only=True)


def asset_turnover(panel: pd.DataFrame) -> pd.Series:
    return ratio(panel["revenue"], panel["total_assets"], positive_only=True)


def receivable_days(panel: pd.DataFrame) -> pd.Series:
    return 365.0 * ratio(panel["receivables"], panel["revenue"], positive_only=True)


def inventory_days(panel: pd.DataFrame) -> pd.Series:
    return 365.0 * ratio(panel["inventory"], panel["cost_of_sales"], positive_only=True)


def _growth(panel: pd.DataFrame, item: str, lag: str = "_l1", now: str = "") -> pd.Series:
    return ratio(panel[f"{item}{now}"], panel[f"{item}{lag}"], positive_only=True) - 1.0


def revenue_growth(panel: pd.DataFrame) -> pd.Series:
    return _growth(panel, "revenue")


def revenue_growth_3y(panel: pd.DataFrame) -> pd.Series:
    multiple = ratio(panel["revenue"], panel["revenue_l3"], positive_only=True)
    return np.cbrt(multiple.where(multiple >= 0)) - 1.0


def revenue_growth_volatility(panel: pd.DataFrame) -> pd.Series:
    growths = np.stack(
        [
            _growth(panel, "revenue", "_l1"),
            _growth(panel, "revenue", "_l2", "_l1"),
            _growth(panel, "revenue", "_l3", "_l2"),
        ]
    )
    # Population standard deviation of the known growths, as DataFrame.std(axis=1, ddof=0)
    # computes it (and as fast on many rows as it is slow there).
    known = ~np.isnan(growths)
    count = known.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(known, growths, 0.0).sum(axis=0) / count
        variance = np.where(known, (mean - growths) ** 2, 0.0).sum(axis=0) / count
    return pd.Series(np.sqrt(variance), index=panel.index).where(count >= 2)


def asset_growth(panel: pd.DataFrame) -> pd.Series:
    return _growth(panel, "total_assets")


def employee_growth(panel: pd.DataFrame) -> pd.Series:
    return _growth(panel, "employees")


def operating_margin_change(panel: pd.DataFrame) -> pd.Series:
    before = ratio(panel["operating_income_l1"], panel["revenue_l1"], positive_only=True)
    return operating_margin(panel) - before


def log_revenue(panel: pd.DataFrame) -> pd.Series:
    return np.log10(panel["revenue"].astype("float64").where(panel["revenue"] > 0))


def log_assets(panel: pd.DataFrame) -> pd.Series:
    return np.log10(panel["total_assets"].astype("float64").where(panel["total_assets"] > 0))


def employees(panel: pd.DataFrame) -> pd.Series:
    return panel["employees"].astype("float64")


def altman_z(panel: pd.DataFrame) -> pd.Series:
    """Altman's Z'' for private and non-manufacturing firms (baseline only, not a model input)."""
    assets = panel["total_assets"]
    working_capital = panel["current_assets"] - panel["current_liabilities"]
    return (
        6.56 * ratio(working_capital, assets, positive_only=True)
        + 3.26 * ratio(panel["retained_earnings"], assets, positive_only=True)
        + 6.72 * ratio(panel["operating_income"], assets, positive_only=True)
        + 1.05 * ratio(panel["equity"], panel["total_liabilities"], positive_only=True)
    )


RATIO_FEATURES = (
    operating_margin,
    operating_margin_l1,
    net_margin,
    roa,
    ebitda_margin,
    loss_years_3y,
    loss_streak_years,
    impairment_streak_years,
    debt_ratio,
    equity_ratio,
    borrowings_to_assets,
    capital_impairment_ratio,
    debt_ratio_change,
    interest_coverage,
    interest_coverage_l1,
    interest_coverage_l2,
    interest_coverage_change,
    icr_below_one_years,
    interest_coverage_min_3y,
    interest_to_revenue,
    ocf_to_borrowings,
    ocf_to_revenue,
    ocf_to_interest,
    audit_opinion_severity,
    going_concern_doubt,
    current_ratio,
    quick_ratio,
    cash_to_assets,
    asset_turnover,
    receivable_days,
    inventory_days,
    revenue_growth,
    revenue_growth_3y,
    revenue_growth_volatility,
    asset_growth,
    employee_growth,
    operating_margin_change,
    log_revenue,
    log_assets,
    employees,
    altman_z,
)


def compute_ratios(panel: pd.DataFrame) -> pd.DataFrame:
    """All ratio features for a statement panel, one column per function, same index."""
    # Plain float columns on a RangeIndex: pandas aligns string indexes slowly, per operation.
    numeric = panel.select_dtypes("number").astype("float64").reset_index(drop=True)
    ratios = pd.DataFrame({fn.__name__: fn(numeric) for fn in RATIO_FEATURES}, copy=False)
    return ratios.set_axis(panel.index)
