"""Every stored firm's features at each yearly as-of date, for histories and period changes.

A firm's history must use the features training used on each date, and those depend on the
whole cross-section (peer percentiles, industry distress rates), so one date costs one full
``features_as_of`` call (about a second for 20,000 firms). The latest two dates are computed at
start; older ones on first use or by a background warm-up, each date once, under its own lock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from features.catalog import FLAGS
from features.pipeline import features_as_of
from features.tables import RawTables

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Period:
    """The feature rows of every scorable firm on one as-of date."""

    as_of: pd.Timestamp
    features: pd.DataFrame  # positional index
    rows: dict[str, int]  # firm_id -> row of ``features``
    flags: np.ndarray  # (n, len(FLAGS)) bool

    @classmethod
    def of(cls, as_of: pd.Timestamp, features: pd.DataFrame) -> Period:
        features = features.reset_index(drop=True)
        firm_ids = features["firm_id"].astype(str).tolist()
        flags = features[list(FLAGS)].fillna(False).to_numpy(dtype=bool)
        return cls(as_of, features, {f: i for i, f in enumerate(firm_ids)}, flags)

    def positions(self, firm_ids: Sequence[str]) -> np.ndarray:
        """Rows of ``firm_ids`` in this period, -1 where a firm has no row on this date."""
        return np.array([self.rows.get(f, -1) for f in firm_ids], dtype=np.intp)


class Timeline:
    """Lazily computed periods, one per as-of date; safe to call from many threads."""

    def __init__(self, tables: RawTables, dates: Sequence[pd.Timestamp]) -> None:
        self.tables = tables
        self.dates = tuple(dates)
        self._periods: dict[pd.Timestamp, Period] = {}
        self._locks = {date: threading.Lock() for date in self.dates}

    def period(self, as_of: pd.Timestamp) -> Period:
        """The period on ``as_of`` (one of ``dates``), computing it on first use."""
        with self._locks[as_of]:
            found = self._periods.get(as_of)
            if found is None:
                found = self._periods[as_of] = Period.of(as_of, features_as_of(self.tables, as_of))
            return found

    def keep(self, period: Period) -> None:
        """Adopt a period computed elsewhere (the snapshot's latest date)."""
        with self._locks[period.as_of]:
            self._periods.setdefault(period.as_of, period)

    def computed(self) -> list[pd.Timestamp]:
        """The dates computed so far."""
        return sorted(self._periods)

    def warm(self) -> None:
        """Compute every date, newest first; meant for a background thread, so never raises."""
        try:
            for as_of in reversed(self.dates):
                self.period(as_of)
        except Exception:  # a failed warm-up only makes the first history request slower
            log.exception("timeline warm-up failed")
