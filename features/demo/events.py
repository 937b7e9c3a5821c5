"""Events: arrears that precede distress, and the default-type events themselves.

Arrears in the 12 months before each as-of follow a Poisson law whose rate rises steeply with
the firm's true risk logit, so they carry the part of risk that statements do not show.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ARREARS_TYPES = np.array(
    ["tax_arrears", "social_insurance_arrears", "wage_arrears", "loan_delinquency_30"]
)
_ARREARS_MIX = np.array([0.35, 0.30, 0.10, 0.25])
_PRECURSOR_MIX = np.array([0.25, 0.25, 0.10, 0.40])
_BASE_RATE, _REFERENCE_LOGIT, _STEEPNESS, _MAX_RATE = 0.06, -4.2, 1.1, 8.0
FIRST_DEFAULT_TYPES = np.array(
    [
        "closure",
        "loan_delinquency_90",
        "dishonored_bill",
        "rehabilitation_filing",
        "bankruptcy",
        "workout",
    ]
)
_FIRST_DEFAULT_MIX = np.array([0.34, 0.30, 0.12, 0.09, 0.10, 0.05])
# What may follow a first default-type event within months (closure and bankruptcy end it).
_FOLLOW_UPS = {
    "loan_delinquency_90": (["rehabilitation_filing", "closure", "bankruptcy"], [0.5, 0.3, 0.2]),
    "dishonored_bill": (["rehabilitation_filing", "closure", "bankruptcy"], [0.4, 0.4, 0.2]),
    "workout": (["rehabilitation_filing", "closure"], [0.6, 0.4]),
    "rehabilitation_filing": (["bankruptcy", "closure"], [0.4, 0.6]),
}
_FOLLOW_UP_CHANCE = 0.3


def arrears_rate(logit: np.ndarray) -> np.ndarray:
    """Expected arrears events a year: about 0.06 for a typical firm, several near default."""
    return np.minimum(_BASE_RATE * np.exp(_STEEPNESS * (logit - _REFERENCE_LOGIT)), _MAX_RATE)


def _amounts(
    rng: np.random.Generator,
    kind: np.ndarray,
    revenue: np.ndarray,
    payroll: np.ndarray,
    borrowings: np.ndarray,
) -> np.ndarray:
    """Plausible amounts (천원): taxes scale with revenue, insurance and wages with payroll."""
    base = np.select(
        [
            kind == "tax_arrears",
            kind == "social_insurance_arrears",
            kind == "wage_arrears",
            kind == "loan_delinquency_30",
            kind == "loan_delinquency_90",
            kind == "dishonored_bill",
        ],
        [
            0.004 * revenue,
            0.02 * payroll,
            0.05 * payroll,
            0.05 * borrowings,
            0.3 * borrowings,
            0.02 * revenue,
        ],
        np.nan,
    )
    return np.round(base * rng.lognormal(0, 0.6, len(kind)), 0)


def arrears_events(rng: np.random.Generator, risk: pd.DataFrame) -> pd.DataFrame:
    """Arrears dated in the 12 months before each as-of, at a rate set by the true logit."""
    counts = rng.poisson(arrears_rate(risk["logit"].to_numpy()))
    row = np.repeat(np.arange(len(risk)), counts)
    picked = risk.iloc[row]
    as_of = _june_30(picked["as_of_year"].to_numpy())
    kind = rng.choice(ARREARS_TYPES, len(row), p=_ARREARS_MIX)
    return pd.DataFrame(
        {
            "firm": picked["firm"].to_numpy(),
            "event_date": as_of - rng.integers(0, 365, len(row)).astype("timedelta64[D]"),
            "event_type": kind,
            "amount": _amounts(rng, kind, *_money(picked)),
        }
    )


def default_events(
    rng: np.random.Generator, risk: pd.DataFrame, horizon: np.datetime64
) -> pd.DataFrame:
    """First default-type events, precursor arrears before them, and follow-ups after them."""
    defaults = risk[risk["defaulted"]]
    n = len(defaults)
    date = defaults["default_date"].to_numpy().astype("datetime64[D]")
    kind = rng.choice(FIRST_DEFAULT_TYPES, n, p=_FIRST_DEFAULT_MIX)
    first = pd.DataFrame(
        {
            "firm": defaults["firm"].to_numpy(),
            "event_date": date,
            "event_type": kind,
            "amount": _amounts(rng, kind, *_money(defaults)),
        }
    )
    return pd.concat(
        [first, _precursors(rng, defaults, date), _follow_ups(rng, first, defaults, horizon)],
        ignore_index=True,
    )


def _precursors(rng: np.random.Generator, defaults: pd.DataFrame, date: np.ndarray) -> pd.DataFrame:
    """Arrears and 30-day delinquencies between the as-of and the default."""
    as_of = _june_30(defaults["as_of_year"].to_numpy())
    room = (date - as_of).astype(int) - 1
    counts = np.where(room > 0, 1 + rng.poisson(1.2, len(defaults)), 0)
    row = np.repeat(np.arange(len(defaults)), counts)
    picked = defaults.iloc[row]
    kind = rng.choice(ARREARS_TYPES, len(row), p=_PRECURSOR_MIX)
    offset = (rng.random(len(row)) * room[row]).astype(int) + 1
    return pd.DataFrame(
        {
            "firm": picked["firm"].to_numpy(),
            "event_date": as_of[row] + offset.astype("timedelta64[D]"),
            "event_type": kind,
            "amount": _amounts(rng, kind, *_money(picked)),
        }
    )


def _follow_ups(
    rng: np.random.Generator, first: pd.DataFrame, defaults: pd.DataFrame, horizon: np.datetime64
) -> pd.DataFrame:
    """Sometimes a rehabilitation filing, bankruptcy or closure follows within 1–8 months."""
    parts = []
    for kind, (options, weights) in _FOLLOW_UPS.items():
        rows = np.flatnonzero((first["event_type"] == kind).to_numpy())
        rows = rows[rng.random(len(rows)) < _FOLLOW_UP_CHANCE]
        follow = rng.choice(np.array(options), len(rows), p=weights)
        date = first["event_date"].to_numpy()[rows] + rng.integers(30, 240, len(rows)).astype(
            "timedelta64[D]"
        )
        parts.append(
            pd.DataFrame(
                {
                    "firm": first["firm"].to_numpy()[rows],
                    "event_date": date,
                    "event_type": follow,
                    "amount": _amounts(rng, follow, *_money(defaults.iloc[rows])),
                }
            )
        )
    follow_ups = pd.concat(parts, ignore_index=True)
    return follow_ups[follow_ups["event_date"] <= horizon]


def _money(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Revenue, payroll and borrowings of the statement behind each row (0 when unknown)."""
    return tuple(
        np.nan_to_num(rows[name].to_numpy(float)) for name in ("revenue", "payroll", "borrowings")
    )  # type: ignore[return-value]


def _june_30(year: np.ndarray) -> np.ndarray:
    june = ((year - 1970) * 12 + 5).astype("datetime64[M]")
    return june.astype("datetime64[D]") + np.timedelta64(29, "D")
