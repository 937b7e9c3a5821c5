"""Distress labels for (firm, as-of) rows by configurable rules (SPEC §5)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import numpy as np
import pandas as pd

from features.ratios import _icr
from features.signals import first_default
from features.statements import filed_by

LABEL_RULES: Final[tuple[str, ...]] = ("default_event", "capital_impairment", "marginal_firm")
DEFAULT_RULES: Final[tuple[str, ...]] = ("default_event",)


class LabelRuleError(ValueError):
    """An unknown label rule was asked for."""


def check_rules(rules: Sequence[str]) -> tuple[str, ...]:
    unknown = [r for r in rules if r not in LABEL_RULES]
    if unknown or not rules:
        raise LabelRuleError(
            f"label_rules must be a non-empty subset of {', '.join(LABEL_RULES)}; got {list(rules)}"
        )
    return tuple(rules)


def default_event(keys: pd.DataFrame, events: pd.DataFrame, horizon_months: int) -> pd.Series:
    """1 when the first default-type event falls in [as_of, as_of + horizon)."""
    when = first_default(events, keys["firm_id"])
    end = keys["as_of"] + pd.DateOffset(months=horizon_months)
    return ((when >= keys["as_of"]) & (when < end)).astype("float64")


def _next_statement(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.DataFrame:
    """The statement for the fiscal year after the row's latest one, whenever it was filed."""
    final = filed_by(financials, pd.Timestamp.max).set_index(["firm_id", "fiscal_year"])
    index = pd.MultiIndex.from_arrays([keys["firm_id"], keys["fiscal_year"] + 1])
    return final.reindex(index).set_axis(keys.index)


def capital_impairment(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.Series:
    """1 when the next statement shows complete capital impairment (자본총계 < 0)."""
    following = _next_statement(keys, financials)
    return (following["equity"] < 0).astype("float64").where(following["equity"].notna())


def marginal_firm(keys: pd.DataFrame, financials: pd.DataFrame) -> pd.Series:
    """1 when the next statement makes the firm a 한계기업 (third straight year of ICR < 1)."""
    following = _next_statement(keys, financials)
    icr_next = _icr(following)
    was_below = keys["icr_below_one_2y"].astype(bool)
    label = ((icr_next < 1.0) & was_below).astype("float64").where(icr_next.notna())
    # A firm that already is a 한계기업 cannot become one: leave it out of this target.
    return label.mask(keys["marginal_firm"].astype(bool))


def make_labels(
    keys: pd.DataFrame,
    financials: pd.DataFrame,
    events: pd.DataFrame,
    rules: Sequence[str],
    horizon_months: int,
    observed_until: pd.Timestamp,
) -> pd.Series:
    """1 if any chosen rule fires; missing where the horizon runs past the observed data."""
    parts = []
    for rule in check_rules(rules):
        if rule == "default_event":
            parts.append(default_event(keys, events, horizon_months))
        elif rule == "capital_impairment":
            parts.append(capital_impairment(keys, financials))
        else:
            parts.append(marginal_firm(keys, financials))
    stacked = np.vstack([p.to_numpy(dtype="float64") for p in parts])
    label = pd.Series(np.nanmax(np.where(np.isnan(stacked), -1, stacked), axis=0), index=keys.index)
    label = label.where(label >= 0)
    open_window = keys["as_of"] + pd.DateOffset(months=horizon_months) > observed_until
    return label.mask(open_window).rename("label")
