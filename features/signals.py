"""Non-financial signals (비재무 신호): arrears and delinquency before the as-of date."""

from __future__ import annotations

import pandas as pd

from core import contract

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
    return pd.Series(first.reindex(firm_ids.to_numpy()).to_numpy(), index=firm_ids.index)


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
