"""The auditor's report on audited firms' statements: an opinion and a going-concern paragraph.

Both follow the firm's true distress in the fiscal year (the logit of the PD for the next
June 30 as-of), which the auditor sees more of than the statement shows: mostly 적정; 한정 and
going-concern paragraphs rise with distress; 의견거절 is rare and comes near failure. Levels
among audited firm-years: about 1.7 % non-적정 and 3 % going-concern paragraphs
(docs/demo-data.md). Unaudited firms' statements carry no report (missing).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.contract import AUDIT_OPINIONS

_CLEAN, _QUALIFIED, _ADVERSE, _DISCLAIMER = AUDIT_OPINIONS
_DISCLAIMED_GOING_CONCERN = 0.8  # a disclaimer usually comes with doubt about going concern


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def going_concern_chance(logit: np.ndarray) -> np.ndarray:
    """Under 1 % for healthy firms, about half at a true PD of 10–30 %."""
    return _sigmoid(-0.6 + 1.3 * (logit + 2.0))


def opinion_chances(logit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chances of 의견거절, 부적정 and 한정 (the rest is 적정)."""
    disclaimer = _sigmoid(-2.6 + 1.5 * (logit + 1.0))
    adverse = _sigmoid(-8.2 + 0.4 * (logit + 5.85))
    qualified = _sigmoid(-5.2 + 0.8 * (logit + 5.85))
    return disclaimer, adverse, qualified


def audit_reports(
    rng: np.random.Generator,
    firm: np.ndarray,
    fiscal_year: np.ndarray,
    audited: np.ndarray,
    risk: pd.DataFrame,
) -> pd.DataFrame:
    """``audit_opinion`` and ``going_concern`` for filed rows.

    ``firm`` indexes the drawn firms and ``audited`` is per drawn firm; ``risk`` holds the
    simulation's ``firm``, ``as_of_year`` and ``logit``. One report per firm and fiscal year,
    so a restated row repeats its first filing's report.
    """
    rows = pd.DataFrame({"firm": firm, "fiscal_year": fiscal_year})
    reported = rows[audited[firm]].drop_duplicates()
    logit = _fiscal_year_logit(reported, risk[audited[risk["firm"].to_numpy()]])
    n = len(reported)
    going_concern = rng.random(n) < going_concern_chance(logit)
    disclaimer, adverse, qualified = opinion_chances(logit)
    draw = rng.random(n)
    opinion = np.select(
        [draw < disclaimer, draw < disclaimer + adverse, draw < disclaimer + adverse + qualified],
        [_DISCLAIMER, _ADVERSE, _QUALIFIED],
        _CLEAN,
    )
    going_concern |= (opinion == _DISCLAIMER) & (rng.random(n) < _DISCLAIMED_GOING_CONCERN)
    reports = reported.assign(
        audit_opinion=pd.array(opinion, dtype="string"),
        going_concern=pd.array(going_concern, dtype="boolean"),
    )
    merged = rows.merge(reports, on=["firm", "fiscal_year"], how="left")
    return merged[["audit_opinion", "going_concern"]]


def _fiscal_year_logit(rows: pd.DataFrame, risk: pd.DataFrame) -> np.ndarray:
    """The true logit computed from each row's fiscal-year state (as-of June 30 of t + 1)."""
    keyed = pd.DataFrame(
        {
            "firm": risk["firm"].to_numpy(),
            "fiscal_year": risk["as_of_year"].to_numpy().astype(np.int64) - 1,
            "logit": risk["logit"].to_numpy(),
        }
    )
    found = rows.merge(keyed, on=["firm", "fiscal_year"], how="left")["logit"].to_numpy(float)
    if np.isnan(found).any():
        raise RuntimeError("a filed statement has no simulated fiscal-year state")
    return found
