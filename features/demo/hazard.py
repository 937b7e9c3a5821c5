"""The true distress hazard: logit P(first default-type event within 12 months of the as-of).

It reads the firm's true latest fiscal-year state (the statement most firms have filed by the
June 30 as-of), so a model can recover most of it; only the frailty, a small noise term and the
part of a shock not yet visible in statements are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INTERCEPT = -6.05
MEDIAN_REVENUE = 1_500_000.0  # 천원


@dataclass(frozen=True)
class FirmYear:
    """The true state behind one fiscal-year statement, for the firms alive at an as-of."""

    revenue: np.ndarray
    revenue_growth: np.ndarray  # log change on the year before; NaN for a first statement
    operating_income: np.ndarray
    interest_expense: np.ndarray
    total_assets: np.ndarray
    equity: np.ndarray
    paid_in_capital: np.ndarray
    current_assets: np.ndarray
    current_liabilities: np.ndarray
    years_below_icr: np.ndarray  # consecutive years with interest coverage < 1, this one included
    years_of_losses: np.ndarray  # consecutive years with a net loss, this one included
    age: np.ndarray  # years since founding at the as-of


def interest_coverage(state: FirmYear) -> np.ndarray:
    """Operating income / interest expense; firms without interest count as well covered."""
    has_interest = state.interest_expense > 0
    ratio = np.divide(
        state.operating_income,
        state.interest_expense,
        out=np.full(len(state.revenue), 50.0),
        where=has_interest,
    )
    return np.clip(ratio, -20.0, 50.0)


def hazard_terms(state: FirmYear) -> dict[str, np.ndarray]:
    """Each observable term of the logit, by name (documented in docs/demo-data.md)."""
    icr = interest_coverage(state)
    growth = np.nan_to_num(state.revenue_growth, nan=0.0)
    equity_ratio = np.clip(state.equity / state.total_assets, -1.0, 1.0)
    current_ratio = np.divide(
        state.current_assets,
        state.current_liabilities,
        out=np.full(len(icr), 5.0),
        where=state.current_liabilities > 0,
    )
    return {
        # A sharp step as coverage falls through 1, stronger when it has stayed below for years.
        "icr_below_1": 0.75 / (1.0 + np.exp(-8.0 * (1.0 - icr))),
        "icr_years": 0.16 * np.minimum(state.years_below_icr, 3),
        # U-shape: steep declines and explosive growth both raise risk.
        "revenue_decline": 1.8 * np.maximum(0.0, -growth - 0.08),
        "revenue_surge": 1.0 * np.maximum(0.0, growth - 0.5),
        "thin_equity": 1.8 * np.maximum(0.0, 0.25 - equity_ratio),
        "partial_impairment": 0.35 * (state.equity < state.paid_in_capital),
        "complete_impairment": 0.7 * (state.equity < 0),
        "illiquidity": 0.7 * np.clip(1.0 - current_ratio, 0.0, 1.0),
        "consecutive_losses": 0.2 * np.minimum(state.years_of_losses, 3),
        "young": 0.65 * np.exp(-state.age / 3.0),
        "small": np.clip(-0.25 * np.log(state.revenue / MEDIAN_REVENUE), -0.75, 1.0),
    }


def hazard_logit(
    state: FirmYear, shock: np.ndarray, frailty: np.ndarray, noise: np.ndarray
) -> np.ndarray:
    """The logit of the true 12-month PD: observable terms plus shock, frailty and noise."""
    observable = sum(hazard_terms(state).values())
    return INTERCEPT + observable + shock + frailty + noise


def probability(logit: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-logit))
