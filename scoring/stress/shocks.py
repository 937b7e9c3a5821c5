"""Shocks applied to each firm's latest statement: the one the point-in-time pipeline reads as
current on the as-of date (its latest fiscal year, latest filing by then). Earlier years stay
as filed, so growth and change features see the shock as this year's fall.

How each shock rewrites the statement (천원, one year at the new level):

- interest rate: 이자비용 += bp / 10,000 × 차입금 (interest-bearing debt). A firm with no
  borrowings, or whose statement has no borrowings or interest figure (an income statement only),
  is left exactly as filed: there is nothing to reprice.
- revenue: 매출액 × (1 + pct); ``variable_cost_share`` of 매출원가 moves with it, SG&A and the rest
  of the cost of sales do not (a contribution-margin view), so 영업이익 changes by
  pct × (revenue − variable cost of sales). Without a cost-of-sales figure nothing is taken to
  move with revenue (the cautious reading: the whole revenue lost is profit lost).
- wage: 급여총액 × (1 + pct); the extra labour cost is split between 매출원가 and 판관비 in
  proportion to their size (production and office staff), all of it falls on 영업이익.
- energy: the energy part of 매출원가 (``ENERGY_SHARES`` by KSIC division, or the scenario's
  one share) rises by pct; 영업이익 falls by the same.

The profit lost (operating, plus extra interest) lowers 법인세차감전이익 and 당기순이익 one for one
(no tax effect, as ``scoring.levers``), 이익잉여금 and 자본총계, and 영업활동현금흐름 (interest paid
is an operating cash flow under 일반기업회계기준). It is paid from cash while there is cash, and
the rest is borrowed short-term (차입금, 유동부채, 부채총계 rise), so the statement stays balanced.
Missing items stay missing: nothing is invented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pandas as pd

from core import ksic
from core.contract import REGIONS
from features.statements import LAGS
from scoring.stress.spec import UNKNOWN_REGION, Energy, InterestRate, Revenue, Scenario, Scope, Wage

# Energy as a share of the cost of sales, by KSIC division: rough input shares (energy-intensive
# manufacturing, transport's fuel, other manufacturing, everything else). An assumption to
# edit with better figures, stated on the page and in docs/scenarios.md; a scenario may fix one.
ENERGY_INTENSIVE: Final = frozenset({"17", "19", "20", "22", "23", "24"})
ENERGY_SHARES: Final[dict[str, float]] = {
    **dict.fromkeys(ENERGY_INTENSIVE, 0.12),
    **dict.fromkeys(
        [f"{d:02d}" for d in range(10, 35) if f"{d:02d}" not in ENERGY_INTENSIVE], 0.04
    ),
    **dict.fromkeys(["49", "50", "51", "52"], 0.15),
    **dict.fromkeys(["55", "56"], 0.06),
}
OTHER_ENERGY_SHARE: Final = 0.02
# Statement items a shock reads or writes.
ITEMS: Final[tuple[str, ...]] = (
    "revenue",
    "cost_of_sales",
    "sga",
    "operating_income",
    "interest_expense",
    "pretax_income",
    "net_income",
    "retained_earnings",
    "equity",
    "operating_cash_flow",
    "cash",
    "current_assets",
    "total_assets",
    "borrowings",
    "current_liabilities",
    "total_liabilities",
    "payroll",
    "employees",
)


@dataclass(frozen=True)
class Latest:
    """Each firm's latest statement on the as-of date: its row in ``financials`` and who the
    firm is (served region, KSIC division, district, cluster), one row per firm with a filing."""

    rows: np.ndarray  # positions in the financials table
    firms: pd.DataFrame  # firm_id, region, division, district, cluster_id; positional
    read: np.ndarray  # positions of every filing the pipeline reads for these firms on the date
    read_firm: np.ndarray  # the firm (row of ``firms``) of each of ``read``


@dataclass(frozen=True)
class ShockCount:
    """How many firms one shock changed, and how many it could not price (no figure)."""

    type: str
    hit: int
    unpriced: int


@dataclass(frozen=True)
class Shocked:
    """The rewritten latest statements of the firms a scenario changed."""

    firm_ids: np.ndarray  # firms whose statement changed
    financials: pd.DataFrame  # their filings, the latest one rewritten
    counts: tuple[ShockCount, ...]


def latest_statements(financials: pd.DataFrame, firms: pd.DataFrame, as_of: pd.Timestamp) -> Latest:
    """The statement rows the pipeline reads as current on ``as_of`` (see the module doc)."""
    filed_on = financials["filed_on"].to_numpy(dtype="datetime64[ns]")
    known = np.flatnonzero(filed_on <= as_of.to_datetime64())
    firm, names = pd.factorize(financials["firm_id"].to_numpy()[known])
    years = financials["fiscal_year"].to_numpy()[known]
    order = np.lexsort((filed_on[known], years, firm))  # by firm, then year, then filing
    last = np.r_[firm[order][1:] != firm[order][:-1], True]  # each firm's last row in order
    rows = known[order][last]
    firm_ids = pd.Series(names[firm[order][last]], dtype="string")
    # Firms are numbered in order, so firm code k is row k of the table below. The pipeline reads
    # filings by the date of the latest year and LAGS years before it; nothing else.
    latest_year = years[order][last]
    read = years >= latest_year[firm] - LAGS
    who = firms.drop_duplicates("firm_id").set_index("firm_id").reindex(firm_ids)
    region = who["region"].astype("string").reset_index(drop=True)
    table = pd.DataFrame(
        {
            "firm_id": firm_ids,
            "region": region.where(region.isin(list(REGIONS)), UNKNOWN_REGION).astype(object),
            "division": ksic.division(who["ksic"]).reset_index(drop=True),
            "district": who["district"].astype("string").reset_index(drop=True),
            "cluster_id": who["cluster_id"].astype("string").reset_index(drop=True),
        }
    )
    return Latest(rows, table, known[read], firm[read])


def in_scope(firms: pd.DataFrame, scope: Scope, region: str | None) -> np.ndarray:
    """Firms a shock with ``scope`` hits, within the run's ``region`` (None: every region)."""
    hit = np.ones(len(firms), dtype=bool)
    wanted = [("region", scope.regions), ("division", scope.divisions)]
    wanted += [("district", scope.districts), ("cluster_id", scope.clusters)]
    if region is not None:
        wanted.append(("region", [region]))
    for column, values in wanted:
        if values:
            hit &= firms[column].isin(values).fillna(False).to_numpy(dtype=bool)
    return hit


def apply(
    financials: pd.DataFrame, latest: Latest, scenario: Scenario, region: str | None
) -> Shocked:
    """Rewrite the latest statements of the firms ``scenario`` hits (within ``region``)."""
    filed = financials.iloc[latest.rows]
    items = {i: filed[i].to_numpy(dtype="float64", na_value=np.nan, copy=True) for i in ITEMS}
    before = {i: v.copy() for i, v in items.items()}
    lost = np.zeros(len(filed))  # pre-tax profit lost this year (negative: gained)
    counts = []
    for shock in scenario.shocks:
        hit = in_scope(latest.firms, shock.scope, region)
        if isinstance(shock, InterestRate):
            change, unpriced = _interest(items, hit, shock)
        elif isinstance(shock, Revenue):
            change, unpriced = _revenue(items, hit, shock)
        elif isinstance(shock, Wage):
            change, unpriced = _wage(items, hit, shock)
        else:
            change, unpriced = _energy(items, hit, shock, latest.firms["division"])
        lost += change
        counts.append(ShockCount(shock.type, int((change != 0).sum()), int(unpriced.sum())))
    _carry(items, lost)
    changed = np.zeros(len(filed), dtype=bool)
    for item in ITEMS:
        old, new = before[item], items[item]
        changed |= ~((old == new) | (np.isnan(old) & np.isnan(new)))
    firm_ids = latest.firms["firm_id"].to_numpy()[changed]
    # Only the filings the pipeline reads for the changed firms: the rest cannot change a feature.
    keep = np.sort(latest.read[changed[latest.read_firm]])
    rewritten = financials.iloc[keep].reset_index(drop=True)
    rows = np.searchsorted(keep, latest.rows[changed])  # the latest rows' places in ``rewritten``
    for item in ITEMS:
        column = rewritten[item].to_numpy(dtype="float64", na_value=np.nan, copy=True)
        column[rows] = items[item][changed]
        rewritten[item] = column
    return Shocked(firm_ids, rewritten, tuple(counts))


def _interest(
    items: dict[str, np.ndarray], hit: np.ndarray, shock: InterestRate
) -> tuple[np.ndarray, np.ndarray]:
    debt, interest = items["borrowings"], items["interest_expense"]
    priced = hit & (debt > 0) & ~np.isnan(interest)
    new = np.where(priced, np.maximum(interest + shock.bp / 10_000 * debt, 0.0), interest)
    change = np.where(priced, new - interest, 0.0)
    items["interest_expense"] = new
    unpriced = hit & (np.isnan(debt) | (np.isnan(interest) & (debt > 0)))
    return change, unpriced


def _revenue(
    items: dict[str, np.ndarray], hit: np.ndarray, shock: Revenue
) -> tuple[np.ndarray, np.ndarray]:
    revenue, costs = items["revenue"], items["cost_of_sales"]
    factor = shock.pct / 100
    priced = hit & (revenue > 0)
    moved = factor * shock.variable_cost_share * np.nan_to_num(costs)
    change = np.where(priced, -(factor * revenue - moved), 0.0)
    items["revenue"] = np.where(priced, revenue * (1 + factor), revenue)
    items["cost_of_sales"] = np.where(priced, costs + moved, costs)
    _operating(items, priced, change)
    return change, hit & ~(revenue > 0)


def _wage(
    items: dict[str, np.ndarray], hit: np.ndarray, shock: Wage
) -> tuple[np.ndarray, np.ndarray]:
    payroll = items["payroll"]
    priced = hit & (payroll > 0)
    if shock.max_average_wage is not None:
        with np.errstate(divide="ignore", invalid="ignore"):
            average = payroll / items["employees"]
        priced &= average <= shock.max_average_wage  # unknown headcount: not known to be hit
    extra = np.where(priced, shock.pct / 100 * payroll, 0.0)
    items["payroll"] = payroll + extra
    _split_costs(items, extra)
    _operating(items, priced, extra)
    return extra, hit & ~(payroll > 0)


def _energy(
    items: dict[str, np.ndarray], hit: np.ndarray, shock: Energy, division: pd.Series
) -> tuple[np.ndarray, np.ndarray]:
    costs = items["cost_of_sales"]
    if shock.share_of_cost_of_sales is not None:
        share = np.full(len(costs), shock.share_of_cost_of_sales)
    else:
        share = division.map(ENERGY_SHARES).astype("float64").fillna(OTHER_ENERGY_SHARE)
        share = share.to_numpy(dtype="float64")
    priced = hit & (costs > 0)
    extra = np.where(priced, shock.pct / 100 * share * costs, 0.0)
    items["cost_of_sales"] = np.where(priced, costs + extra, costs)
    _operating(items, priced, extra)
    return extra, hit & ~(costs > 0)


def _split_costs(items: dict[str, np.ndarray], extra: np.ndarray) -> None:
    """Add ``extra`` to the cost of sales and SG&A in proportion to their size (to SG&A alone
    when the cost of sales is unknown or zero; a missing SG&A stays missing)."""
    costs, sga = np.nan_to_num(items["cost_of_sales"]), np.nan_to_num(items["sga"])
    total = costs + sga
    with np.errstate(divide="ignore", invalid="ignore"):
        to_costs = np.where(total > 0, extra * costs / total, 0.0)
    items["cost_of_sales"] = np.where(
        to_costs != 0, items["cost_of_sales"] + to_costs, items["cost_of_sales"]
    )
    rest = extra - to_costs
    items["sga"] = np.where(rest != 0, items["sga"] + rest, items["sga"])


def _operating(items: dict[str, np.ndarray], priced: np.ndarray, lost: np.ndarray) -> None:
    items["operating_income"] = np.where(
        priced, items["operating_income"] - lost, items["operating_income"]
    )


def _carry(items: dict[str, np.ndarray], lost: np.ndarray) -> None:
    """Carry the year's profit lost through net income, equity, cash flow and the balance."""
    moved = lost != 0

    def less(item: str, amount: np.ndarray) -> None:
        items[item] = np.where(moved, items[item] - amount, items[item])

    for item in (
        "pretax_income",
        "net_income",
        "retained_earnings",
        "equity",
        "operating_cash_flow",
    ):
        less(item, lost)
    cash = np.nan_to_num(np.maximum(items["cash"], 0.0))
    paid = np.where(lost > 0, np.minimum(lost, cash), lost)  # a gain is all kept as cash
    for item in ("cash", "current_assets", "total_assets"):
        less(item, paid)
    borrowed = -(lost - paid)
    for item in ("borrowings", "current_liabilities", "total_liabilities"):
        less(item, borrowed)
