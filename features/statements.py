"""Point-in-time statement panels: what a firm had filed by the as-of date."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from core import contract
from features.asof import TimeIndex, positions

LAGS = 3
# What the panel holds per year: the amounts, and the auditor's notes as numbers (the opinion's
# severity, a going-concern paragraph as 0/1) so that they travel with the amounts.
ITEMS: tuple[str, ...] = (*contract.FINANCIAL_AMOUNTS, *contract.FINANCIAL_NOTES)
# 적정 0, 한정 1, 부적정 and 의견거절 2: an auditor who cannot or will not sign is as bad a sign
# as one who disagrees.
OPINION_SEVERITY: dict[str, float] = {"적정": 0.0, "한정": 1.0, "부적정": 2.0, "의견거절": 2.0}


def item_values(financials: pd.DataFrame, item: str) -> np.ndarray:
    """One panel item of every filing as floats (notes encoded, see ``ITEMS``); an item the
    table lacks (an older file without the notes) is missing."""
    if item not in financials.columns:
        return np.full(len(financials), np.nan)
    if item == "audit_opinion":
        opinion = financials[item].astype("string")
        return opinion.map(OPINION_SEVERITY, na_action="ignore").to_numpy(
            "float64", na_value=np.nan
        )
    if item == "going_concern":
        return financials[item].astype("Float64").to_numpy("float64", na_value=np.nan)
    return financials[item].to_numpy("float64")


# A statement is the current one on a date when its period ended within this before the date
# (and it was filed by then): the annual statement a firm is expected to have.
CURRENT = pd.DateOffset(months=12)


def current_statements(financials: pd.DataFrame, date: pd.Timestamp) -> pd.DataFrame:
    """Statements filed by ``date`` whose period ended in the 12 months before it."""
    period_end, filed_on = financials["period_end"], financials["filed_on"]
    return financials[(filed_on <= date) & (period_end <= date) & (period_end > date - CURRENT)]


def as_of_dates(financials: pd.DataFrame, month: int = 6, day: int = 30) -> list[pd.Timestamp]:
    """Yearly as-of dates (default 30 June) from the first filing to the last date on which at
    least half as many firms have a current statement (period ended in the 12 months before,
    filed by then) as on the best-covered date: where most firms' statements are, so a few late
    filers or June year ends (filed in the autumn) do not open a year that is empty for the rest,
    and firms that stopped filing years ago do not hold the present back."""
    filed = financials["filed_on"].dropna()
    if filed.empty:
        return []
    first, last = filed.min(), filed.max()
    years = range(first.year, last.year + 2)
    dates = [d for d in (pd.Timestamp(year=y, month=month, day=day) for y in years) if first <= d]
    covered = _firms_with_a_current_statement(financials, dates)
    best = max(covered, default=0)
    end = max((i for i, firms in enumerate(covered) if 2 * firms >= best), default=-1)
    return dates[: end + 1]


def _firms_with_a_current_statement(
    financials: pd.DataFrame, dates: list[pd.Timestamp]
) -> list[int]:
    """``current_statements(financials, d)["firm_id"].nunique()`` for every date ``d`` of
    ``dates`` (one a year, same day) in one pass: a statement is current on the first of the
    dates on or after both its period end and its filing, if its period ended within
    ``CURRENT`` before that date, and on no other."""
    if not dates:
        return []
    anchor = dates[0]
    known = financials.dropna(subset=["period_end", "filed_on"])
    period_end = known["period_end"].to_numpy()
    ready = pd.DatetimeIndex(np.maximum(period_end, known["filed_on"].to_numpy()))
    after_anchor = (ready.month > anchor.month) | (
        (ready.month == anchor.month) & (ready.day > anchor.day)
    )
    year = ready.year.to_numpy() + after_anchor  # the year of the first date on or after it
    first = int(year.min())
    starts = [
        pd.Timestamp(year=y, month=anchor.month, day=anchor.day) - CURRENT
        for y in range(first, int(year.max()) + 1)
    ]
    current = period_end > np.array(starts, dtype="datetime64[ns]")[year - first]
    per_year = pd.Series(known["firm_id"].to_numpy()[current]).groupby(year[current]).nunique()
    return [int(per_year.get(d.year, 0)) for d in dates]


def present_fiscal_year(financials: pd.DataFrame) -> int | None:
    """The fiscal year of the typical current statement on the last as-of date: how far the
    data reach for most firms (None for an empty table)."""
    dates = as_of_dates(financials)
    current = current_statements(financials, dates[-1]) if dates else financials.iloc[:0]
    return int(lower_median(current["fiscal_year"])) if len(current) else None


def lower_median(values: pd.Series) -> Any:
    """The middle value (the lower one of an even count): always one of the values, so a date
    stays a date and a year a year."""
    return values.sort_values().iloc[(len(values) - 1) // 2]


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
    items = list(ITEMS)
    known = known.assign(**{item: item_values(known, item) for item in contract.FINANCIAL_NOTES})
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


class Filings:
    """Every firm's filings, indexed once to answer ``latest_statements`` for many dates.

    Firms are positions in ``firm_ids``; filings of other firms, or never filed, are left out.
    """

    def __init__(self, financials: pd.DataFrame, firm_ids: pd.Index) -> None:
        firm = positions(firm_ids, financials["firm_id"])
        known = np.flatnonzero((firm >= 0) & financials["filed_on"].notna().to_numpy())
        self._firm = firm[known]
        self._filed = financials["filed_on"].to_numpy()[known]
        self._years = financials["fiscal_year"].to_numpy()[known]
        self._period_end = financials["period_end"].to_numpy()[known]
        self._items = _items_by_row(financials, known)
        self._by_firm = TimeIndex(self._firm, self._filed)
        self._year_key = _FirmYearKey(self._years)
        self._by_year = TimeIndex(self._year_key(self._firm, self._years), self._filed)

    def latest_years(self, dates: pd.DatetimeIndex) -> pd.DataFrame:
        """``date``, ``firm`` and latest known ``fiscal_year`` for each firm with a filing by
        each of ``dates`` (positions in ``dates``), ordered by date, then firm."""
        # In filing order, a firm's latest known year is the running maximum of the years filed.
        # Each firm's keys lie above all earlier firms', so one running maximum restarts at each.
        in_order = self._by_firm.order
        running = np.maximum.accumulate(self._year_key(self._firm, self._years)[in_order])
        latest = np.empty_like(self._years)  # ``latest[row]``: once filing ``row`` is in
        latest[in_order] = self._year_key.year(running, self._firm[in_order])
        firms = np.unique(self._firm)
        date = np.repeat(np.arange(len(dates)), len(firms))
        firm = np.tile(firms, len(dates))
        row = self._by_firm.last(firm, dates.to_numpy(), date, inclusive=True)
        found = row >= 0
        return pd.DataFrame(
            {"date": date[found], "firm": firm[found], "fiscal_year": latest[row[found]]}
        )

    def panel(
        self, rows: pd.DataFrame, dates: pd.DatetimeIndex, earlier: Mapping[str, int] | None = None
    ) -> pd.DataFrame:
        """The ``latest_statements`` panel for ``rows`` (from ``latest_years``) on their dates:
        the year's items, and items of earlier years (``_l1`` … ``_l3``): all of them, or as many
        years of each item as ``earlier`` asks for."""
        if earlier is None:
            earlier = dict.fromkeys(ITEMS, LAGS)
        date, firm = rows["date"].to_numpy(), rows["firm"].to_numpy()
        years = rows["fiscal_year"].to_numpy()
        parts = []
        for lag in range(LAGS + 1):
            items = [i for i in ITEMS if lag == 0 or earlier.get(i, 0) >= lag]
            if not items:
                continue
            # The version of year (latest - lag) known on the date: its last filing by then.
            key = self._year_key(firm, years - lag)
            found = self._by_year.last(key, dates, date, inclusive=True)
            if lag == 0:  # always found: the latest year was filed by the date
                parts.append(self._filing(years, found))
            parts.append(self._amounts(items, found, f"_l{lag}" if lag else ""))
        return pd.concat(parts, axis=1)

    def _filing(self, years: np.ndarray, found: np.ndarray) -> pd.DataFrame:
        period_end, filed_on = self._period_end[found], self._filed[found]
        return pd.DataFrame({"fiscal_year": years, "period_end": period_end, "filed_on": filed_on})

    def _amounts(self, items: list[str], found: np.ndarray, suffix: str) -> pd.DataFrame:
        every_item = len(items) == len(ITEMS)
        which = [ITEMS.index(item) for item in items]
        source = self._items if every_item else self._items[which]  # not copied when all
        # Item-major, so that each column is contiguous for the ratios; filing -1 reads the
        # missing column appended last.
        amounts = np.take(source, found, axis=1)
        return pd.DataFrame(amounts.T, columns=[f"{i}{suffix}" for i in items], copy=False)


class _FirmYearKey:
    """One non-negative integer per (firm, fiscal year), for years down to LAGS before the first."""

    def __init__(self, years: np.ndarray) -> None:
        self._base = int(years.min()) - LAGS if len(years) else 0
        self._span = int(years.max()) - self._base + 1 if len(years) else 1

    def __call__(self, firm: np.ndarray, years: np.ndarray) -> np.ndarray:
        return firm.astype("int64") * self._span + (years - self._base)

    def year(self, keys: np.ndarray, firm: np.ndarray) -> np.ndarray:
        return keys - firm.astype("int64") * self._span + self._base


def _items_by_row(financials: pd.DataFrame, rows: np.ndarray) -> np.ndarray:
    """The amounts of filings ``rows``: one row per item (so that each gathered item column is
    contiguous for the ratios), one column per filing and a last, all-missing column that
    filing -1 (none found) picks."""
    items = np.empty((len(ITEMS), len(rows) + 1))
    items[:, -1] = np.nan
    every_row = len(rows) == len(financials)  # rows are sorted: then they are all the rows
    for position, item in enumerate(ITEMS):
        amounts = item_values(financials, item)
        items[position, :-1] = amounts if every_row else amounts[rows]
    return items
