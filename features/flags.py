"""Rule flags computed beside the model (SPEC §6): 한계기업, 자본잠식, losses, arrears, and the
auditor's qualified opinion or going-concern doubt."""

from __future__ import annotations

import pandas as pd

from features.ratios import _icr


def rule_flags(panel: pd.DataFrame, signals: pd.DataFrame) -> pd.DataFrame:
    """Boolean flags per firm; a flag whose inputs are missing is False (not shown)."""
    index = panel.index
    panel = panel.select_dtypes("number").astype("float64").reset_index(drop=True)
    arrears = signals.drop(columns="months_since_arrears").sum(axis=1).to_numpy() > 0
    below_one = [(_icr(panel, lag) < 1.0) for lag in ("", "_l1", "_l2")]
    losses = [(panel[f"net_income{lag}"] < 0) for lag in ("", "_l1", "_l2")]
    equity, capital = panel["equity"], panel["paid_in_capital"]
    opinion, doubt = panel["audit_opinion"], panel["going_concern"]  # severity, 0/1
    flags = pd.DataFrame(
        {
            "marginal_firm": below_one[0] & below_one[1] & below_one[2],
            "temporary_marginal": below_one[0],
            "partial_capital_impairment": (equity < capital) & (equity >= 0),
            "complete_capital_impairment": equity < 0,
            "losses_3y": losses[0] & losses[1] & losses[2],
            "recent_arrears": arrears,
            "qualified_opinion": opinion >= 1.0,
            "going_concern": doubt >= 1.0,
        }
    )
    return flags.fillna(False).astype(bool).set_axis(index)


def icr_below_one_2y(panel: pd.DataFrame) -> pd.Series:
    """Interest coverage below 1 this year and last (the 한계기업 rule's own persistence score):
    True, False where either year is known to be at or above 1, missing where undecided."""
    numeric = panel.select_dtypes("number").astype("float64").reset_index(drop=True)
    now, last = _icr(numeric), _icr(numeric, "_l1")
    both = (now < 1.0) & (last < 1.0)
    either_fine = (now >= 1.0) | (last >= 1.0)
    decided = both | either_fine
    return both.astype("boolean").where(decided, pd.NA).set_axis(panel.index)
