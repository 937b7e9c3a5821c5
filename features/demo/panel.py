"""The firm-year simulation: vectorised over firms, one step per fiscal year.

Each step moves revenue and margins (with the year's shocks), books the statement so that the
accounting identities hold exactly, computes the true hazard for the next June 30 as-of, and
draws whether the firm has its first default-type event in the 12 months after it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from core.contract import FINANCIAL_AMOUNTS
from features.demo import economy, hazard
from features.demo.firms import INDUSTRIES_ARRAY, Firms
from features.demo.geography import INDUSTRIES, DistrictTable
from features.demo.reporting import file_statements

# Simulated before first_year so that histories and the population settle; never filed.
# Firms that exit during it are left out of the demo world altogether.
BURN_IN_YEARS = 6
_TAX_RATE = 0.19
_MANUFACTURING = np.array([item.manufacturing for item in INDUSTRIES])
_GROSS_MARGIN = np.array([item.gross_margin for item in INDUSTRIES])
_REVENUE_PER_EMPLOYEE = np.array([item.revenue_per_employee for item in INDUSTRIES])
_WAGE = np.array([item.wage for item in INDUSTRIES])


@dataclass(frozen=True)
class Panel:
    """What the simulation produced, before it is cut into contract tables."""

    financials: pd.DataFrame  # filed rows of kept firms; ``firm`` indexes Firms
    risk: pd.DataFrame  # one row per firm and as-of year, burn-in included
    regional: pd.DataFrame  # per region and year: sums the regional indicators are built from
    kept: np.ndarray  # the firms of the demo world: the first ``wanted`` that survived the burn-in


class _State:
    """Per-firm running state (arrays over all firms)."""

    def __init__(self, n: int) -> None:
        self.entered = np.zeros(n, dtype=bool)
        self.alive = np.zeros(n, dtype=bool)
        self.log_revenue = np.zeros(n)
        self.previous_log_revenue = np.full(n, np.nan)
        self.margin = np.zeros(n)
        self.paid_in = np.zeros(n)
        self.retained = np.zeros(n)
        self.other_equity = np.zeros(n)
        self.borrowings = np.zeros(n)
        self.employees = np.zeros(n)
        self.payroll = np.zeros(n)
        self.years_below_icr = np.zeros(n, dtype=int)
        self.years_of_losses = np.zeros(n, dtype=int)


def simulate(
    rng: np.random.Generator,
    firms: Firms,
    table: DistrictTable,
    first_year: int,
    last_year: int,
    wanted: int,
    progress: bool = False,
) -> Panel:
    """Run fiscal years ``first_year - BURN_IN_YEARS`` .. ``last_year``.

    All drawn firms are simulated (they make up the regional economy); statements are filed
    only for the ``wanted`` firms kept in the demo world.
    """
    n = len(firms.firm_id)
    state = _State(n)
    start = first_year - BURN_IN_YEARS
    years = range(start, last_year + 1)
    region_index = np.searchsorted(np.unique(table.regions), table.regions)[firms.district]
    industry_noise = rng.normal(0, 0.04, (len(INDUSTRIES), len(years)))
    region_noise = rng.normal(0, 0.02, (region_index.max() + 1, len(years)))
    founded_year = firms.founded_year
    filed: list[dict[str, np.ndarray]] = []
    risks, regional = [], []
    kept = np.zeros(n, dtype=bool)
    # The economy's scale (log) relative to the middle of the panel, where firms sit at their scale.
    levels = np.cumsum([economy.nominal_growth(year) - 0.01 for year in years])
    levels -= levels[years.index((first_year + last_year) // 2)]
    for step, year in enumerate(tqdm(years, desc="demo years", disable=not progress)):
        level = levels[step]
        entering = ~state.entered & (founded_year <= year)
        _enter(rng, firms, state, entering, year, level)
        continuing = state.alive & ~entering
        shock = _shocks(year, firms, table)
        _evolve(
            rng,
            firms,
            state,
            continuing,
            year,
            level,
            shock,
            industry_noise[firms.industry, step] + region_noise[region_index, step],
        )
        active = np.flatnonzero(state.alive)
        statement, year_state = _book(rng, firms, state, active, year)
        regional.append(_regional_sums(year, active, statement, state, firms, region_index))
        risk = _risk(rng, firms, table, active, year_state, year, founded_year)
        risk["default_date"] = np.where(
            risk["defaulted"], risk["default_date"], np.datetime64("NaT")
        )
        # Amounts only size the events; single precision keeps the risk table small.
        risk.update(
            revenue=statement["revenue"].astype(np.float32),
            payroll=statement["payroll"].astype(np.float32),
            borrowings=statement["borrowings"].astype(np.float32),
        )
        risks.append(pd.DataFrame(risk))
        if year == first_year:
            kept = _kept(state, wanted)
        if year >= first_year:
            mine = kept[active]
            amounts = {name: statement[name][mine] for name in FINANCIAL_AMOUNTS}
            dates = risk["default_date"][mine]
            chunk = file_statements(rng, firms, year, active[mine], amounts, dates)
            rows = len(chunk["firm"])
            period_end = np.full(rows, np.datetime64(f"{year}-12-31"))
            # Contract column order, so the stacked frame needs no reordering copy.
            filed.append(
                {
                    "firm": chunk.pop("firm"),
                    "fiscal_year": np.full(rows, year),
                    "period_end": period_end,
                    "filed_on": chunk.pop("filed_on"),
                    **chunk,
                }
            )
        state.alive[active[risk["defaulted"]]] = False
    return Panel(
        financials=_stack(filed),
        risk=pd.concat(risks, ignore_index=True),
        regional=pd.concat(regional, ignore_index=True),
        kept=kept,
    )


def _kept(state: _State, wanted: int) -> np.ndarray:
    """The first ``wanted`` firms (in draw order) that did not exit during the burn-in."""
    survivors = np.flatnonzero(~(state.entered & ~state.alive))
    if len(survivors) < wanted:
        raise RuntimeError(
            f"only {len(survivors)} drawn firms survived the burn-in, {wanted} wanted"
        )
    kept = np.zeros(len(state.alive), dtype=bool)
    kept[survivors[:wanted]] = True
    return kept


def _stack(chunks: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    """One frame from yearly chunks, column by column so that only one copy is ever held."""
    columns = {}
    for name in list(chunks[0]):
        columns[name] = np.concatenate([chunk.pop(name) for chunk in chunks])
    return pd.DataFrame(columns, copy=False)


def _enter(
    rng: np.random.Generator,
    firms: Firms,
    state: _State,
    entering: np.ndarray,
    year: int,
    level: float,
) -> None:
    """Start firms founded by ``year``: new firms small, thinly capitalised and less profitable."""
    index = np.flatnonzero(entering)
    k = len(index)
    age = year - firms.founded_year[index]
    youth = np.exp(-age / 3.0)
    log_revenue = firms.log_scale[index] + level - 1.3 * youth + rng.normal(0, 0.3, k)
    assets = np.exp(log_revenue) / firms.turnover[index]
    equity = assets * firms.equity_ratio[index] * (1 - 0.4 * youth)
    share = np.where(age < 2, rng.uniform(0.85, 1.0, k), rng.uniform(0.2, 0.8, k))
    paid_in = np.maximum(equity * share, 30_000.0)
    state.entered[index] = state.alive[index] = True
    state.log_revenue[index] = log_revenue
    state.previous_log_revenue[index] = np.nan
    state.margin[index] = firms.margin_mean[index] - 0.03 * youth + rng.normal(0, 0.03, k)
    state.paid_in[index] = paid_in
    state.other_equity[index] = 0.05 * paid_in
    state.retained[index] = equity - 1.05 * paid_in
    state.borrowings[index] = firms.borrowing_share[index] * (assets - equity)


def _shocks(year: int, firms: Firms, table: DistrictTable) -> economy.ShockEffect:
    """Shock effects per firm, computed once per district × industry cell."""
    cell = firms.district * len(INDUSTRIES) + firms.industry
    cells, inverse = np.unique(cell, return_inverse=True)
    district, industry = np.divmod(cells, len(INDUSTRIES))
    effect = economy.shock_effect(
        year, table.regions[district], table.names[district], INDUSTRIES_ARRAY[industry]
    )
    return economy.ShockEffect(
        effect.growth[inverse], effect.margin[inverse], effect.hazard[inverse]
    )


def _evolve(
    rng: np.random.Generator,
    firms: Firms,
    state: _State,
    continuing: np.ndarray,
    year: int,
    level: float,
    shock: economy.ShockEffect,
    noise: np.ndarray,
) -> None:
    """Revenue growth (mean-reverting to the firm's scale, with jumps) and margin persistence."""
    index = np.flatnonzero(continuing)
    k = len(index)
    age = year - firms.founded_year[index]
    reversion = 0.10 + 0.25 * np.exp(-age / 4.0)
    expected = economy.nominal_growth(year) - 0.01
    jump = rng.random(k)
    jumps = np.where(
        jump < 0.025,
        -rng.uniform(0.3, 0.8, k),
        np.where(jump > 0.98, rng.uniform(0.4, 1.0, k), 0.0),
    )
    gap = firms.log_scale[index] + level - state.log_revenue[index]
    growth = (
        expected
        + noise[index]
        + shock.growth[index]
        + reversion * gap
        + jumps
        + rng.normal(0, 0.13, k)
    )
    mean = firms.margin_mean[index]
    margin = (
        mean
        + 0.8 * (state.margin[index] - mean)
        + shock.margin[index]
        + 0.1 * np.clip(growth - expected, -0.8, 0.5)
        + rng.normal(0, 0.02, k)
    )
    state.previous_log_revenue[index] = state.log_revenue[index]
    state.log_revenue[index] += growth
    state.margin[index] = np.clip(margin, -0.6, 0.35)


def _book(
    rng: np.random.Generator, firms: Firms, state: _State, index: np.ndarray, year: int
) -> tuple[dict[str, np.ndarray], hazard.FirmYear]:
    """The fiscal-year statement of the active firms; updates equity, borrowings and counters."""
    k = len(index)
    industry = firms.industry[index]
    revenue = np.exp(state.log_revenue[index])
    operating_income = state.margin[index] * revenue
    gross = np.maximum(_GROSS_MARGIN[industry] + rng.normal(0, 0.03, k), state.margin[index] + 0.03)
    cost_of_sales = revenue * (1 - gross)
    sga = revenue - cost_of_sales - operating_income
    rate = economy.lending_rate(year) + firms.spread[index]
    interest = state.borrowings[index] * rate
    pretax = operating_income - interest + revenue * rng.normal(0, 0.006, k)
    net = pretax - _TAX_RATE * np.maximum(pretax, 0.0)
    age = year - firms.founded_year[index]
    paid_in = state.paid_in[index]
    # Owners take out more when equity is above the firm's habitual share of assets, which
    # keeps the cross-section of leverage steady instead of drifting to all-equity firms.
    equity_before = paid_in + state.retained[index] + state.other_equity[index]
    assets_before = revenue / firms.turnover[index]
    payout = np.clip(
        0.25 + 3.0 * (equity_before / assets_before - firms.equity_ratio[index]), 0.0, 0.95
    )
    dividends = np.where(age > 2, payout, 0.0) * np.maximum(net, 0.0)
    retained = state.retained[index] + net - dividends
    equity = paid_in + retained + state.other_equity[index]
    # Some owners recapitalise a firm whose equity turned negative.
    rescue = (equity < 0) & (rng.random(k) < 0.25)
    paid_in = paid_in + np.where(rescue, -equity + 0.1 * revenue, 0.0)
    equity = paid_in + retained + state.other_equity[index]
    assets = np.maximum(
        revenue / firms.turnover[index] * np.exp(rng.normal(0, 0.05, k)), equity / 0.92
    )
    liabilities = assets - equity
    borrowings = np.minimum(
        firms.borrowing_share[index] * liabilities * np.exp(rng.normal(0, 0.1, k)), liabilities
    )
    current_liabilities = firms.current_liability_share[index] * liabilities
    current_assets = np.minimum(
        firms.current_share[index] * assets * np.exp(rng.normal(0, 0.08, k)), 0.98 * assets
    )
    parts = rng.dirichlet([2.0, 3.0, 2.0, 1.5], k) * 0.97  # cash, receivables, inventory, other
    inventory_weight = np.where(_MANUFACTURING[industry], 1.0, 0.4)
    depreciation = (assets - current_assets) * rng.uniform(0.04, 0.10, k)
    employees = np.maximum(
        1.0, np.round(revenue / _REVENUE_PER_EMPLOYEE[industry] * np.exp(rng.normal(0, 0.1, k)))
    )
    payroll = employees * _WAGE[industry] * np.exp(rng.normal(0, 0.08, k))
    statement = {
        "revenue": revenue,
        "cost_of_sales": cost_of_sales,
        "sga": sga,
        "operating_income": operating_income,
        "interest_expense": interest,
        "pretax_income": pretax,
        "net_income": net,
        "depreciation": depreciation,
        "total_assets": assets,
        "current_assets": current_assets,
        "cash": current_assets * parts[:, 0],
        "receivables": current_assets * parts[:, 1],
        "inventory": current_assets * parts[:, 2] * inventory_weight,
        "total_liabilities": liabilities,
        "current_liabilities": current_liabilities,
        "borrowings": borrowings,
        "equity": equity,
        "paid_in_capital": paid_in,
        "retained_earnings": retained,
        "other_equity": state.other_equity[index],
        "operating_cash_flow": net + depreciation + revenue * rng.normal(0, 0.04, k),
        "employees": employees,
        "payroll": payroll,
    }
    below = (interest > 0) & (operating_income < interest)
    state.years_below_icr[index] = np.where(below, state.years_below_icr[index] + 1, 0)
    state.years_of_losses[index] = np.where(net < 0, state.years_of_losses[index] + 1, 0)
    state.paid_in[index], state.retained[index] = paid_in, retained
    state.borrowings[index] = borrowings
    previous_employees, previous_payroll = (
        state.employees[index].copy(),
        state.payroll[index].copy(),
    )
    state.employees[index], state.payroll[index] = employees, payroll
    statement["previous_employees"], statement["previous_payroll"] = (
        previous_employees,
        previous_payroll,
    )
    year_state = hazard.FirmYear(
        revenue=revenue,
        revenue_growth=state.log_revenue[index] - state.previous_log_revenue[index],
        operating_income=operating_income,
        interest_expense=interest,
        total_assets=assets,
        equity=equity,
        paid_in_capital=paid_in,
        current_assets=current_assets,
        current_liabilities=current_liabilities,
        years_below_icr=state.years_below_icr[index].copy(),
        years_of_losses=state.years_of_losses[index].copy(),
        age=year + 0.5 - firms.founded_year[index],
    )
    return statement, year_state


def _risk(
    rng: np.random.Generator,
    firms: Firms,
    table: DistrictTable,
    index: np.ndarray,
    year_state: hazard.FirmYear,
    year: int,
    founded_year: np.ndarray,
) -> dict[str, np.ndarray]:
    """True PD for the as-of June 30 of ``year + 1`` and the draw of a default in its window."""
    k = len(index)
    window_shock = _shocks(year + 1, firms, table).hazard[index]
    logit = hazard.hazard_logit(
        year_state, window_shock, firms.frailty[index], rng.normal(0, 0.3, k)
    )
    true_pd = hazard.probability(logit)
    defaulted = rng.random(k) < true_pd
    as_of = np.datetime64(f"{year + 1}-06-30")
    default_date = as_of + rng.integers(1, 366, k).astype("timedelta64[D]")
    return {
        "firm": index.astype(np.int32),
        "as_of_year": np.full(k, year + 1, dtype=np.int16),
        "logit": logit,
        "true_pd": true_pd,
        "defaulted": defaulted,
        "default_date": default_date,
    }


def _regional_sums(
    year: int,
    index: np.ndarray,
    statement: dict[str, np.ndarray],
    state: _State,
    firms: Firms,
    region_index: np.ndarray,
) -> pd.DataFrame:
    """Per-region totals for one year over established firms (5+ years old, filed last year).

    Young firms grow fast as they reach their scale; leaving them out makes the totals move
    like production and employment statistics do.
    """
    region = region_index[index]
    size = region_index.max() + 1
    age = year - firms.founded_year[index]
    established = (statement["previous_employees"] > 0) & (age >= 5)
    previous_revenue = np.exp(np.nan_to_num(state.previous_log_revenue[index], nan=-np.inf))
    manufacturing = established & _MANUFACTURING[firms.industry[index]]

    def total(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.bincount(region[mask], weights=values[mask], minlength=size)

    return pd.DataFrame(
        {
            "region_index": np.arange(size),
            "year": year,
            "firms": np.bincount(region, minlength=size),
            "established": total(np.ones(len(index)), established),
            "employees": total(statement["employees"], established),
            "previous_employees": total(statement["previous_employees"], established),
            "payroll": total(statement["payroll"], established),
            "previous_payroll": total(statement["previous_payroll"], established),
            "revenue": total(statement["revenue"], established),
            "previous_revenue": total(previous_revenue, established),
            "manufacturing_revenue": total(statement["revenue"], manufacturing),
            "previous_manufacturing_revenue": total(previous_revenue, manufacturing),
            "manufacturers": total(np.ones(len(index)), manufacturing),
        }
    )
