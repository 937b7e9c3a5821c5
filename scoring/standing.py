"""Whether a firm gets a fresh PD and grade, and if not, why (item 9 and 6 of issue 10).

- ``stale``: its latest statement ended more than ``stale_after_months`` months (of 30.4 days)
  before the as-of date, so its PD would describe a firm of years ago (자료 오래됨);
- ``in_state``: it is already in the state the model predicts entering (a "becomes 한계기업"
  model and a firm that already is one: ``features.labels.in_state``), so it is outside the
  population at risk and shows its state instead (이미 한계기업).

Such firms are told with their status, never given a PD or a grade, never ranked by one. A
stale statement wins: the state it shows is as old as the statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
import pandas as pd

from features.labels import STALE_AFTER_MONTHS, STATE_FLAGS, in_state
from features.labels import stale as stale_rows
from features.signals import DAYS_PER_MONTH

Status = Literal["ok", "stale", "in_state"]
STATUSES: Final[tuple[Status, ...]] = ("ok", "stale", "in_state")
OK, STALE, IN_STATE = 0, 1, 2
DEFAULT_STALE_AFTER_MONTHS: Final[int] = STALE_AFTER_MONTHS


def state_names(rules: Sequence[str]) -> tuple[str, str] | None:
    """The state a model on ``rules`` leaves out ("이미 한계기업"), None when it has none."""
    if not rules or any(rule not in STATE_FLAGS for rule in rules):
        return None
    names = [STATE_FLAGS[rule] for rule in rules]
    return " · ".join(n[1] for n in names), "; ".join(n[2] for n in names)


@dataclass(frozen=True)
class Standing:
    """Per feature row: status code (``OK``, ``STALE``, ``IN_STATE``), the latest statement's
    period end and its age in months at the row's as-of date."""

    code: np.ndarray  # (n,) int8
    period_end: np.ndarray  # (n,) datetime64[ns], NaT when not known
    age_months: np.ndarray  # (n,) float, NaN when not known
    state: tuple[str, str] | None  # the model's in-state name (ko, en)

    @property
    def rated(self) -> np.ndarray:
        """Rows that get a PD and a grade."""
        return self.code == OK

    def status(self, row: int) -> Status:
        return STATUSES[int(self.code[row])]

    def statement(self, row: int) -> tuple[pd.Timestamp | None, float | None]:
        """The row's latest statement: period end and age in months (None when not known)."""
        end, age = self.period_end[row], float(self.age_months[row])
        return (None if np.isnat(end) else pd.Timestamp(end)), (age if np.isfinite(age) else None)

    def message(self, row: int) -> tuple[str | None, str | None]:
        """What staff read instead of a grade, in Korean and English (None when rated)."""
        code = int(self.code[row])
        if code == STALE:
            end, _ = self.statement(row)
            day = f"{end:%Y-%m-%d}" if end is not None else "날짜 미상"
            day_en = f"{end:%Y-%m-%d}" if end is not None else "date unknown"
            return f"자료 오래됨 (최근 재무제표 {day})", f"stale data (latest statement {day_en})"
        if code == IN_STATE and self.state is not None:
            return self.state
        return None, None


def standing_of(
    features: pd.DataFrame,
    rules: Sequence[str],
    stale_after_months: int = DEFAULT_STALE_AFTER_MONTHS,
) -> Standing:
    """The standing of every feature row (its own ``as_of``) for a model on ``rules``."""
    age = features["statement_age_months"].to_numpy(dtype="float64", na_value=np.nan)
    period_end = _period_end(features, age)
    stale = stale_rows(features, stale_after_months).to_numpy()
    state = in_state(features, rules).fillna(False).to_numpy(dtype=bool)
    code = np.where(stale, STALE, np.where(state, IN_STATE, OK)).astype(np.int8)
    return Standing(code, period_end, age, state_names(rules))


def _period_end(features: pd.DataFrame, age: np.ndarray) -> np.ndarray:
    """The latest statement's period end: the feature rows' ``period_end`` where they carry it,
    else back from the as-of date by the age (whole days, as the age was counted)."""
    if "period_end" in features.columns:
        return pd.to_datetime(features["period_end"]).to_numpy(dtype="datetime64[ns]")
    as_of = pd.to_datetime(features["as_of"]).to_numpy(dtype="datetime64[ns]")
    days = np.round(age * DAYS_PER_MONTH)
    back = np.where(np.isfinite(days), days, 0).astype("int64").astype("timedelta64[D]")
    out = as_of - back
    out[~np.isfinite(days)] = np.datetime64("NaT")
    return out.astype("datetime64[ns]")
