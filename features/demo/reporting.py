"""How true statements become filed ones: filing dates, omitted items, late filers, restatements."""

from __future__ import annotations

import numpy as np

from core.contract import BALANCE_SHEET
from features.demo.firms import Firms

# Chance that an unaudited firm leaves an item out (scaled by the firm's own sparsity).
_OMITTED = {
    "cash": 0.6,
    "receivables": 0.55,
    "inventory": 0.55,
    "operating_cash_flow": 0.85,
    "depreciation": 0.6,
    "payroll": 0.5,
    "employees": 0.2,
    "cost_of_sales": 0.15,
    "sga": 0.15,
    "current_assets": 0.1,
    "current_liabilities": 0.1,
    "borrowings": 0.2,
    "paid_in_capital": 0.2,
    "retained_earnings": 0.2,
    "interest_expense": 0.05,
    "pretax_income": 0.1,
}
_INCOME_ONLY = 0.05  # unaudited firm-years that file only an income statement
_NEVER_FILED = 0.02  # unaudited firm-years with no statement at all
_RESTATED = 0.015


def filing_dates(
    rng: np.random.Generator, fiscal_year: int, audited: np.ndarray, late: np.ndarray
) -> np.ndarray:
    """Audited firms file in March–April, the rest by the end of May; late filers in Jul–Dec."""
    n = len(audited)
    march = np.datetime64(f"{fiscal_year + 1}-03-10")
    days = np.where(audited, rng.integers(0, 41, n), rng.integers(10, 83, n))
    late_days = np.datetime64(f"{fiscal_year + 1}-07-01") - march + rng.integers(0, 170, n)
    return march + np.where(late, late_days, days).astype("timedelta64[D]")


def file_statements(
    rng: np.random.Generator,
    firms: Firms,
    fiscal_year: int,
    index: np.ndarray,
    statement: dict[str, np.ndarray],
    default_date: np.ndarray,
) -> dict[str, np.ndarray]:
    """Filed rows for one fiscal year: omitted items, filing dates, restatements.

    A statement that would be filed on or after the firm's first default-type event is dropped:
    a defaulted firm files nothing more.
    """
    n = len(index)
    audited = firms.audited[index]
    late = rng.random(n) < firms.late_filing[index]
    filed_on = filing_dates(rng, fiscal_year, audited, late)
    never = ~audited & (rng.random(n) < _NEVER_FILED * firms.sparsity[index])
    keep = ~never & ~(filed_on >= default_date)
    rows = {name: values.astype(float, copy=True) for name, values in statement.items()}
    sparsity = np.where(audited, 0.0, firms.sparsity[index])
    for name, chance in _OMITTED.items():
        rows[name][rng.random(n) < np.minimum(chance * sparsity, 0.95)] = np.nan
    # Audited firms occasionally leave out the cash-flow statement too.
    rows["operating_cash_flow"][audited & (rng.random(n) < 0.03)] = np.nan
    income_only = rng.random(n) < _INCOME_ONLY * sparsity
    for name in BALANCE_SHEET:
        rows[name][income_only] = np.nan
    rows["firm"] = index
    rows["filed_on"] = filed_on
    rows = {name: values[keep] for name, values in rows.items()}
    restated = _restatements(rng, rows, default_date[keep])
    return {name: np.concatenate([rows[name], restated[name]]) for name in rows}


def _restatements(
    rng: np.random.Generator, rows: dict[str, np.ndarray], default_date: np.ndarray
) -> dict[str, np.ndarray]:
    """Second filings months later that book extra expenses as accrued liabilities.

    Extra SG&A lowers income, retained earnings and equity and raises current liabilities,
    so every accounting identity still holds.
    """
    n = len(rows["firm"])
    filed_on = rows["filed_on"] + rng.integers(60, 300, n).astype("timedelta64[D]")
    pick = (rng.random(n) < _RESTATED) & ~(filed_on >= default_date)
    extra = np.abs(rng.normal(0, 0.015, n)) * np.nan_to_num(rows["revenue"])
    restated = {name: values[pick].copy() for name, values in rows.items()}
    delta = extra[pick]
    restated["filed_on"] = filed_on[pick]
    for name in ("operating_income", "pretax_income", "net_income", "retained_earnings", "equity"):
        restated[name] -= delta
    for name in ("sga", "total_liabilities", "current_liabilities"):
        restated[name] += delta
    return restated
