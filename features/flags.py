"""Rule flags computed beside the model (SPEC §6): 한계기업, 자본잠식, losses, arrears, and the
auditor's qualified opinion or going-concern doubt."""

from __future__ import annotations

import numpy as np
import pandas as pd

from features.ratios import Columns

_LAGS = ("", "_l1", "_l2")


def rule_flags(
    panel: pd.DataFrame, signals: pd.DataFrame, columns: Columns | None = None
) -> pd.DataFrame:
    """Boolean flags per firm; a flag whose inputs are missing is False (not shown).
    ``columns``: the panel already converted (``Columns.numeric``), shared with the ratios."""
    c = Columns.numeric(panel) if columns is None else columns
    counts = signals.drop(columns="months_since_arrears").to_numpy("float64")
    # A missing count adds nothing, as DataFrame.sum(axis=1) skips it.
    arrears = np.where(np.isnan(counts), 0.0, counts).sum(axis=1) > 0
    # Comparisons with a missing value are False: the flag is not shown.
    below_one = [c.icr(lag) < 1.0 for lag in _LAGS]
    losses = [c[f"net_income{lag}"] < 0 for lag in _LAGS]
    equity, capital = c["equity"], c["paid_in_capital"]
    opinion, doubt = c["audit_opinion"], c["going_concern"]  # severity, 0/1
    flags = {
        "marginal_firm": below_one[0] & below_one[1] & below_one[2],
        "temporary_marginal": below_one[0],
        "partial_capital_impairment": (equity < capital) & (equity >= 0),
        "complete_capital_impairment": equity < 0,
        "losses_3y": losses[0] & losses[1] & losses[2],
        "recent_arrears": arrears,
        "qualified_opinion": opinion >= 1.0,
        "going_concern": doubt >= 1.0,
    }
    return pd.DataFrame(flags, index=panel.index, copy=False)


def icr_below_one_2y(panel: pd.DataFrame, columns: Columns | None = None) -> pd.Series:
    """Interest coverage below 1 this year and last (the 한계기업 rule's own persistence score):
    True, False where either year is known to be at or above 1, missing where undecided."""
    c = Columns.numeric(panel) if columns is None else columns
    now, last = c.icr(), c.icr("_l1")
    both = (now < 1.0) & (last < 1.0)
    decided = both | (now >= 1.0) | (last >= 1.0)
    return pd.Series(pd.array(both, dtype="boolean"), index=panel.index).where(decided, pd.NA)
