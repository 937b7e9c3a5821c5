"""Actionable levers: what a firm or a support programme can change, and how each rewrites the
firm's latest statement (천원) or its recent arrears.

A lever is tried at a few shares (0.3 = 30 % of the item). The statement stays balanced
(assets = liabilities + equity): debt is repaid from new equity (증자·출자전환), so liabilities
fall and equity and paid-in capital rise by the same amount; interest saved and costs cut raise
pre-tax and net income one for one (no tax effect), and the year's extra profit is kept as cash
and retained earnings; receivables collected become cash and operating cash flow. Industry,
region, age, size and the regional figures are never touched: they are not the firm's to change.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Final

import numpy as np

from core.contract.columns import AMOUNT_LIMIT

# Arrears a firm can settle: tax and social-insurance (4대보험) arrears that fell after its
# latest statement's period end; earlier ones are history the statement already reflects.
SETTLEABLE_ARREARS: Final[tuple[str, ...]] = ("tax_arrears", "social_insurance_arrears")


@dataclass(frozen=True)
class Lever:
    """One actionable change, tried at ``shares`` of its item (the arrears lever: of the firm's
    settleable arrears, rounded up to whole events)."""

    name: str
    ko: str
    en: str
    shares: tuple[float, ...]


LEVERS: Final[tuple[Lever, ...]] = (
    Lever(
        "debt",
        "차입금 상환 (증자·출자전환 재원)",
        "borrowings repaid from new equity",
        (0.1, 0.2, 0.3, 0.5, 0.75, 1.0),
    ),
    Lever(
        "rate",
        "저금리 대환 (정책자금 등으로 이자비용 절감)",
        "refinancing at a lower rate (e.g. a policy loan)",
        (0.2, 0.5),
    ),
    Lever("costs", "영업비용 절감", "operating costs cut", (0.02, 0.05, 0.1, 0.2)),
    Lever("receivables", "매출채권 조기 회수", "receivables collected sooner", (0.25, 0.5)),
    Lever(
        "arrears",
        "체납 정리 (국세·4대보험, 최근 재무제표 이후분)",
        "tax and social-insurance arrears since the statement settled",
        (0.5, 1.0),
    ),
)
BY_NAME: Final[dict[str, Lever]] = {lever.name: lever for lever in LEVERS}
# The statement items each lever needs known and above zero; without them it changes nothing.
NEEDS: Final[dict[str, tuple[str, ...]]] = {
    "debt": ("borrowings",),
    "rate": ("interest_expense",),
    "costs": ("cost_of_sales", "sga"),  # either one
    "receivables": ("receivables",),
}
# Items ``rewrite`` reads and writes.
ITEMS: Final[tuple[str, ...]] = (
    "borrowings",
    "total_liabilities",
    "current_liabilities",
    "equity",
    "paid_in_capital",
    "interest_expense",
    "cost_of_sales",
    "sga",
    "operating_income",
    "pretax_income",
    "net_income",
    "retained_earnings",
    "operating_cash_flow",
    "receivables",
    "cash",
    "current_assets",
    "total_assets",
)


def applicable(names: Sequence[str], statement: Mapping[str, float], settleable: int) -> list[str]:
    """The levers of ``names`` that can change something for this statement and arrears."""
    found = []
    for name in names:
        if name == "arrears":
            usable = settleable > 0
        else:
            usable = any(statement.get(item, np.nan) > 0 for item in NEEDS[name])
        if usable:
            found.append(name)
    return found


def grid(names: Sequence[str]) -> np.ndarray:
    """Every combination of the levers' shares (0: untouched), one row per candidate, one column
    per lever of ``LEVERS``; row 0 changes nothing (the firm as filed)."""
    shares = [(0.0, *lever.shares) if lever.name in names else (0.0,) for lever in LEVERS]
    return np.array(list(product(*shares)), dtype="float64").reshape(-1, len(LEVERS))


def column(name: str) -> int:
    return [lever.name for lever in LEVERS].index(name)


def settled_count(shares: np.ndarray, settleable: int) -> np.ndarray:
    """Arrears events settled at each share (at least one for any share above zero)."""
    return np.ceil(shares * settleable - 1e-9).astype("int64")


def rewrite(statement: Mapping[str, float], shares: np.ndarray) -> dict[str, np.ndarray]:
    """The latest statement's ``ITEMS`` under each row of ``shares`` (from ``grid``).

    Missing items stay missing (never invented); an amount that moves is kept within the
    contract (non-negative items never below zero).
    """
    rows = len(shares)
    old = {item: np.full(rows, statement.get(item, np.nan), dtype="float64") for item in ITEMS}
    debt, rate = shares[:, column("debt")], shares[:, column("rate")]
    cut, collect = shares[:, column("costs")], shares[:, column("receivables")]
    repaid = np.nan_to_num(debt * old["borrowings"])
    interest = old["interest_expense"] * (1.0 - debt) * (1.0 - rate)
    saved = np.nan_to_num(old["interest_expense"] - interest)
    cost_cut = np.nan_to_num(cut * old["cost_of_sales"]) + np.nan_to_num(cut * old["sga"])
    collected = np.nan_to_num(collect * old["receivables"])
    profit = saved + cost_cut
    liabilities = old["total_liabilities"]
    short_share = np.nan_to_num(np.clip(old["current_liabilities"] / liabilities, 0.0, 1.0))
    new = {
        "borrowings": old["borrowings"] - repaid,
        "total_liabilities": np.maximum(liabilities - repaid, 0.0),
        "current_liabilities": np.maximum(old["current_liabilities"] - repaid * short_share, 0.0),
        "equity": old["equity"] + repaid + profit,
        "paid_in_capital": old["paid_in_capital"] + repaid,
        "interest_expense": interest,
        "cost_of_sales": old["cost_of_sales"] * (1.0 - cut),
        "sga": old["sga"] * (1.0 - cut),
        "operating_income": old["operating_income"] + cost_cut,
        "pretax_income": old["pretax_income"] + profit,
        "net_income": old["net_income"] + profit,
        "retained_earnings": old["retained_earnings"] + profit,
        "operating_cash_flow": old["operating_cash_flow"] + profit + collected,
        "receivables": old["receivables"] - collected,
        "cash": old["cash"] + profit + collected,
        "current_assets": old["current_assets"] + profit,
        "total_assets": old["total_assets"] + profit,
    }
    return new


def within_contract(items: Mapping[str, np.ndarray]) -> np.ndarray:
    """Rows whose amounts all stay below the contract's bound (missing amounts pass)."""
    rows = len(next(iter(items.values())))
    inside = np.ones(rows, dtype=bool)
    for values in items.values():
        inside &= ~(np.abs(values) >= AMOUNT_LIMIT)
    return inside
