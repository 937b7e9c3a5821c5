"""Lead time, monthly against annual: how many of a test year's distress events each way of
scoring warned at 경계 or above beforehand, how many months ahead, at the same alert volume.

The events are those of the annual evaluation: firms labelled 1 on the test year's 30 June row
(a default-type event within 12 months of it), dated by their first default-type event. Each
scoring is a set of (firm, as-of, PD) rows; a firm is warned when its score was at or above the
threshold on an as-of date before the event and stayed there on every later as-of date up to the
event (``training.metrics.lead_time_months``: a flag that lapsed does not count). Rows whose
statement is stale (older than ``stale_after_months``, which the service shows as 자료 오래됨
instead of a grade) count as not flagged: staff would not see a warning there.

"Same alert volume" means the same mean share of graded firms flagged per as-of date: the size of
the list a centre holds at any time. The monthly model's threshold is set to match the annual
model's share at 경계 (``matched_threshold``); the monthly model at its own 경계 cut and the
annual model re-scored every month are shown beside it, so the gain can be told apart from more
frequent scoring alone. Both scorings start at the same date (30 June of the validation year),
so neither can show a longer lead just by looking further back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from core.bundle import LoadedModel
from features.labels import STALE_AFTER_MONTHS
from training.metrics import lead_time_months

ANNUAL_MONTH, ANNUAL_DAY = 6, 30  # the annual as-of date (features.statements.as_of_dates)
WARNING_GRADE = 3  # index of 경계 in the grade ladder: 경계 and 심각 are a warning
COLUMNS = (
    "scoring",
    "as_of_dates",
    "threshold",
    "alert_volume",
    "firms_flagged",
    "events",
    "warned",
    "warned_share",
    "median_months_ahead",
    "warned_0_6",
    "warned_6_12",
    "warned_12_plus",
)


# Each scoring compared: its metric key and how the report names it.
SCORINGS = {
    "annual": "annual model, 30 June, 경계 cut",
    "monthly": "monthly model, month-ends, same volume",
    "monthly_own_cut": "monthly model, month-ends, 경계 cut",
    "annual_rescored_monthly": "annual model, month-ends, same volume",
}


class LeadTimeError(ValueError):
    """The feature table cannot support the comparison (no annual test date, no events)."""


@dataclass(frozen=True)
class LeadTimeComparison:
    """One row per scoring (``COLUMNS``), the test year, and how the events were chosen."""

    table: pd.DataFrame
    test_year: int
    events: int
    note: str

    def value(self, scoring: str, column: str) -> float:
        return float(self.table.set_index("scoring").loc[scoring, column])

    def metrics(self) -> dict[str, float]:
        """``lead_time_<scoring>_<figure>`` for MLflow (``SCORINGS``' keys; finite values)."""
        keys = {label: key for key, label in SCORINGS.items()}
        out = {}
        for row in self.table.to_dict("records"):
            key = keys[str(row["scoring"])]
            for column in ("alert_volume", "warned_share", "median_months_ahead", "threshold"):
                value = float(row[column])
                if np.isfinite(value):
                    out[f"lead_time_{key}_{column}"] = value
        return out


def comparison_year(annual: LoadedModel, monthly: LoadedModel) -> tuple[int, str]:
    """The annual model's test year (the year its own lead time is reported for), and a note
    when the monthly model early-stopped and calibrated on it; refused when the monthly model
    was fitted on it (its events would be in the monthly training labels)."""
    year = int(annual.bundle.split.get("test_year", monthly.bundle.split["test_year"]))
    split = monthly.bundle.split
    if int(split["train_years"][1]) >= year:
        raise LeadTimeError(
            f"the monthly model was fitted on as-of years {split['train_years']}, which reach "
            f"the annual test year {year}: train it with --test-year {year} or later"
        )
    if int(split["valid_year"]) == year:
        return year, (
            f" The monthly model early-stopped and calibrated on {year} (its validation year), "
            "so its figures are somewhat flattered."
        )
    return year, ""


def annual_dates(as_of: pd.Series) -> pd.Series:
    """True on the annual (30 June) as-of rows."""
    return (as_of.dt.month == ANNUAL_MONTH) & (as_of.dt.day == ANNUAL_DAY)


def distress_events(
    features: pd.DataFrame, first_defaults: pd.Series, test_year: int
) -> tuple[pd.Series, pd.Timestamp]:
    """The annual test year's distress events (firm_id -> first default-type event date) and
    its 30 June as-of date: the firms labelled 1 on that date's rows."""
    when = pd.Timestamp(year=test_year, month=ANNUAL_MONTH, day=ANNUAL_DAY)
    rows = features[(features["as_of"] == when) & (features["label"] == 1)]
    if not (features["as_of"] == when).any():
        raise LeadTimeError(
            f"the feature table has no {when.date()} rows: the annual test date must be one of "
            "its as-of dates (monthly tables hold every 30 June)"
        )
    firms = rows["firm_id"].astype(str).to_numpy()
    defaults = first_defaults.set_axis(first_defaults.index.astype(str))
    events = defaults.reindex(firms).dropna()
    return events.rename("event_date"), when


def rated(rows: pd.DataFrame, stale_after_months: int = STALE_AFTER_MONTHS) -> np.ndarray:
    """Rows the service grades: a statement no older than ``stale_after_months``."""
    age = rows["statement_age_months"].to_numpy("float64")
    return ~(age > stale_after_months)


def alert_volume(scored: pd.DataFrame, threshold: float) -> float:
    """Mean over as-of dates of the share of graded rows at or above ``threshold``."""
    graded = scored[scored["rated"]]
    if graded.empty:
        return float("nan")
    share = (graded["pd"] >= threshold).groupby(graded["as_of"]).mean()
    return float(share.mean())


def matched_threshold(scored: pd.DataFrame, volume: float) -> float:
    """The threshold whose alert volume (``alert_volume``) comes closest to ``volume`` from
    below: each graded row weighs 1 / (rows on its date × dates), and the rows are taken from
    the highest PD down until the weight reaches ``volume``."""
    graded = scored[scored["rated"]]
    if graded.empty or not np.isfinite(volume) or volume <= 0:
        return float("inf")
    per_date = graded.groupby("as_of")["pd"].transform("size").to_numpy("float64")
    weight = 1.0 / (per_date * graded["as_of"].nunique())
    order = np.argsort(-graded["pd"].to_numpy(), kind="stable")
    pds = graded["pd"].to_numpy()[order]
    reached = np.cumsum(weight[order])
    # Tied PDs are flagged together: a threshold's volume is the weight up to its block's end.
    block_end = np.append(pds[1:] != pds[:-1], True)
    within = block_end & (reached <= volume * (1 + 1e-9))
    if not within.any():
        return float(np.nextafter(pds[0], np.inf))  # not even the riskiest block fits
    return float(pds[np.flatnonzero(within)[-1]])


def lead_row(
    scoring: str,
    scored: pd.DataFrame,
    events: pd.Series,
    threshold: float,
) -> dict[str, object]:
    """The figures of one scoring at one threshold."""
    shown = scored.assign(pd=scored["pd"].where(scored["rated"], -np.inf))
    lead = lead_time_months(shown, events, threshold)
    flagged = shown.loc[shown["pd"] >= threshold, "firm_id"].nunique()
    n = len(events)
    return {
        "scoring": scoring,
        "as_of_dates": int(scored["as_of"].nunique()),
        "threshold": threshold,
        "alert_volume": alert_volume(scored, threshold),
        "firms_flagged": int(flagged),
        "events": n,
        "warned": len(lead),
        "warned_share": len(lead) / n if n else float("nan"),
        "median_months_ahead": float(lead.median()) if len(lead) else float("nan"),
        "warned_0_6": int((lead < 6).sum()),
        "warned_6_12": int(((lead >= 6) & (lead < 12)).sum()),
        "warned_12_plus": int((lead >= 12).sum()),
    }


def _scored(
    rows: pd.DataFrame, model: LoadedModel, events: pd.Series, stale_after_months: int
) -> pd.DataFrame:
    """firm_id, as_of, pd, rated for ``rows`` (every firm, for the alert volume)."""
    return pd.DataFrame(
        {
            "firm_id": rows["firm_id"].astype(str).to_numpy(),
            "as_of": rows["as_of"].to_numpy(),
            "pd": model.predict_pd(rows),
            "rated": rated(rows, stale_after_months),
        }
    )


def compare_lead_time(
    features: pd.DataFrame,
    annual: LoadedModel,
    monthly: LoadedModel,
    first_defaults: pd.Series,
    test_year: int,
    stale_after_months: int = STALE_AFTER_MONTHS,
    predict: Callable[[LoadedModel, pd.DataFrame], np.ndarray] | None = None,
) -> LeadTimeComparison:
    """The annual model on its 30 June dates against the monthly model on every month-end of a
    monthly feature table, for the annual test year's events (see the module's docstring).

    ``features`` is a monthly feature table (``ews monthly features``), labelled; its 30 June
    rows are the annual table's rows. Scores run from 30 June of ``test_year - 1`` (the
    validation year's annual date) up to the last event.
    """
    events, test_date = distress_events(features, first_defaults, test_year)
    if events.empty:
        raise LeadTimeError(f"no distress events with a date among the {test_date.date()} rows")
    start = test_date - pd.DateOffset(years=1)
    window = features[(features["as_of"] >= start) & (features["as_of"] <= events.max())]
    yearly = window[annual_dates(window["as_of"])]
    annual_scored = _scored(yearly, annual, events, stale_after_months)
    monthly_scored = _scored(window, monthly, events, stale_after_months)
    annual_by_month = _scored(window, annual, events, stale_after_months)
    cut = float(annual.bundle.grade_table.cut_points[WARNING_GRADE - 1])
    monthly_cut = float(monthly.bundle.grade_table.cut_points[WARNING_GRADE - 1])
    volume = alert_volume(annual_scored, cut)
    rows = [
        lead_row(SCORINGS["annual"], annual_scored, events, cut),
        lead_row(
            SCORINGS["monthly"],
            monthly_scored,
            events,
            matched_threshold(monthly_scored, volume),
        ),
        lead_row(SCORINGS["monthly_own_cut"], monthly_scored, events, monthly_cut),
        lead_row(
            SCORINGS["annual_rescored_monthly"],
            annual_by_month,
            events,
            matched_threshold(annual_by_month, volume),
        ),
    ]
    note = (
        f"{len(events):,} distress events: firms labelled 1 on {test_date.date()} (a default-type "
        f"event within 12 months), dated by their first default-type event; scores from "
        f"{start.date()} up to each event; stale rows (statement older than "
        f"{stale_after_months} months) count as not flagged. Alert volume: mean share of graded "
        "firms at or above the threshold per as-of date."
    )
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    return LeadTimeComparison(table, test_year, len(events), note)


def comparison_text(comparison: LeadTimeComparison) -> str:
    """One paragraph for the report: the headline figures and how they were measured."""
    t = comparison.table.set_index("scoring")
    annual = t.iloc[0]
    monthly = t.iloc[1]

    def months(value: float) -> str:
        return f"{value:.1f} months" if np.isfinite(value) else "no lead (none warned)"

    return (
        f"Test year {comparison.test_year}. The annual model warned "
        f"{annual['warned_share']:.1%} of the events at 경계 or above beforehand, a median "
        f"{months(float(annual['median_months_ahead']))} ahead, flagging "
        f"{annual['alert_volume']:.2%} of graded firms per date; the monthly model at the same "
        f"volume ({monthly['alert_volume']:.2%}) warned {monthly['warned_share']:.1%}, a median "
        f"{months(float(monthly['median_months_ahead']))} ahead. " + comparison.note
    )
