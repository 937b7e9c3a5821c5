"""Non-financial signals (비재무 신호): arrears and delinquency before the as-of date."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core import contract
from features.asof import TimeIndex, days_between, positions

_COUNTS = {
    "tax_arrears_12m": "tax_arrears",
    "social_insurance_arrears_12m": "social_insurance_arrears",
    "wage_arrears_12m": "wage_arrears",
    "loan_delinquency_12m": "loan_delinquency_30",
}
DAYS_PER_MONTH = 30.4375


def events_before(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    """Events that happened strictly before ``as_of`` (SPEC §5)."""
    return events[events["event_date"] < as_of]


def defaulted_before(events: pd.DataFrame, as_of: pd.Timestamp) -> pd.Index:
    """Firms already in distress: a default-type event before ``as_of``."""
    past = events_before(events, as_of)
    return pd.Index(past.loc[past["event_type"].isin(contract.DEFAULT_EVENTS), "firm_id"].unique())


def first_default(events: pd.DataFrame, firm_ids: pd.Series) -> pd.Series:
    """Date of each firm's first default-type event (missing if none), aligned to ``firm_ids``."""
    defaults = events[events["event_type"].isin(contract.DEFAULT_EVENTS)]
    first = defaults.groupby("firm_id")["event_date"].min()
    # A trailing NaT answers firms with no default-type event (position -1).
    dates = np.append(first.to_numpy(), np.datetime64("NaT", "ns"))
    return pd.Series(dates[positions(first.index, firm_ids)], index=firm_ids.index)


def arrears_signals(events: pd.DataFrame, firm_ids: pd.Index, as_of: pd.Timestamp) -> pd.DataFrame:
    """Counts of each arrears type in the 12 months before ``as_of`` and months since the last."""
    past = events_before(events, as_of)
    arrears = past[past["event_type"].isin(contract.ARREARS_EVENTS)]
    recent = arrears[arrears["event_date"] >= as_of - pd.DateOffset(months=12)]
    counts = pd.crosstab(recent["firm_id"], recent["event_type"])
    signals = pd.DataFrame(index=firm_ids)
    for column, event_type in _COUNTS.items():
        found = counts[event_type] if event_type in counts.columns else pd.Series(dtype="int64")
        signals[column] = found.reindex(firm_ids, fill_value=0).astype("float64").to_numpy()
    last = arrears.groupby("firm_id")["event_date"].max().reindex(firm_ids)
    signals["months_since_arrears"] = ((as_of - last).dt.days / DAYS_PER_MONTH).to_numpy()
    return signals


def arrears_signals_at(
    events: pd.DataFrame,
    firm_ids: pd.Index,
    firm: np.ndarray,
    dates: pd.DatetimeIndex,
    date: np.ndarray,
) -> pd.DataFrame:
    """``arrears_signals`` for many rows at once: row i is firm ``firm_ids[firm[i]]`` on
    ``dates[date[i]]``: events strictly before that date, counts over the 12 months before it."""
    code = positions(firm_ids, events["firm_id"])
    arrears = (code >= 0) & events["event_type"].isin(contract.ARREARS_EVENTS).to_numpy()
    arrears &= events["event_date"].notna().to_numpy()
    when = events["event_date"].to_numpy()[arrears]
    by_firm = TimeIndex(code[arrears], when)
    # Sorted positions bounding each row's window [date - 12 months, date).
    until = by_firm.end(firm, dates.to_numpy(), date, inclusive=False)
    since = by_firm.end(firm, _year_before(dates).to_numpy(), date, inclusive=False)
    types = events["event_type"].to_numpy()[arrears][by_firm.order]
    signals = pd.DataFrame(index=pd.RangeIndex(len(firm)))
    for column, event_type in _COUNTS.items():
        # Events of this type before each sorted position, so a window counts by subtraction.
        before = np.append(0, np.cumsum(types == event_type))
        signals[column] = (before[until] - before[since]).astype("float64")
    # A trailing NaT answers the rows with no arrears before their date (row -1).
    last = np.append(when, np.datetime64("NaT", "ns"))[by_firm.row_before(firm, until)]
    signals["months_since_arrears"] = days_between(last, dates.to_numpy()[date]) / DAYS_PER_MONTH
    return signals


def _year_before(dates: pd.DatetimeIndex) -> pd.DatetimeIndex:
    """``date - 12 months`` by the calendar (29 Feb -> 28 Feb), as ``arrears_signals`` counts."""
    return pd.DatetimeIndex([d - pd.DateOffset(months=12) for d in dates])
