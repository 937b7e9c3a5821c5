"""Financial-ratio features, one function per column, over a point-in-time statement panel.

The panel (see ``statements.latest_statements``) holds the latest filed fiscal year's items
under their contract names and earlier years with suffixes ``_l1``, ``_l2``, ``_l3``.
A ratio is missing, never invented, when an item is missing or its denominator is zero; ratios
whose meaning flips with a negative denominator (debt ratio with negative equity, growth from a
negative base) are missing there too, and other features (equity ratio, impairment) carry it.

Each feature is computed on plain float arrays (``Columns``): a panel of one firm (a submitted
statement, the planner's candidates) pays pandas' per-operation cost for every small step
otherwise, which dominated single-firm scoring. The public functions take a panel and return a
Series on its index, as before; ``compute_ratios`` converts the panel once for all of them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

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


class Columns:
    """A panel's numeric columns as float64 arrays (missing as NaN), converted on first use,
    with each year's interest coverage computed once (features and rule flags share it)."""

    def __init__(self, panel: pd.DataFrame, arrays: dict[str, np.ndarray] | None = None) -> None:
        self.index = panel.index
        self._panel = panel
        self._arrays = {} if arrays is None else arrays
        self._icr: dict[str, np.ndarray] = {}

    @classmethod
    def of(cls, panel: pd.DataFrame | Columns) -> Columns:
        if isinstance(panel, Columns):
            return panel
        return cls(panel)

    @classmethod
    def numeric(cls, panel: pd.DataFrame) -> Columns:
        """Every numeric column converted at once (one 2-D conversion, not one per column)."""
        numeric = panel.select_dtypes("number")
        block = np.ascontiguousarray(numeric.astype("float64").to_numpy("float64").T)
        return cls(panel, dict(zip(numeric.columns, block, strict=True)))

    def __len__(self) -> int:
        return len(self.index)

    def __getitem__(self, name: str) -> np.ndarray:
        values = self._arrays.get(name)
        if values is None:
            values = self._panel[name].astype("float64").to_numpy("float64")
            self._arrays[name] = values
        return values

    def icr(self, lag: str = "") -> np.ndarray:
        values = self._icr.get(lag)
        if values is None:
            income, interest = self[f"operating_income{lag}"], self[f"interest_expense{lag}"]
            coverage = _clip_upper(_ratio(income, interest), ICR_CAP)
            no_interest = (interest == 0) & ~np.isnan(income)
            values = np.where(no_interest, ICR_CAP, coverage)
            self._icr[lag] = values
        return values


Compute = Callable[[Columns], np.ndarray]
_COMPUTE: Final[dict[str, Compute]] = {}


def _feature(compute: Compute) -> Callable[[pd.DataFrame | Columns], pd.Series]:
    """The public form of a feature: a panel in, a Series on the panel's index out; the array
    form is kept for ``compute_ratios`` under the public name."""
    name = compute.__name__.lstrip("_")

    def public(panel: pd.DataFrame | Columns) -> pd.Series:
        columns = Columns.of(panel)
        return pd.Series(compute(columns), index=columns.index)

    public.__name__ = public.__qualname__ = name
    public.__doc__ = compute.__doc__
    _COMPUTE[name] = compute
    return public


def _ratio(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    """num / den, missing where den is missing or not above 0 (a missing den compares False)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # bad rows: masked below
        values = num / den
    values[~(den > 0)] = np.nan
    return values


def _clip_upper(values: np.ndarray, upper: float) -> np.ndarray:
    """``Series.clip(upper=...)``: missing stays missing."""
    return np.where(values > upper, upper, values)


def _clip_lower(values: np.ndarray, lower: float) -> np.ndarray:
    return np.where(values < lower, lower, values)


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


def _icr(panel: pd.DataFrame | Columns, lag: str = "") -> pd.Series:
    columns = Columns.of(panel)
    return pd.Series(columns.icr(lag), index=columns.index)


def _operating_margin(c: Columns) -> np.ndarray:
    return _ratio(c["operating_income"], c["revenue"])


def _net_margin(c: Columns) -> np.ndarray:
    return _ratio(c["net_income"], c["revenue"])


def _roa(c: Columns) -> np.ndarray:
    return _ratio(c["net_income"], c["total_assets"])


def _ebitda_margin(c: Columns) -> np.ndarray:
    return _ratio(c["operating_income"] + c["depreciation"], c["revenue"])


def _loss_years_3y(c: Columns) -> np.ndarray:
    incomes = [c[f"net_income{lag}"] for lag in _LAGS]
    losses = sum((income < 0).astype("int64") for income in incomes)
    known = np.logical_or.reduce([~np.isnan(income) for income in incomes])
    return np.where(known, np.asarray(losses, dtype="float64"), np.nan)


def _operating_margin_l1(c: Columns) -> np.ndarray:
    return _ratio(c["operating_income_l1"], c["revenue_l1"])


def _streak(conditions: list[np.ndarray]) -> np.ndarray:
    latest = np.asarray(conditions[0], dtype="float64")
    count, running = np.zeros(len(latest)), np.ones(len(latest), bool)
    for condition in conditions:
        running &= np.asarray(condition, dtype="float64") == 1.0
        count += running
    return np.where(np.isnan(latest), np.nan, count)


def streak(conditions: list[pd.Series]) -> pd.Series:
    """Consecutive years, counting back from the latest (``conditions[0]``), in which a
    condition (1.0 holds, 0.0 does not, missing unknown) held: 0 when it does not hold now,
    missing when that is not known; an unknown earlier year ends the count, so the figure is
    what the statements prove (a lower bound)."""
    return pd.Series(_streak(list(conditions)), index=conditions[0].index)


def _below(values: np.ndarray, threshold: float) -> np.ndarray:
    """1.0 where ``values`` < ``threshold``, 0.0 where not, missing where ``values`` is."""
    return np.where(np.isnan(values), np.nan, (values < threshold).astype("float64"))


def _loss_streak_years(c: Columns) -> np.ndarray:
    return _streak([_below(c[f"net_income{lag}"], 0.0) for lag in _LAGS])


def _impairment_streak_years(c: Columns) -> np.ndarray:
    """Consecutive years of capital impairment (자본총계 < 자본금), partial or complete."""
    years = []
    for lag in _LAGS:
        equity, capital = c[f"equity{lag}"], c[f"paid_in_capital{lag}"]
        known = ~np.isnan(equity) & ~np.isnan(capital)
        years.append(np.where(known, (equity < capital).astype("float64"), np.nan))
    return _streak(years)


def _debt_ratio(c: Columns) -> np.ndarray:
    return _ratio(c["total_liabilities"], c["equity"])


def _equity_ratio(c: Columns) -> np.ndarray:
    return _ratio(c["equity"], c["total_assets"])


def _borrowings_to_assets(c: Columns) -> np.ndarray:
    return _ratio(c["borrowings"], c["total_assets"])


def _capital_impairment_ratio(c: Columns) -> np.ndarray:
    """(자본금 − 자본총계) / 자본금: above 0 partial, above 1 complete impairment."""
    impaired = c["paid_in_capital"] - c["equity"]
    return _clip_lower(_ratio(impaired, c["paid_in_capital"]), 0.0)


def _debt_ratio_change(c: Columns) -> np.ndarray:
    before = _ratio(c["total_liabilities_l1"], c["equity_l1"])
    return _debt_ratio(c) - before


def _interest_coverage(c: Columns) -> np.ndarray:
    return c.icr().copy()


def _interest_coverage_l1(c: Columns) -> np.ndarray:
    return c.icr("_l1").copy()


def _interest_coverage_l2(c: Columns) -> np.ndarray:
    return c.icr("_l2").copy()


def _interest_coverage_change(c: Columns) -> np.ndarray:
    return c.icr() - c.icr("_l1")


def _icr_below_one_years(c: Columns) -> np.ndarray:
    """Consecutive years of interest coverage below 1 (3 = 한계기업 by the Bank of Korea rule)."""
    return _streak([_below(c.icr(lag), 1.0) for lag in _LAGS])


def _interest_coverage_min_3y(c: Columns) -> np.ndarray:
    # fmin skips a missing year, as DataFrame.min(axis=1, skipna=True) does; all missing: NaN.
    return np.fmin(np.fmin(c.icr(), c.icr("_l1")), c.icr("_l2"))


def _interest_to_revenue(c: Columns) -> np.ndarray:
    return _ratio(c["interest_expense"], c["revenue"])


def _ocf_to_borrowings(c: Columns) -> np.ndarray:
    return _ratio(c["operating_cash_flow"], c["borrowings"])


def _ocf_to_revenue(c: Columns) -> np.ndarray:
    """Operating cash flow per won of revenue: needs only the income and cash-flow statements."""
    return _ratio(c["operating_cash_flow"], c["revenue"])


def _ocf_to_interest(c: Columns) -> np.ndarray:
    """Operating cash flow over interest expense (a cash interest coverage), capped like ICR."""
    coverage = _ratio(c["operating_cash_flow"], c["interest_expense"])
    return _clip_upper(_clip_lower(coverage, -ICR_CAP), ICR_CAP)


def _audit_opinion_severity(c: Columns) -> np.ndarray:
    """0 적정, 1 한정, 2 부적정 or 의견거절 (missing for unaudited statements)."""
    return c["audit_opinion"].copy()


def _going_concern_doubt(c: Columns) -> np.ndarray:
    """1 when the auditor added a going-concern paragraph (계속기업 불확실성)."""
    return c["going_concern"].copy()


def _current_ratio(c: Columns) -> np.ndarray:
    return _ratio(c["current_assets"], c["current_liabilities"])


def _quick_ratio(c: Columns) -> np.ndarray:
    return _ratio(c["current_assets"] - c["inventory"], c["current_liabilities"])


def _cash_to_assets(c: Columns) -> np.ndarray:
    return _ratio(c["cash"], c["total_assets"])


def _asset_turnover(c: Columns) -> np.ndarray:
    return _ratio(c["revenue"], c["total_assets"])


def _receivable_days(c: Columns) -> np.ndarray:
    return 365.0 * _ratio(c["receivables"], c["revenue"])


def _inventory_days(c: Columns) -> np.ndarray:
    return 365.0 * _ratio(c["inventory"], c["cost_of_sales"])


def _growth_of(c: Columns, item: str, lag: str = "_l1", now: str = "") -> np.ndarray:
    return _ratio(c[f"{item}{now}"], c[f"{item}{lag}"]) - 1.0


def _growth(panel: pd.DataFrame | Columns, item: str, lag: str = "_l1", now: str = "") -> pd.Series:
    columns = Columns.of(panel)
    return pd.Series(_growth_of(columns, item, lag, now), index=columns.index)


def _revenue_growth(c: Columns) -> np.ndarray:
    return _growth_of(c, "revenue")


def _revenue_growth_3y(c: Columns) -> np.ndarray:
    multiple = _ratio(c["revenue"], c["revenue_l3"])
    return np.cbrt(np.where(multiple >= 0, multiple, np.nan)) - 1.0


def _revenue_growth_volatility(c: Columns) -> np.ndarray:
    growths = np.stack(
        [
            _growth_of(c, "revenue", "_l1"),
            _growth_of(c, "revenue", "_l2", "_l1"),
            _growth_of(c, "revenue", "_l3", "_l2"),
        ]
    )
    # Population standard deviation of the known growths, as DataFrame.std(axis=1, ddof=0)
    # computes it (and as fast on many rows as it is slow there).
    known = ~np.isnan(growths)
    count = known.sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        mean = np.where(known, growths, 0.0).sum(axis=0) / count
        variance = np.where(known, (mean - growths) ** 2, 0.0).sum(axis=0) / count
    return np.where(count >= 2, np.sqrt(variance), np.nan)


def _asset_growth(c: Columns) -> np.ndarray:
    return _growth_of(c, "total_assets")


def _employee_growth(c: Columns) -> np.ndarray:
    return _growth_of(c, "employees")


def _operating_margin_change(c: Columns) -> np.ndarray:
    before = _ratio(c["operating_income_l1"], c["revenue_l1"])
    return _operating_margin(c) - before


def _log10_positive(values: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.log10(np.where(values > 0, values, np.nan))


def _log_revenue(c: Columns) -> np.ndarray:
    return _log10_positive(c["revenue"])


def _log_assets(c: Columns) -> np.ndarray:
    return _log10_positive(c["total_assets"])


def _employees(c: Columns) -> np.ndarray:
    return c["employees"].copy()


def _altman_z(c: Columns) -> np.ndarray:
    """Altman's Z'' for private and non-manufacturing firms (baseline only, not a model input)."""
    assets = c["total_assets"]
    working_capital = c["current_assets"] - c["current_liabilities"]
    return (
        6.56 * _ratio(working_capital, assets)
        + 3.26 * _ratio(c["retained_earnings"], assets)
        + 6.72 * _ratio(c["operating_income"], assets)
        + 1.05 * _ratio(c["equity"], c["total_liabilities"])
    )


# The public form of each feature (a panel in, a Series out), in the feature table's order.
operating_margin = _feature(_operating_margin)
operating_margin_l1 = _feature(_operating_margin_l1)
net_margin = _feature(_net_margin)
roa = _feature(_roa)
ebitda_margin = _feature(_ebitda_margin)
loss_years_3y = _feature(_loss_years_3y)
loss_streak_years = _feature(_loss_streak_years)
impairment_streak_years = _feature(_impairment_streak_years)
debt_ratio = _feature(_debt_ratio)
equity_ratio = _feature(_equity_ratio)
borrowings_to_assets = _feature(_borrowings_to_assets)
capital_impairment_ratio = _feature(_capital_impairment_ratio)
debt_ratio_change = _feature(_debt_ratio_change)
interest_coverage = _feature(_interest_coverage)
interest_coverage_l1 = _feature(_interest_coverage_l1)
interest_coverage_l2 = _feature(_interest_coverage_l2)
interest_coverage_change = _feature(_interest_coverage_change)
icr_below_one_years = _feature(_icr_below_one_years)
interest_coverage_min_3y = _feature(_interest_coverage_min_3y)
interest_to_revenue = _feature(_interest_to_revenue)
ocf_to_borrowings = _feature(_ocf_to_borrowings)
ocf_to_revenue = _feature(_ocf_to_revenue)
ocf_to_interest = _feature(_ocf_to_interest)
audit_opinion_severity = _feature(_audit_opinion_severity)
going_concern_doubt = _feature(_going_concern_doubt)
current_ratio = _feature(_current_ratio)
quick_ratio = _feature(_quick_ratio)
cash_to_assets = _feature(_cash_to_assets)
asset_turnover = _feature(_asset_turnover)
receivable_days = _feature(_receivable_days)
inventory_days = _feature(_inventory_days)
revenue_growth = _feature(_revenue_growth)
revenue_growth_3y = _feature(_revenue_growth_3y)
revenue_growth_volatility = _feature(_revenue_growth_volatility)
asset_growth = _feature(_asset_growth)
employee_growth = _feature(_employee_growth)
operating_margin_change = _feature(_operating_margin_change)
log_revenue = _feature(_log_revenue)
log_assets = _feature(_log_assets)
employees = _feature(_employees)
altman_z = _feature(_altman_z)

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


def compute_ratios(panel: pd.DataFrame, columns: Columns | None = None) -> pd.DataFrame:
    """All ratio features for a statement panel, one column per function, same index;
    ``columns``: the panel already converted (``Columns.numeric``), shared with the flags."""
    columns = Columns.numeric(panel) if columns is None else columns
    return pd.DataFrame(ratio_arrays(columns), index=panel.index, copy=False)


def ratio_arrays(columns: Columns) -> dict[str, np.ndarray]:
    """``compute_ratios`` as arrays by feature name, in its column order."""
    return {fn.__name__: _COMPUTE[fn.__name__](columns) for fn in RATIO_FEATURES}
