"""Point-in-time statement panels: what a firm had filed by the as-of date."""

from __future__ import annotations

import pandas as pd

from core import contract

LAGS = 3


def filed_by(financials: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Statements known on ``as_of``: filed on or before it, the latest filing per fiscal year."""
    known = financials[financials["filed_on"] <= as_of]
    known = known.sort_values(["firm_id", "fiscal_year", "filed_on"], kind="stable")
    return known.drop_duplicates(["firm_id", "fiscal_year"], keep="last")


def latest_statements(financials: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """One row per firm: the latest known fiscal year, with items of up to 3 earlier years.

    Earlier years sit in columns suffixed ``_l1`` … ``_l3``; a year that was not filed (or not
    yet) leaves its columns missing.
    """
    known = filed_by(financials, as_of)
    items = list(contract.FINANCIAL_AMOUNTS)
    latest = known.drop_duplicates("firm_id", keep="last")
    panel = latest[["firm_id", "fiscal_year", "period_end", "filed_on", *items]]
    panel = panel.set_index("firm_id")
    by_year = known.set_index(["firm_id", "fiscal_year"])[items]
    for lag in range(1, LAGS + 1):
        keys = pd.MultiIndex.from_arrays([panel.index, panel["fiscal_year"] - lag])
        earlier = by_year.reindex(keys)
        earlier.index = panel.index
        panel = panel.join(earlier.add_suffix(f"_l{lag}"))
    return panel
