"""Small, plausible contract tables for unit tests (seeded, no demo generator needed)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.tables import RawTables, empty_table, normalise


def statement(firm_id: str, fiscal_year: int, **items: float) -> dict[str, object]:
    """One financial row for FY ``fiscal_year`` filed on 31 March of the next year."""
    base: dict[str, object] = {
        "firm_id": firm_id,
        "fiscal_year": fiscal_year,
        "period_end": pd.Timestamp(fiscal_year, 12, 31),
        "filed_on": pd.Timestamp(fiscal_year + 1, 3, 31),
        "revenue": 1_000_000.0,
        "cost_of_sales": 700_000.0,
        "sga": 200_000.0,
        "operating_income": 100_000.0,
        "interest_expense": 20_000.0,
        "pretax_income": 80_000.0,
        "net_income": 64_000.0,
        "depreciation": 30_000.0,
        "total_assets": 800_000.0,
        "current_assets": 400_000.0,
        "cash": 100_000.0,
        "receivables": 150_000.0,
        "inventory": 100_000.0,
        "total_liabilities": 480_000.0,
        "current_liabilities": 300_000.0,
        "borrowings": 300_000.0,
        "equity": 320_000.0,
        "paid_in_capital": 100_000.0,
        "retained_earnings": 220_000.0,
        "operating_cash_flow": 90_000.0,
        "employees": 20.0,
        "payroll": 800_000.0,
    }
    base.update(items)
    return base


def firm(
    firm_id: str, region: str = "26", ksic: str = "25112", **fields: object
) -> dict[str, object]:
    row: dict[str, object] = {
        "firm_id": firm_id,
        "name": f"(주)테스트{firm_id[-3:]}",
        "region": region,
        "district": f"{region}110",
        "ksic": ksic,
        "founded": pd.Timestamp(2005, 1, 1),
        "size_class": "소기업",
        "audited": False,
        "growth_stage": "none",
        "cluster_id": None,
        "main_industry": False,
    }
    row.update(fields)
    return row


def regional(
    regions: tuple[str, ...] = ("26", "11"), years: range = range(2015, 2025)
) -> pd.DataFrame:
    rows = [
        {
            "region": r,
            "period": y,
            "published_on": pd.Timestamp(y + 1, 6, 15),
            "grdp_growth": 2.0,
            "unemployment_rate": 3.5,
            "crisis_area": 0.0,
        }
        for r in regions
        for y in years
    ]
    return normalise("regional", pd.DataFrame(rows))


def tables(
    firms: list[dict[str, object]],
    financials: list[dict[str, object]],
    events: list[dict[str, object]] | None = None,
) -> RawTables:
    return RawTables(
        firms=normalise("firms", pd.DataFrame(firms)),
        financials=normalise("financials", pd.DataFrame(financials)),
        events=normalise("events", pd.DataFrame(events)) if events else empty_table("events"),
        regional=regional(),
        visits=empty_table("visits"),
    )


def random_panel(n_firms: int = 60, years: range = range(2016, 2024), seed: int = 0) -> RawTables:
    """A noisy panel: scaled copies of one statement with random margins and leverage."""
    rng = np.random.default_rng(seed)
    firm_rows, fin_rows, event_rows = [], [], []
    for i in range(n_firms):
        firm_id = f"{1000000000 + i}"
        firm_rows.append(
            firm(firm_id, region=("26", "11")[i % 2], ksic=("25112", "56111")[i % 3 % 2])
        )
        scale = float(rng.lognormal(0, 1))
        for year in years:
            margin = float(rng.normal(0.05, 0.08))
            debt = float(rng.uniform(0.3, 0.9))
            assets = 800_000.0 * scale
            fin_rows.append(
                statement(
                    firm_id,
                    year,
                    revenue=1_000_000.0 * scale,
                    operating_income=1_000_000.0 * scale * margin,
                    net_income=800_000.0 * scale * margin,
                    total_assets=assets,
                    total_liabilities=assets * debt,
                    equity=assets * (1 - debt),
                )
            )
            if rng.random() < 0.1:
                event_rows.append(
                    {
                        "firm_id": firm_id,
                        "event_date": pd.Timestamp(year, 9, 1),
                        "event_type": "tax_arrears",
                        "amount": 1000.0,
                    }
                )
    return tables(firm_rows, fin_rows, event_rows)
